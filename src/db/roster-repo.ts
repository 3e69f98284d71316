import type { Db } from './open.js';
import type { Department, Person, Project, Role } from '../tickets/model.js';
import type { Platform } from '../platforms/types.js';
import { DEFAULT_URGENT_NOTICE } from '../roster/schema.js';

export interface ChatBinding {
  platform: Platform;
  chatId: string;
  kind: 'project' | 'coordinators' | 'department';
  projectCode: string | null;
  departmentId: string | null;
  groupAddress: string;
}

export interface MeetingSettings {
  day: number;
  time: string;
  place: string;
  noticeDaysBefore: number;
}

export interface CoordinatorsSettings {
  wecom?: { webhookKey?: string; chatId?: string };
  dingtalk?: { openConversationId?: string };
}

interface PersonRow {
  id: string;
  name: string;
  roles: string;
  department_id: string | null;
  project_code: string | null;
  wecom_userid: string | null;
  dingtalk_userid: string | null;
}

interface ProjectRow {
  code: string;
  name: string;
  level: Project['level'];
  officer_id: string | null;
  wecom_chat_id: string | null;
  wecom_webhook_key: string | null;
  dingtalk_conversation_id: string | null;
}

interface DepartmentRow {
  id: string;
  name: string;
  head_id: string | null;
  wecom_webhook_key: string | null;
  dingtalk_conversation_id: string | null;
}

interface ChatRow {
  platform: Platform;
  chat_id: string;
  kind: ChatBinding['kind'];
  project_code: string | null;
  department_id: string | null;
  group_address: string;
}

function toPerson(r: PersonRow): Person {
  return {
    id: r.id,
    name: r.name,
    roles: JSON.parse(r.roles) as Role[],
    departmentId: r.department_id,
    projectCode: r.project_code,
    wecomUserId: r.wecom_userid,
    dingtalkUserId: r.dingtalk_userid,
  };
}

function toDepartment(r: DepartmentRow): Department {
  return { id: r.id, name: r.name, headId: r.head_id, wecomWebhookKey: r.wecom_webhook_key, dingtalkConversationId: r.dingtalk_conversation_id };
}

function toChat(r: ChatRow): ChatBinding {
  return {
    platform: r.platform,
    chatId: r.chat_id,
    kind: r.kind,
    projectCode: r.project_code,
    departmentId: r.department_id,
    groupAddress: r.group_address,
  };
}

/** People, departments, projects, chat bindings and settings: what the roster import writes. */
export class RosterRepo {
  private readonly s;
  /** Lookups already made in the current `within` call; null outside one. */
  private memo: Map<string, unknown> | null = null;

