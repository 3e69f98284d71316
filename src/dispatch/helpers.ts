import type { RosterRepo } from '../db/roster-repo.js';
import type { WorkCalendar } from '../tickets/calendar.js';
import { addDuration, durationToString, formatDuration, longestInstead, parseDuration, type Duration } from '../tickets/duration.js';
import { canStep, type DeadlineRules, type Step } from '../tickets/lifecycle.js';
import { slaFor, type SlaConfig } from '../tickets/sla.js';
import { ticketView as buildTicketView, type TicketView } from '../tickets/view.js';
import { STATE_NAMES, type Person, type Ticket } from '../tickets/model.js';
import { chatMayShowConduct as conductShownIn, inScope, subtreeScope, type Scope } from '../tickets/scope.js';
import { normalizeWidth } from './parse.js';
import { UserError, type CommandContext, type Sender } from './types.js';

export { currentDeadline } from '../tickets/lifecycle.js';

/** Refuses the command with one sentence that says why and what would work. */
export function refuse(code: string, message: string): never {
  throw new UserError(code, message);
}

/**
 * The longest free text a command takes (a report, a note, a reason, a comment, a visit record, an
 * agenda item). Everything a message makes the bot store is sent again somewhere (the group, a
 * timeline, an agenda), so nothing from chat may be long enough to jam a group or the processor.
 */
export const MAX_TEXT_CHARS = 2000;

/** Refuses a free text over `MAX_TEXT_CHARS`, saying how long it is; `what` names it (描述, 补充内容 …). */
export function limitText(text: string, what: string): string {
  const length = [...text].length;
  if (length > MAX_TEXT_CHARS) {
    refuse('too_long', `${what}有${length}字，超过了${MAX_TEXT_CHARS}字，请精简后再发，较长的情况可以分几次“补充”`);
  }
  return text;
}

/**
 * `#12 文字`, `12 文字`, `#12文字`: the ticket number and the rest, refused when the rest is
 * longer than `MAX_TEXT_CHARS`; `example` shows how in a refusal.
 */
export function parseTicketArg(args: string, example: string): { no: number; rest: string } {
  const m = /^#?\s*(\d{1,9})(?!\d)\s*([\s\S]*)$/.exec(args.trim());
  if (!m) {
    refuse('missing_ticket', args.trim() === '' ? `请写明工单号，例如：${example}` : `没有看懂工单号“${[...args.trim()].slice(0, 20).join('')}”，请这样写：${example}`);
  }
  return { no: Number(m[1]), rest: limitText(m[2]!.trim(), '内容') };
}

export function hasRole(s: Sender, ...roles: Sender['roles']): boolean {
  return s.roles.some((r) => roles.includes(r));
}

export const isCoordinator = (s: Sender): boolean => hasRole(s, 'coordinator');

/** Officers, coordinators and leaders: people who work tickets rather than report them. */
export const isStaff = (s: Sender): boolean => hasRole(s, 'officer', 'coordinator', 'leader');

export function isReporter(s: Sender, t: Ticket): boolean {
  if (s.personId !== null && s.personId === t.reporterPersonId) return true;
  return s.platform === t.reporterPlatform && s.userId === t.reporterUserId;
}

export function isEnterpriseOf(s: Sender, t: Ticket): boolean {
  return hasRole(s, 'enterprise') && s.projectCode === t.projectCode;
}

export function isAssignee(s: Sender, t: Ticket): boolean {
  return s.personId !== null && s.personId === t.assigneeId;
}

export function isProjectOfficer(ctx: CommandContext, t: Ticket): boolean {
  return ctx.sender.personId !== null && ctx.repos.roster.project(t.projectCode)?.officerId === ctx.sender.personId;
}

/**
 * Who may claim a ticket (SPEC §3): coordinators; otherwise an officer of the accountable department
 * (the one it was transferred to) or the project's officer, and a conduct complaint nobody but the
 * coordinators.
 */
export function mayClaim(ctx: CommandContext, t: Ticket): boolean {
  if (isCoordinator(ctx.sender)) return true;
  if (t.routing === 'coordinators') return false;
  const ownDepartment = t.departmentId !== null && t.departmentId === ctx.sender.departmentId;
  return ownDepartment || isProjectOfficer(ctx, t);
}

/**
 * Who may know of conduct complaints (执法投诉) at all: coordinators and leaders (SPEC §9). An
 * officer may be the one complained about, so no officer sees them, learns who reported them, or
 * adds to them — only their reporter and those people.
 */
export const mayKnowConduct = (s: Sender): boolean => hasRole(s, 'coordinator', 'leader');

/**
 * Enterprise contacts see only their own project's tickets; officers, coordinators and leaders see
 * all — but a conduct complaint only its reporter, coordinators and leaders.
 */
export function canSee(s: Sender, t: Ticket): boolean {
  if (t.routing === 'coordinators') return isReporter(s, t) || mayKnowConduct(s);
  if (isStaff(s)) return true;
  return isReporter(s, t) || isEnterpriseOf(s, t);
}

