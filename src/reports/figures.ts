import type { Db } from '../db/open.js';
import type { RosterRepo } from '../db/roster-repo.js';
import { CURRENT_DEADLINE_SQL } from '../db/tickets-repo.js';

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
  claimed: number;
  claimedOnTime: number;
  resolved: number;
  resolvedOnTime: number;
  closed: number;
  satisfied: number;
  dissatisfied: number;
  unrated: number;
  reopened: number;
  overdue: number;
  medianClaimMs: number | null;
  medianResolveMs: number | null;
}

export interface FiguresReport {
  period: Period;
  overall: FigureRow;
  byDepartment: FigureRow[];
  byOfficer: FigureRow[];
  byProject: FigureRow[];
}

type Breakdown = 'overall' | 'department' | 'officer' | 'project';

const GROUP_SQL: Record<Breakdown, string> = {
  overall: "'all'",
  department: "COALESCE(department_id, CASE routing WHEN 'coordinators' THEN ':coordinators' ELSE ':none' END)",
  officer: "COALESCE(assignee_id, ':none')",
  project: 'project_code',
};

const BREAKDOWNS: readonly Breakdown[] = ['overall', 'department', 'officer', 'project'];

/** Each ticket's group under every breakdown, as columns k_overall, k_department, … */
const KEYS_SQL = BREAKDOWNS.map((b) => `${GROUP_SQL[b]} AS k_${b}`).join(', ');

/** One SELECT per breakdown over `from`, grouped by the breakdown's key, joined with UNION ALL. */
function fourWays(columns: string, from: string): string {
  return BREAKDOWNS.map((b) => `SELECT '${b}' AS breakdown, k_${b} AS key, ${columns} FROM ${from} GROUP BY k_${b}`).join('\nUNION ALL ');
}

const COUNTS = ['received', 'claimed', 'claimedOnTime', 'resolved', 'resolvedOnTime', 'closed', 'satisfied', 'dissatisfied', 'unrated', 'reopened'] as const;

type CohortRow = Record<(typeof COUNTS)[number], number | null> & {
  breakdown: Breakdown;
  key: string;
  medianClaimMs: number | null;
  medianResolveMs: number | null;
};

/**
 * Figures over the tickets received in a period (the cohort), and what has happened to them up to
 * `now`, computed in SQL from the tickets and the audit log:
 * - 签收及时: first taken (认领, or 转办 to a person while unclaimed) no later than the claim deadline; 按时办结: last 办结 no later than the
 *   resolve deadline (both as they stand, so a granted 延期 counts);
 * - satisfied / dissatisfied: the 满意 and 不满意 answers given; unrated: closed automatically;
 *   满意率 = satisfied ÷ (satisfied + dissatisfied), the unrated not counted;
 * - overdue: tickets of the group (of any period) past their current deadline at `now`.
 *
 * Each ticket's facts are worked out once and then grouped four ways (a month on a large
 * installation is tens of thousands of tickets, and reading their audit rows is what takes the
 * time). The subqueries name their index: without statistics SQLite may walk audit_action_at
 * instead, reading every audit row of that action ever written for each ticket of the month.
 */
export class Figures {
  private readonly cohort: ReturnType<Db['prepare']>;
  private readonly overdue: ReturnType<Db['prepare']>;

  constructor(
    db: Db,
    private readonly roster: RosterRepo,
  ) {
    this.cohort = db.prepare(`
      WITH t AS MATERIALIZED (
        SELECT ${KEYS_SQL}, created_at, claim_deadline, resolve_deadline, resolved_at, state, reopen_count, close_kind,
          (SELECT min(at) FROM audit_log a INDEXED BY audit_ticket_action
            WHERE a.ticket_no = tickets.no AND a.from_state = 'open' AND a.to_state = 'claimed') AS first_claim,
          (SELECT count(*) FROM audit_log a INDEXED BY audit_ticket_action WHERE a.ticket_no = tickets.no AND a.action = 'accept') AS accepts,
          (SELECT count(*) FROM audit_log a INDEXED BY audit_ticket_action WHERE a.ticket_no = tickets.no AND a.action = 'reject') AS rejects
        FROM tickets WHERE created_at >= @from AND created_at < @to
      )
      ${fourWays(
        `count(*) AS received,
        sum(first_claim IS NOT NULL) AS claimed,
        sum(first_claim IS NOT NULL AND first_claim <= claim_deadline) AS claimedOnTime,
        sum(resolved_at IS NOT NULL) AS resolved,
        sum(resolved_at IS NOT NULL AND resolved_at <= resolve_deadline) AS resolvedOnTime,
        sum(state = 'closed') AS closed,
        sum(accepts) AS satisfied,
        sum(rejects) AS dissatisfied,
        sum(close_kind = 'auto') AS unrated,
        sum(reopen_count > 0) AS reopened,
        median(first_claim - created_at) AS medianClaimMs,
        median(resolved_at - created_at) AS medianResolveMs`,
        't',
      )}`);
    this.overdue = db.prepare(`
      WITH o AS MATERIALIZED (
        SELECT ${KEYS_SQL} FROM tickets WHERE state IN ('open', 'claimed') AND (${CURRENT_DEADLINE_SQL}) < @now
      )
      ${fourWays('count(*) AS overdue', 'o')}`);
  }

  compute(period: Period, now: number): FiguresReport {
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
    for (const c of this.cohort.all({ from: period.from, to: period.to }) as CohortRow[]) {
      const r = row(c.breakdown, c.key);
      for (const k of COUNTS) r[k] = Number(c[k] ?? 0);
      r.medianClaimMs = c.medianClaimMs;
      r.medianResolveMs = c.medianResolveMs;
    }
    for (const o of this.overdue.all({ now }) as { breakdown: Breakdown; key: string; overdue: number }[]) row(o.breakdown, o.key).overdue = o.overdue;
    const list = (b: Breakdown): FigureRow[] =>
      [...rows.get(b)!.values()].sort((x, y) => y.received - x.received || x.key.localeCompare(y.key));
    return {
      period,
      overall: list('overall')[0] ?? emptyRow('all', '合计'),
      byDepartment: list('department'),
      byOfficer: list('officer'),
      byProject: list('project'),
    };
  }

  private nameOf(b: Breakdown, key: string): string {
    if (b === 'overall') return '合计';
    if (key === ':none') return b === 'officer' ? '（未认领）' : '（未分派）';
    if (key === ':coordinators') return '护企办';
    if (b === 'department') return this.roster.department(key)?.name ?? key;
    if (b === 'officer') return this.roster.person(key)?.name ?? key;
    return this.roster.project(key)?.name ?? key;
  }
}

/** A row with every figure at zero, for a group with nothing in the period. */
export function emptyRow(key: string, name: string): FigureRow {
  return {
    key,
    name,
    received: 0,
    claimed: 0,
    claimedOnTime: 0,
    resolved: 0,
    resolvedOnTime: 0,
    closed: 0,
    satisfied: 0,
    dissatisfied: 0,
    unrated: 0,
    reopened: 0,
    overdue: 0,
    medianClaimMs: null,
    medianResolveMs: null,
  };
}
