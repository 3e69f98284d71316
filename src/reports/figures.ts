import { BREAKDOWNS, COUNTS, FiguresRepo, ROOT_UNIT_KEY, type Breakdown, type Count, type FiguresScope } from '../db/figures-repo.js';
import { scopeUnits, subtreeScope } from '../tickets/scope.js';
import type { Db } from '../db/open.js';
import type { RosterRepo } from '../db/roster-repo.js';

/** A reporting period [from, to) in ms, with the label people read. */
export interface Period {
  label: string;
  from: number;
  to: number;
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

function shanghaiMidnight(y: number, m: number, d = 1): number {
  return Date.UTC(y, m - 1, d) - SHANGHAI_OFFSET_MS;
}

/** `2026-10` → October 2026 in Beijing time; null when the text is not a month. */
export function monthPeriod(text: string): Period | null {
  const m = /^(\d{4})-(\d{1,2})$/.exec(text.trim());
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  if (mo < 1 || mo > 12 || y < 2000 || y > 2100) return null;
  return { label: `${y}年${mo}月`, from: shanghaiMidnight(y, mo), to: mo === 12 ? shanghaiMidnight(y + 1, 1) : shanghaiMidnight(y, mo + 1) };
}

/** The Shanghai year and month (1–12) of an instant. */
export function shanghaiMonth(ms: number): { y: number; m: number } {
  const d = new Date(ms + SHANGHAI_OFFSET_MS);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1 };
}

export function monthOf(ms: number): Period {
  const { y, m } = shanghaiMonth(ms);
  return monthPeriod(`${y}-${m}`)!;
}

export function previousMonth(ms: number): Period {
  const { y, m } = shanghaiMonth(ms);
  return monthPeriod(m === 1 ? `${y - 1}-12` : `${y}-${m - 1}`)!;
}

export function previousQuarter(ms: number): Period {
  const { y, m } = shanghaiMonth(ms);
  const q = Math.floor((m - 1) / 3); // current quarter, 0-based
  const [py, pq] = q === 0 ? [y - 1, 3] : [y, q - 1];
  const from = shanghaiMidnight(py, pq * 3 + 1);
  const to = pq === 3 ? shanghaiMidnight(py + 1, 1) : shanghaiMidnight(py, pq * 3 + 4);
  return { label: `${py}年第${pq + 1}季度`, from, to };
}

/** The figures of SPEC §6 for one group of tickets. */
export interface FigureRow {
  key: string;
  name: string;
  received: number;
  /** claimed, or unclaimed past the first claim deadline (not withdrawn before it) */
  claimDue: number;
  claimed: number;
  claimedOnTime: number;
  /** resolved (in any round), or unresolved past the deadline in force (not withdrawn before it) */
  resolveDue: number;
  resolved: number;
  resolvedOnTime: number;
  closed: number;
  /** the enterprise's own answers */
  satisfied: number;
  dissatisfied: number;
  /** the coordinators' 回访: the enterprise's answer by phone (代评), never mixed with its own */
  proxySatisfied: number;
  proxyDissatisfied: number;
  /** waiting for 回访 now */
  awaitingFollowup: number;
  /** closed automatically by the earlier version (未评价) */
  unrated: number;
  reopened: number;
  /** 提级 to a unit above at some time (SPEC §11) */
  raised: number;
  overdue: number;
  medianClaimMs: number | null;
  medianResolveMs: number | null;
}

export interface FiguresReport {
  period: Period;
  /** the instant the figures were judged at, and "当前超期" counted */
  asOf: number;
  overall: FigureRow;
  byDepartment: FigureRow[];
  /** per person accountable (SPEC §2): an officer, the officers of a department, or 护企办 */
  byOfficer: FigureRow[];
  byProject: FigureRow[];
  /**
   * The unit the figures are for (SPEC §11: its tickets and those of the units below it); id null
   * for the root, or for an installation without units.
   */
  unit: { id: string | null; name: string; ownRow: string | null };
  /**
   * Per unit directly below it, each with the units below that (key: the unit id), and the unit's
   * own projects (key: its id, named …（本级）); empty without units.
   */
  byUnit: FigureRow[];
}

/**
 * The figures of a period (SPEC §6), computed once in SQL (src/db/figures-repo.ts) and shared by
 * 统计, the monthly and quarterly reports, the dashboard and every export.
 */
export class Figures {
  private readonly repo: FiguresRepo;

  constructor(
    db: Db,
    private readonly roster: RosterRepo,
  ) {
    this.repo = new FiguresRepo(db);
  }

