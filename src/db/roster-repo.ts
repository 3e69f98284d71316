import type { Db } from './open.js';
import type { Department, Person, Project, Role, Unit } from '../tickets/model.js';
import type { Platform, PlatformAddresses } from '../chat/types.js';
import { DEFAULT_MEETING, DEFAULT_URGENT_NOTICE, type MeetingSettings } from '../roster/schema.js';

export interface ChatBinding {
  platform: Platform;
  chatId: string;
  kind: 'project' | 'coordinators' | 'department';
  projectCode: string | null;
  departmentId: string | null;
  groupAddress: string;
  /** for a coordinators' group: whose unit's (SPEC §11); null: the root's */
  unitId: string | null;
}

interface PersonRow {
  id: string;
  name: string;
  roles: string;
  department_id: string | null;
  project_code: string | null;
  unit_id: string | null;
  /** JSON object platform → user id, read with the row (ADDRESSES) */
  addresses: string;
}

interface ProjectRow {
  code: string;
  name: string;
  level: Project['level'];
  officer_id: string | null;
  unit_id: string | null;
  addresses: string;
}

interface DepartmentRow {
  id: string;
  name: string;
  head_id: string | null;
  unit_id: string | null;
  addresses: string;
}

interface ChatRow {
  platform: Platform;
  chat_id: string;
  kind: ChatBinding['kind'];
  project_code: string | null;
  department_id: string | null;
  group_address: string;
  unit_id: string | null;
}

/**
 * An owner's addresses as one JSON object, read in the statement that reads the owner: a message
 * looks up its sender, project and the people it mentions, and a second statement for each would
 * be a query more per message.
 */
const ADDRESSES = (owner: string, id: string) =>
  `(SELECT json_group_object(platform, address) FROM platform_addresses WHERE owner = '${owner}' AND owner_id = ${id}) AS addresses`;
/** The unit of an owner below the root (SPEC §11); NULL: the root. */
const UNIT = (owner: string, id: string) => `(SELECT unit_id FROM unit_places WHERE owner = '${owner}' AND owner_id = ${id}) AS unit_id`;
const PERSON = `SELECT p.*, ${UNIT('person', 'p.id')}, ${ADDRESSES('person', 'p.id')} FROM people p`;
const PROJECT = `SELECT p.*, ${UNIT('project', 'p.code')}, ${ADDRESSES('project', 'p.code')} FROM projects p`;
const DEPARTMENT = `SELECT d.*, ${UNIT('department', 'd.id')}, ${ADDRESSES('department', 'd.id')} FROM departments d`;

function addressesOf(json: string | null): PlatformAddresses {
  return json ? (JSON.parse(json) as PlatformAddresses) : {};
}

function toPerson(r: PersonRow): Person {
  return {
    id: r.id,
    name: r.name,
    roles: JSON.parse(r.roles) as Role[],
    departmentId: r.department_id,
    projectCode: r.project_code,
    unitId: r.unit_id,
    addresses: addressesOf(r.addresses),
  };
}

function toDepartment(r: DepartmentRow): Department {
  return { id: r.id, name: r.name, headId: r.head_id, unitId: r.unit_id, addresses: addressesOf(r.addresses) };
}

function toChat(r: ChatRow): ChatBinding {
  return {
    platform: r.platform,
    chatId: r.chat_id,
    kind: r.kind,
    projectCode: r.project_code,
    departmentId: r.department_id,
    groupAddress: r.group_address,
    unitId: r.unit_id,
  };
}

/** People, departments, projects, chat bindings and settings: what the roster import writes. */
export class RosterRepo {
  private readonly s;
  /** Lookups already made in the current `within` call; null outside one. */
  private memo: Map<string, unknown> | null = null;

