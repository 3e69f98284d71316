import { basename } from 'node:path';
import type { Platform, PlatformAddresses } from '../chat/types.js';
import type { Db } from '../db/open.js';
import { readRosterFile, type Roster } from './parse.js';

/** How many rows of each kind an import wrote (inserted or updated). */
export interface ImportSummary {
  departments: number;
  people: number;
  projects: number;
  chats: number;
  /** people who had roles and are no longer in the file: they lost them with this import */
  revoked: { id: string; name: string }[];
}

interface ChatRow {
  platform: Platform;
  chatId: string;
  kind: 'project' | 'coordinators';
  projectCode: string | null;
  groupAddress: string;
}

/** The chats a roster maps: each project's groups and the coordinators' group, on every platform it names. */
function rosterChats(roster: Roster): ChatRow[] {
  const chats: ChatRow[] = [];
  for (const p of roster.projects) {
    const project = { kind: 'project', projectCode: p.code } as const;
    if (p.wecom?.chatId) {
      chats.push({ platform: 'wecom', chatId: p.wecom.chatId, ...project, groupAddress: p.wecom.webhookKey ?? '' });
    }
    if (p.dingtalk) {
      const cid = p.dingtalk.openConversationId;
      chats.push({ platform: 'dingtalk', chatId: cid, ...project, groupAddress: cid });
    }
    chats.push({ platform: 'playground', chatId: p.code, ...project, groupAddress: p.code });
  }
  const coordinators = { kind: 'coordinators', projectCode: null } as const;
  const { wecom, dingtalk } = roster.settings.coordinators;
  if (dingtalk) {
    const cid = dingtalk.openConversationId;
    chats.push({ platform: 'dingtalk', chatId: cid, ...coordinators, groupAddress: cid });
  }
  if (wecom?.chatId) chats.push({ platform: 'wecom', chatId: wecom.chatId, ...coordinators, groupAddress: wecom.webhookKey });
  chats.push({ platform: 'playground', chatId: 'coordinators', ...coordinators, groupAddress: 'coordinators' });
  return chats;
}

/**
 * The platform addresses the roster file gives, by platform: the one place where its keys (`wecom`,
 * `dingtalk`) are read as platforms. The playground knows people, projects and the coordinators'
 * group by their roster ids, so they have an address there too.
 */
function personAddresses(p: Roster['people'][number]): PlatformAddresses {
  return { wecom: p.wecom, dingtalk: p.dingtalk, playground: p.id };
}

function groupAddresses(g: { wecom?: { webhookKey?: string }; dingtalk?: { openConversationId: string } } | undefined, playground?: string): PlatformAddresses {
  return { wecom: g?.wecom?.webhookKey, dingtalk: g?.dingtalk?.openConversationId, playground };
}

/**
 * Writes a validated roster, all in one transaction: upserts departments, projects, people,
 * each project's leaders and the chats the roster maps; replaces the `coordinators`,
 * `meeting`, `urgentNotice` and `sla` settings and the calendar overrides. Nothing is ever deleted, because
 * tickets and the audit log refer to people, departments and projects.
 */