  /**
   * The figures of a period for a unit and the units below it (SPEC §11); without a unit (or the
   * root's), for everything. `accountable`: only the tickets accountable to one of these keys
   * (SPEC §2: a person id, `dept:<id>`), for an officer's own dashboard.
   */
  compute(period: Period, now: number, only: { unitId?: string | null; accountable?: readonly string[] } = {}): FiguresReport {
    const { scope: byUnit, unit } = this.scopeOf(only.unitId ?? null);
    const scope: FiguresScope = only.accountable ? { ...byUnit, accountable: only.accountable } : byUnit;
    const rows = new Map<Breakdown, Map<string, FigureRow>>(BREAKDOWNS.map((b) => [b, new Map()]));
    const row = (b: Breakdown, key: string): FigureRow => {
      const group = rows.get(b)!;
      let r = group.get(key);
      if (!r) {
        r = emptyRow(key, this.nameOf(b, key));
        group.set(key, r);
      }
      return r;
    };
    for (const c of this.repo.cohort(period.from, period.to, now, scope)) {
      if (c.key === null) continue; // the unit breakdown of an installation without units
      const r = row(c.breakdown, c.key);
      for (const k of COUNTS) r[k] = Number(c[k] ?? 0);
      r.medianClaimMs = c.medianClaimMs;
      r.medianResolveMs = c.medianResolveMs;
    }
    for (const o of this.repo.overdue(now, scope)) if (o.key !== null) row(o.breakdown, o.key).overdue = o.overdue;
    const list = (b: Breakdown): FigureRow[] =>
      [...rows.get(b)!.values()].sort((x, y) => y.received - x.received || x.key.localeCompare(y.key));
    return {
      period,
      asOf: now,
      overall: list('overall')[0] ?? emptyRow('all', '合计'),
      byDepartment: list('department'),
      byOfficer: list('officer'),
      byProject: list('project'),
      unit,
      // The unit's own projects are its 本级 row, beside the units below it.
      byUnit: list('unit').map((r) => (r.key === unit.ownRow ? { ...r, name: `${r.name}（本级）` } : r)),
    };
  }

  /**
   * Which tickets a unit's figures cover, and the row of its unit breakdown each unit rolls up to:
   * a unit directly below it (with everything below that one), or the unit itself (本级).
   */
  private scopeOf(unitId: string | null): { scope: FiguresScope; unit: FiguresReport['unit'] } {
    const units = this.roster.units();
    const top = this.roster.unitOrRoot(unitId);
    const topUnit = units.find((u) => u.id === top);
    if (!topUnit) return { scope: {}, unit: { id: null, name: this.roster.unitName(null), ownRow: null } };
    const isRoot = topUnit.parentId === null;
    const unitRows: Record<string, string> = { [isRoot ? ROOT_UNIT_KEY : topUnit.id]: topUnit.id };
    for (const child of units.filter((u) => u.parentId === topUnit.id)) {
      const below = subtreeScope(units, child.id);
      for (const id of below.kind === 'units' ? below.units : []) unitRows[id] = child.id;
    }
    return {
      scope: { units: scopeUnits(subtreeScope(units, isRoot ? null : topUnit.id)), unitRows },
      unit: { id: isRoot ? null : topUnit.id, name: topUnit.name, ownRow: topUnit.id },
    };
  }

  private nameOf(b: Breakdown, key: string): string {
    if (b === 'overall') return '合计';
    if (b === 'unit') return this.roster.unit(key)?.name ?? key;
    if (key === ':none') return '（未分派）';
    if (key === ':coordinators') return '护企办';
    if (b === 'department') return this.roster.department(key)?.name ?? key;
    if (b === 'officer') {
      // Unclaimed tickets count against whoever is accountable: the officers of a department are one row.
      if (key.startsWith('dept:')) return this.roster.department(key.slice(5))?.name ?? key.slice(5);
      return this.roster.person(key)?.name ?? key;
    }
    return this.roster.project(key)?.name ?? key;
  }
}

/** A row with every figure at zero, for a group with nothing in the period. */
export function emptyRow(key: string, name: string): FigureRow {
  const counts = Object.fromEntries(COUNTS.map((k) => [k, 0])) as Record<Count, number>;
  return { key, name, ...counts, overdue: 0, medianClaimMs: null, medianResolveMs: null };
}

/** Whether a group had anything due in the period; rankings leave out those that had not. */
export function hasDue(r: FigureRow): boolean {
  return r.claimDue + r.resolveDue > 0;
}
