import { superviseCard, type OverdueItem } from '../dispatch/cards.js';
import { mentionPerson } from '../delivery/notifier.js';
import { render } from '../templates.js';
import { dueTier, type Tier } from '../tickets/escalation.js';
import { formatShortTime, formatSpan, formatTime } from '../tickets/format.js';
import { DEADLINE_NAMES, STATE_NAMES, type Ticket } from '../tickets/model.js';
import type { Core } from '../core.js';
import type { Job } from './types.js';

const SYSTEM = { actorId: null, actorName: '系统' };

/** The minute in Beijing time, e.g. `2026-11-28 09:00`. */
function minuteKey(now: Date): string {
  return formatTime(now.getTime());
}

type Item = Record<string, unknown> & { projectCode: string };

function owner(core: Core, t: Ticket): { name: string; mention: string } {
  const { roster } = core.repos;
  if (t.assigneeId) {
    const p = roster.person(t.assigneeId);
    if (p) return { name: p.name, mention: mentionPerson(p) };
  }
  if (t.routing === 'coordinators') return { name: '护企办（未认领）', mention: '护企办' };
  const officerId = roster.project(t.projectCode)?.officerId;
  const officer = officerId ? roster.person(officerId) : undefined;
  if (officer && (!t.departmentId || officer.departmentId === t.departmentId)) {
    return { name: `未认领（项目警官${officer.name}）`, mention: mentionPerson(officer) };
  }
  const dept = t.departmentId ? roster.department(t.departmentId)?.name : undefined;
  return { name: `未认领（${dept ?? '未分派'}）`, mention: dept ?? '护企办' };
}

/**
 * The escalation sweep (SPEC §4): the tier due for each ticket past its claim or resolve
 * deadline, and the automatic close of resolutions nobody confirmed. Tickets are found through
 * the next_escalation_at index. Messages for one destination are combined into one message.
 */
export const escalate: Job = {
  name: 'escalate',
  schedule: '* * * * *',
  periodKey: minuteKey,
  catchUp: false,
  run({ core, now, runKey }) {
    const at = now.getTime();
    const { roster, tickets } = core.repos;
    const tiers: Record<Tier, Item[]> = { 1: [], 2: [], 3: [] };
    const closed: Item[] = [];

    core.db.transaction(() => {
      for (const t of tickets.dueForEscalation(at)) {
        const project = roster.project(t.projectCode);
        const base = {
          ref: `#${t.no}`,
          no: t.no,
          projectCode: t.projectCode,
          projectName: project?.name ?? t.projectCode,
          level: project?.level ?? '',
          category: t.category,
          urgent: t.urgency === 'urgent',
          description: [...t.description].slice(0, 60).join(''),
          reporter: t.reporterName,
          createdAt: formatShortTime(t.createdAt),
          state: STATE_NAMES[t.state],
          // A conduct complaint is never posted where the project's own officer reads.
          conduct: t.routing === 'coordinators',
        };
        if (t.state === 'resolved') {
          if (t.confirmDeadline !== null && t.confirmDeadline <= at) {
            t.state = 'closed';
            t.closeKind = 'auto';
            t.closedAt = at;
            t.updatedAt = at;
            tickets.save(t);
            tickets.audit({ ticketNo: t.no, at, ...SYSTEM, action: 'auto_close', fromState: 'resolved', toState: 'closed', detail: { deadline: t.confirmDeadline } });
            closed.push({ ...base, deadline: formatShortTime(t.confirmDeadline) });
          } else {
            tickets.save(t);
          }
          continue;
        }
        const due = dueTier(t, at);
        if (!due) {
          tickets.save(t); // recomputes next_escalation_at for a ticket whose plan changed
          continue;
        }
        const from = t.state;
        t.escDeadline = due.plan.deadline;
        t.escTier = due.tier;
        if (due.tier === 3 && !t.supervised) {
          t.supervised = true;
          tickets.audit({ ticketNo: t.no, at, ...SYSTEM, action: 'supervise', fromState: from, toState: from, detail: { note: '三级预警，自动挂牌督办' } });
        }
        tickets.save(t);
        tickets.audit({
          ticketNo: t.no,
          at,
          ...SYSTEM,
          action: 'escalate',
          fromState: from,
          toState: from,
          detail: { tier: due.tier, kind: due.plan.kind, deadline: due.plan.deadline },
        });
        const o = owner(core, t);
        tiers[due.tier].push({
          ...base,
          deadlineName: DEADLINE_NAMES[due.plan.kind],
          deadline: formatShortTime(due.plan.deadline),
          late: formatSpan(at - due.plan.deadline),
          owner: o.name,
          ownerMention: o.mention,
          action: due.plan.kind === 'claim' ? '认领' : '办结',
          leaders: project?.leaderIds ?? [],
          supervised: t.supervised,
        });
      }
      send(core, runKey, tiers, closed);
    })();
    const counts = `tier1 ${tiers[1].length}, tier2 ${tiers[2].length}, tier3 ${tiers[3].length}, auto-closed ${closed.length}`;
    return counts;
  },
};

function byProject(items: Item[]): Map<string, Item[]> {
  const m = new Map<string, Item[]>();
  for (const i of items) m.set(i.projectCode, [...(m.get(i.projectCode) ?? []), i]);
  return m;
}

function byLeader(items: Item[]): Map<string, Item[]> {
  const m = new Map<string, Item[]>();
  for (const i of items) for (const l of i.leaders as string[]) m.set(l, [...(m.get(l) ?? []), i]);
  return m;
}

/** The tickets of a tier message as its card lists them. */
function overdue(items: Item[]): OverdueItem[] {
  return items.map((i) => ({
    no: i['no'] as number,
    projectName: String(i['projectName']),
    category: String(i['category']),
    late: String(i['late']),
    supervised: i['supervised'] === true,
  }));
}

/** One message per destination and tier, listing every ticket due for it in this sweep. */
function send(core: Core, runKey: string, tiers: Record<Tier, Item[]>, closed: Item[]): void {
  const n = core.notifier;
  const key = (what: string) => `escalate:${runKey}:${what}`;
  for (const [code, items] of byProject(tiers[1].filter((i) => !i.conduct))) {
    n.project(code, render('escalation-tier1', { projectName: items[0]!.projectName, items }), key(`tier1:${code}`));
  }
  const conduct = tiers[1].filter((i) => i.conduct);
  if (conduct.length > 0) {
    n.coordinators(render('escalation-tier1', { projectName: '执法投诉', items: conduct }), key('tier1:conduct'));
  }
  if (tiers[2].length > 0) {
    n.coordinators(render('escalation-tier2', { items: tiers[2] }), key('tier2:coordinators'));
    // A leader can supervise (督办) straight from the message (SPEC §7a).
    for (const [leader, items] of byLeader(tiers[2])) n.person(leader, render('escalation-tier2', { items }), key(`tier2:${leader}`), superviseCard(2, overdue(items)));
  }
  if (tiers[3].length > 0) {
    n.coordinators(render('escalation-tier3', { items: tiers[3] }), key('tier3:coordinators'));
    for (const [leader, items] of byLeader(tiers[3])) n.person(leader, render('escalation-tier3', { items }), key(`tier3:${leader}`), superviseCard(3, overdue(items)));
  }
  for (const [code, items] of byProject(closed.filter((i) => !i.conduct))) n.project(code, render('auto-closed', { items }), key(`closed:${code}`));
  const closedConduct = closed.filter((i) => i.conduct);
  if (closedConduct.length > 0) n.coordinators(render('auto-closed', { items: closedConduct }), key('closed:conduct'));
}
