import type { Platform, PlatformAddresses } from '../chat/types.js';
import type { ProjectLevel, Role } from '../tickets/model.js';
import type { Db } from './open.js';

/** A chat the roster maps to a project or to the coordinators. */
export interface RosterChat {
  platform: Platform;
  chatId: string;
  kind: 'project' | 'coordinators';
  projectCode: string | null;
  groupAddress: string;
  /** for a coordinators' group: whose unit's; null: the root's */
  unitId: string | null;
}

/** A roster file as rows (src/roster/import.ts makes them). */
export interface RosterRows {
  /**
   * The unit tree (SPEC §11), root first, each after its parent, replacing the one before; empty
   * when the roster has none. `meeting` is null for the root (its meeting is the `meeting` setting);
   * `addresses` are the unit's coordinators' group, for units below the root.
   */
  units: { id: string; name: string; parent: string | null; meeting: object | null; addresses: PlatformAddresses }[];
  /** `unit`: null for the root */
  departments: { id: string; name: string; head: string | null; unit: string | null; addresses: PlatformAddresses }[];
  projects: { code: string; name: string; level: ProjectLevel; officer: string; leaders: readonly string[]; unit: string | null; addresses: PlatformAddresses }[];
  people: { id: string; name: string; roles: readonly Role[]; department: string | null; project: string | null; unit: string | null; addresses: PlatformAddresses }[];
  chats: RosterChat[];
  /** the coordinators' group, on each platform */
  coordinators: PlatformAddresses;
  /** `meeting`, `urgentNotice` and `sla`, each stored as JSON */
  settings: Record<string, unknown>;
  calendar: { holidays: readonly string[]; workdays: readonly string[] };
}

/** Someone who had roles and is no longer in the roster: they lose them. */
export interface Revoked {
  id: string;
  name: string;
}

/** A coordinator or leader whose unit changed: what they see changed with it (SPEC §11). */
export interface Moved extends Revoked {
  /** unit names, the root's for null */
  from: string;
  to: string;
}

/**
 * What an import changed besides the rows: who lost their roles, whose dashboard sessions ended,
 * which coordinators and leaders changed unit, which units left the file, and how many
 * coordinators' groups (on WeCom and DingTalk) it no longer names.
 */
export interface Written {
  revoked: Revoked[];
  sessionsEnded: Revoked[];
  moved: Moved[];
  unitsRemoved: Revoked[];
  groupsForgotten: number;
}

/** The roles whose reach is their unit's (src/tickets/scope.ts). */
const UNIT_ROLES: readonly Role[] = ['coordinator', 'leader'];

/** The same roles, in whatever order. */
function sameRoles(a: readonly Role[], b: readonly Role[]): boolean {
  return a.length === b.length && a.every((r) => b.includes(r));
}

/** The writes of a roster import. */
export class RosterWriter {
  private readonly s;
  private readonly writeAll;

