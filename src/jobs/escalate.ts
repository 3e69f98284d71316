import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EventSource } from '../db/tickets-repo.js';
import { render } from '../templates.js';
import { REMIND, tierOfStage, type Tier } from '../tickets/escalation.js';
import { formatShortTime, formatSpan, formatTime } from '../tickets/format.js';
import { awaitFollowup, escalate as escalateStep, type Sent } from '../tickets/lifecycle.js';
import { DEADLINE_NAMES, type Ticket } from '../tickets/model.js';
import { accountableOf, accountableRecipients, ticketView, type TicketView } from '../tickets/view.js';
import { superviseCard, type OverdueItem } from '../dispatch/cards.js';
import { supervisingUnits } from '../delivery/notifier.js';
import type { Job, JobContext } from './types.js';

/** Tickets handled per transaction: the sweep runs on the server's thread, which answers callbacks. */
const BATCH = 50;
/** The most one run handles; the rest waits for the next minute. */
const MAX_PER_RUN = 10_000;
/** How long a batch waits, all told, for another connection's write lock before the run gives up. */
const LOCK_WAIT_MS = 5_000;

/** The minute in Beijing time, e.g. `2026-11-28 09:00`. */
function minuteKey(now: Date): string {
  return formatTime(now.getTime());
}

type Item = TicketView & { action: string; left: string; leaders: string[]; head: string | null };

/** What one batch sends, by destination; each destination gets one message per kind. */
class Mail {
  readonly reminders = new Map<string, Item[]>();
  /** the coordinators' groups, by unit ('' for the root: SPEC §11) */
  readonly remindersCoordinators = new Map<string, Item[]>();
  readonly tier1Groups = new Map<string, Item[]>();
  readonly tier1People = new Map<string, Item[]>();
  readonly tier1Coordinators = new Map<string, Item[]>();
  readonly tier2People = new Map<string, Item[]>();
  readonly tier2Coordinators = new Map<string, Item[]>();
  readonly tier3People = new Map<string, Item[]>();
  readonly tier3Coordinators = new Map<string, Item[]>();
  readonly followups = new Map<string, Item[]>();
  counts = { remind: 0, 1: 0, 2: 0, 3: 0, followup: 0 };

  static add(m: Map<string, Item[]>, key: string, item: Item): void {
    const list = m.get(key);
    if (list) list.push(item);
    else m.set(key, [item]);
  }

  /** Files an item for the coordinators' group of each unit (null: the root), once per unit. */
  static toUnits(m: Map<string, Item[]>, units: readonly (string | null)[], item: Item): void {
    for (const u of new Set(units.map((x) => x ?? ''))) Mail.add(m, u, item);
  }
}

/**
 * The coordinators' groups a ticket's messages go to (SPEC §11): those who supervise it (its
 * project's unit, and the unit it was 提级 to); for tier 3 (预警), also the unit above its
 * project's (升级到上级).
 */
function unitsFor(ctx: JobContext, t: Ticket, tier3 = false): (string | null)[] {
  const { roster } = ctx.repos;
  const units = supervisingUnits(roster, t);
  const own = units[0] ?? null;
  const parent = own === null ? null : (roster.unit(own)?.parentId ?? null);
  const all = tier3 && parent !== null ? [...units, parent] : units;
  // The root's group is keyed as it was before units.
  const root = roster.rootUnitId();
  return all.map((u) => (u === root ? null : u));
}

/**
 * Files a reminder or tier for the people SPEC §4 names. Everything about a conduct complaint
 * (执法投诉) goes to the coordinators only.
 */
function file(ctx: JobContext, mail: Mail, t: Ticket, item: Item, sent: Sent): void {
  const { roster } = ctx.repos;
  const conduct = t.routing === 'coordinators';
  const who = accountableRecipients(accountableOf(t, roster), roster);
  const tier = tierOfStage(sent.stage);
  if (sent.stage === REMIND) {
    mail.counts.remind++;
    if (conduct || who.coordinators) Mail.toUnits(mail.remindersCoordinators, unitsFor(ctx, t), item);
    for (const p of conduct ? [] : who.people) Mail.add(mail.reminders, p, item);
    return;
  }
  mail.counts[tier!]++;
  if (tier === 1) {
    // The project group, mentioning whoever is accountable, and a direct message to them.
    if (conduct || who.coordinators) Mail.toUnits(mail.tier1Coordinators, unitsFor(ctx, t), item);
    if (!conduct) Mail.add(mail.tier1Groups, t.projectCode, item);
    for (const p of conduct ? [] : who.people) Mail.add(mail.tier1People, p, item);
  } else if (tier === 2) {
    // The project's leaders and the head of the responsible department, and the coordinators' group.
    Mail.toUnits(mail.tier2Coordinators, unitsFor(ctx, t), item);
    if (conduct) return;
    const to = new Set([...item.leaders, ...(item.head ? [item.head] : [])]);
    for (const p of to) Mail.add(mail.tier2People, p, item);
  } else {
    // A 预警单 to the coordinators' group and every leader of the project.
    Mail.toUnits(mail.tier3Coordinators, unitsFor(ctx, t, true), item);
    if (conduct) return;
    for (const p of item.leaders) Mail.add(mail.tier3People, p, item);
  }
}

/** The tickets of a tier message as its [督办] card lists them. */
function overdue(items: Item[]): OverdueItem[] {
  return items.map((i) => ({ no: i.no, projectName: i.projectName, category: i.category, late: String(i['late'] ?? ''), supervised: i.supervised }));
}

