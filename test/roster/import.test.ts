import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminSessions } from '../../src/dashboard/auth.js';
import { SessionsRepo } from '../../src/db/sessions-repo.js';
import { describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/db/open.js';
import { RosterRepo } from '../../src/db/roster-repo.js';
import { importRoster, importRosterCommand, RevokesTooManyError } from '../../src/roster/import.js';
import { parseRoster, readRosterFile, RosterError } from '../../src/roster/parse.js';
import { ROOT } from '../../src/paths.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'roster');
const VALID_PATH = join(FIXTURES, 'valid.yaml');
const VALID = readFileSync(VALID_PATH, 'utf8');
const EXAMPLE_PATH = join(ROOT, 'roster.example.yaml');
const T0 = Date.parse('2026-03-02T09:00:00+08:00');

/** The least a roster has: every section, one officer, one project. */
const MINIMAL = [
  'settings: {}',
  'departments:',
  '  - { id: zhian, name: 治安大队 }',
  'people:',
  '  - { id: wang, name: 王警官, roles: [officer], department: zhian }',
  'projects:',
  '  - { code: XM001, name: 经开区新材料产业园, level: 重大, officer: wang }',
  '',
].join('\n');

/** MINIMAL with 周协调: VALID's 李局长 and 陈经理 are not in it. */
const SMALLER = MINIMAL.replace('people:\n', 'people:\n  - { id: zhou, name: 周协调, roles: [coordinator] }\n');

function freshDb(): Db {
  return openDb(':memory:');
}

function rows(db: Db, sql: string, ...params: unknown[]): unknown[] {
  return db.prepare(sql).all(...params);
}

/** Everything the import writes, to compare a database before and after. */
function snapshot(db: Db): Record<string, unknown[]> {
  const tables = ['departments', 'people', 'projects', 'platform_addresses', 'project_leaders', 'chats', 'settings', 'calendar_overrides', 'tickets'];
  return Object.fromEntries(tables.map((t) => [t, rows(db, `SELECT * FROM ${t} ORDER BY 1, 2`)]));
}

function addTicket(db: Db, reporter: string, assignee: string): number {
  const info = db
    .prepare(
      `INSERT INTO tickets (project_code, category, urgency, description, state, reporter_platform, reporter_user_id,
         reporter_person_id, reporter_name, assignee_id, department_id, created_at, updated_at, source_platform, source_chat_id,
         claim_from, round_from, window_start)
       VALUES ('XM001', '阻工', 'urgent', '门口被堵', 'claimed', 'wecom', 'chenjl', ?, '陈经理', ?, 'zhian', @t, @t, 'wecom', 'wrXM001', @t, @t, @t)`,
    )
    .run(reporter, assignee, { t: T0 });
  return Number(info.lastInsertRowid);
}

describe('importRoster', () => {
  it('writes departments, people, projects, leaders, chats, settings and calendar from a valid file', () => {
    const db = freshDb();
    expect(new RosterRepo(db).isEmpty()).toBe(true);

    const summary = importRoster(db, readRosterFile(VALID_PATH), T0);

    // Groups: XM001 on WeCom and DingTalk, the coordinators' on DingTalk (the playground's are not counted).
    expect(summary).toEqual({ units: 0, departments: 2, people: 4, projects: 1, chats: 3, revoked: [], sessionsEnded: [], moved: [], unitsRemoved: [], groupsForgotten: 0 });
    expect(new RosterRepo(db).isEmpty()).toBe(false);
    expect(db.prepare('SELECT * FROM people WHERE id = ?').get('wang')).toEqual({
      id: 'wang',
      name: '王警官',
      roles: '["officer"]',
      department_id: 'zhian',
      project_code: null,
    });
    expect(db.prepare('SELECT * FROM departments WHERE id = ?').get('jiaojing')).toEqual({ id: 'jiaojing', name: '交警大队', head_id: null });
    expect(db.prepare('SELECT * FROM projects').all()).toEqual([{ code: 'XM001', name: '经开区新材料产业园', level: '重大', officer_id: 'wang' }]);
    // Where each is on each platform: user ids of people, group addresses of the rest.
    const addresses = (owner: string, id: string) =>
      rows(db, 'SELECT platform, address FROM platform_addresses WHERE owner = ? AND owner_id = ? ORDER BY platform', owner, id);
    expect(addresses('person', 'wang')).toEqual([
      { platform: 'dingtalk', address: 'staff-wang' },
      { platform: 'playground', address: 'wang' },
      { platform: 'wecom', address: 'wangjg' },
    ]);
    expect(addresses('department', 'jiaojing')).toEqual([
      { platform: 'dingtalk', address: 'cidJJ' },
      { platform: 'wecom', address: 'KEY-JJ' },
    ]);
    expect(addresses('project', 'XM001')).toEqual([
      { platform: 'dingtalk', address: 'cidXM001' },
      { platform: 'playground', address: 'XM001' },
      { platform: 'wecom', address: 'KEY-XM001' },
    ]);
    expect(addresses('coordinators', '')).toEqual([
      { platform: 'dingtalk', address: 'cidCOORD' },
      { platform: 'playground', address: 'coordinators' },
      { platform: 'wecom', address: 'KEY-COORD' },
    ]);
    expect(rows(db, 'SELECT project_code, person_id FROM project_leaders')).toEqual([{ project_code: 'XM001', person_id: 'li' }]);
    expect(rows(db, 'SELECT platform, chat_id, kind, project_code, group_address, bound_by, bound_at FROM chats ORDER BY platform, chat_id')).toEqual([
      { platform: 'dingtalk', chat_id: 'cidCOORD', kind: 'coordinators', project_code: null, group_address: 'cidCOORD', bound_by: null, bound_at: T0 },
      { platform: 'dingtalk', chat_id: 'cidXM001', kind: 'project', project_code: 'XM001', group_address: 'cidXM001', bound_by: null, bound_at: T0 },
      { platform: 'playground', chat_id: 'XM001', kind: 'project', project_code: 'XM001', group_address: 'XM001', bound_by: null, bound_at: T0 },
      { platform: 'playground', chat_id: 'coordinators', kind: 'coordinators', project_code: null, group_address: 'coordinators', bound_by: null, bound_at: T0 },
      { platform: 'wecom', chat_id: 'wrXM001', kind: 'project', project_code: 'XM001', group_address: 'KEY-XM001', bound_by: null, bound_at: T0 },
    ]);
    const setting = (key: string): unknown => JSON.parse((db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string }).value);
    expect(setting('meeting')).toEqual({ day: 25, time: '15:00', place: '市公安局三楼会议室', noticeDaysBefore: 3 });
    expect(setting('sla')).toEqual({ 阻工: { claim: '15m' } });
    expect(rows(db, 'SELECT date, kind FROM calendar_overrides ORDER BY date')).toEqual([
      { date: '2027-01-01', kind: 'holiday' },
      { date: '2027-02-07', kind: 'workday' },
    ]);
  });

  it('writes the default meeting and an empty sla when the file has neither', () => {
    const db = freshDb();
    importRoster(db, parseRoster(MINIMAL), T0);
    const setting = (key: string): unknown => JSON.parse((db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string }).value);
    expect(setting('meeting')).toEqual({ day: 25, time: '15:00', place: '待定', noticeDaysBefore: 3 });
    expect(setting('sla')).toEqual({});
    expect(rows(db, "SELECT platform, address FROM platform_addresses WHERE owner = 'coordinators'")).toEqual([
      { platform: 'playground', address: 'coordinators' },
    ]);
    expect(rows(db, 'SELECT chat_id FROM chats ORDER BY chat_id')).toEqual([{ chat_id: 'XM001' }, { chat_id: 'coordinators' }]);
  });

  it('imports the repository example roster', () => {
    const db = freshDb();
    const summary = importRoster(db, readRosterFile(EXAMPLE_PATH), T0);
    expect(summary).toMatchObject({ departments: 12, projects: 5 });
    expect(summary.people).toBeGreaterThanOrEqual(10);
    expect(rows(db, "SELECT chat_id FROM chats WHERE platform = 'playground' ORDER BY chat_id")).toEqual([
      { chat_id: 'DX001' },
      { chat_id: 'XM001' },
      { chat_id: 'XM002' },
      { chat_id: 'XM003' },
      { chat_id: 'XX001' },
      { chat_id: 'coordinators' },
      // each county's coordinators' group (SPEC §11)
      { chat_id: 'coordinators:dongxian' },
      { chat_id: 'coordinators:xixian' },
    ]);
    expect(db.prepare("SELECT project_code FROM chats WHERE platform = 'wecom' AND chat_id = 'wrXM002'").get()).toEqual({ project_code: 'XM002' });
  });

  it('updates on re-import and keeps the tickets that refer to people and projects', () => {
    const db = freshDb();
    importRoster(db, parseRoster(VALID), T0);
    const no = addTicket(db, 'chen', 'wang');

    const edited = VALID.replace('王警官', '王志强').replace('wecom: chenjl', 'wecom: chenjl2').replace('level: 重大', 'level: 重点');
    const summary = importRoster(db, parseRoster(edited), T0 + 1000);

    expect(summary.people).toBe(4);
    expect(db.prepare('SELECT name FROM people WHERE id = ?').get('wang')).toEqual({ name: '王志强' });
    expect(db.prepare("SELECT address FROM platform_addresses WHERE owner = 'person' AND owner_id = ? AND platform = 'wecom'").get('chen')).toEqual({
      address: 'chenjl2',
    });
    expect(db.prepare('SELECT level FROM projects WHERE code = ?').get('XM001')).toEqual({ level: '重点' });
    expect(db.prepare('SELECT reporter_person_id, assignee_id FROM tickets WHERE no = ?').get(no)).toEqual({
      reporter_person_id: 'chen',
      assignee_id: 'wang',
    });
    expect(db.prepare('SELECT count(*) AS n FROM people').get()).toEqual({ n: 4 });
  });

  it('never deletes people, departments or projects the new file no longer lists', () => {
    const db = freshDb();
    importRoster(db, parseRoster(VALID), T0);
    addTicket(db, 'chen', 'wang');
    importRoster(db, parseRoster(SMALLER), T0 + 1000);
    expect(rows(db, 'SELECT id FROM people ORDER BY id')).toEqual([{ id: 'chen' }, { id: 'li' }, { id: 'wang' }, { id: 'zhou' }]);
    expect(rows(db, 'SELECT code FROM projects')).toEqual([{ code: 'XM001' }]);
    expect(rows(db, 'SELECT id FROM departments ORDER BY id')).toEqual([{ id: 'jiaojing' }, { id: 'zhian' }]);
  });

  // SPEC §9: the roster is the authority. Someone removed from the file keeps their past in the log
  // and their tickets, and loses every role: a message from them is a stranger's.
  it('takes their roles from people the new file no longer lists, and says who', () => {
    const db = freshDb();
    importRoster(db, parseRoster(VALID), T0);
    addTicket(db, 'chen', 'wang');
    const summary = importRoster(db, parseRoster(SMALLER), T0 + 1000);
    expect(summary.revoked.map((p) => p.id)).toEqual(['chen', 'li']);
    expect(rows(db, "SELECT id FROM people WHERE roles <> '[]' ORDER BY id")).toEqual([{ id: 'wang' }, { id: 'zhou' }]);
    const roster = new RosterRepo(db);
    expect(roster.personByPlatformId('wecom', 'chenjl')).toBeUndefined();
    expect(roster.person('chen')?.name).toBe('陈经理'); // still named in the timeline
    expect(rows(db, 'SELECT count(*) AS n FROM tickets')).toEqual([{ n: 1 }]);
    // Listed again, they are back.
    expect(importRoster(db, parseRoster(VALID), T0 + 2000).revoked).toEqual([]);
    expect(roster.personByPlatformId('wecom', 'chenjl')?.roles).toEqual(['enterprise']);
  });

  it("replaces a project's leaders and the calendar overrides with the file's", () => {
    const db = freshDb();
    importRoster(db, parseRoster(VALID), T0);
    const edited = VALID.replace('leaders: [li]', 'leaders: [zhouling]')
      .replace("  - { id: chen,", "  - { id: zhouling, name: 周副市长, roles: [leader] }\n  - { id: chen,")
      .replace('holidays: ["2027-01-01"]', 'holidays: ["2027-10-01..2027-10-03"]')
      .replace('workdays: ["2027-02-07"]', 'workdays: []');
    importRoster(db, parseRoster(edited), T0);
    expect(rows(db, 'SELECT person_id FROM project_leaders')).toEqual([{ person_id: 'zhouling' }]);
    expect(rows(db, 'SELECT date, kind FROM calendar_overrides ORDER BY date')).toEqual([
      { date: '2027-10-01', kind: 'holiday' },
      { date: '2027-10-02', kind: 'holiday' },
      { date: '2027-10-03', kind: 'holiday' },
    ]);
  });

  it('moves a platform user id to the person the file now gives it to', () => {
    const db = freshDb();
    importRoster(db, parseRoster(VALID), T0);
    // The officer's id was renamed from wang to wangzq; the old row stays for old tickets.
    importRoster(db, parseRoster(VALID.replace('{ id: wang,', '{ id: wangzq,').replace('officer: wang', 'officer: wangzq')), T0);
    expect(
      rows(db, "SELECT owner_id, platform, address FROM platform_addresses WHERE owner = 'person' AND owner_id LIKE 'wang%' ORDER BY owner_id, platform"),
    ).toEqual([
      // The old row keeps only its playground id, which is its own roster id.
      { owner_id: 'wang', platform: 'playground', address: 'wang' },
      { owner_id: 'wangzq', platform: 'dingtalk', address: 'staff-wang' },
      { owner_id: 'wangzq', platform: 'playground', address: 'wangzq' },
      { owner_id: 'wangzq', platform: 'wecom', address: 'wangjg' },
    ]);
  });

  it('lets a renamed department id take its old name, keeping the old row under a marked name', () => {
    const db = freshDb();
    importRoster(db, parseRoster(VALID), T0);
    importRoster(db, parseRoster(VALID.replace('{ id: zhian,', '{ id: za,').replace('department: zhian', 'department: za')), T0);
    expect(rows(db, 'SELECT id, name FROM departments ORDER BY id')).toEqual([
      { id: 'jiaojing', name: '交警大队' },
      { id: 'za', name: '治安大队' },
      { id: 'zhian', name: '治安大队 [zhian]' },
    ]);
  });

  it('keeps a group bound in chat when the file names none for the project', () => {
    const db = freshDb();
    importRoster(db, parseRoster(VALID), T0);
    const withoutGroups = VALID.replace(/\n {4}wecom: \{ chatId.*\n {4}dingtalk: .*\n/, '\n');
    importRoster(db, parseRoster(withoutGroups), T0);
    expect(rows(db, "SELECT platform, address FROM platform_addresses WHERE owner = 'project' ORDER BY platform")).toEqual([
      { platform: 'dingtalk', address: 'cidXM001' },
      { platform: 'playground', address: 'XM001' },
      { platform: 'wecom', address: 'KEY-XM001' },
    ]);
    expect(rows(db, "SELECT project_code FROM chats WHERE platform = 'wecom' AND chat_id = 'wrXM001'")).toEqual([{ project_code: 'XM001' }]);
  });
});

