import { mentionPerson, mentionUser } from '../delivery/notifier.js';
import { addDuration } from '../tickets/duration.js';
import { slaFor } from '../tickets/sla.js';
import { formatTime, formatShortTime } from '../tickets/format.js';
import { clip } from '../tickets/timeline.js';
import {
  DEADLINE_NAMES,
  STATE_NAMES,
  URGENCY_NAMES,
  type DeadlineKind,
  type Person,
  type Ticket,
  type TicketState,
} from '../tickets/model.js';
import { normalizeWidth } from './parse.js';
import { UserError, type CommandContext, type Sender } from './types.js';

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

/** The ticket the arguments name, if it exists and the sender may see it. */
export function loadTicket(ctx: CommandContext, no: number): Ticket {
  const t = ctx.repos.tickets.get(no);
  if (!t) refuse('unknown_ticket', `没有找到工单 #${no}，请核对编号，或发送“台账”查看工单列表`);
  if (!canSee(ctx.sender, t)) {
    // Said the same way whatever the ticket is about: a refusal must not tell an officer what it is.
    if (isStaff(ctx.sender)) refuse('not_yours', `#${no} 不在您的办理范围内，如有需要请联系护企办`);
    refuse('other_project', `#${no} 不是本项目的工单，您只能查看本项目的工单`);
  }
  // Everyone in a project group reads the answer: only that project's tickets are discussed there.
  const chatProject = ctx.chat?.kind === 'project' ? ctx.chat.projectCode : null;
  if (chatProject && t.projectCode !== chatProject) {
    refuse('other_project_chat', `#${no} 不是本群项目（${chatProject}）的工单，请在该工单所属项目的群里或私聊中办理`);
  }
  // A conduct complaint is not discussed where the project's own officer reads along, except by
  // the one who reported it there.
  if (chatProject && t.routing === 'coordinators' && !isReporter(ctx.sender, t)) {
    refuse('conduct_in_group', `#${no} 是执法投诉，请在护企办群或私聊中办理`);
  }
  return t;
}

/** Refuses unless the ticket is in one of the states; `hint` says what would work instead. */
export function requireState(t: Ticket, states: TicketState[], hint?: string): void {
  if (states.includes(t.state)) return;
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
    // The state is already named in the refusal, so the hint only says what would work.
    case 'closed':
    case 'withdrawn':
      return '如有新情况请重新“报告”';
  }
}

/** A deadline of the ticket's SLA, counted from `from`. */
export function deadline(ctx: CommandContext, t: Pick<Ticket, 'category' | 'urgency' | 'projectCode'>, kind: DeadlineKind, from: number): number {
  const level = ctx.repos.roster.project(t.projectCode)?.level ?? '重点';
  const sla = slaFor(t.category, t.urgency, level, ctx.sla);
  return addDuration(new Date(from), sla[kind], ctx.calendar).getTime();
}

/** The deadline the ticket is working against in its state. */
export function currentDeadline(t: Ticket): { kind: DeadlineKind; at: number } | null {
  if (t.state === 'open' && t.claimDeadline !== null) return { kind: 'claim', at: t.claimDeadline };
  if (t.state === 'claimed' && t.resolveDeadline !== null) return { kind: 'resolve', at: t.resolveDeadline };
  if (t.state === 'resolved' && t.confirmDeadline !== null) return { kind: 'confirm', at: t.confirmDeadline };
  return null;
}

export function mentionOf(ctx: CommandContext, personId: string | null): string {
  if (!personId) return '';
  const p = ctx.repos.roster.person(personId);
  return p ? mentionPerson(p) : '';
}

export function nameOf(ctx: CommandContext, personId: string | null): string {
  if (!personId) return '';
  return ctx.repos.roster.person(personId)?.name ?? personId;
}

export function reporterMention(t: Ticket): string {
  if (t.reporterPersonId) return mentionPerson({ id: t.reporterPersonId, name: t.reporterName });
  return mentionUser(t.reporterPlatform, t.reporterUserId, t.reporterName);
}

/** Who should act on a ticket now: the assignee, else the project officer (or the coordinators). */
export function ownerMention(ctx: CommandContext, t: Ticket): string {
  if (t.assigneeId) return mentionOf(ctx, t.assigneeId);
  if (t.routing === 'coordinators') return '护企办';
  if (t.departmentId) {
    const project = ctx.repos.roster.project(t.projectCode);
    const officer = project?.officerId ? ctx.repos.roster.person(project.officerId) : undefined;
    if (officer && officer.departmentId === t.departmentId) return mentionPerson(officer);
    return ctx.repos.roster.department(t.departmentId)?.name ?? '';
  }
  return mentionOf(ctx, ctx.repos.roster.project(t.projectCode)?.officerId ?? null);
}

/** The plain view object templates read a ticket from. */
export function ticketView(ctx: CommandContext, t: Ticket): Record<string, unknown> {
  const project = ctx.repos.roster.project(t.projectCode);
  const dl = currentDeadline(t);
  return {
    no: t.no,
    ref: `#${t.no}`,
    projectCode: t.projectCode,
    projectName: project?.name ?? t.projectCode,
    category: t.category,
    urgent: t.urgency === 'urgent',
    urgency: URGENCY_NAMES[t.urgency],
    // Texts are at most MAX_TEXT_CHARS since every command refuses longer ones; tickets of an earlier
    // version may hold more, and nothing the bot sends may be longer than that.
    description: clip(t.description, MAX_TEXT_CHARS),
    state: STATE_NAMES[t.state],
    reporter: t.reporterName,
    reporterMention: reporterMention(t),
    assignee: nameOf(ctx, t.assigneeId) || '（未认领）',
    assigneeMention: mentionOf(ctx, t.assigneeId),
    ownerMention: ownerMention(ctx, t),
    department: t.departmentId ? (ctx.repos.roster.department(t.departmentId)?.name ?? t.departmentId) : t.routing === 'coordinators' ? '护企办' : '',
    supervised: t.supervised,
    reopenCount: t.reopenCount,
    claimDeadline: t.claimDeadline ? formatTime(t.claimDeadline) : '',
    resolveDeadline: t.resolveDeadline ? formatTime(t.resolveDeadline) : '',
    confirmDeadline: t.confirmDeadline ? formatTime(t.confirmDeadline) : '',
    deadlineName: dl ? DEADLINE_NAMES[dl.kind] : '',
    deadline: dl ? formatTime(dl.at) : '',
    overdue: dl !== null && dl.at < ctx.now,
    createdAt: formatShortTime(t.createdAt),
    resolution: clip(t.resolution ?? '', MAX_TEXT_CHARS),
    rating: t.rating ?? '',
    ratingComment: clip(t.ratingComment ?? '', MAX_TEXT_CHARS),
    conduct: t.routing === 'coordinators',
  };
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
