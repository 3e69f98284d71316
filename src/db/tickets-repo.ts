import type { Statement } from 'better-sqlite3';
import type { Db } from './open.js';
import { nextEscalationAt } from '../tickets/escalation.js';
import { readEvent, type Emitted, type TicketEvent } from '../tickets/events.js';
import type { Category, Ticket, TicketState, Urgency } from '../tickets/model.js';

interface TicketRow {
  no: number;
  project_code: string;
  category: string;
  urgency: Urgency;
  description: string;
  state: TicketState;
  routing: Ticket['routing'];
  reporter_platform: string;
  reporter_user_id: string;
  reporter_person_id: string | null;
  reporter_name: string;
  assignee_id: string | null;
  department_id: string | null;
  awaiting_department: number;
  supervised: number;
  claim_deadline: number | null;
  resolve_deadline: number | null;
  confirm_deadline: number | null;
  claim_from: number;
  round_from: number;
  window_start: number;
  claim_extensions: string;
  resolve_extensions: string;
  first_claimed_at: number | null;
  claim_target: number | null;
  resolve_target: number | null;
  late_rounds: number;
  resolution: string | null;
  rating: number | null;
  rating_comment: string | null;
  close_kind: Ticket['closeKind'];
  reopen_count: number;
  created_at: number;
  claimed_at: number | null;
  resolved_at: number | null;
  closed_at: number | null;
  withdrawn_at: number | null;
  updated_at: number;
  source_platform: string;
  source_chat_id: string;
  claim_esc_deadline: number | null;
  claim_esc_stage: number;
  resolve_esc_deadline: number | null;
  resolve_esc_stage: number;
  raised_unit: string | null;
  raised_ever: number;
}