export function importRoster(db: Db, roster: Roster, now: number): ImportSummary {
  const s = {
    // A department that left the file keeps its row for old tickets, but its name is needed by
    // a department in the file (names are unique, and transfers look departments up by name).
    renameNameHolder: db.prepare<[string, string]>("UPDATE departments SET name = name || ' [' || id || ']' WHERE name = ? AND id <> ?"),
    department: db.prepare(
      `INSERT INTO departments (id, name, head_id) VALUES (@id, @name, @head)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, head_id = excluded.head_id`,
    ),
    project: db.prepare(
      `INSERT INTO projects (code, name, level, officer_id) VALUES (@code, @name, @level, @officer)
       ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, officer_id = excluded.officer_id`,
    ),
    person: db.prepare(
      `INSERT INTO people (id, name, roles, department_id, project_code)
       VALUES (@id, @name, @roles, @department, @project)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, roles = excluded.roles, department_id = excluded.department_id,
         project_code = excluded.project_code`,
    ),
    // The file says where a person, a department and the coordinators' group are on each platform:
    // what it no longer names is forgotten.
    clearAddresses: db.prepare<[string, string]>('DELETE FROM platform_addresses WHERE owner = ? AND owner_id = ?'),
    // A user id that moved to another person (say, an id renamed in the file) leaves the old one.
    releaseUser: db.prepare<[string, string, string]>(
      "DELETE FROM platform_addresses WHERE owner = 'person' AND platform = ? AND address = ? AND owner_id <> ?",
    ),
    // A project group bound in chat with 绑定 is kept when the file does not name one.
    address: db.prepare<[string, string, string, string]>(
      `INSERT INTO platform_addresses (owner, owner_id, platform, address) VALUES (?, ?, ?, ?)
       ON CONFLICT (owner, owner_id, platform) DO UPDATE SET address = excluded.address`,
    ),
    clearLeaders: db.prepare<[string]>('DELETE FROM project_leaders WHERE project_code = ?'),
    leader: db.prepare<[string, string]>('INSERT INTO project_leaders (project_code, person_id) VALUES (?, ?)'),
    chat: db.prepare(
      `INSERT INTO chats (platform, chat_id, kind, project_code, department_id, group_address, bound_by, bound_at)
       VALUES (@platform, @chatId, @kind, @projectCode, NULL, @groupAddress, NULL, @now)
       ON CONFLICT (platform, chat_id) DO UPDATE SET kind = excluded.kind, project_code = excluded.project_code,
         department_id = NULL, group_address = excluded.group_address, bound_by = NULL, bound_at = excluded.bound_at`,
    ),
    setting: db.prepare<[string, string]>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    clearCalendar: db.prepare('DELETE FROM calendar_overrides'),
    // Someone the file no longer lists loses every role (SPEC §9: the roster is the authority);
    // the row stays, since tickets and the log refer to it.
    listed: db.prepare<[string], { id: string; name: string }>(
      `SELECT id, name FROM people WHERE roles <> '[]' AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id`,
    ),
    revoke: db.prepare<[string]>(`UPDATE people SET roles = '[]' WHERE id = ?`),
    calendarDay: db.prepare<[string, string]>('INSERT INTO calendar_overrides (date, kind) VALUES (?, ?)'),
  };

  const chats = rosterChats(roster);
  const writeAddresses = (owner: string, id: string, addresses: PlatformAddresses, replace: boolean): void => {
    if (replace) s.clearAddresses.run(owner, id);
    for (const [platform, address] of Object.entries(addresses)) {
      if (!address) continue;
      if (owner === 'person') s.releaseUser.run(platform, address, id);
      s.address.run(owner, id, platform, address);
    }
  };
  let revoked: { id: string; name: string }[] = [];
  // Foreign keys: people refer to departments and projects, leaders to people; a project's
  // officer is not a foreign key (people and projects refer to each other), so this order works.
  db.transaction(() => {
    for (const d of roster.departments) {
      s.renameNameHolder.run(d.name, d.id);
      s.department.run({ id: d.id, name: d.name, head: d.head ?? null });
      writeAddresses('department', d.id, groupAddresses(d), true);
    }
    for (const p of roster.projects) {
      s.project.run({ code: p.code, name: p.name, level: p.level, officer: p.officer });
      writeAddresses('project', p.code, groupAddresses(p, p.code), false);
    }
    for (const p of roster.people) {
      s.person.run({
        id: p.id,
        name: p.name,
        roles: JSON.stringify(p.roles),
        department: p.department ?? null,
        project: p.project ?? null,
      });
      writeAddresses('person', p.id, personAddresses(p), true);
    }
    revoked = s.listed.all(JSON.stringify(roster.people.map((p) => p.id)));
    for (const p of revoked) s.revoke.run(p.id);
    for (const p of roster.projects) {
      s.clearLeaders.run(p.code);
      for (const leader of p.leaders) s.leader.run(p.code, leader);
    }
    for (const c of chats) s.chat.run({ ...c, now });
    writeAddresses('coordinators', '', groupAddresses(roster.settings.coordinators, 'coordinators'), true);
    s.setting.run('meeting', JSON.stringify(roster.settings.meeting));
    s.setting.run('urgentNotice', JSON.stringify(roster.settings.urgentNotice));
    s.setting.run('sla', JSON.stringify(roster.sla));
    s.clearCalendar.run();
    for (const date of roster.calendar.holidays) s.calendarDay.run(date, 'holiday');
    for (const date of roster.calendar.workdays) s.calendarDay.run(date, 'workday');
  })();

  return {
    departments: roster.departments.length,
    people: roster.people.length,
    projects: roster.projects.length,
    chats: chats.length,
    revoked,
  };
}

/** True before any roster has been imported: no people and no projects. */
export function rosterIsEmpty(db: Db): boolean {
  const row = db
    .prepare<[], { empty: number }>('SELECT NOT EXISTS (SELECT 1 FROM people) AND NOT EXISTS (SELECT 1 FROM projects) AS empty')
    .get();
  return row?.empty === 1;
}

/**
 * `lianbao import <file>`: reads, checks and imports a roster file and returns a one-line
 * summary for the terminal. Throws `RosterError` (one line per problem) when the file has
 * problems, in which case nothing is imported.
 */
export function importRosterCommand(db: Db, path: string, now: number): string {
  const summary = importRoster(db, readRosterFile(path), now);
  const { departments, people, projects, chats, revoked } = summary;
  const lost = revoked.length > 0 ? `\n名册中已没有以下 ${revoked.length} 人，其权限已取消（历史记录保留）：${revoked.map((p) => `${p.name}（${p.id}）`).join('、')}` : '';
  return `名册已导入 ${basename(path)}：部门 ${departments} 个，人员 ${people} 人，项目 ${projects} 个，群 ${chats} 个${lost}`;
}
