/**
 * The migration that moves platform ids out of columns named after a platform into
 * `platform_addresses`: a database written by the previous version keeps every person, group and
 * ticket, and the bot still knows everyone by the ids it knew them by.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RosterRepo } from '../../src/db/roster-repo.js';
import { loadMigrations, migrate } from '../../src/db/open.js';

const T0 = Date.UTC(2026, 10, 2, 2);

/** The migrations up to and including this one: what later ones do is theirs to test. */
function throughThisOne() {
  const all = loadMigrations();
  return all.slice(0, all.findIndex((m) => m.name.includes('platform-addresses')) + 1);
}

/** A database as the version before this migration left it, with a roster and a ticket in it. */
function previousVersion(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  const all = loadMigrations();
  const before = all.findIndex((m) => m.name.includes('platform-addresses'));
  migrate(db, all.slice(0, before));
  db.exec(`
    INSERT INTO departments (id, name, wecom_webhook_key, dingtalk_conversation_id) VALUES
      ('zhian', '治安大队', NULL, NULL), ('jiaojing', '交警大队', 'KEY-JJ', 'cidJJ');
    INSERT INTO projects (code, name, level, officer_id, wecom_chat_id, wecom_webhook_key, dingtalk_conversation_id) VALUES
      ('XM001', '经开区新材料产业园', '重大', 'wang', 'wrXM001', 'KEY-XM001', 'cidXM001'),
      ('XM002', '高铁站站前广场', '重点', 'wang', 'wrXM002', NULL, NULL);
    INSERT INTO people (id, name, roles, department_id, project_code, wecom_userid, dingtalk_userid) VALUES
      ('wang', '王警官', '["officer"]', 'zhian', NULL, 'wangjg', 'staff-wang'),
      ('chen', '陈经理', '["enterprise"]', NULL, 'XM001', 'chenjl', NULL),
      ('gone', '离任者', '[]', NULL, NULL, NULL, NULL);
    INSERT INTO project_leaders (project_code, person_id) VALUES ('XM001', 'wang');
    -- XM002's WeCom group was bound in chat before chats kept every chat id: only the project knew it.
    INSERT INTO chats (platform, chat_id, kind, project_code, department_id, group_address, bound_by, bound_at) VALUES
      ('wecom', 'wrXM001', 'project', 'XM001', NULL, 'KEY-XM001', NULL, ${T0}),
      ('dingtalk', 'cidCOORD', 'coordinators', NULL, NULL, 'cidCOORD', NULL, ${T0});
    INSERT INTO settings (key, value) VALUES
      ('coordinators', '{"wecom":{"webhookKey":"KEY-COORD","chatId":"wrCOORD"},"dingtalk":{"openConversationId":"cidCOORD"}}'),
      ('meeting', '{"day":25}');
    INSERT INTO tickets (project_code, category, urgency, description, state, reporter_platform, reporter_user_id,
      reporter_person_id, reporter_name, assignee_id, created_at, updated_at, source_platform, source_chat_id)
      VALUES ('XM001', '阻工', 'urgent', '村民堵路', 'claimed', 'wecom', 'chenjl', 'chen', '陈经理', 'wang', ${T0}, ${T0}, 'wecom', 'wrXM001');
  `);
  return db;
}

const rows = (db: Database.Database, sql: string): unknown[] => db.prepare(sql).all();

