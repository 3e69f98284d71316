/**
 * The schema moves forward only (STYLE: numbered migrations, each in a transaction, tracked by
 * PRAGMA user_version; a database newer than the code is refused). A database at any earlier
 * version — with tickets, their log and queued messages in it, as a city's would have — is brought
 * to the latest without losing a row.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DatabaseTooNewError, loadMigrations, migrate, openDb, writeIfFree, writeSoon } from '../../src/db/open.js';
import { TicketsRepo } from '../../src/db/tickets-repo.js';
import { tempFolders } from '../support/temp.js';

const MIGRATIONS = loadMigrations();
const LATEST = MIGRATIONS.length;

const temp = tempFolders('lianbao-migrations-');
function tempDb(): string {
  const dir = temp();
  return join(dir, 'lianbao.db');
}

/** Rows of the first version's schema, written with its own columns: what an old database holds. */
function seedFirstVersion(db: Database.Database): void {
  const t = Date.parse('2026-10-12T09:00:00+08:00');
  db.exec(`
    INSERT INTO departments (id, name) VALUES ('zhian', '治安大队');
    INSERT INTO projects (code, name, level, officer_id) VALUES ('XM001', '经开区新材料产业园', '重点', 'wang');
    INSERT INTO people (id, name, roles, department_id, wecom_userid) VALUES ('wang', '王警官', '["officer"]', 'zhian', 'wangjg');
    INSERT INTO people (id, name, roles, project_code, wecom_userid) VALUES ('chen', '陈经理', '["enterprise"]', 'XM001', 'chenjl');
  `);
  const ticket = db.prepare(`INSERT INTO tickets (project_code, category, urgency, description, state, reporter_platform, reporter_user_id,
      reporter_person_id, reporter_name, assignee_id, department_id, claim_deadline, resolve_deadline, confirm_deadline, resolution,
      rating, close_kind, created_at, claimed_at, resolved_at, closed_at, updated_at, source_platform, source_chat_id)
    VALUES (@project, @category, @urgency, @description, @state, 'wecom', 'chenjl', 'chen', '陈经理', @assignee, 'zhian', @claim, @resolve,
      @confirm, @resolution, @rating, @closeKind, @created, @claimed, @resolved, @closed, @created, 'wecom', 'wrXM001')`);
  const base = { project: 'XM001', urgency: 'normal', assignee: null, claim: t + 4 * 3_600_000, resolve: t + 5 * 86_400_000, confirm: null,
    resolution: null, rating: null, closeKind: null, created: t, claimed: null, resolved: null, closed: null };
  ticket.run({ ...base, category: '阻工', urgency: 'urgent', description: '村民堵路阻工', state: 'open' });
  ticket.run({ ...base, category: '盗窃', description: '工地电缆被偷', state: 'claimed', assignee: 'wang', claimed: t + 3_600_000 });
  // Closed automatically by an earlier version: it stays closed, 未评价.
  ticket.run({ ...base, category: '纠纷', description: '拖欠工资', state: 'closed', assignee: 'wang', claimed: t + 3_600_000,
    resolved: t + 86_400_000, resolution: '已协调发放', confirm: t + 4 * 86_400_000, closeKind: 'auto', closed: t + 4 * 86_400_000 });
  db.prepare(`INSERT INTO audit_log (ticket_no, at, actor_id, actor_name, action, from_state, to_state, detail, msg_platform, msg_id)
    VALUES (1, ?, 'chen', '陈经理', 'report', NULL, 'open', '{"category":"阻工","urgency":"urgent","text":"村民堵路阻工"}', 'wecom', 'm1')`).run(t);
  db.prepare(`INSERT INTO outbox (dedupe_key, platform, kind, lane, destination, title, body, mentions, status, next_attempt_at, created_at)
    VALUES ('k1', 'wecom', 'group', 'wecom:group:KEY', 'KEY', '#1', '#1 已登记', '[]', 'pending', ?, ?)`).run(t, t);
}

describe('migrations', () => {
  it('are numbered one after another from 001', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: LATEST }, (_, i) => i + 1));
  });

  it('make a fresh database at the latest version', () => {
    const db = openDb(':memory:');
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST);
    db.close();
  });

  for (let from = 1; from < LATEST; from += 1) {
    it(`bring a database at version ${from} to ${LATEST} without losing a ticket, its log or a queued message`, () => {
      const path = tempDb();
      const old = new Database(path);
      migrate(old, MIGRATIONS.slice(0, 1));
      seedFirstVersion(old);
      migrate(old, MIGRATIONS.slice(0, from));
      expect(old.pragma('user_version', { simple: true })).toBe(from);
      old.close();

      const db = openDb(path);
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST);
      expect(db.pragma('foreign_key_check'), JSON.stringify(db.pragma('foreign_key_check'))).toEqual([]);
      const tickets = new TicketsRepo(db);
      expect([1, 2, 3].map((no) => tickets.get(no)?.state)).toEqual(['open', 'claimed', 'closed']);
      expect(tickets.get(3)).toMatchObject({ closeKind: 'auto', description: '拖欠工资' });
      expect(tickets.timeline(1).map((r) => r.action)).toEqual(['report']);
      expect(db.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending'").get()).toEqual({ n: 1 });
      db.close();
    });
  }

  it('refuse a database newer than this code, and change nothing in it', () => {
    const path = tempDb();
    const newer = new Database(path);
    newer.pragma(`user_version = ${LATEST + 1}`);
    newer.close();
    expect(() => openDb(path)).toThrow(DatabaseTooNewError);
    const after = new Database(path, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(LATEST + 1);
    expect(after.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get()).toEqual({ n: 0 });
    after.close();
  });
});

describe('writing without waiting in the busy handler', () => {
  it('writeIfFree writes when the lock is free, says false while another connection holds it, and throws other failures', () => {
    const path = tempDb();
    const db = openDb(path);
    const other = openDb(path);
    const write = () => db.prepare("INSERT INTO settings (key, value) VALUES ('x', '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value").run();
    other.exec('BEGIN IMMEDIATE');
    expect(writeIfFree(db, write)).toBe(false);
    other.exec('ROLLBACK');
    expect(writeIfFree(db, write)).toBe(true);
    db.pragma('query_only = 1');
    expect(() => writeIfFree(db, write)).toThrow(/readonly/);
    // The connection waits in the busy handler again afterwards, as every other write expects.
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.close();
    other.close();
  });

  it('writeSoon tries again on a timer until the lock is free, and gives up after its wait', async () => {
    const path = tempDb();
    const db = openDb(path);
    const other = openDb(path);
    let writes = 0;
    const write = () => {
      db.prepare("INSERT INTO settings (key, value) VALUES ('y', '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value").run();
      writes += 1;
    };
    other.exec('BEGIN IMMEDIATE');
    const waiting = writeSoon(db, write, 5_000);
    // The thread goes on meanwhile: a timer fires while the write waits.
    await new Promise((r) => setTimeout(r, 30));
    expect(writes).toBe(0);
    other.exec('ROLLBACK');
    expect(await waiting).toBe(true);
    expect(writes).toBe(1);
    other.exec('BEGIN IMMEDIATE');
    expect(await writeSoon(db, write, 50)).toBe(false);
    other.exec('ROLLBACK');
    db.close();
    other.close();
  });
});