  constructor(private readonly db: Db) {
    this.s = {
      person: db.prepare<[string], PersonRow>('SELECT * FROM people WHERE id = ?'),
      // People the roster file no longer lists keep their row (the log refers to them) with no
      // roles: a message from them is a stranger's, and they are nobody's to name or notify.
      personByWecom: db.prepare<[string], PersonRow>(`SELECT * FROM people WHERE wecom_userid = ? AND roles <> '[]'`),
      personByDingtalk: db.prepare<[string], PersonRow>(`SELECT * FROM people WHERE dingtalk_userid = ? AND roles <> '[]'`),
      personByName: db.prepare<[string], PersonRow>(`SELECT * FROM people WHERE name = ? AND roles <> '[]' ORDER BY id`),
      people: db.prepare<[], PersonRow>('SELECT * FROM people ORDER BY id'),
      peopleOfDepartment: db.prepare<[string], PersonRow>(`SELECT * FROM people WHERE department_id = ? AND roles <> '[]' ORDER BY id`),
      project: db.prepare<[string], ProjectRow>('SELECT * FROM projects WHERE code = ? COLLATE NOCASE'),
      projects: db.prepare<[], ProjectRow>('SELECT * FROM projects ORDER BY code'),
      leaders: db.prepare<[string], { person_id: string }>(
        'SELECT person_id FROM project_leaders WHERE project_code = ? ORDER BY person_id',
      ),
      department: db.prepare<[string], DepartmentRow>('SELECT * FROM departments WHERE id = ?'),
      departmentByName: db.prepare<[string], DepartmentRow>('SELECT * FROM departments WHERE name = ?'),
      departments: db.prepare<[], DepartmentRow>('SELECT * FROM departments ORDER BY id'),
      chat: db.prepare<[string, string], ChatRow>('SELECT * FROM chats WHERE platform = ? AND chat_id = ?'),
      chatsOfProject: db.prepare<[string], ChatRow>('SELECT * FROM chats WHERE project_code = ? ORDER BY platform, chat_id'),
      chatsOfKind: db.prepare<[string], ChatRow>('SELECT * FROM chats WHERE kind = ? ORDER BY platform, chat_id'),
      bindChat: db.prepare(
        `INSERT INTO chats (platform, chat_id, kind, project_code, department_id, group_address, bound_by, bound_at)
         VALUES (@platform, @chatId, @kind, @projectCode, NULL, @groupAddress, @boundBy, @boundAt)
         ON CONFLICT (platform, chat_id) DO UPDATE SET kind = excluded.kind, project_code = excluded.project_code,
           department_id = NULL, group_address = excluded.group_address, bound_by = excluded.bound_by, bound_at = excluded.bound_at`,
      ),
      setProjectWecomChat: db.prepare('UPDATE projects SET wecom_chat_id = ? WHERE code = ?'),
      setProjectDingtalkChat: db.prepare('UPDATE projects SET dingtalk_conversation_id = ? WHERE code = ?'),
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

  /** The roster person behind a platform user id (the playground uses roster ids directly). */
  personByPlatformId(platform: Platform, userId: string): Person | undefined {
    return this.cached(`user:${platform}:${userId}`, () => this.loadPersonByPlatformId(platform, userId));
  }

  private loadPersonByPlatformId(platform: Platform, userId: string): Person | undefined {
    const r =
      platform === 'wecom'
        ? this.s.personByWecom.get(userId)
        : platform === 'dingtalk'
          ? this.s.personByDingtalk.get(userId)
          : this.s.person.get(userId);
    const p = r && toPerson(r);
    return p && p.roles.length > 0 ? p : undefined;
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
      wecomChatId: r.wecom_chat_id,
      wecomWebhookKey: r.wecom_webhook_key,
      dingtalkConversationId: r.dingtalk_conversation_id,
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
   * Binds a chat to a project (`绑定`). On DingTalk the conversationId is the project's
   * openConversationId, so group messages reach it from then on; on WeCom the chat id is kept
   * and group messages still go through the project's robot webhook key.
   */
  bindChat(b: { platform: Platform; chatId: string; projectCode: string; boundBy: string | null; at: number }): void {
    this.memo?.clear();
    const project = this.s.project.get(b.projectCode);
    if (!project) throw new Error(`unknown project ${b.projectCode}`);
    const groupAddress =
      b.platform === 'wecom' ? (project.wecom_webhook_key ?? '') : b.platform === 'dingtalk' ? b.chatId : b.chatId;
    this.s.bindChat.run({
      platform: b.platform,
      chatId: b.chatId,
      kind: 'project',
      projectCode: project.code,
      groupAddress,
      boundBy: b.boundBy,
      boundAt: b.at,
    });
    if (b.platform === 'wecom') this.s.setProjectWecomChat.run(b.chatId, project.code);
    if (b.platform === 'dingtalk') this.s.setProjectDingtalkChat.run(b.chatId, project.code);
  }

  setting<T>(key: string): T | undefined {
    return this.cached(`setting:${key}`, () => {
      const r = this.s.setting.get(key);
      return r ? (JSON.parse(r.value) as T) : undefined;
    });
  }

  meeting(): MeetingSettings {
    return { day: 25, time: '15:00', place: '待定', noticeDaysBefore: 3, ...this.setting<Partial<MeetingSettings>>('meeting') };
  }

  /** The line an urgent report's reply ends with (roster `settings.urgentNotice`, SPEC §2). */
  urgentNotice(): string {
    return this.setting<string>('urgentNotice') ?? DEFAULT_URGENT_NOTICE;
  }

  coordinators(): CoordinatorsSettings {
    return this.setting<CoordinatorsSettings>('coordinators') ?? {};
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