// SPEC §11: a person's own dashboard session was opened for the roles they had; it ends when those
// change, or when they leave the roster, and the import says whose ended.
describe('dashboard sessions at import', () => {
  const signIn = (db: Db, person: string, at = T0) =>
    new AdminSessions(new SessionsRepo(db), 'importSessionsS3cr3tK9wQx7Pz').openFor(person, at);
  const inForce = (db: Db, at = T0 + 5000) => new SessionsRepo(db).inForce(at).map((s) => s.personId).sort();

  it('ends the sessions of people whose roles changed or who left, and no one else’s', () => {
    const db = freshDb();
    importRoster(db, parseRoster(VALID), T0);
    for (const p of ['wang', 'li', 'zhou']) signIn(db, p);
    const edited = VALID.replace('roles: [leader]', 'roles: [leader, coordinator]').replace(
      '  - { id: zhou, name: 周协调, roles: [coordinator], wecom: zhoux, dingtalk: "staff-zhou" }\n',
      '',
    );
    expect(edited).not.toContain('周协调');
    const summary = importRoster(db, parseRoster(edited), T0 + 1000);
    expect(summary.sessionsEnded.map((p) => p.id).sort()).toEqual(['li', 'zhou']);
    expect(inForce(db)).toEqual(['wang']);
  });

  it('keeps them when the file is imported again unchanged, or lists the same roles in another order', () => {
    const db = freshDb();
    const both = VALID.replace('roles: [leader]', 'roles: [leader, coordinator]');
    importRoster(db, parseRoster(both), T0);
    for (const p of ['wang', 'li']) signIn(db, p);
    expect(importRoster(db, parseRoster(both), T0 + 1000).sessionsEnded).toEqual([]);
    expect(importRoster(db, parseRoster(VALID.replace('roles: [leader]', 'roles: [coordinator, leader]')), T0 + 2000).sessionsEnded).toEqual([]);
    expect(inForce(db)).toEqual(['li', 'wang']);
  });

  it('says whose sessions ended', () => {
    const db = freshDb();
    importRosterCommand(db, VALID_PATH, T0);
    signIn(db, 'wang');
    const dir = mkdtempSync(join(tmpdir(), 'lianbao-import-'));
    const file = join(dir, 'roster.yaml');
    writeFileSync(file, VALID.replace('roles: [officer]', 'roles: [officer, leader]'));
    expect(importRosterCommand(db, file, T0 + 1000).split('\n')[1]).toBe(
      '以下 1 人的权限有变化，其工作台账登录已结束（需要时可在私聊中重新发送“登录”）：王警官（wang）',
    );
  });
});