describe('migration: platform addresses as data', () => {
  it('moves every platform id into platform_addresses and drops the columns named after a platform', () => {
    const db = previousVersion();
    migrate(db, throughThisOne());

    expect(rows(db, 'SELECT owner, owner_id, platform, address FROM platform_addresses ORDER BY owner, owner_id, platform')).toEqual([
      { owner: 'coordinators', owner_id: '', platform: 'dingtalk', address: 'cidCOORD' },
      { owner: 'coordinators', owner_id: '', platform: 'playground', address: 'coordinators' },
      { owner: 'coordinators', owner_id: '', platform: 'wecom', address: 'KEY-COORD' },
      { owner: 'department', owner_id: 'jiaojing', platform: 'dingtalk', address: 'cidJJ' },
      { owner: 'department', owner_id: 'jiaojing', platform: 'wecom', address: 'KEY-JJ' },
      { owner: 'person', owner_id: 'chen', platform: 'playground', address: 'chen' },
      { owner: 'person', owner_id: 'chen', platform: 'wecom', address: 'chenjl' },
      { owner: 'person', owner_id: 'gone', platform: 'playground', address: 'gone' },
      { owner: 'person', owner_id: 'wang', platform: 'dingtalk', address: 'staff-wang' },
      { owner: 'person', owner_id: 'wang', platform: 'playground', address: 'wang' },
      { owner: 'person', owner_id: 'wang', platform: 'wecom', address: 'wangjg' },
      { owner: 'project', owner_id: 'XM001', platform: 'dingtalk', address: 'cidXM001' },
      { owner: 'project', owner_id: 'XM001', platform: 'playground', address: 'XM001' },
      { owner: 'project', owner_id: 'XM001', platform: 'wecom', address: 'KEY-XM001' },
      { owner: 'project', owner_id: 'XM002', platform: 'playground', address: 'XM002' },
    ]);
    const columns = (table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
    expect(columns('people')).toEqual(['id', 'name', 'roles', 'department_id', 'project_code']);
    expect(columns('departments')).toEqual(['id', 'name']);
    expect(columns('projects')).toEqual(['code', 'name', 'level', 'officer_id']);
    expect(rows(db, "SELECT key FROM settings ORDER BY key")).toEqual([{ key: 'meeting' }]);
    // The WeCom chat id only the project held is now where chat ids live.
    expect(rows(db, "SELECT chat_id, project_code, group_address FROM chats WHERE platform = 'wecom' ORDER BY chat_id")).toEqual([
      { chat_id: 'wrXM001', project_code: 'XM001', group_address: 'KEY-XM001' },
      { chat_id: 'wrXM002', project_code: 'XM002', group_address: '' },
    ]);
  });

  it('keeps the tickets and the keys that tie them to people, with foreign keys still enforced', () => {
    const db = previousVersion();
    migrate(db, throughThisOne());
    expect(rows(db, 'SELECT reporter_person_id, assignee_id FROM tickets')).toEqual([{ reporter_person_id: 'chen', assignee_id: 'wang' }]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(() => db.prepare("UPDATE tickets SET assignee_id = 'nobody'").run()).toThrow(/FOREIGN KEY/);
  });

  it('lets the roster find people by the ids they had, and not someone who lost their roles', () => {
    const db = previousVersion();
    migrate(db, throughThisOne());
    // Today's repository reads today's schema: the migrations after this one (units, SPEC §11) too.
    migrate(db);
    const roster = new RosterRepo(db);
    expect(roster.personByPlatformId('wecom', 'wangjg')).toMatchObject({ id: 'wang', addresses: { wecom: 'wangjg', dingtalk: 'staff-wang', playground: 'wang' } });
    expect(roster.personByPlatformId('dingtalk', 'staff-wang')?.id).toBe('wang');
    expect(roster.personByPlatformId('playground', 'chen')?.id).toBe('chen');
    expect(roster.personByPlatformId('playground', 'gone')).toBeUndefined();
    expect(roster.project('XM001')?.addresses).toEqual({ wecom: 'KEY-XM001', dingtalk: 'cidXM001', playground: 'XM001' });
    expect(roster.department('zhian')?.addresses).toEqual({});
    expect(roster.coordinators()).toEqual({ wecom: 'KEY-COORD', dingtalk: 'cidCOORD', playground: 'coordinators' });
  });

  it('refuses a user id given to two people', () => {
    const db = previousVersion();
    migrate(db, throughThisOne());
    expect(() =>
      db.prepare("INSERT INTO platform_addresses (owner, owner_id, platform, address) VALUES ('person', 'chen', 'wecom', 'wangjg')").run(),
    ).toThrow(/UNIQUE/);
  });
});
