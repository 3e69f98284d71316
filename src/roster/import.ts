import { basename } from 'node:path';
import type { PlatformAddresses } from '../chat/types.js';
import type { Db } from '../db/open.js';
import { RosterWriter, type RosterChat } from '../db/roster-writer.js';
import { readRosterFile, type Roster } from './parse.js';

/** How many rows of each kind an import wrote (inserted or updated). */
export interface ImportSummary {
  units: number;
  departments: number;
  people: number;
  projects: number;
  chats: number;
  /** people who had roles and are no longer in the file: they lost them with this import */
  revoked: { id: string; name: string }[];
  /** people whose own dashboard sessions ended: their roles or their unit changed, or they left the file */
  sessionsEnded: { id: string; name: string }[];
  /** coordinators and leaders now in another unit: what they see changed */
  moved: { id: string; name: string; from: string; to: string }[];
  /** units that left the file; their groups are ordinary chats again */
  unitsRemoved: { id: string; name: string }[];
  /** coordinators' groups on WeCom and DingTalk the file no longer names */
  groupsForgotten: number;
}

/** The chats a roster maps: each project's groups and the coordinators' group, on every platform it names. */
function rosterChats(roster: Roster): RosterChat[] {
  const chats: RosterChat[] = [];
  for (const p of roster.projects) {
    const project = { kind: 'project', projectCode: p.code, unitId: null } as const;
    if (p.wecom?.chatId) {
      chats.push({ platform: 'wecom', chatId: p.wecom.chatId, ...project, groupAddress: p.wecom.webhookKey ?? '' });
    }
    if (p.dingtalk) {
      const cid = p.dingtalk.openConversationId;
      chats.push({ platform: 'dingtalk', chatId: cid, ...project, groupAddress: cid });
    }
    chats.push({ platform: 'playground', chatId: p.code, ...project, groupAddress: p.code, unitId: null });
  }
  // Each unit below the root has a coordinators' group of its own (SPEC §11).
  for (const u of (roster.units ?? []).slice(1)) {
    const unit = { kind: 'coordinators', projectCode: null, unitId: u.id } as const;
    const { wecom, dingtalk } = u.coordinators;
    if (dingtalk) chats.push({ platform: 'dingtalk', chatId: dingtalk.openConversationId, ...unit, groupAddress: dingtalk.openConversationId });
    if (wecom?.chatId) chats.push({ platform: 'wecom', chatId: wecom.chatId, ...unit, groupAddress: wecom.webhookKey });
    chats.push({ platform: 'playground', chatId: unitPlaygroundChat(u.id), ...unit, groupAddress: unitPlaygroundChat(u.id) });
  }
  const coordinators = { kind: 'coordinators', projectCode: null, unitId: null } as const;
  const { wecom, dingtalk } = roster.settings.coordinators;
  if (dingtalk) {
    const cid = dingtalk.openConversationId;
    chats.push({ platform: 'dingtalk', chatId: cid, ...coordinators, groupAddress: cid });
  }
  if (wecom?.chatId) chats.push({ platform: 'wecom', chatId: wecom.chatId, ...coordinators, groupAddress: wecom.webhookKey });
  chats.push({ platform: 'playground', chatId: 'coordinators', ...coordinators, groupAddress: 'coordinators' });
  return chats;
}