/** Whether a conduct complaint may be shown in the chat the message came from (src/tickets/scope.ts). */
export function chatMayShowConduct(ctx: Pick<CommandContext, 'msg' | 'chat'>): boolean {
  return conductShownIn(ctx.msg.chatType, ctx.chat?.kind);
}

/**
 * What a list, figure or agenda in this chat may cover by unit (SPEC §11): the sender's scope and,
 * in a unit's coordinators' group below the root (everyone there reads the answer), no more than
 * that unit's.
 */
export function chatScope(ctx: Pick<CommandContext, 'scope' | 'repos' | 'chat'>): Scope {
  const chatUnit = ctx.chat?.kind === 'coordinators' ? ctx.chat.unitId : null;
  if (chatUnit === null) return ctx.scope;
  const group = subtreeScope(ctx.repos.roster.units(), chatUnit);
  if (ctx.scope.kind === 'all') return group;
  if (group.kind === 'all') return ctx.scope;
  const mine = ctx.scope.units;
  const both = new Set([...group.units].filter((u) => mine.has(u)));
  // Another unit's group: nothing of it is the sender's (an empty list would say there is nothing).
  if (both.size === 0) {
    const name = ctx.repos.roster.unit(chatUnit)?.name ?? chatUnit;
    refuse('out_of_scope', `本群是${name}的群，不在您的管辖范围内（本单位及下级单位），请在本单位的群里或私聊中查看`);
  }
  return { kind: 'units', units: both };
}

/** What a scope is called in a list's heading: 全部项目, or the unit whose subtree it is. */
export function scopeLabel(ctx: Pick<CommandContext, 'repos'>, scope: Scope): string {
  if (scope.kind === 'all') return '全部项目';
  const top = ctx.repos.roster.units().find((u) => scope.units.has(u.id) && (u.parentId === null || !scope.units.has(u.parentId)));
  return top ? `${top.name}辖区项目` : '本单位项目';
}

/** Whether a ticket's project is within the sender's unit scope (SPEC §11). */
export function inScopeOf(ctx: Pick<CommandContext, 'scope' | 'repos'>, t: Pick<Ticket, 'projectCode'>): boolean {
  if (ctx.scope.kind === 'all') return true;
  return inScope(ctx.scope, { unitId: ctx.repos.roster.project(t.projectCode)?.unitId ?? null });
}

/** The ticket the arguments name, if it exists and the sender may see it. */
export function loadTicket(ctx: CommandContext, no: number): Ticket {
  const t = ctx.repos.tickets.get(no);
  if (!t) refuse('unknown_ticket', `没有找到工单 #${no}，请核对编号，或发送“台账”查看工单列表`);
  if (!canSee(ctx.sender, t)) {
    // Said the same way whatever the ticket is about: a refusal must not tell an officer what it is.
    if (isStaff(ctx.sender)) refuse('not_yours', `#${no} 不在您的办理范围内，如有需要请联系护企办`);
    // The same words for another project's ticket and a complaint in this one nobody may show them.
    refuse('other_project', `#${no} 不在您的查看范围内：您只能查看本项目的工单和自己报告的工单`);
  }
  // A unit's coordinators and leaders act on their unit's tickets and those of the units below it
  // (SPEC §11); whoever works the ticket as an officer, reported it, or is named its project's
  // leader (包联领导, who gets its tiers) is not held back by that.
  const projectLeader = ctx.sender.personId !== null && (ctx.repos.roster.project(t.projectCode)?.leaderIds.includes(ctx.sender.personId) ?? false);
  if (!inScopeOf(ctx, t) && !isReporter(ctx.sender, t) && !isAssignee(ctx.sender, t) && !isProjectOfficer(ctx, t) && !projectLeader) {
    refuse('out_of_scope', `#${no} 不在您的管辖范围内（本单位及下级单位的项目），如需办理请联系上级护企办`);
  }
  // Everyone in a project group reads the answer: only that project's tickets are discussed there.
  const chatProject = ctx.chat?.kind === 'project' ? ctx.chat.projectCode : null;
  if (chatProject && t.projectCode !== chatProject) {
    refuse('other_project_chat', `#${no} 不是本群项目（${chatProject}）的工单，请在该工单所属项目的群里或私聊中办理`);
  }
  // A conduct complaint is not discussed where the project's own officer may read along, except by
  // the one who reported it there.
  if (t.routing === 'coordinators' && !chatMayShowConduct(ctx) && !isReporter(ctx.sender, t)) {
    refuse('conduct_in_group', `#${no} 是执法投诉，请在护企办群或私聊中办理`);
  }
  return t;
}

/** Refuses unless the transitions table allows the step from the ticket's state; `hint` says what would work instead. */
export function requireStep(t: Ticket, step: Step, hint?: string): void {
  if (canStep(step, t.state)) return;
  const why = `#${t.no} 当前状态为「${STATE_NAMES[t.state]}」`;
  refuse('bad_state', hint ? `${why}，${hint}` : `${why}，不能执行此操作`);
}