// SPEC §9, §11: the roster is the authority, and an import says whose reach it changed.
describe('an import that changes the units', () => {
  it('names the units that left, the groups no longer coordinators’, and whose unit changed', () => {
    const db = freshDb();
    const dir = mkdtempSync(join(tmpdir(), 'lianbao-import-'));
    const example = readFileSync('roster.example.yaml', 'utf8');
    expect(importRosterCommand(db, 'roster.example.yaml', T0).split('\n')[0]).toMatch(/^名册已导入 roster\.example\.yaml：单位 3 个，部门 \d+ 个/);
    new AdminSessions(new SessionsRepo(db), 'importSessionsS3cr3tK9wQx7Pz').openFor('xxxt', T0);
    const merged = join(dir, 'roster.yaml');
    writeFileSync(merged, example.replace(/ {2}- id: xixian\n(?: {4}.*\n)+/, '').replaceAll('unit: xixian', 'unit: dongxian'));
    expect(importRosterCommand(db, merged, T0 + 1000).split('\n').slice(1)).toEqual([
      '以下 1 个单位已不在名册中：西县护企办（xixian）',
      '名册中已没有的 2 个护企办群不再按护企办群对待（可以用“绑定”改为项目群）',
      '以下 1 人的所属单位有变化，可查看和办理的范围随之改变：西县朱协调（xxxt）西县护企办→东县护企办',
      '以下 1 人的权限有变化，其工作台账登录已结束（需要时可在私聊中重新发送“登录”）：西县朱协调（xxxt）',
    ]);
  });
});