  constructor(db: Db) {
    this.s = {
      person: db.prepare<[string], PersonRow>(`${PERSON} WHERE p.id = ?`),
      // People the roster file no longer lists keep their row (the log refers to them) with no
      // roles: a message from them is a stranger's, and they are nobody's to name or notify.
      personByAddress: db.prepare<[string, string], PersonRow>(
        `${PERSON} JOIN platform_addresses a ON a.owner = 'person' AND a.owner_id = p.id
         WHERE a.platform = ? AND a.address = ? AND p.roles <> '[]'`,
      ),
      personByName: db.prepare<[string], PersonRow>(`${PERSON} WHERE p.name = ? AND p.roles <> '[]' ORDER BY p.id`),
      people: db.prepare<[], PersonRow>(`${PERSON} ORDER BY p.id`),
      peopleOfDepartment: db.prepare<[string], PersonRow>(`${PERSON} WHERE p.department_id = ? AND p.roles <> '[]' ORDER BY p.id`),
      project: db.prepare<[string], ProjectRow>(`${PROJECT} WHERE p.code = ? COLLATE NOCASE`),
      projects: db.prepare<[], { code: string }>('SELECT code FROM projects ORDER BY code'),
      leaders: db.prepare<[string], { person_id: string }>(
        'SELECT person_id FROM project_leaders WHERE project_code = ? ORDER BY person_id',
      ),
      department: db.prepare<[string], DepartmentRow>(`${DEPARTMENT} WHERE d.id = ?`),
      departmentByName: db.prepare<[string], DepartmentRow>(`${DEPARTMENT} WHERE d.name = ?`),
      departments: db.prepare<[], DepartmentRow>(`${DEPARTMENT} ORDER BY d.id`),
      // The root's group keeps owner_id '' (as before units); a unit below it, its id.
      coordinators: db.prepare<[string], { platform: Platform; address: string }>(
        "SELECT platform, address FROM platform_addresses WHERE owner = 'coordinators' AND owner_id = ?",
      ),
      units: db.prepare<[], { id: string; name: string; parent_id: string | null; meeting: string | null }>(
        'SELECT id, name, parent_id, meeting FROM units ORDER BY position',
      ),
      projectsOfUnits: db.prepare<[string], { code: string }>(
        "SELECT owner_id AS code FROM unit_places WHERE owner = 'project' AND unit_id IN (SELECT value FROM json_each(?)) ORDER BY owner_id",
      ),
      chat: db.prepare<[string, string], ChatRow>('SELECT * FROM chats WHERE platform = ? AND chat_id = ?'),
      chatsOfProject: db.prepare<[string], ChatRow>('SELECT * FROM chats WHERE project_code = ? ORDER BY platform, chat_id'),
      chatsOfKind: db.prepare<[string], ChatRow>('SELECT * FROM chats WHERE kind = ? ORDER BY platform, chat_id'),
      bindChat: db.prepare(
        `INSERT INTO chats (platform, chat_id, kind, project_code, department_id, group_address, bound_by, bound_at)
         VALUES (@platform, @chatId, @kind, @projectCode, NULL, @groupAddress, @boundBy, @boundAt)
         ON CONFLICT (platform, chat_id) DO UPDATE SET kind = excluded.kind, project_code = excluded.project_code,
           department_id = NULL, group_address = excluded.group_address, bound_by = excluded.bound_by, bound_at = excluded.bound_at`,
      ),
      setProjectAddress: db.prepare<[string, string, string]>(
        `INSERT INTO platform_addresses (owner, owner_id, platform, address) VALUES ('project', ?, ?, ?)
         ON CONFLICT (owner, owner_id, platform) DO UPDATE SET address = excluded.address`,
      ),
      setting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
      calendar: db.prepare<[], { date: string; kind: 'holiday' | 'workday' }>('SELECT date, kind FROM calendar_overrides ORDER BY date'),
      counts: db.prepare<[], { people: number; projects: number }>(
        'SELECT (SELECT count(*) FROM people) AS people, (SELECT count(*) FROM projects) AS projects',
      ),
    };
  }

  /**
   * Runs `fn` with each lookup made at most once: a message asks for its project, chat and people
   * several times, and a batch of messages mostly for the same ones. Only for code inside one
   * transaction (the roster cannot change under it but through this repository, which forgets
   * what it read when it writes). The objects returned are shared, so they must not be changed.
   */
  within<T>(fn: () => T): T {
    if (this.memo) return fn();
    this.memo = new Map();
    try {
      return fn();
    } finally {
      this.memo = null;
    }
  }

  private cached<T>(key: string, load: () => T): T {
    const memo = this.memo;
    if (!memo) return load();
    if (memo.has(key)) return memo.get(key) as T;
    const value = load();
    memo.set(key, value);
    return value;
  }

  person(id: string): Person | undefined {
    return this.cached(`person:${id}`, () => {
      const r = this.s.person.get(id);
      return r && toPerson(r);
    });
  }

  /** The roster person behind a platform user id (on the playground, their roster id). */
  personByPlatformId(platform: Platform, userId: string): Person | undefined {
    return this.cached(`user:${platform}:${userId}`, () => this.loadPersonByPlatformId(platform, userId));
  }

  private loadPersonByPlatformId(platform: Platform, userId: string): Person | undefined {
    const r = this.s.personByAddress.get(platform, userId);
    return r && toPerson(r);
  }

  peopleNamed(name: string): Person[] {
    return this.s.personByName.all(name).map(toPerson);
  }

  people(): Person[] {
    return this.s.people.all().map(toPerson);
  }

  peopleOfDepartment(departmentId: string): Person[] {
    return this.s.peopleOfDepartment.all(departmentId).map(toPerson);
  }

  project(code: string): Project | undefined {
    return this.cached(`project:${code}`, () => this.loadProject(code));
  }

  private loadProject(code: string): Project | undefined {
    const r = this.s.project.get(code);
    if (!r) return undefined;
    return {
      code: r.code,
      name: r.name,
      level: r.level,
      officerId: r.officer_id,
      leaderIds: this.s.leaders.all(r.code).map((l) => l.person_id),
      unitId: r.unit_id,
      addresses: addressesOf(r.addresses),
    };
  }

  projects(): Project[] {
    return this.s.projects.all().map((r) => this.project(r.code)!);
  }

  department(id: string): Department | undefined {
    return this.cached(`department:${id}`, () => {
      const r = this.s.department.get(id);
      return r && toDepartment(r);
    });
  }

