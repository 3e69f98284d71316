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

// The audit subqueries name their index: without statistics SQLite takes audit_action_at for
// `action = 'accept'` just as readily, and then reads every 满意 ever given for each ticket of the
// month (minutes on a million tickets) instead of the ticket's own few rows.

/**
 * Figures over the tickets received in a period (the cohort), and what has happened to them up to
 * `now`, computed in SQL from the tickets and the audit log:
 * - 签收及时: first taken (认领, or 转办 to a person while unclaimed) no later than the claim deadline; 按时办结: last 办结 no later than the
 *   resolve deadline (both as they stand, so a granted 延期 counts);
 * - satisfied / dissatisfied: the 满意 and 不满意 answers given; unrated: closed automatically;
 *   满意率 = satisfied ÷ (satisfied + dissatisfied), the unrated not counted;
 * - overdue: tickets of the group (of any period) past their current deadline at `now`.
 */
export class Figures {
  private readonly cohort: Record<Breakdown, ReturnType<Db['prepare']>>;
  private readonly medians: Record<Breakdown, ReturnType<Db['prepare']>>;
  private readonly overdue: Record<Breakdown, ReturnType<Db['prepare']>>;

  constructor(
    db: Db,
    private readonly roster: RosterRepo,
  ) {
    const build = (b: Breakdown) => {
      const grp = GROUP_SQL[b];
      return {
        cohort: db.prepare(`
          WITH c AS (
            SELECT no, ${grp} AS grp, claim_deadline, resolve_deadline, resolved_at, state, reopen_count, close_kind
            FROM tickets WHERE created_at >= @from AND created_at < @to
          ),
          e AS (
            SELECT c.no,
              (SELECT min(at) FROM audit_log a INDEXED BY audit_ticket WHERE a.ticket_no = c.no AND a.from_state = 'open' AND a.to_state = 'claimed') AS first_claim,
              (SELECT count(*) FROM audit_log a INDEXED BY audit_ticket WHERE a.ticket_no = c.no AND a.action = 'accept') AS accepts,
              (SELECT count(*) FROM audit_log a INDEXED BY audit_ticket WHERE a.ticket_no = c.no AND a.action = 'reject') AS rejects
            FROM c
          )
          SELECT c.grp AS key, count(*) AS received,
            sum(e.first_claim IS NOT NULL) AS claimed,
            sum(e.first_claim IS NOT NULL AND e.first_claim <= c.claim_deadline) AS claimedOnTime,
            sum(c.resolved_at IS NOT NULL) AS resolved,
            sum(c.resolved_at IS NOT NULL AND c.resolved_at <= c.resolve_deadline) AS resolvedOnTime,
            sum(c.state = 'closed') AS closed,
            sum(e.accepts) AS satisfied,
            sum(e.rejects) AS dissatisfied,
            sum(c.close_kind = 'auto') AS unrated,
            sum(c.reopen_count > 0) AS reopened
          FROM c JOIN e ON e.no = c.no GROUP BY c.grp`),
        medians: db.prepare(`
          WITH d AS (
            SELECT ${grp} AS grp,
              (SELECT min(at) FROM audit_log a INDEXED BY audit_ticket WHERE a.ticket_no = t.no AND a.from_state = 'open' AND a.to_state = 'claimed') - created_at AS claim_ms,
              resolved_at - created_at AS resolve_ms
            FROM tickets t WHERE created_at >= @from AND created_at < @to
          ),
          m AS (
            SELECT grp, 'claim' AS kind, claim_ms AS v FROM d WHERE claim_ms IS NOT NULL
            UNION ALL SELECT grp, 'resolve', resolve_ms FROM d WHERE resolve_ms IS NOT NULL
          ),
          r AS (
            SELECT grp, kind, v, row_number() OVER (PARTITION BY grp, kind ORDER BY v) AS rn,
              count(*) OVER (PARTITION BY grp, kind) AS n FROM m
          )
          SELECT grp AS key, kind, avg(v) AS median FROM r WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY grp, kind`),
        overdue: db.prepare(`
          SELECT ${grp} AS key, count(*) AS overdue FROM tickets
          WHERE state IN ('open', 'claimed') AND (${CURRENT_DEADLINE_SQL}) < @now GROUP BY key`),
      };
    };
    const all = { overall: build('overall'), department: build('department'), officer: build('officer'), project: build('project') };
    this.cohort = { overall: all.overall.cohort, department: all.department.cohort, officer: all.officer.cohort, project: all.project.cohort };
    this.medians = { overall: all.overall.medians, department: all.department.medians, officer: all.officer.medians, project: all.project.medians };
    this.overdue = { overall: all.overall.overdue, department: all.department.overdue, officer: all.officer.overdue, project: all.project.overdue };
  }

  compute(period: Period, now: number): FiguresReport {
    return {
      period,
      overall: this.breakdown('overall', period, now)[0] ?? emptyRow('all', '合计'),
      byDepartment: this.breakdown('department', period, now),
      byOfficer: this.breakdown('officer', period, now),
      byProject: this.breakdown('project', period, now),
    };
  }

  private breakdown(b: Breakdown, period: Period, now: number): FigureRow[] {
    const rows = new Map<string, FigureRow>();
    const row = (key: string): FigureRow => {
      let r = rows.get(key);
      if (!r) {
        r = emptyRow(key, this.nameOf(b, key));
        rows.set(key, r);
      }
      return r;
    };
    for (const c of this.cohort[b].all({ from: period.from, to: period.to }) as (Partial<FigureRow> & { key: string })[]) {
      const r = row(c.key);
      for (const k of ['received', 'claimed', 'claimedOnTime', 'resolved', 'resolvedOnTime', 'closed', 'satisfied', 'dissatisfied', 'unrated', 'reopened'] as const) {
        r[k] = Number(c[k] ?? 0);
      }
    }
    for (const m of this.medians[b].all({ from: period.from, to: period.to }) as { key: string; kind: string; median: number }[]) {
      const r = row(m.key);
      if (m.kind === 'claim') r.medianClaimMs = m.median;
      else r.medianResolveMs = m.median;
    }
    for (const o of this.overdue[b].all({ now }) as { key: string; overdue: number }[]) row(o.key).overdue = o.overdue;
    if (b === 'overall' && rows.size === 0) return [emptyRow('all', '合计')];
    return [...rows.values()].sort((x, y) => y.received - x.received || x.key.localeCompare(y.key));
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

function emptyRow(key: string, name: string): FigureRow {
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