describe('importRosterCommand', () => {
  it('imports a file and returns a one-line summary', () => {
    const db = freshDb();
    const line = importRosterCommand(db, VALID_PATH, T0);
    expect(line).not.toContain('\n');
    expect(line).toContain('valid.yaml');
    expect(line).toMatch(/部门 2 个.*人员 4 人.*项目 1 个/);
    expect(line).toBe('名册已导入 valid.yaml：部门 2 个，人员 4 人，项目 1 个，群 3 个');
  });

  it('imports nothing from a file with one error, and says where it is', () => {
    const db = freshDb();
    importRosterCommand(db, VALID_PATH, T0);
    const before = snapshot(db);

    const path = join(FIXTURES, 'one-error.yaml');
    let error: unknown;
    try {
      importRosterCommand(db, path, T0 + 1000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RosterError);
    expect((error as RosterError).message).toBe(`${path}:19:15 projects[0].leaders[0]: 名册里没有人员 "lii"，是不是 "li"？`);
    // The same file also renames 王警官; that must not have happened either.
    expect(snapshot(db)).toEqual(before);
  });

  // A truncated or wrong file must not quietly switch an installation off: taking the roles of
  // more than half of the people who have them needs --force.
  it('refuses an import that would take the roles of more than half the people who have them, unless forced', () => {
    const db = freshDb();
    importRosterCommand(db, VALID_PATH, T0);
    const before = snapshot(db);
    const dir = mkdtempSync(join(tmpdir(), 'lianbao-import-'));
    const file = join(dir, 'roster.yaml');
    writeFileSync(file, MINIMAL);
    expect(() => importRosterCommand(db, file, T0 + 1000)).toThrow(
      new RevokesTooManyError(
        `名册 roster.yaml 里没有现有 4 个有权限人员中的 3 人，导入会取消他们的全部权限：陈经理（chen）、李局长（li）、周协调（zhou）。` +
          `没有导入任何内容。请确认文件是完整的名册；确实要这样做，请加 --force：lianbao import ${file} --force`,
      ),
    );
    expect(snapshot(db)).toEqual(before);
    // Half of them is not more than half: 2 of 4.
    writeFileSync(file, SMALLER);
    expect(importRosterCommand(db, file, T0 + 2000)).toContain('名册中已没有以下 2 人');
    importRosterCommand(db, VALID_PATH, T0 + 3000);
    writeFileSync(file, MINIMAL);
    expect(importRosterCommand(db, file, T0 + 4000, { force: true })).toContain(
      '名册中已没有以下 3 人，其权限已取消（历史记录保留）：陈经理（chen）、李局长（li）、周协调（zhou）',
    );
  });

  it('names at most 20 people who lost their roles, then counts the rest', () => {
    const db = freshDb();
    const dir = mkdtempSync(join(tmpdir(), 'lianbao-import-'));
    const file = join(dir, 'roster.yaml');
    const leaders = Array.from({ length: 25 }, (_, i) => `  - { id: l${String(i + 10)}, name: 领导${String(i + 10)}, roles: [leader] }\n`).join('');
    writeFileSync(file, MINIMAL.replace('people:\n', `people:\n${leaders}`));
    importRosterCommand(db, file, T0);
    writeFileSync(file, MINIMAL);
    const lost = importRosterCommand(db, file, T0 + 1000, { force: true }).split('\n')[1];
    const names = Array.from({ length: 20 }, (_, i) => `领导${String(i + 10)}（l${String(i + 10)}）`).join('、');
    expect(lost).toBe(`名册中已没有以下 25 人，其权限已取消（历史记录保留）：${names} 等 25 人`);
  });

  it('imports nothing into an empty database from a file with errors', () => {
    const db = freshDb();
    expect(() => importRosterCommand(db, join(FIXTURES, 'dangling.yaml'), T0)).toThrow(RosterError);
    expect(new RosterRepo(db).isEmpty()).toBe(true);
    expect(rows(db, 'SELECT * FROM settings')).toEqual([]);
  });
});
