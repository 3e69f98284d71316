import type { Db } from './open.js';
import { CURRENT_DEADLINE_SQL } from './tickets-repo.js';

/** The groupings of the figures (SPEC §6), and per unit (SPEC §11). */
export type Breakdown = 'overall' | 'department' | 'officer' | 'project' | 'unit';
export const BREAKDOWNS: readonly Breakdown[] = ['overall', 'department', 'officer', 'project', 'unit'];

/** The unit key of a ticket whose project is in the root unit (no unit_places row). */
export const ROOT_UNIT_KEY = ':root';

/**
 * Who is accountable for a ticket (SPEC §2), as the figures group it: a person id, `dept:<id>` for
 * the officers of a department, or `:coordinators`. The same rule as `accountable()` in
 * src/tickets/accountable.ts, written in SQL so that a month is grouped in one statement; a test
 * (test/reports/figures-accountable.test.ts) holds the two together. Needs `p`, the ticket's
 * project, joined.
 */
export const ACCOUNTABLE_SQL = `CASE
  WHEN routing = 'coordinators' THEN ':coordinators'
  WHEN assignee_id IS NOT NULL AND state <> 'open' THEN assignee_id
  WHEN awaiting_department = 1 AND department_id IS NOT NULL THEN 'dept:' || department_id
  WHEN p.officer_id IS NOT NULL THEN p.officer_id
  WHEN department_id IS NOT NULL THEN 'dept:' || department_id
  ELSE ':coordinators' END`;

/**
 * Only the tickets accountable to one of `@keys` (a JSON array of `ACCOUNTABLE_SQL` keys), or every
 * ticket when `@keys` is NULL. Needs `p`, the ticket's project, joined.
 */
export const ONLY_ACCOUNTABLE = `(@keys IS NULL OR (${ACCOUNTABLE_SQL}) IN (SELECT value FROM json_each(@keys)))`;

/** `@keys` for `ONLY_ACCOUNTABLE`. */
export const keysParam = (keys: readonly string[] | undefined): string | null => (keys ? JSON.stringify(keys) : null);

/** The department a ticket counts for: its department, 护企办 for a conduct complaint. */
export const DEPARTMENT_KEY_SQL = "CASE WHEN routing = 'coordinators' THEN ':coordinators' ELSE COALESCE(department_id, ':none') END";

const GROUP_SQL: Record<Breakdown, string> = {
  overall: "'all'",
  department: DEPARTMENT_KEY_SQL,
  officer: ACCOUNTABLE_SQL,
  project: 'project_code',
  // The row a unit's report ranks the ticket under (SPEC §11): @unitRows maps each unit of the
  // scope to the child unit it rolls up to (or the scope's own unit); needs `u`, the project's place.
  unit: `json_extract(@unitRows, '$."' || coalesce(u.unit_id, '${ROOT_UNIT_KEY}') || '"')`,
};

/**
 * The tickets of a scope (SPEC §11): @units is a JSON array of unit ids, or NULL for every unit.
 * Joined through the project's place in the tree (unit_places, by its primary key).
 */
const FROM_SQL = `tickets LEFT JOIN projects p ON p.code = tickets.project_code
  LEFT JOIN unit_places u ON u.owner = 'project' AND u.owner_id = tickets.project_code`;
const IN_SCOPE_SQL = `(@units IS NULL OR u.unit_id IN (SELECT value FROM json_each(@units)))`;

/** Each ticket's group under every breakdown, as columns k_overall, k_department, … */
const KEYS_SQL = BREAKDOWNS.map((b) => `${GROUP_SQL[b]} AS k_${b}`).join(', ');

/** One SELECT per breakdown over `from`, grouped by the breakdown's key, joined with UNION ALL. */
function fourWays(columns: string, from: string): string {
  return BREAKDOWNS.map((b) => `SELECT '${b}' AS breakdown, k_${b} AS key, ${columns} FROM ${from} GROUP BY k_${b}`).join('\nUNION ALL ');
}

export const COUNTS = [
  'received',
  'claimDue',
  'claimed',
  'claimedOnTime',
  'resolveDue',
  'resolved',
  'resolvedOnTime',
  'closed',
  'satisfied',
  'dissatisfied',
  'proxySatisfied',
  'proxyDissatisfied',
  'awaitingFollowup',
  'unrated',
  'reopened',
  /** 提级 to a unit above (SPEC §11), at any time */
  'raised',
] as const;
export type Count = (typeof COUNTS)[number];

/** One group's counts over the tickets of a period. */
export type CohortRow = Record<Count, number | null> & {
  breakdown: Breakdown;
  key: string;
  medianClaimMs: number | null;
  medianResolveMs: number | null;
};

/**
 * Which tickets the figures cover and how the unit breakdown groups them (SPEC §11): `units`, the
 * unit ids of the scope (absent: every unit); `unitRows`, for each unit id (`:root` for the root),
 * the key of the row it counts under.
 */
export interface FiguresScope {
  units?: readonly string[] | null;
  unitRows?: Readonly<Record<string, string>>;
  /** only the tickets accountable to one of these keys (`ACCOUNTABLE_SQL`): an officer's own dashboard */
  accountable?: readonly string[];
}

interface ScopeParams {
  units: string | null;
  unitRows: string;
  keys: string | null;
}

