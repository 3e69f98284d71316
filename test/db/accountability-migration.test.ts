import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadMigrations, migrate, type Db } from '../../src/db/open.js';
import { RosterRepo } from '../../src/db/roster-repo.js';
import { TicketsRepo } from '../../src/db/tickets-repo.js';
import { Figures, monthPeriod } from '../../src/reports/figures.js';
import { importRoster } from '../../src/roster/import.js';
import { readRosterFile } from '../../src/roster/parse.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-10-12T02:00:00Z'); // Monday 10:00 in Beijing

/** A database as the earlier version left it: schema 004, with its own kinds of tickets. */
function earlierVersion(): Db {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, loadMigrations().slice(0, 4));
  expect(db.pragma('user_version', { simple: true })).toBe(4);
  // The roster import of that version wrote the same tables, less the department head.
  db.exec(`INSERT INTO departments (id, name) VALUES ('zhian', '治安大队'), ('jiaojing', '交警大队');
    INSERT INTO projects (code, name, level, officer_id) VALUES ('XM001', '经开区新材料产业园', '重大', 'wang');
    INSERT INTO people (id, name, roles, department_id) VALUES ('wang', '王警官', '["officer"]', 'zhian'), ('zhao', '赵警官', '["officer"]', 'jiaojing');`);
  const ticket = db.prepare(
    `INSERT INTO tickets (no, project_code, category, urgency, description, state, reporter_platform, reporter_user_id, reporter_name,
       assignee_id, department_id, claim_deadline, resolve_deadline, confirm_deadline, rating, close_kind, reopen_count, created_at,
       claimed_at, resolved_at, closed_at, updated_at, source_platform, source_chat_id, esc_deadline, esc_tier, next_escalation_at)
     VALUES (@no, 'XM001', '盗窃', 'normal', '电缆被偷', @state, 'wecom', 'chenjl', '陈经理', @assignee, @dept, @claimBy, @resolveBy, @confirmBy,
       @rating, @closeKind, @reopen, @created, @claimed, @resolved, @closed, @created, 'wecom', 'wrXM001', @escDeadline, @escTier, @next)`,
  );
  const audit = db.prepare(
    `INSERT INTO audit_log (ticket_no, at, actor_id, actor_name, action, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const base = {
    assignee: null, dept: 'zhian', claimBy: T0 + 4 * HOUR, resolveBy: T0 + 7 * 24 * HOUR, confirmBy: null, rating: null, closeKind: null,
    reopen: 0, created: T0, claimed: null, resolved: null, closed: null, escDeadline: null, escTier: 0, next: null, state: 'open',
  };
  // #1 closed by the earlier version when nobody answered: it stays closed, 未评价.
  ticket.run({ ...base, no: 1, state: 'closed', assignee: 'wang', claimed: T0 + HOUR, resolved: T0 + 24 * HOUR, confirmBy: T0 + 96 * HOUR, closeKind: 'auto', closed: T0 + 96 * HOUR });
  audit.run(1, T0, null, '陈经理', 'report', null, 'open', JSON.stringify({ category: '盗窃', urgency: 'normal', text: '电缆被偷' }));
  audit.run(1, T0 + HOUR, 'wang', '王警官', 'claim', 'open', 'claimed', null);
  audit.run(1, T0 + 24 * HOUR, 'wang', '王警官', 'resolve', 'claimed', 'resolved', JSON.stringify({ text: '已追回' }));
  audit.run(1, T0 + 96 * HOUR, null, '系统', 'auto_close', 'resolved', 'closed', JSON.stringify({ deadline: T0 + 96 * HOUR }));
  // #2 open, transferred to 交警大队 after tier 1 of its first claim deadline; tier 1 of the new one sent too.
  ticket.run({ ...base, no: 2, dept: 'jiaojing', claimBy: T0 + 9 * HOUR, escDeadline: T0 + 9 * HOUR, escTier: 1, next: T0 + 33 * HOUR });
  audit.run(2, T0 + 5 * HOUR, 'wang', '王警官', 'transfer', 'open', 'open', JSON.stringify({ to: { department: 'jiaojing' }, reason: '交通' }));
  // #3 claimed, reopened once (不满意), tier 2 of its resolve deadline sent.
  ticket.run({ ...base, no: 3, state: 'claimed', assignee: 'wang', claimed: T0 + HOUR, reopen: 1, resolveBy: T0 + 10 * 24 * HOUR, escDeadline: T0 + 10 * 24 * HOUR, escTier: 2, next: T0 + 13 * 24 * HOUR });
  audit.run(3, T0 + HOUR, 'wang', '王警官', 'claim', 'open', 'claimed', null);
  audit.run(3, T0 + 3 * 24 * HOUR, null, '陈经理', 'reject', 'resolved', 'claimed', JSON.stringify({ reason: '没修好', reopenCount: 1 }));
  // The ticket numbers went on to 9 before (say, a test install): AUTOINCREMENT never gives 4–9 again.
  db.exec(`UPDATE sqlite_sequence SET seq = 9 WHERE name = 'tickets'`);
  return db;
}

describe('migration 005 on a database of the earlier version', () => {
  it('keeps every ticket as it was: states, the tickets closed by themselves stay closed as 未评价', () => {
    const db = earlierVersion();
    const before = db.prepare('SELECT no, state, close_kind, assignee_id, claim_deadline, resolve_deadline, created_at FROM tickets ORDER BY no').all();
    const auditBefore = db.prepare('SELECT * FROM audit_log ORDER BY id').all();
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(loadMigrations().length);
    expect(db.prepare('SELECT no, state, close_kind, assignee_id, claim_deadline, resolve_deadline, created_at FROM tickets ORDER BY no').all()).toEqual(before);
    expect(db.prepare('SELECT * FROM audit_log ORDER BY id').all()).toEqual(auditBefore);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const t = new TicketsRepo(db);
    expect(t.get(1)).toMatchObject({ state: 'closed', closeKind: 'auto', rating: null });
    // The log reads as before, the old automatic close included.
    expect(t.timeline(1).map((r) => r.action)).toEqual(['report', 'claim', 'resolve', 'auto_close']);
    // In the figures it is 未评价: neither satisfied nor dissatisfied.
    const f = new Figures(db, new RosterRepo(db)).compute(monthPeriod('2026-10')!, T0 + 30 * 24 * HOUR);
    expect(f.overall).toMatchObject({ received: 3, closed: 1, unrated: 1, satisfied: 0, dissatisfied: 1 /* #3's 不满意 */, proxySatisfied: 0 });
  });

  it('fills in what the figures and the sweep need from what the earlier version kept', () => {
    const db = earlierVersion();
    migrate(db);
    const t = new TicketsRepo(db);
    expect(t.get(1)).toMatchObject({ firstClaimedAt: T0 + HOUR, claimTarget: T0 + 4 * HOUR, resolveTarget: T0 + 7 * 24 * HOUR, lateRounds: 0 });
    // Waiting for the department it was transferred to; the tier already sent stays sent.
    expect(t.get(2)).toMatchObject({
      awaitingDepartment: true,
      claimFrom: T0 + 5 * HOUR,
      windowStart: T0 + 5 * HOUR,
      claimEscalation: { deadline: T0 + 9 * HOUR, stage: 2 },
      resolveEscalation: { deadline: null, stage: 0 },
    });
    expect(t.get(3)).toMatchObject({
      awaitingDepartment: false,
      roundFrom: T0 + 3 * 24 * HOUR,
      windowStart: T0 + 3 * 24 * HOUR,
      firstClaimedAt: T0 + HOUR,
      resolveEscalation: { deadline: T0 + 10 * 24 * HOUR, stage: 3 },
    });
  });

  it('keeps the ticket numbers going where they were, and takes the new state and departments’ heads', () => {
    const db = earlierVersion();
    migrate(db);
    db.pragma('foreign_keys = ON');
    importRoster(db, readRosterFile('roster.example.yaml'), T0);
    expect(db.prepare("SELECT head_id FROM departments WHERE id = 'zhian'").get()).toEqual({ head_id: 'zhang' });
    const t = new TicketsRepo(db);
    const fresh = t.insert({ ...t.get(3)!, state: 'followup' });
    expect(fresh.no).toBe(10);
    expect(t.get(10)?.state).toBe('followup');
  });

  it('runs with foreign keys off and leaves them as they were', () => {
    const db = earlierVersion();
    migrate(db);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });
});