/** The playground's chat of a unit's coordinators' group (the root's is `coordinators`). */
export function unitPlaygroundChat(unitId: string): string {
  return `coordinators:${unitId}`;
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
 * Writes a validated roster, all in one transaction (src/db/roster-writer.ts): upserts departments,
 * projects, people, each project's leaders and the chats the roster maps; replaces the
 * `coordinators`, `meeting`, `urgentNotice` and `sla` settings and the calendar overrides. Nothing
 * is ever deleted, because tickets and the audit log refer to people, departments and projects.
 */
export function importRoster(db: Db, roster: Roster, now: number): ImportSummary {
  const chats = rosterChats(roster);
  // Things in the root unit (or in none) are stored as null: a roster without units is as before.
  const units = roster.units ?? [];
  const root = units[0]?.id;
  const unit = (id: string | undefined): string | null => (id === undefined || id === root ? null : id);
  const written = new RosterWriter(db).write(
    {
      units: units.map((u) => ({
        id: u.id,
        name: u.name,
        parent: u.parent ?? null,
        meeting: u.parent === undefined ? null : u.meeting,
        addresses: groupAddresses(u.coordinators, unitPlaygroundChat(u.id)),
      })),
      departments: roster.departments.map((d) => ({ id: d.id, name: d.name, head: d.head ?? null, unit: unit(d.unit), addresses: groupAddresses(d) })),
      projects: roster.projects.map((p) => ({ code: p.code, name: p.name, level: p.level, officer: p.officer, leaders: p.leaders, unit: unit(p.unit), addresses: groupAddresses(p, p.code) })),
      people: roster.people.map((p) => ({
        id: p.id,
        name: p.name,
        roles: p.roles,
        department: p.department ?? null,
        project: p.project ?? null,
        unit: unit(p.unit),
        addresses: personAddresses(p),
      })),
      chats,
      coordinators: groupAddresses(roster.settings.coordinators, 'coordinators'),
      settings: { meeting: roster.settings.meeting, urgentNotice: roster.settings.urgentNotice, sla: roster.sla },
      calendar: roster.calendar,
    },
    now,
  );
  return {
    units: units.length,
    departments: roster.departments.length,
    people: roster.people.length,
    projects: roster.projects.length,
    // The groups people are in: the playground's are not counted.
    chats: chats.filter((c) => c.platform !== 'playground').length,
    ...written,
  };
}

/** At most this many names are listed when an import takes people's roles away; the rest are counted. */
export const NAMES_LISTED = 20;

/** `王警官（wang）、李局长（li）` … at most NAMES_LISTED of them, then `等 N 人`. */
function nameList(people: readonly { id: string; name: string }[]): string {
  const shown = people.slice(0, NAMES_LISTED).map((p) => `${p.name}（${p.id}）`).join('、');
  return people.length > NAMES_LISTED ? `${shown} 等 ${people.length} 人` : shown;
}

/** Thrown when an import would take most people's roles away and `--force` was not given; nothing was written. */
export class RevokesTooManyError extends Error {
  override name = 'RevokesTooManyError';
}

/**
 * `lianbao import <file>`: reads, checks and imports a roster file and returns a one-line
 * summary for the terminal. Throws `RosterError` (one line per problem) when the file has
 * problems, and `RevokesTooManyError` when it would take the roles of more than half the people
 * who have them (a truncated file, the wrong file) unless `force`; either way nothing is imported.
 */
export function importRosterCommand(db: Db, path: string, now: number, opts: { force?: boolean } = {}): string {
  const roster = readRosterFile(path);
  const { revoked: losing, withRoles } = new RosterWriter(db).revocations(roster.people.map((p) => p.id));
  if (!opts.force && losing.length * 2 > withRoles) {
    throw new RevokesTooManyError(
      `名册 ${basename(path)} 里没有现有 ${withRoles} 个有权限人员中的 ${losing.length} 人，导入会取消他们的全部权限：${nameList(losing)}。` +
        `没有导入任何内容。请确认文件是完整的名册；确实要这样做，请加 --force：lianbao import ${path} --force`,
    );
  }
  const summary = importRoster(db, roster, now);
  const { departments, people, projects, chats, revoked, sessionsEnded, moved, unitsRemoved, groupsForgotten } = summary;
  const removed =
    unitsRemoved.length > 0
      ? `\n以下 ${unitsRemoved.length} 个单位已不在名册中：${nameList(unitsRemoved)}`
      : '';
  const forgotten = groupsForgotten > 0 ? `\n名册中已没有的 ${groupsForgotten} 个护企办群不再按护企办群对待（可以用“绑定”改为项目群）` : '';
  const shown = moved.slice(0, NAMES_LISTED).map((p) => `${p.name}（${p.id}）${p.from}→${p.to}`).join('、');
  const movedLine =
    moved.length > 0
      ? `\n以下 ${moved.length} 人的所属单位有变化，可查看和办理的范围随之改变：${shown}${moved.length > NAMES_LISTED ? ` 等 ${moved.length} 人` : ''}`
      : '';
  const lost = revoked.length > 0 ? `\n名册中已没有以下 ${revoked.length} 人，其权限已取消（历史记录保留）：${nameList(revoked)}` : '';
  const ended =
    sessionsEnded.length > 0
      ? `\n以下 ${sessionsEnded.length} 人的权限有变化，其工作台账登录已结束（需要时可在私聊中重新发送“登录”）：${nameList(sessionsEnded)}`
      : '';
  const units = summary.units > 0 ? `单位 ${summary.units} 个，` : '';
  return `名册已导入 ${basename(path)}：${units}部门 ${departments} 个，人员 ${people} 人，项目 ${projects} 个，群 ${chats} 个${lost}${removed}${forgotten}${movedLine}${ended}`;
}
