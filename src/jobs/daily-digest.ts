import { render } from '../templates.js';
import { WorkCalendar } from '../tickets/calendar.js';
import { formatDuration, parseDuration } from '../tickets/duration.js';
import { formatShortTime, formatTime } from '../tickets/format.js';
import type { Ticket } from '../tickets/model.js';
import { asOf, dateOf, LIST_LIMIT, overdueTickets, ticketLine, unitsOf } from './report-lines.js';
import type { Job, JobContext } from './types.js';

const NAME = 'daily-digest';

/** `10-08`, for the digest's headings. */
const monthDay = (date: string) => date.slice(5);

/**
 * 日报 (SPEC §6), on working days, to the coordinators' group: the tickets received since the
 * previous digest (yesterday; after a weekend or holiday, from the last working day on, so that
 * nothing reported on a Friday or a Saturday is missed), those waiting to be claimed, the overdue
 * ones, the extension requests waiting for an answer and the resolutions waiting for 回访.
 */
export const dailyDigest: Job = {
  name: NAME,
  schedule: '30 8 * * *',
  periodKey: (now) => dateOf(now.getTime()),
  catchUp: true,
  run(ctx) {
    const cal = ctx.calendar();
    const today = dateOf(ctx.now.getTime());
    if (!cal.isWorkday(today)) return `${today} 不是工作日，不发日报`;
    const at = asOf(ctx);
    const to = WorkCalendar.shanghaiTime(today, 0, 0).getTime();
    // From the previous working day on: each digest covers the days since the one before it.
    const from = WorkCalendar.shanghaiTime(cal.workdaysBefore(today, 1), 0, 0).getTime();
    // The root's group gets the digest of everything, every working day; each unit below it, of
    // its own tickets and those of the units below it, on days it has something to list (SPEC §11).
    const lines = [digest(ctx, null, { today, at, from, to })];
    for (const u of ctx.repos.roster.units()) {
      if (u.parentId === null) continue;
      const line = digest(ctx, u.id, { today, at, from, to });
      if (line) lines.push(`${u.name}：${line}`);
    }
    return lines.join('；');
  },
};

/** One unit's digest (null: the root's, sent even when empty); returns its summary, or null when a unit's had nothing. */
function digest(ctx: JobContext, unitId: string | null, when: { today: string; at: number; from: number; to: number }): string | null {
  const { repos } = ctx;
  const { today, at, from, to } = when;
  const units = unitsOf(repos, unitId);
  const mine = units === null ? () => true : (t: Ticket) => units.includes(repos.roster.project(t.projectCode)?.unitId ?? '');
  const first = dateOf(from);
  const last = dateOf(to - 1);
  const received = repos.tickets.receivedIn(from, to).filter(mine).map((t) => ticketLine(repos, t, at));
  const open = repos.tickets.list({ states: ['open'], units, limit: 10_000 });
  const waiting = open.tickets.sort((a, b) => a.no - b.no).slice(0, LIST_LIMIT).map((t) => ticketLine(repos, t, at));
  const overdue = overdueTickets(repos, at, units);
  // Waiting for a coordinator: extension requests to answer, and resolutions to follow up by phone.
  const all = repos.extensions.waiting(units === null ? LIST_LIMIT : 10_000);
  const requests = all.requests.flatMap((r) => {
    const t = repos.tickets.get(r.ticketNo);
    return t && mine(t) ? [{ r, t }] : [];
  });
  const requestsTotal = units === null ? all.total : requests.length;
  const extensions = requests.slice(0, LIST_LIMIT).map(({ r, t }) => {
    const d = parseDuration(r.duration);
    return { ...ticketLine(repos, t, at), duration: d ? formatDuration(d) : r.duration, reason: r.reason, requestedAt: formatShortTime(r.requestedAt) };
  });
  const followups = repos.tickets.list({ states: ['followup'], units, limit: 10_000 });
  const toCall = followups.tickets
    .sort((a, b) => a.no - b.no)
    .slice(0, LIST_LIMIT)
    .map((t) => ({ ...ticketLine(repos, t, at), confirmDeadline: t.confirmDeadline ? formatShortTime(t.confirmDeadline) : '' }));
  const nothing = received.length + open.total + overdue.total + requestsTotal + followups.total === 0;
  if (unitId !== null && nothing) return null;
  const text = render('daily-digest', {
    date: today,
    asOf: formatTime(at),
    unitName: unitId === null ? '' : repos.roster.unitName(unitId),
    since: first === last ? `昨日 ${monthDay(last)}` : `${monthDay(first)}至${monthDay(last)}`,
    received: received.slice(0, LIST_LIMIT),
    receivedTotal: received.length,
    receivedMore: Math.max(0, received.length - LIST_LIMIT),
    waiting,
    waitingTotal: open.total,
    waitingMore: open.total - waiting.length,
    overdue: overdue.lines,
    overdueTotal: overdue.total,
    overdueMore: overdue.total - overdue.lines.length,
    extensions,
    extensionsTotal: requestsTotal,
    extensionsMore: requestsTotal - extensions.length,
    followups: toCall,
    followupsTotal: followups.total,
    followupsMore: followups.total - toCall.length,
  });
  const key = unitId === null ? `${NAME}:${ctx.runKey}:coordinators` : `${NAME}:${ctx.runKey}:${unitId}:coordinators`;
  ctx.tx.run(() => ctx.notify.coordinators(text, key, undefined, undefined, unitId));
  return `新收 ${received.length} 件，待认领 ${open.total} 件，超时 ${overdue.total} 件，延期申请 ${requestsTotal} 件，待回访 ${followups.total} 件`;
}