  departmentByName(name: string): Department | undefined {
    const r = this.s.departmentByName.get(name) ?? this.s.department.get(name);
    return r && toDepartment(r);
  }

  departments(): Department[] {
    return this.s.departments.all().map(toDepartment);
  }

  chat(platform: Platform, chatId: string): ChatBinding | undefined {
    return this.cached(`chat:${platform}:${chatId}`, () => {
      const r = this.s.chat.get(platform, chatId);
      return r && toChat(r);
    });
  }

  chatsOfProject(code: string): ChatBinding[] {
    return this.s.chatsOfProject.all(code).map(toChat);
  }

  chatsOfKind(kind: ChatBinding['kind']): ChatBinding[] {
    return this.s.chatsOfKind.all(kind).map(toChat);
  }

  /**
   * Binds a chat to a project (`绑定`). Where the chat is its own group address (`groupAddress`: a
   * DingTalk group's openConversationId), it becomes the project's group on that platform, so that
   * group messages reach it from then on; otherwise (WeCom) the chat keeps the project's group
   * address on that platform, its robot's webhook key, if the roster gives one.
   */
  bindChat(b: { platform: Platform; chatId: string; groupAddress?: string; projectCode: string; boundBy: string | null; at: number }): void {
    this.memo?.clear();
    const project = this.loadProject(b.projectCode);
    if (!project) throw new Error(`unknown project ${b.projectCode}`);
    this.s.bindChat.run({
      platform: b.platform,
      chatId: b.chatId,
      kind: 'project',
      projectCode: project.code,
      groupAddress: b.groupAddress || (project.addresses[b.platform] ?? ''),
      boundBy: b.boundBy,
      boundAt: b.at,
    });
    if (b.groupAddress) this.s.setProjectAddress.run(project.code, b.platform, b.groupAddress);
  }

  setting<T>(key: string): T | undefined {
    return this.cached(`setting:${key}`, () => {
      const r = this.s.setting.get(key);
      return r ? (JSON.parse(r.value) as T) : undefined;
    });
  }

  /**
   * The meeting (会商) of a unit (SPEC §11), its parent's filled in at import; the root's (null, or
   * a unit the roster no longer has) is `settings.meeting`.
   */
  meeting(unitId: string | null = null): MeetingSettings {
    const own = unitId === null ? undefined : this.unitRows().find((u) => u.id === unitId && u.parent_id !== null)?.meeting;
    if (own) return { ...DEFAULT_MEETING, ...(JSON.parse(own) as Partial<MeetingSettings>) };
    return { ...DEFAULT_MEETING, ...this.setting<Partial<MeetingSettings>>('meeting') };
  }

  private unitRows() {
    return this.cached('units', () => this.s.units.all());
  }

  /** The units, root first, each after its parent; none when the roster has no units (one implicit root). */
  units(): Unit[] {
    return this.unitRows().map((u) => ({ id: u.id, name: u.name, parentId: u.parent_id }));
  }

  unit(id: string | null): Unit | undefined {
    return id === null ? undefined : this.units().find((u) => u.id === id);
  }

  /** The root unit's id; null when the roster has no units. */
  rootUnitId(): string | null {
    return this.unitRows().find((u) => u.parent_id === null)?.id ?? null;
  }

  /** The unit a thing of the roster is in, with null read as the root (a unit id, or null without units). */
  unitOrRoot(unitId: string | null): string | null {
    return unitId ?? this.rootUnitId();
  }

  /** A unit's name as people read it; the root's (or the implicit one's) name, else 护企办. */
  unitName(id: string | null): string {
    const unit = this.unit(this.unitOrRoot(id));
    return unit?.name ?? '护企办';
  }

  /** The codes of the projects in these units. */
  projectsOfUnits(units: readonly string[]): string[] {
    return this.s.projectsOfUnits.all(JSON.stringify(units)).map((r) => r.code);
  }

  /** The line an urgent report's reply ends with (roster `settings.urgentNotice`, SPEC §2). */
  urgentNotice(): string {
    return this.setting<string>('urgentNotice') ?? DEFAULT_URGENT_NOTICE;
  }

  /**
   * Where a unit's coordinators' group (护企办) gets group messages, on each platform it has a group
   * on; without a unit (or the root's id), the root's.
   */
  coordinators(unitId: string | null = null): PlatformAddresses {
    const owner = unitId === null || unitId === this.rootUnitId() ? '' : unitId;
    return this.cached(`coordinators:${owner}`, () => {
      const out: Partial<Record<Platform, string>> = {};
      for (const r of this.s.coordinators.all(owner)) out[r.platform] = r.address;
      return out;
    });
  }

  calendarOverrides(): { holidays: string[]; workdays: string[] } {
    return this.cached('calendar', () => {
      const rows = this.s.calendar.all();
      return {
        holidays: rows.filter((r) => r.kind === 'holiday').map((r) => r.date),
        workdays: rows.filter((r) => r.kind === 'workday').map((r) => r.date),
      };
    });
  }

  isEmpty(): boolean {
    const c = this.s.counts.get()!;
    return c.people === 0 && c.projects === 0;
  }
}