  constructor(db: Db) {
    this.s = {
      // A department that left the file keeps its row for old tickets, but its name is needed by
      // a department in the file (names are unique, and transfers look departments up by name).
      renameNameHolder: db.prepare<[string, string]>("UPDATE departments SET name = name || ' [' || id || ']' WHERE name = ? AND id <> ?"),
      department: db.prepare<[{ id: string; name: string; head: string | null }]>(
        `INSERT INTO departments (id, name, head_id) VALUES (@id, @name, @head)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, head_id = excluded.head_id`,
      ),
      project: db.prepare<[{ code: string; name: string; level: string; officer: string }]>(
        `INSERT INTO projects (code, name, level, officer_id) VALUES (@code, @name, @level, @officer)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, officer_id = excluded.officer_id`,
      ),
      person: db.prepare<[{ id: string; name: string; roles: string; department: string | null; project: string | null }]>(
        `INSERT INTO people (id, name, roles, department_id, project_code)
         VALUES (@id, @name, @roles, @department, @project)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, roles = excluded.roles, department_id = excluded.department_id,
           project_code = excluded.project_code`,
      ),
      clearUnits: db.prepare('DELETE FROM units'),
      // Where each thing of the file is: written again whole (the root's, the default, has no row).
      clearPlaces: db.prepare('DELETE FROM unit_places'),
      place: db.prepare<[string, string, string]>('INSERT INTO unit_places (owner, owner_id, unit_id) VALUES (?, ?, ?)'),
      unit: db.prepare<[string, string, string | null, number, string | null]>(
        'INSERT INTO units (id, name, parent_id, position, meeting) VALUES (?, ?, ?, ?, ?)',
      ),
      // The groups of units that left the file are forgotten with them.
      dropUnitGroups: db.prepare<[string]>(
        `DELETE FROM platform_addresses WHERE owner = 'coordinators' AND owner_id <> '' AND owner_id NOT IN (SELECT value FROM json_each(?))`,
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
      chat: db.prepare<[RosterChat & { now: number }]>(
        `INSERT INTO chats (platform, chat_id, kind, project_code, department_id, group_address, bound_by, bound_at, unit_id)
         VALUES (@platform, @chatId, @kind, @projectCode, NULL, @groupAddress, NULL, @now, @unitId)
         ON CONFLICT (platform, chat_id) DO UPDATE SET kind = excluded.kind, project_code = excluded.project_code,
           department_id = NULL, group_address = excluded.group_address, bound_by = NULL, bound_at = excluded.bound_at,
           unit_id = excluded.unit_id`,
      ),
      // A coordinators' group only ever comes from the file: one it no longer names (a unit that
      // left it, a group replaced by another) becomes an ordinary chat again, so that nobody there
      // reads a coordinators' lists and the group may be bound to a project.
      forgottenCoordinatorChats: db.prepare<[string], { n: number }>(
        `SELECT count(*) AS n FROM chats WHERE kind = 'coordinators' AND platform <> 'playground'
           AND platform || ' ' || chat_id NOT IN (SELECT value FROM json_each(?))`,
      ),
      dropCoordinatorChats: db.prepare<[string]>(
        `DELETE FROM chats WHERE kind = 'coordinators'
           AND platform || ' ' || chat_id NOT IN (SELECT value FROM json_each(?))`,
      ),
      unitsNow: db.prepare<[], { id: string; name: string; parent_id: string | null }>('SELECT id, name, parent_id FROM units ORDER BY position'),
      personUnit: db.prepare<[string], { unit_id: string }>("SELECT unit_id FROM unit_places WHERE owner = 'person' AND owner_id = ?"),
      setting: db.prepare<[string, string]>('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      clearCalendar: db.prepare('DELETE FROM calendar_overrides'),
      // Someone the file no longer lists loses every role (SPEC §9: the roster is the authority);
      // the row stays, since tickets and the log refer to it.
      listed: db.prepare<[string], Revoked>(`SELECT id, name FROM people WHERE roles <> '[]' AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id`),
      revoke: db.prepare<[string]>(`UPDATE people SET roles = '[]' WHERE id = ?`),
      withRoles: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM people WHERE roles <> '[]'`),
      rolesOf: db.prepare<[string], { roles: string }>('SELECT roles FROM people WHERE id = ?'),
      // A person's own dashboard sessions end when their roles change (SPEC §11): what they may
      // see was decided by the roles they had.
      endSessions: db.prepare<[number, string, number]>('UPDATE sessions SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL AND expires_at > ?'),
      calendarDay: db.prepare<[string, string]>('INSERT INTO calendar_overrides (date, kind) VALUES (?, ?)'),
    };
    // Foreign keys: people refer to departments and projects, leaders to people; a project's
    // officer is not a foreign key (people and projects refer to each other), so this order works.
    this.writeAll = db.transaction((rows: RosterRows, now: number): Written => {
      const ended: Revoked[] = [];
      const endSessions = (p: Revoked): void => {
        if (this.s.endSessions.run(now, p.id, now).changes > 0) ended.push(p);
      };
      const { s } = this;
      // Where things were before, to tell what this import moved or took away.
      const unitsBefore = s.unitsNow.all();
      const unitBefore = new Map(rows.people.map((p) => [p.id, s.personUnit.get(p.id)?.unit_id ?? null]));
      s.clearUnits.run();
      s.clearPlaces.run();
      rows.units.forEach((u, i) => {
        s.unit.run(u.id, u.name, u.parent, i, u.meeting === null ? null : JSON.stringify(u.meeting));
        if (u.parent !== null) this.addresses('coordinators', u.id, u.addresses, true);
      });
      s.dropUnitGroups.run(JSON.stringify(rows.units.filter((u) => u.parent !== null).map((u) => u.id)));
      for (const d of rows.departments) {
        s.renameNameHolder.run(d.name, d.id);
        s.department.run({ id: d.id, name: d.name, head: d.head });
        if (d.unit !== null) s.place.run('department', d.id, d.unit);
        this.addresses('department', d.id, d.addresses, true);
      }
      for (const p of rows.projects) {
        s.project.run({ code: p.code, name: p.name, level: p.level, officer: p.officer });
        if (p.unit !== null) s.place.run('project', p.code, p.unit);
        this.addresses('project', p.code, p.addresses, false);
      }
      const rootName = (units: readonly { name: string; parent: string | null }[]) => units.find((u) => u.parent === null)?.name ?? '本级';
      const nameBefore = (id: string | null) =>
        id === null ? rootName(unitsBefore.map((u) => ({ name: u.name, parent: u.parent_id }))) : (unitsBefore.find((u) => u.id === id)?.name ?? id);
      const nameNow = (id: string | null) => (id === null ? rootName(rows.units) : (rows.units.find((u) => u.id === id)?.name ?? id));
      const moved: Moved[] = [];
      for (const p of rows.people) {
        const before = s.rolesOf.get(p.id);
        if (before && !sameRoles(JSON.parse(before.roles) as Role[], p.roles)) endSessions(p);
        // A coordinator's or leader's unit is what they see: a move changes it as a role would.
        else if (before && p.roles.some((r) => UNIT_ROLES.includes(r)) && unitBefore.get(p.id) !== p.unit) {
          moved.push({ id: p.id, name: p.name, from: nameBefore(unitBefore.get(p.id) ?? null), to: nameNow(p.unit) });
          endSessions(p);
        }
        s.person.run({ id: p.id, name: p.name, roles: JSON.stringify(p.roles), department: p.department, project: p.project });
        if (p.unit !== null) s.place.run('person', p.id, p.unit);
        this.addresses('person', p.id, p.addresses, true);
      }
      const revoked = s.listed.all(JSON.stringify(rows.people.map((p) => p.id)));
      for (const p of revoked) {
        s.revoke.run(p.id);
        endSessions(p);
      }
      for (const p of rows.projects) {
        s.clearLeaders.run(p.code);
        for (const leader of p.leaders) s.leader.run(p.code, leader);
      }
      for (const c of rows.chats) s.chat.run({ ...c, now });
      const named = JSON.stringify(rows.chats.filter((c) => c.kind === 'coordinators').map((c) => `${c.platform} ${c.chatId}`));
      const groupsForgotten = s.forgottenCoordinatorChats.get(named)?.n ?? 0;
      s.dropCoordinatorChats.run(named);
      const unitsRemoved = unitsBefore.filter((u) => !rows.units.some((n) => n.id === u.id)).map((u) => ({ id: u.id, name: u.name }));
      this.addresses('coordinators', '', rows.coordinators, true);
      for (const [key, value] of Object.entries(rows.settings)) s.setting.run(key, JSON.stringify(value));
      s.clearCalendar.run();
      for (const date of rows.calendar.holidays) s.calendarDay.run(date, 'holiday');
      for (const date of rows.calendar.workdays) s.calendarDay.run(date, 'workday');
      return { revoked, sessionsEnded: ended, moved, unitsRemoved, groupsForgotten };
    });
  }

  /**
   * Writes a roster in one transaction: upserts departments, projects, people, each project's
   * leaders and the chats; replaces the settings given and the calendar overrides. Nothing is ever
   * deleted, because tickets and the audit log refer to people, departments and projects. Returns
   * the people who lost their roles, and those whose dashboard sessions ended because their roles
   * changed or went.
   */
  write(rows: RosterRows, now: number): Written {
    return this.writeAll(rows, now);
  }

  /**
   * Before writing: who would lose their roles if the file lists only `personIds`, out of how many
   * people who have roles now (an operator is asked to confirm an import that revokes most of them).
   */
  revocations(personIds: readonly string[]): { revoked: Revoked[]; withRoles: number } {
    return { revoked: this.s.listed.all(JSON.stringify(personIds)), withRoles: this.s.withRoles.get()?.n ?? 0 };
  }

  private addresses(owner: string, id: string, addresses: PlatformAddresses, replace: boolean): void {
    if (replace) this.s.clearAddresses.run(owner, id);
    for (const [platform, address] of Object.entries(addresses)) {
      if (!address) continue;
      if (owner === 'person') this.s.releaseUser.run(platform, address, id);
      this.s.address.run(owner, id, platform, address);
    }
  }
}