function scopeParams(s: FiguresScope): ScopeParams {
  return { units: s.units ? JSON.stringify(s.units) : null, unitRows: JSON.stringify(s.unitRows ?? {}), keys: keysParam(s.accountable) };
}

export interface OverdueRow {
  breakdown: Breakdown;
  key: string;
  overdue: number;
}

/**
 * The figures of SPEC §6, in SQL over the tickets and the audit log, for every breakdown at once.
 *
 * Each ticket received in the period is judged once, at `now`:
 * - due to be claimed: claimed, or its claim deadline (the first one, as it stood when the figures
 *   judge it: `claim_target`) passed without a claim, unless it was withdrawn before that; on time:
 *   the first claim no later than that deadline;
 * - due to be resolved: an earlier round (a 重办 came after a 办结), or the current round resolved,
 *   or its deadline (`resolve_target`) passed, unless it was withdrawn before that; on time: no
 *   earlier round late and the current one, if due, resolved by its deadline;
 * - the enterprise's own answers (满意 `accept`, 不满意 `reject`) and the coordinators' 回访
 *   (`followup`, to 已销号 or back to 办理中), counted from the log; 待回访: waiting now; 未评价:
 *   closed automatically by the earlier version.
 *
 * The facts of each ticket are worked out once and then grouped four ways (a month on a large
 * installation is tens of thousands of tickets, and reading their audit rows is what takes the
 * time). The subqueries name their index: without statistics SQLite may walk audit_action_at
 * instead, reading every audit row of that action ever written for each ticket of the month.
 */
export class FiguresRepo {
  private readonly s;

  constructor(db: Db) {
    const answers = (condition: string) =>
      `(SELECT count(*) FROM audit_log a INDEXED BY audit_ticket_action WHERE a.ticket_no = tickets.no AND ${condition})`;
    this.s = {
      cohort: db.prepare<[{ from: number; to: number; now: number } & ScopeParams], CohortRow>(`
        WITH t AS MATERIALIZED (
          SELECT ${KEYS_SQL}, created_at, first_claimed_at, resolved_at, state, reopen_count, close_kind,
            first_claimed_at IS NOT NULL OR (claim_target < @now AND NOT (state = 'withdrawn' AND withdrawn_at <= claim_target)) AS claim_due,
            first_claimed_at <= claim_target AS claim_ok,
            resolved_at IS NOT NULL OR (resolve_target < @now AND NOT (state = 'withdrawn' AND withdrawn_at <= resolve_target)) AS round_due,
            resolved_at <= resolve_target AS round_ok,
            late_rounds, raised_ever,
            ${answers("a.action = 'accept'")} AS accepts,
            ${answers("a.action = 'reject'")} AS rejects,
            ${answers("a.action = 'followup' AND a.to_state = 'closed'")} AS proxy_yes,
            ${answers("a.action = 'followup' AND a.to_state = 'claimed'")} AS proxy_no
          FROM ${FROM_SQL}
          WHERE created_at >= @from AND created_at < @to AND ${IN_SCOPE_SQL} AND ${ONLY_ACCOUNTABLE}
        )
        ${fourWays(
          `count(*) AS received,
          sum(claim_due) AS claimDue,
          sum(first_claimed_at IS NOT NULL) AS claimed,
          sum(coalesce(claim_ok, 0)) AS claimedOnTime,
          sum(reopen_count > 0 OR round_due) AS resolveDue,
          sum(resolved_at IS NOT NULL) AS resolved,
          sum((reopen_count > 0 OR round_due) AND late_rounds = 0 AND (coalesce(round_ok, 0) OR NOT round_due)) AS resolvedOnTime,
          sum(state = 'closed') AS closed,
          sum(accepts) AS satisfied,
          sum(rejects) AS dissatisfied,
          sum(proxy_yes) AS proxySatisfied,
          sum(proxy_no) AS proxyDissatisfied,
          sum(state = 'followup') AS awaitingFollowup,
          sum(close_kind = 'auto') AS unrated,
          sum(reopen_count > 0) AS reopened,
          sum(raised_ever) AS raised,
          median(first_claimed_at - created_at) AS medianClaimMs,
          median(resolved_at - created_at) AS medianResolveMs`,
          't',
        )}`),
      overdue: db.prepare<[{ now: number } & ScopeParams], OverdueRow>(`
        WITH o AS MATERIALIZED (
          SELECT ${KEYS_SQL} FROM ${FROM_SQL}
          WHERE state IN ('open', 'claimed') AND (${CURRENT_DEADLINE_SQL}) < @now AND ${IN_SCOPE_SQL} AND ${ONLY_ACCOUNTABLE}
        )
        ${fourWays('count(*) AS overdue', 'o')}`),
    };
  }

  /**
   * Counts over the tickets received in [from, to), judged at `now`, per breakdown and group;
   * only those of projects in `scope.units` (all without), the unit breakdown by `scope.unitRows`;
   * with `scope.accountable`, only the tickets accountable to one of these keys (an officer's own dashboard).
   */
  cohort(from: number, to: number, now: number, scope: FiguresScope = {}): CohortRow[] {
    return this.s.cohort.all({ from, to, now, ...scopeParams(scope) });
  }

  /** Tickets of any period past their claim or resolve deadline at `now`, per breakdown and group. */
  overdue(now: number, scope: FiguresScope = {}): OverdueRow[] {
    return this.s.overdue.all({ now, ...scopeParams(scope) });
  }
}