/** What may be done next in a state, for refusals. */
export function nextStepHint(t: Ticket): string {
  switch (t.state) {
    case 'open':
      return '需先由民警发送“认领 #' + t.no + '”';
    case 'claimed':
      return '正在办理，办结后发送“办结 #' + t.no + ' 结果”';
    case 'resolved':
      return '只能由报告企业回复“满意”或“不满意”';
    case 'followup':
      return '等待护企办回访企业，企业也可以回复“满意”或“不满意”';
    // The state is already named in the refusal, so the hint only says what would work.
    case 'closed':
    case 'withdrawn':
      return '如有新情况请重新“报告”';
  }
}

/** The roster's deadlines on the working-day calendar, as the lifecycle asks for them. */
export function deadlineRules(roster: Pick<RosterRepo, 'project'>, sla: SlaConfig, calendar: WorkCalendar): DeadlineRules {
  return {
    deadline(t, kind, from) {
      const level = roster.project(t.projectCode)?.level ?? '重点';
      return addDuration(new Date(from), slaFor(t.category, t.urgency, level, sla)[kind], calendar).getTime();
    },
    add: (from, d) => addDuration(new Date(from), d, calendar).getTime(),
  };
}

export function nameOf(ctx: CommandContext, personId: string | null): string {
  if (!personId) return '';
  return ctx.repos.roster.person(personId)?.name ?? personId;
}

/** The plain view object templates read a ticket from (one builder for every message: src/tickets/view.ts). */
export function ticketView(ctx: CommandContext, t: Ticket): TicketView {
  return buildTicketView(t, ctx.repos.roster, ctx.now);
}


/** `3wd 原因`: the duration and the reason, refused with `example` when either is missing or unreadable. */
export function durationAndReason(rest: string, example: string, what: string): { duration: Duration; reason: string } {
  const [word = '', ...reasonWords] = rest.split(/\s+/);
  if (!word) refuse('missing_duration', `请写明${what}多久，例如：${example}`);
  const duration = parseDuration(word);
  // A duration that reads well but is longer than any deadline may move is said to be too long.
  const longest = duration ? null : longestInstead(word);
  if (longest) refuse('duration_too_long', `${what}时长“${word}”太长，一次最多${what}${formatDuration(longest)}（约一年），请写成 ${durationToString(longest)} 或更短`);
  if (!duration) refuse('bad_duration', `看不懂时长“${word}”，请写成 30m（分钟）、4h（小时）、2d（天）或 3wd（工作日）`);
  const reason = reasonWords.join(' ').trim();
  if (!reason) refuse('missing_reason', `请写明${what}原因，例如：${example}`);
  return { duration, reason };
}

/**
 * `4 处置及时`, `3分处置一般`: a rating is a number followed by 分 or a space; in `5楼的问题也解决了`
 * the number belongs to the comment. A number that is not a whole 1–5 is refused, never guessed at.
 * The rating is null when none is given.
 */
export function readRating(rest: string, example: string): { rating: number | null; comment: string } {
  const m = /^(\d+(?:\.\d+)?)(?:\s*分|(?=\s|$))\s*([\s\S]*)$/.exec(rest);
  if (!m) return { rating: null, comment: rest };
  const rating = Number(m[1]);
  if (!Number.isInteger(rating) || rating < 1 || rating > 5) refuse('bad_rating', `评分请用1到5的整数，例如：${example}`);
  return { rating, comment: m[2]!.trim() };
}

/**
 * Finds a person by `@名字`, name, roster id or platform user id. An `@…` word is first looked up
 * among the people the platform says were mentioned (DingTalk's atUsers), since the name shown in
 * chat is whatever its owner chose and need not be the roster's (SPEC §7).
 */
export function findPerson(ctx: CommandContext, word: string): Person | undefined {
  const w = word.replace(/^@/, '').trim();
  if (!w) return undefined;
  return (
    (word.startsWith('@') ? mentionedPerson(ctx, w) : undefined) ??
    ctx.repos.roster.person(w) ??
    ctx.repos.roster.personByPlatformId(ctx.msg.platform, w) ??
    ctx.repos.roster.peopleNamed(w)[0]
  );
}

/**
 * The roster person an `@name` of the message stands for, by the mentions the platform resolved:
 * the one whose roster name is written; else, the mentions and the `@` words of the text matching
 * one to one in order, the one at this word's place.
 */
function mentionedPerson(ctx: CommandContext, name: string): Person | undefined {
  const mentions = ctx.msg.mentions ?? [];
  if (mentions.length === 0) return undefined;
  const people = mentions.map((m) => ctx.repos.roster.personByPlatformId(ctx.msg.platform, m.userId));
  const named = people.find((p) => p?.name === name);
  if (named) return named;
  const words = normalizeWidth(ctx.msg.text).match(/@[^\s@]+/g) ?? [];
  if (words.length !== mentions.length) return undefined;
  return people[words.findIndex((word) => word.slice(1) === name)];
}
