import { formatSpan, percent } from '../tickets/format.js';
import type { FigureRow, FiguresReport } from './figures.js';

/** A figure row as people read it, for templates and exports alike. */
export function figureRowView(r: FigureRow): Record<string, string | number> {
  return {
    name: r.name,
    received: r.received,
    claimed: r.claimed,
    claimRate: percent(r.claimedOnTime, r.claimed),
    resolved: r.resolved,
    resolveRate: percent(r.resolvedOnTime, r.resolved),
    closed: r.closed,
    satisfied: r.satisfied,
    dissatisfied: r.dissatisfied,
    unrated: r.unrated,
    satisfactionRate: percent(r.satisfied, r.satisfied + r.dissatisfied),
    reopened: r.reopened,
    overdue: r.overdue,
    medianClaim: r.medianClaimMs === null ? '—' : formatSpan(r.medianClaimMs),
    medianResolve: r.medianResolveMs === null ? '—' : formatSpan(r.medianResolveMs),
  };
}

export function figuresView(f: FiguresReport): Record<string, unknown> {
  return {
    period: f.period.label,
    overall: figureRowView(f.overall),
    departments: f.byDepartment.map(figureRowView),
    officers: f.byOfficer.map(figureRowView),
    projects: f.byProject.map(figureRowView),
  };
}