/** A JSON array of written durations, as the ticket keeps them. */
function durations(json: string): string[] {
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function toTicket(r: TicketRow): Ticket {
  return {
    no: r.no,
    projectCode: r.project_code,
    category: r.category as Category,
    urgency: r.urgency,
    description: r.description,
    state: r.state,
    routing: r.routing,
    reporterPlatform: r.reporter_platform,
    reporterUserId: r.reporter_user_id,
    reporterPersonId: r.reporter_person_id,
    reporterName: r.reporter_name,
    assigneeId: r.assignee_id,
    departmentId: r.department_id,
    awaitingDepartment: r.awaiting_department === 1,
    supervised: r.supervised === 1,
    claimDeadline: r.claim_deadline,
    resolveDeadline: r.resolve_deadline,
    confirmDeadline: r.confirm_deadline,
    claimFrom: r.claim_from,
    roundFrom: r.round_from,
    windowStart: r.window_start,
    claimExtensions: durations(r.claim_extensions),
    resolveExtensions: durations(r.resolve_extensions),
    firstClaimedAt: r.first_claimed_at,
    claimTarget: r.claim_target,
    resolveTarget: r.resolve_target,
    lateRounds: r.late_rounds,
    resolution: r.resolution,
    rating: r.rating,
    ratingComment: r.rating_comment,
    closeKind: r.close_kind,
    reopenCount: r.reopen_count,
    createdAt: r.created_at,
    claimedAt: r.claimed_at,
    resolvedAt: r.resolved_at,
    closedAt: r.closed_at,
    withdrawnAt: r.withdrawn_at,
    updatedAt: r.updated_at,
    sourcePlatform: r.source_platform,
    sourceChatId: r.source_chat_id,
    claimEscalation: { deadline: r.claim_esc_deadline, stage: r.claim_esc_stage },
    resolveEscalation: { deadline: r.resolve_esc_deadline, stage: r.resolve_esc_stage },
    raisedUnit: r.raised_unit,
    raisedEver: r.raised_ever === 1,
  };
}

/**
 * The values of COLUMNS, in their order. Positional: better-sqlite3 binds named parameters from
 * an object at about three times the cost of an array, and a ticket is written by every command
 * that changes one.
 */
function toParams(t: Omit<Ticket, 'no'>): unknown[] {
  return [
    t.projectCode, t.category, t.urgency, t.description, t.state, t.routing, t.reporterPlatform, t.reporterUserId,
    t.reporterPersonId, t.reporterName, t.assigneeId, t.departmentId, t.awaitingDepartment ? 1 : 0, t.supervised ? 1 : 0,
    t.claimDeadline, t.resolveDeadline, t.confirmDeadline, t.claimFrom, t.roundFrom, t.windowStart,
    JSON.stringify(t.claimExtensions), JSON.stringify(t.resolveExtensions), t.firstClaimedAt, t.claimTarget, t.resolveTarget,
    t.lateRounds, t.resolution, t.rating, t.ratingComment, t.closeKind, t.reopenCount, t.createdAt, t.claimedAt,
    t.resolvedAt, t.closedAt, t.withdrawnAt, t.updatedAt, t.sourcePlatform, t.sourceChatId,
    t.claimEscalation.deadline, t.claimEscalation.stage, t.resolveEscalation.deadline, t.resolveEscalation.stage,
    t.raisedUnit ?? null, t.raisedEver ? 1 : 0,
    // The sweep's index: recomputed on every write, so no command has to think about it.
    nextEscalationAt(t),
  ];
}

export type NewTicket = Omit<Ticket, 'no'>;

/** A row of the audit log that is not about a ticket's lifecycle (`绑定` a group). */
export interface AuditEntry {
  ticketNo: number | null;
  at: number;
  actorId: string | null;
  actorName: string;
  action: string;
  fromState?: TicketState | null;
  toState?: TicketState | null;
  detail?: Record<string, unknown>;
  msgPlatform?: string | null;
  msgId?: string | null;
}

/** Who caused the events of a step, and the message that carried it. */
export interface EventSource {
  actorId: string | null;
  actorName: string;
  at: number;
  msgPlatform?: string | null;
  msgId?: string | null;
}

/** One row of a ticket's timeline: when, who, the state change, and the typed event. */
export type AuditRow = {
  id: number;
  ticketNo: number;
  at: number;
  actorId: string | null;
  actorName: string;
  fromState: TicketState | null;
  toState: TicketState | null;
  msgPlatform: string | null;
  msgId: string | null;
} & TicketEvent;

export interface TicketFilter {
  projectCode?: string;
  states?: TicketState[];
  assigneeId?: string;
  /** only tickets whose current deadline has passed at this instant */
  overdueAt?: number;
  /** leave out conduct complaints (执法投诉), which are not shown where the project's officer reads */
  excludeConduct?: boolean;
  /**
   * only tickets of projects in these units (SPEC §11: a unit's coordinators see their unit and
   * those below it); absent: every unit. Through projects_unit and tickets_project_state.
   */
  units?: readonly string[] | null;
  /** only tickets 提级 (SPEC §11): to any unit (true), or to one of these */
  raised?: true | readonly string[];
  limit?: number;
}

const COLUMNS = `project_code, category, urgency, description, state, routing, reporter_platform, reporter_user_id,
  reporter_person_id, reporter_name, assignee_id, department_id, awaiting_department, supervised, claim_deadline,
  resolve_deadline, confirm_deadline, claim_from, round_from, window_start, claim_extensions, resolve_extensions,
  first_claimed_at, claim_target, resolve_target, late_rounds, resolution, rating, rating_comment, close_kind,
  reopen_count, created_at, claimed_at, resolved_at, closed_at, withdrawn_at, updated_at, source_platform,
  source_chat_id, claim_esc_deadline, claim_esc_stage, resolve_esc_deadline, resolve_esc_stage, raised_unit, raised_ever,
  next_escalation_at`;

const PARAMS = COLUMNS.split(',').map(() => '?').join(', ');

/** The deadline a ticket in this state is working against, as a SQL expression. */
export const CURRENT_DEADLINE_SQL = `CASE state WHEN 'open' THEN claim_deadline WHEN 'claimed' THEN resolve_deadline
  WHEN 'resolved' THEN confirm_deadline END`;

/** Tickets and their append-only audit log. */
export class TicketsRepo {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      insert: db.prepare(`INSERT INTO tickets (${COLUMNS}) VALUES (${PARAMS})`),
      save: db.prepare(
        `UPDATE tickets SET (${COLUMNS}) = (${PARAMS}) WHERE no = ?`,
      ),
      get: db.prepare<[number], TicketRow>('SELECT * FROM tickets WHERE no = ?'),
      received: db.prepare<[number, number], TicketRow>('SELECT * FROM tickets WHERE created_at >= ? AND created_at < ? ORDER BY no'),
      due: db.prepare<[number, number], TicketRow>(
        'SELECT * FROM tickets WHERE next_escalation_at <= ? ORDER BY next_escalation_at LIMIT ?',
      ),
      audit: db.prepare(
        `INSERT INTO audit_log (ticket_no, at, actor_id, actor_name, action, from_state, to_state, detail, msg_platform, msg_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      timeline: db.prepare<[number], AuditLogRow>(
        'SELECT * FROM audit_log WHERE ticket_no = ? ORDER BY id',
      ),
      latest: db.prepare<[number, number], AuditLogRow>(
        'SELECT * FROM (SELECT * FROM audit_log WHERE ticket_no = ? ORDER BY id DESC LIMIT ?) ORDER BY id',
      ),
      timelineCount: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM audit_log WHERE ticket_no = ?'),
      summoned: db.prepare<[number], { department_id: string; summoned_at: number; checked_in_at: number | null; checked_in_by: string | null }>(
        'SELECT department_id, summoned_at, checked_in_at, checked_in_by FROM ticket_departments WHERE ticket_no = ? ORDER BY summoned_at',
      ),
      summon: db.prepare(
        `INSERT INTO ticket_departments (ticket_no, department_id, summoned_at, summoned_by, note)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      checkIn: db.prepare(
        'UPDATE ticket_departments SET checked_in_at = ?, checked_in_by = ? WHERE ticket_no = ? AND department_id = ? AND checked_in_at IS NULL',
      ),
      byState: db.prepare<[], { state: TicketState; n: number }>('SELECT state, count(*) AS n FROM tickets GROUP BY state'),
      overdue: db.prepare<[number], { n: number }>(
        `SELECT count(*) AS n FROM tickets WHERE state IN ('open', 'claimed') AND (${CURRENT_DEADLINE_SQL}) < ?`,
      ),
    };
  }

  insert(n: NewTicket): Ticket {
    const info = this.s.insert.run(...toParams(n));
    return { ...n, no: Number(info.lastInsertRowid) };
  }

  /** Tickets the escalation sweep has work for at `now`, through the next_escalation_at index. */
  dueForEscalation(now: number, limit = 10_000): Ticket[] {
    return this.s.due.all(now, limit).map(toTicket);
  }

  get(no: number): Ticket | undefined {
    const r = this.s.get.get(no);
    return r && toTicket(r);
  }

  /** The tickets received in [from, to), oldest first. */
  receivedIn(from: number, to: number): Ticket[] {
    return this.s.received.all(from, to).map(toTicket);
  }

  save(t: Ticket): void {
    this.s.save.run(...toParams(t), t.no);
  }

  audit(e: AuditEntry): void {
    this.s.audit.run(
      e.ticketNo,
      e.at,
      e.actorId,
      e.actorName,
      e.action,
      e.fromState ?? null,
      e.toState ?? null,
      e.detail ? JSON.stringify(e.detail) : null,
      e.msgPlatform ?? null,
      e.msgId ?? null,
    );
  }

  /** Writes the events of one step of a ticket's lifecycle, in order, each as one audit row. */
  record(no: number, events: readonly Emitted[], by: EventSource): void {
    for (const e of events) {
      this.s.audit.run(no, by.at, by.actorId, by.actorName, e.event.action, e.from, e.to, JSON.stringify(e.event.detail), by.msgPlatform ?? null, by.msgId ?? null);
    }
  }

  timeline(no: number): AuditRow[] {
    return this.s.timeline.all(no).map(toAuditRow);
  }

  /** The newest `limit` rows of a ticket's log, oldest first, and how many rows it has in all. */
  latestTimeline(no: number, limit: number): { rows: AuditRow[]; total: number } {
    return { rows: this.s.latest.all(no, limit).map(toAuditRow), total: this.s.timelineCount.get(no)?.n ?? 0 };
  }

  summonedDepartments(no: number): { departmentId: string; summonedAt: number; checkedInAt: number | null; checkedInBy: string | null }[] {
    return this.s.summoned.all(no).map((r) => ({
      departmentId: r.department_id,
      summonedAt: r.summoned_at,
      checkedInAt: r.checked_in_at,
      checkedInBy: r.checked_in_by,
    }));
  }

  /** Returns false when the department was already summoned. */
  summon(no: number, departmentId: string, at: number, by: string | null, note: string | null): boolean {
    return this.s.summon.run(no, departmentId, at, by, note).changes === 1;
  }

  /** Returns false when the department was not summoned or has already checked in. */
  checkIn(no: number, departmentId: string, at: number, by: string | null): boolean {
    return this.s.checkIn.run(at, by, no, departmentId).changes === 1;
  }

  /** How many tickets are in each state (states without any are left out). */
  countByState(): { state: TicketState; n: number }[] {
    return this.s.byState.all();
  }

  /** How many tickets are past their current claim or resolve deadline at `now`. */
  countOverdue(now: number): number {
    return this.s.overdue.get(now)!.n;
  }

  /**
   * The statements of `list`, by their WHERE clause: the filters callers use are a handful of
   * shapes, so each shape is prepared once.
   */
  private readonly listed = new Map<string, { count: Statement<[Record<string, unknown>], { n: number }>; rows: Statement<[Record<string, unknown>], TicketRow> }>();

  /** Lists tickets, newest first, with the total matching. */
  list(f: TicketFilter): { tickets: Ticket[]; total: number } {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (f.projectCode) {
      where.push('project_code = @projectCode');
      params.projectCode = f.projectCode;
    }
    if (f.states && f.states.length > 0) {
      where.push(`state IN (${f.states.map((_, i) => `@s${i}`).join(', ')})`);
      f.states.forEach((s, i) => (params[`s${i}`] = s));
    }
    if (f.assigneeId) {
      where.push('assignee_id = @assigneeId');
      params.assigneeId = f.assigneeId;
    }
    if (f.excludeConduct) where.push("routing != 'coordinators'");
    if (f.units) {
      // A 提级 ticket goes to the parent unit, whose scope holds it already.
      where.push(`project_code IN (SELECT owner_id FROM unit_places WHERE owner = 'project' AND unit_id IN (SELECT value FROM json_each(@units)))`);
      params.units = JSON.stringify(f.units);
    }
    if (f.raised === true) where.push('raised_unit IS NOT NULL');
    else if (f.raised) {
      where.push('raised_unit IN (SELECT value FROM json_each(@raised))');
      params.raised = JSON.stringify(f.raised);
    }
    if (f.overdueAt !== undefined) {
      where.push(`state IN ('open', 'claimed') AND (${CURRENT_DEADLINE_SQL}) < @overdueAt`);
      params.overdueAt = f.overdueAt;
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    let s = this.listed.get(clause);
    if (!s) {
      s = {
        count: this.db.prepare(`SELECT count(*) AS n FROM tickets ${clause}`),
        rows: this.db.prepare(`SELECT * FROM tickets ${clause} ORDER BY no DESC LIMIT @limit`),
      };
      this.listed.set(clause, s);
    }
    const total = s.count.get(params)!.n;
    return { tickets: s.rows.all({ ...params, limit: f.limit ?? 50 }).map(toTicket), total };
  }
}

interface AuditLogRow {
  id: number;
  ticket_no: number;
  at: number;
  actor_id: string | null;
  actor_name: string;
  action: string;
  from_state: TicketState | null;
  to_state: TicketState | null;
  detail: string | null;
  msg_platform: string | null;
  msg_id: string | null;
}

function toAuditRow(r: AuditLogRow): AuditRow {
  return {
    id: r.id,
    ticketNo: r.ticket_no,
    at: r.at,
    actorId: r.actor_id,
    actorName: r.actor_name,
    fromState: r.from_state,
    toState: r.to_state,
    msgPlatform: r.msg_platform,
    msgId: r.msg_id,
    ...readEvent(r.action, r.detail),
  };
}
