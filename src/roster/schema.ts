import { z } from 'zod';
import type { ProjectLevel, Role } from '../tickets/model.js';

/**
 * The shape of a roster file (SPEC §5) as zod schemas, and the typed roster that parsing
 * produces. Cross-references (a person's department, a project's officer …) are checked in
 * `parse.ts`, which knows where each node sits in the file.
 */

/** Used when the file has no `settings.meeting`, or leaves some of its keys out. */
export const DEFAULT_MEETING: Readonly<MeetingSettings> = Object.freeze({
  day: 25,
  time: '15:00',
  place: '待定',
  noticeDaysBefore: 3,
});

/** What the reply to an urgent report says on its own line, unless the roster says otherwise (SPEC §2). */
export const DEFAULT_URGENT_NOTICE = '如遇人身安全危险或违法犯罪正在发生，请立即拨打110。';

/** The monthly consultation meeting (会商), every key filled in (from DEFAULT_MEETING where the file leaves it out). */
export type MeetingSettings = Required<z.output<typeof meetingSchema>>;

/** The coordinators' group (护企办) on each platform, as `settings.coordinators` gives it. */
export type CoordinatorsSettings = z.output<typeof coordinatorsSchema>;

/**
 * A unit of a city's installation (SPEC §11): the city's 护企办, a county's, a 分中心 … with its
 * own coordinators' group and meeting. Units form one tree with one root.
 */
export interface RosterUnit {
  id: string;
  name: string;
  /** the unit above; absent only for the root */
  parent?: string;
  /** the unit's coordinators' group */
  coordinators: CoordinatorsSettings;
  /** the unit's meeting, every key filled in (from its parent's where left out) */
  meeting: MeetingSettings;
}

export interface RosterSettings {
  coordinators: CoordinatorsSettings;
  meeting: MeetingSettings;
  /** the line an urgent report's reply ends with (`settings.urgentNotice`) */
  urgentNotice: string;
}

/** A police unit (大队, 派出所) or government department (人社局 …) that tickets can be routed to. */
export interface RosterDepartment {
  id: string;
  name: string;
  /** Person id of the department's head, who gets tier 2 for its tickets. */
  head?: string;
  wecom?: { webhookKey: string };
  dingtalk?: { openConversationId: string };
  /** the unit it belongs to; absent: the root */
  unit?: string;
}

/** Someone the bot knows, with the platform user ids it recognises them by. */
export interface RosterPerson {
  id: string;
  name: string;
  roles: Role[];
  /** Department id; required for an officer. */
  department?: string;
  /** Project code; required for an enterprise contact. */
  project?: string;
  /** WeCom userid. */
  wecom?: string;
  /** DingTalk staff id (senderStaffId). */
  dingtalk?: string;
  /** the unit whose coordinator or leader they are; absent: the root */
  unit?: string;
}

/** A key construction project and its groups. */
export interface RosterProject {
  code: string;
  name: string;
  level: ProjectLevel;
  /** Person id of the project officer (项目警官). */
  officer: string;
  /** Person ids of the leaders responsible for the project (包联领导). */
  leaders: string[];
  wecom?: { chatId?: string; webhookKey?: string };
  dingtalk?: { openConversationId: string };
  /** the unit whose coordinators supervise it; absent: the root */
  unit?: string;
}

/** Extra days off and make-up working days (调休) on top of the calendar package. */
export interface RosterCalendar {
  /** `YYYY-MM-DD`, ranges already expanded. */
  holidays: string[];
  workdays: string[];
}

/** A validated roster file: every reference resolves, ids are unique, defaults are filled in. */
export interface Roster {
  settings: RosterSettings;
  /**
   * The units, root first, each after its parent. Without a `units` section: none, and the one
   * root unit is implicit (its group is `settings.coordinators`, its meeting `settings.meeting`).
   */
  units: RosterUnit[];
  departments: RosterDepartment[];
  people: RosterPerson[];
  projects: RosterProject[];
  /** Deadline overrides by category or project level, as checked by `validateSlaConfig`. */
  sla: Record<string, unknown>;
  calendar: RosterCalendar;
}