/** Queues what a batch found: one message per destination and kind. */
function send(ctx: JobContext, key: (what: string) => string, mail: Mail): void {
  const n = ctx.notify;
  // Each unit's coordinators' group, one message per kind ('' is the root's, keyed as before units).
  const groups = (m: Map<string, Item[]>, what: string, template: string, view: object = {}) => {
    for (const [unit, items] of m) n.coordinators(render(template, { ...view, items }), key(unit ? `${what}:${unit}` : what), undefined, undefined, unit || null);
  };
  for (const [person, items] of mail.reminders) n.person(person, render('deadline-reminder', { items }), key(`remind:${person}`));
  groups(mail.remindersCoordinators, 'remind:coordinators', 'deadline-reminder');
  for (const [code, items] of mail.tier1Groups) {
    n.project(code, render('escalation-tier1', { projectName: items[0]!.projectName, items }), key(`tier1:${code}`));
  }
  for (const [person, items] of mail.tier1People) n.person(person, render('escalation-tier1', { direct: true, items }), key(`tier1:${person}`));
  groups(mail.tier1Coordinators, 'tier1:coordinators', 'escalation-tier1', { direct: true });
  groups(mail.tier2Coordinators, 'tier2:coordinators', 'escalation-tier2');
  // A leader can supervise (督办) straight from the message (SPEC §7a); a department head gets the text.
  const card = (person: string, tier: 2 | 3, items: Item[]) =>
    ctx.repos.roster.person(person)?.roles.includes('leader') ? superviseCard(tier, overdue(items)) : undefined;
  for (const [person, items] of mail.tier2People) n.person(person, render('escalation-tier2', { items }), key(`tier2:${person}`), card(person, 2, items));
  groups(mail.tier3Coordinators, 'tier3:coordinators', 'escalation-tier3');
  for (const [person, items] of mail.tier3People) n.person(person, render('escalation-tier3', { items }), key(`tier3:${person}`), card(person, 3, items));
  groups(mail.followups, 'followup:coordinators', 'followup-due');
}

/** One transaction's worth: the due tickets, their steps, and the messages they cause. */
function sweepBatch(ctx: JobContext, at: number, mail: Mail): number {
  const { roster, tickets } = ctx.repos;
  const system: EventSource = { actorId: null, actorName: '系统', at };
  const due = tickets.dueForEscalation(at, BATCH);
  for (const t of due) {
    if (t.state === 'resolved') {
      if (t.confirmDeadline !== null && t.confirmDeadline <= at) {
        // Nobody answered by the confirm deadline: 待回访, for the coordinators to phone.
        const out = awaitFollowup(t, at);
        tickets.save(out.ticket);
        tickets.record(t.no, out.events, system);
        const v = ticketView(out.ticket, roster, at);
        Mail.toUnits(mail.followups, unitsFor(ctx, t), { ...v, deadline: formatShortTime(t.confirmDeadline), action: '', left: '', leaders: [], head: null });
        mail.counts.followup++;
      } else {
        tickets.save(t); // recomputes next_escalation_at for a ticket whose plan changed
      }
      continue;
    }
    const out = escalateStep(t, at);
    tickets.save(out.ticket);
    if (!out.sent) continue;
    tickets.record(t.no, out.events, system);
    const project = roster.project(t.projectCode);
    const department = t.departmentId ? roster.department(t.departmentId) : undefined;
    const item: Item = {
      ...ticketView(out.ticket, roster, at),
      deadlineName: DEADLINE_NAMES[out.sent.kind],
      deadline: formatShortTime(out.sent.deadline),
      late: formatSpan(at - out.sent.deadline),
      left: formatSpan(out.sent.deadline - at),
      action: out.sent.kind === 'claim' ? '认领' : '办结',
      leaders: project?.leaderIds ?? [],
      head: department?.headId ?? null,
      description: [...t.description].slice(0, 60).join(''),
    };
    file(ctx, mail, out.ticket, item, out.sent);
  }
  // Keys name the batch by its first ticket: a run retried after a failure sends what it had not.
  if (due.length > 0) send(ctx, (what) => `escalate:${ctx.runKey}:${due[0]!.no}:${what}`, mail);
  return due.length;
}

/**
 * The escalation sweep (SPEC §4): for each ticket past three quarters of its claim or resolve
 * window, or past its deadline, the reminder or tier due; and resolutions nobody answered by the
 * confirm deadline become 待回访. Tickets are found through the next_escalation_at index, a few at
 * a time, each batch in its own short transaction taken only when the write lock is free, and the
 * event loop is let go between batches, so callbacks are answered meanwhile.
 */
export const escalate: Job = {
  name: 'escalate',
  schedule: '* * * * *',
  periodKey: minuteKey,
  catchUp: false,
  async run(ctx) {
    const at = ctx.now.getTime();
    const total: Mail['counts'] = { remind: 0, 1: 0, 2: 0, 3: 0, followup: 0 };
    let handled = 0;
    for (;;) {
      const mail = new Mail();
      let n = 0;
      const batch = () => {
        n = sweepBatch(ctx, at, mail);
      };
      let waited = 0;
      while (!ctx.tx.ifFree(batch)) {
        if (waited >= LOCK_WAIT_MS) throw new Error(`the database stayed locked for ${LOCK_WAIT_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
        waited += 10;
      }
      for (const k of Object.keys(total) as (keyof Mail['counts'])[]) total[k] += mail.counts[k];
      handled += n;
      if (n < BATCH || handled >= MAX_PER_RUN) break;
      await yieldToEventLoop();
    }
    const tiers = (t: Tier) => total[t];
    // One wording for the CLI and the job-run log (job_runs.summary), like the other jobs'.
    return `临期提醒 ${total.remind}，一级 ${tiers(1)}，二级 ${tiers(2)}，三级 ${tiers(3)}，待回访 ${total.followup}`;
  },
};
