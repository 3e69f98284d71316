import type { Repos } from '../db/repos.js';
import { hasDue, previousQuarter, type FigureRow, type FiguresReport } from '../reports/figures.js';
import { figureRowView, figuresView } from '../reports/view.js';
import { render } from '../templates.js';
import { formatTime } from '../tickets/format.js';
import { asOf, dateOf, beforeFirstWorkday, LIST_LIMIT, overdueTickets, reportUnits, sendToCoordinatorsAndLeaders, ticketLine, unitsOf } from './report-lines.js';
import type { Job } from './types.js';

const NAME = 'quarterly-report';

/** `YYYY-Qn` of the quarter before the one `now` is in (Beijing time). */
function reportedQuarter(now: Date): string {
  const first = dateOf(previousQuarter(now.getTime()).from);
  return `${first.slice(0, 4)}-Q${Math.floor((Number(first.slice(5, 7)) - 1) / 3) + 1}`;
}

/** A rate, or null when nothing was there to measure (ranked below every real rate). */
function rate(n: number, d: number): number | null {
  return d === 0 ? null : n / d;
}

function compareRates(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return b - a;
}

/** A department's place in the 季度通报's ranking. */
export interface RankedRow {
  rank: number;
  row: FigureRow;
}

/**
 * The ranking of departments (SPEC §6): by 按时办结率, then 签收及时率, then 满意率; a rate with
 * nothing to measure counts lowest. Departments equal on all three share a rank (1, 2, 2, 4).
 * Only real departments with something due in the period are ranked: not the unassigned tickets,
 * not 护企办's own, and not a department that had nothing to claim or resolve.
 */
export function rankDepartments(rows: readonly FigureRow[]): RankedRow[] {
  return rankRows(rows.filter((r) => !r.key.startsWith(':')));
}

/**
 * A parent unit's ranking of the units below it (SPEC §11), each with everything below that one:
 * the same order as the departments', without the unit's own projects (本级).
 */
export function rankUnits(report: FiguresReport): RankedRow[] {
  return rankRows(report.byUnit.filter((r) => r.key !== report.unit.ownRow));
}

/** Rows with something due, ranked by 按时办结率, 签收及时率, 满意率; equal rows share a rank. */
function rankRows(rows: readonly FigureRow[]): RankedRow[] {
  const keyed = rows
    .filter((r) => hasDue(r))
    .map((row) => ({
      row,
      onTime: rate(row.resolvedOnTime, row.resolveDue),
      claimed: rate(row.claimedOnTime, row.claimDue),
      satisfied: rate(row.satisfied, row.satisfied + row.dissatisfied),
    }));
  const cmp = (a: (typeof keyed)[number], b: (typeof keyed)[number]) =>
    compareRates(a.onTime, b.onTime) || compareRates(a.claimed, b.claimed) || compareRates(a.satisfied, b.satisfied);
  keyed.sort((a, b) => cmp(a, b) || a.row.name.localeCompare(b.row.name, 'zh'));
  const ranked: RankedRow[] = [];
  keyed.forEach((k, i) => {
    const prev = keyed[i - 1];
    const rank = prev && cmp(prev, k) === 0 ? ranked[i - 1]!.rank : i + 1;
    ranked.push({ rank, row: k.row });
  });
  return ranked;
}

/** Supervised (挂牌督办) tickets not yet closed, oldest first. */
function supervisedTickets(repos: Repos, at: number, units: readonly string[] | null) {
  const { tickets } = repos.tickets.list({ states: ['open', 'claimed', 'resolved', 'followup'], units, limit: 10_000 });
  const all = tickets.filter((t) => t.supervised).sort((a, b) => a.no - b.no);
  return { lines: all.slice(0, LIST_LIMIT).map((t) => ticketLine(repos, t, at)), total: all.length };
}

/**
 * 季度通报 (SPEC §6): the previous quarter's figures per department (ranked) and per project,
 * with the overdue and supervised lists as they stand, on the quarter's first working day, to
 * the coordinators' group and each leader.
 */
export const quarterlyReport: Job = {
  name: NAME,
  schedule: '0 9 1-10 1,4,7,10 *',
  periodKey: reportedQuarter,
  catchUp: true,
  notDue: beforeFirstWorkday,
  run(ctx) {
    const at = asOf(ctx);
    const { repos } = ctx;
    // Each unit's 通报 to its own group and leaders, for it and the units below it (SPEC §11); a
    // parent's ranks the units below it.
    const lines = reportUnits(ctx, previousQuarter(ctx.now.getTime()), at).map(({ unitId, report }) => {
      const units = unitsOf(repos, unitId);
      const ranking = rankDepartments(report.byDepartment);
      const ranked = new Set(ranking.map((r) => r.row.key));
      const overdue = overdueTickets(repos, at, units);
      const supervised = supervisedTickets(repos, at, units);
      const text = render('quarterly-report', {
        ...figuresView(report),
        asOf: formatTime(at),
        ranking: ranking.map((r) => ({ rank: r.rank, ...figureRowView(r.row) })),
        unranked: report.byDepartment.filter((r) => !ranked.has(r.key)).map(figureRowView),
        unitRanking: rankUnits(report).map((r) => ({ rank: r.rank, ...figureRowView(r.row) })),
        overdueList: overdue.lines,
        overdueTotal: overdue.total,
        overdueMore: overdue.total - overdue.lines.length,
        supervisedList: supervised.lines,
        supervisedTotal: supervised.total,
        supervisedMore: supervised.total - supervised.lines.length,
      });
      const leaders = sendToCoordinatorsAndLeaders(ctx, text, `${NAME}:${ctx.runKey}`, unitId);
      const line = `收到工单 ${report.overall.received} 件，超时 ${overdue.total} 件，督办 ${supervised.total} 件；已发给护企办和 ${leaders} 位领导`;
      return unitId === null ? line : `${report.unit.name}：${line}`;
    });
    return lines.join('；');
  },
};
