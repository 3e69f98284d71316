import type { Repos } from '../db/repos.js';
import { WorkCalendar } from '../tickets/calendar.js';
import { workDeadline } from '../tickets/escalation.js';
import type { Ticket } from '../tickets/model.js';
import { ticketView, type TicketView } from '../tickets/view.js';
import type { FiguresReport, Period } from '../reports/figures.js';
import { scopeUnits, subtreeScope } from '../tickets/scope.js';
import type { JobContext, JobDeps } from './types.js';

/** A ticket as the report messages (digest, 季度通报) list it: the one view of a ticket, with short times. */
export type TicketLine = TicketView;

/**
 * The instant "now" means in a report: the time it runs as of, but never earlier than the real
 * clock. The data is as it stands when the message goes out, so a run made up after a restart
 * must judge what is overdue by the time people read it, not by the missed firing time.
 */
export function asOf(ctx: Pick<JobContext, 'clock' | 'now'>): number {
  return Math.max(ctx.now.getTime(), ctx.clock.now().getTime());
}

export function ticketLine(repos: Repos, t: Ticket, at: number): TicketLine {
  const v = ticketView(t, repos.roster, at);
  return { ...v, deadline: v.deadlineShort };
}

/** How many tickets a list in a chat message shows; the rest are counted, and the export has them all. */
export const LIST_LIMIT = 50;

/** Tickets past their current claim or resolve deadline at `at`, the longest overdue first. */
export function overdueTickets(repos: Repos, at: number, units: readonly string[] | null = null): { lines: TicketLine[]; total: number } {
  const { tickets, total } = repos.tickets.list({ overdueAt: at, units, limit: 10_000 });
  const lines = tickets
    .map((t) => ({ t, due: workDeadline(t)?.at ?? at }))
    .sort((a, b) => a.due - b.due || a.t.no - b.t.no)
    .slice(0, LIST_LIMIT)
    .map(({ t }) => ticketLine(repos, t, at));
  return { lines, total };
}

/** Shanghai date of an instant, `YYYY-MM-DD`. */
export const dateOf = (ms: number): string => WorkCalendar.shanghaiDate(new Date(ms));

/** The first working day of the month that `date` (YYYY-MM-DD) is in. */
export function firstWorkdayOfMonth(cal: WorkCalendar, date: string): string {
  const start = Date.parse(`${date.slice(0, 8)}01T00:00:00Z`);
  for (let i = 0; i < 31; i += 1) {
    const day = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
    if (cal.isWorkday(day)) return day;
  }
  throw new Error(`no working day in the month of ${date}`);
}

/** Reports wait for the month's first working day (the 1st may be a holiday or a weekend). */
export function beforeFirstWorkday(deps: Pick<JobDeps, 'calendar'>, now: Date): string | null {
  const today = dateOf(now.getTime());
  const first = firstWorkdayOfMonth(deps.calendar(), today);
  return today >= first ? null : `还没到时间：${today.slice(0, 7)} 的第一个工作日是 ${first}`;
}

/**
 * A unit's report for its coordinators' group and, by direct message, every person with the
 * leader role in that unit (SPEC §11; without a unit, the root's). Queued in one transaction, so a
 * crash leaves all of it or none for the retried run. Returns how many leaders it went to.
 */
export function sendToCoordinatorsAndLeaders(ctx: Pick<JobContext, 'repos' | 'notify' | 'tx'>, text: string, key: string, unitId: string | null = null): number {
  const { roster } = ctx.repos;
  const unit = roster.unitOrRoot(unitId);
  const leaders = roster.people().filter((p) => p.roles.includes('leader') && roster.unitOrRoot(p.unitId) === unit);
  const isRoot = unit === roster.rootUnitId();
  const k = isRoot ? key : `${key}:${unit}`;
  ctx.tx.run(() => {
    ctx.notify.coordinators(text, `${k}:coordinators`, undefined, undefined, unitId);
    for (const p of leaders) ctx.notify.person(p.id, text, `${k}:${p.id}`);
  });
  return leaders.length;
}

/** The unit ids a unit's reports cover (SPEC §11): it and those below it; null for the root (everything). */
export function unitsOf(repos: Repos, unitId: string | null): string[] | null {
  return scopeUnits(subtreeScope(repos.roster.units(), unitId));
}

/**
 * The units a report goes to (SPEC §11): the root (null), always, and each unit below it whose
 * projects had tickets in the period or have overdue ones now; a unit with nothing to report gets
 * no empty report.
 */
export function reportUnits(ctx: Pick<JobContext, 'repos' | 'figures'>, period: Period, at: number): { unitId: string | null; report: FiguresReport }[] {
  const out = [{ unitId: null as string | null, report: ctx.figures.compute(period, at) }];
  for (const u of ctx.repos.roster.units()) {
    if (u.parentId === null) continue;
    const report = ctx.figures.compute(period, at, { unitId: u.id });
    if (report.overall.received > 0 || report.overall.overdue > 0) out.push({ unitId: u.id, report });
  }
  return out;
}
