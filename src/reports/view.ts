import { formatSpan, formatTime, percent } from '../tickets/format.js';
import type { FigureRow, FiguresReport } from './figures.js';

/** A rate with its numerator and denominator (SPEC §6): `75.0%（3/4）`; `—（0/0）` when nothing was due. */
export function rateWithCounts(n: number, d: number): string {
  return `${percent(n, d)}（${n}/${d}）`;
}

/** A figure row as people read it, for templates and exports alike. */
export function figureRowView(r: FigureRow): Record<string, string | number> {
  const proxy = r.proxySatisfied + r.proxyDissatisfied;
  return {
    name: r.name,
    received: r.received,
    claimDue: r.claimDue,
    claimed: r.claimed,
    claimedOnTime: r.claimedOnTime,
    claimRate: percent(r.claimedOnTime, r.claimDue),
    claimRateFull: rateWithCounts(r.claimedOnTime, r.claimDue),
    resolveDue: r.resolveDue,
    resolved: r.resolved,
    resolvedOnTime: r.resolvedOnTime,
    resolveRate: percent(r.resolvedOnTime, r.resolveDue),
    resolveRateFull: rateWithCounts(r.resolvedOnTime, r.resolveDue),
    closed: r.closed,
    satisfied: r.satisfied,
    dissatisfied: r.dissatisfied,
    satisfactionRate: percent(r.satisfied, r.satisfied + r.dissatisfied),
    satisfactionRateFull: rateWithCounts(r.satisfied, r.satisfied + r.dissatisfied),
    proxySatisfied: r.proxySatisfied,
    proxyDissatisfied: r.proxyDissatisfied,
    proxyCount: proxy,
    proxyRate: percent(r.proxySatisfied, proxy),
    proxyRateFull: rateWithCounts(r.proxySatisfied, proxy),
    awaitingFollowup: r.awaitingFollowup,
    unrated: r.unrated,
    reopened: r.reopened,
    raised: r.raised,
    overdue: r.overdue,
    medianClaim: r.medianClaimMs === null ? '—' : formatSpan(r.medianClaimMs),
    medianResolve: r.medianResolveMs === null ? '—' : formatSpan(r.medianResolveMs),
  };
}

export function figuresView(f: FiguresReport): Record<string, unknown> {
  return {
    period: f.period.label,
    asOf: formatTime(f.asOf),
    overall: figureRowView(f.overall),
    departments: f.byDepartment.map(figureRowView),
    officers: f.byOfficer.map(figureRowView),
    projects: f.byProject.map(figureRowView),
    // SPEC §11: the unit below the root the figures are for, and the units below it, each with
    // everything below that one (shown when any of them had tickets; the unit's own projects are
    // its 本级 row).
    unitName: f.unit.id === null ? '' : f.unit.name,
    units: f.byUnit.some((r) => r.key !== f.unit.ownRow) ? f.byUnit.map(figureRowView) : [],
  };
}