// Ids and codes are typed in chat (`绑定 XM001`) and end up in dedupe keys, so keep them plain.
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ID_HINT = '只能由英文字母、数字和“_”“-”“.”组成，且以字母或数字开头';

const id = z.string().regex(ID_RE, ID_HINT);
const text = z.string().trim().min(1, '不能为空');
const address = z.string().trim().min(1, '不能为空');

const wecomGroup = z.strictObject({ webhookKey: address, chatId: address.optional() });
const dingtalkGroup = z.strictObject({ openConversationId: address });

const meetingSchema = z.strictObject({
  /** day of the month, 1–28 so that every month has it */
  day: z.number().int().min(1).max(28).optional(),
  /** `HH:MM`, Asia/Shanghai */
  time: z
    .string()
    .regex(/^([01]?\d|2[0-3]):[0-5]\d$/, '应为时间 "HH:MM"，例如 "15:00"')
    .transform((t) => t.padStart(5, '0'))
    .optional(),
  place: text.optional(),
  /** working days before the meeting on which the notice goes out */
  noticeDaysBefore: z.number().int().min(0).optional(),
});

/**
 * The coordinators' group on each platform: a WeCom group robot's webhook key (with `chatId`, the
 * group's messages are mapped to the coordinators), a DingTalk group's openConversationId.
 */
const coordinatorsSchema = z.strictObject({ wecom: wecomGroup.optional(), dingtalk: dingtalkGroup.optional() });

export const settingsSchema = z.strictObject({
  coordinators: coordinatorsSchema.optional(),
  meeting: meetingSchema.optional(),
  // One line of the reply: long enough for a sentence and a number, no more.
  urgentNotice: text.pipe(z.string().max(200, 'must be at most 200 characters')).optional(),
});

export const departmentSchema = z.strictObject({
  id,
  name: text,
  head: id.optional(),
  wecom: z.strictObject({ webhookKey: address }).optional(),
  dingtalk: dingtalkGroup.optional(),
  unit: id.optional(),
});

export const unitSchema = z.strictObject({
  id,
  name: text,
  parent: id.optional(),
  coordinators: coordinatorsSchema.optional(),
  meeting: meetingSchema.optional(),
});

export const personSchema = z.strictObject({
  id,
  name: text,
  roles: z.array(z.enum(['enterprise', 'officer', 'coordinator', 'leader'] satisfies Role[])).min(1, '至少要有一个角色'),
  department: id.optional(),
  project: id.optional(),
  wecom: address.optional(),
  dingtalk: address.optional(),
  unit: id.optional(),
});

export const projectSchema = z.strictObject({
  code: id.refine((c) => c.toLowerCase() !== 'coordinators', '是护企办群保留的编号，请换一个'),
  name: text,
  level: z.enum(['重大', '重点', '难点'] satisfies ProjectLevel[]),
  officer: id,
  leaders: z.array(id).optional(),
  wecom: z.strictObject({ chatId: address.optional(), webhookKey: address.optional() }).optional(),
  dingtalk: dingtalkGroup.optional(),
  unit: id.optional(),
});

export const calendarSchema = z.strictObject({
  holidays: z.array(z.string()).optional(),
  workdays: z.array(z.string()).optional(),
});

/**
 * The top level only; each section and list entry is checked on its own so that one bad
 * entry does not hide the problems of the others.
 */
export const rootSchema = z.strictObject({
  settings: z.unknown().optional(),
  units: z.array(z.unknown()).optional(),
  departments: z.array(z.unknown()).optional(),
  people: z.array(z.unknown()).optional(),
  projects: z.array(z.unknown()).optional(),
  sla: z.unknown().optional(),
  calendar: z.unknown().optional(),
});
