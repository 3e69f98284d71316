import type { CardButton, CardChoice, OutgoingCard } from '../chat/types.js';
import type { StoredCard } from '../db/cards-repo.js';
import { escapeUserText } from '../templates.js';
import { formatShortTime } from '../tickets/format.js';
import { clip } from '../tickets/timeline.js';
import type { Ticket } from '../tickets/model.js';

/*
 * The cards of the messages that ask someone to act (SPEC §7a), and what becomes of them when the
 * commands their buttons stand for are done. A card is core vocabulary (src/chat/types.ts): each
 * adapter draws it its own way, and a click comes back as the command its button carries.
 */

/** A card before it is sent: each destination gives it an id of its own (Notifier). */
export type CardDraft = Omit<OutgoingCard, 'id'>;

/** How long a reason asked for by a click (请回复不满意的原因) may be given (SPEC §7a). */
export const REASON_WINDOW_MS = 10 * 60_000;

/** Buttons a card offers at most: what every platform's card can show (a DingTalk template has three places). */
export const MAX_CARD_BUTTONS = 3;

/** The longest text from chat a card repeats; the text form beside it carries all of it. */
const SUMMARY_CHARS = 100;

/** What a card's lines are made from: the ticket view of a message (ticketView) and a few words. */
export interface CardTicket {
  no: number;
  projectName: string;
  category: string;
  urgency: string;
  urgent: boolean;
  description: string;
  reporter: string;
  claimDeadline: string;
  resolveDeadline: string;
  confirmDeadline: string;
  resolution: string;
}

/** The card's words from a message's ticket view (helpers.ts ticketView). */
export function cardTicket(view: Readonly<Record<string, unknown>>): CardTicket {
  const str = (k: string): string => (typeof view[k] === 'string' || typeof view[k] === 'number' ? String(view[k]) : '');
  return {
    no: Number(view['no']),
    projectName: str('projectName'),
    category: str('category'),
    urgency: str('urgency'),
    urgent: view['urgent'] === true,
    description: str('description'),
    reporter: str('reporter'),
    claimDeadline: str('claimDeadline'),
    resolveDeadline: str('resolveDeadline'),
    confirmDeadline: str('confirmDeadline'),
    resolution: str('resolution'),
  };
}

/** Text from chat as a card shows it: one line, no markup, at most SUMMARY_CHARS characters. */
function plain(text: string): string {
  return escapeUserText(clip(text, SUMMARY_CHARS));
}

function heading(t: CardTicket): string {
  return `#${t.no} 已登记 ${t.category}·${t.urgency}${t.urgent ? ' ⚠' : ''}`;
}

/** A new ticket (挂号): [认领]. For a conduct complaint, the card the coordinators get. */
export function claimCard(t: CardTicket, conduct = false): CardDraft {
  return {
    title: conduct ? `执法投诉 #${t.no}` : heading(t),
    summary: plain(t.description),
    fields: [
      { label: '项目', value: plain(t.projectName) },
      { label: '报告人', value: plain(t.reporter) },
      { label: '签收时限', value: t.claimDeadline },
      { label: '办结时限', value: t.resolveDeadline },
    ],
    buttons: [{ label: '认领', command: `认领 #${t.no}`, style: 'primary', ticket: t.no }],
    done: [],
  };
}

/** The score of 满意, 5 first: what most people give, and what a click without a choice gives. */
export const SCORE_CHOICE: CardChoice = {
  label: '评分',
  options: [5, 4, 3, 2, 1].map((n) => ({ value: String(n), label: `${n}分` })),
  initial: '5',
};

/** A resolution (办结) for the enterprise: [满意] with a 1–5 score, and [不满意] (which asks why). */
export function rateCard(t: CardTicket, by: string): CardDraft {
  return {
    title: `#${t.no} 已办结，请评价`,
    summary: plain(`结果：${t.resolution}`),
    fields: [
      { label: '项目', value: plain(t.projectName) },
      { label: '办结人', value: plain(by) },
      { label: '评价时限', value: t.confirmDeadline },
    ],
    choice: SCORE_CHOICE,
    buttons: [
      { label: '满意', command: `满意 #${t.no}`, style: 'primary', ticket: t.no, withChoice: true },
      { label: '不满意', command: `不满意 #${t.no}`, style: 'danger', ticket: t.no, ask: '不满意的原因' },
    ],
    done: [],
  };
}

/**
 * An extension request (申请延期) for the coordinators and the project's leaders: [批准] [驳回] (which
 * asks why). The commands are 批准延期 and 驳回延期 (SPEC §3).
 */
export function extensionCard(t: CardTicket, request: { by: string; duration: string; reason: string; deadline: string }): CardDraft {
  return {
    title: `#${t.no} 申请延期 ${request.duration}`,
    summary: plain(`理由：${request.reason}`),
    fields: [
      { label: '项目', value: plain(t.projectName) },
      { label: '申请人', value: plain(request.by) },
      { label: '当前时限', value: request.deadline },
    ],
    buttons: [
      { label: '批准', command: `批准延期 #${t.no}`, style: 'primary', ticket: t.no },
      { label: '驳回', command: `驳回延期 #${t.no}`, style: 'danger', ticket: t.no, ask: '驳回的原因' },
    ],
    done: [],
  };
}

/** One ticket of a tier-2/3 message to a leader. */
export interface OverdueItem {
  no: number;
  projectName: string;
  category: string;
  late: string;
  /** already 挂牌督办: no button for it */
  supervised: boolean;
}

/**
 * The leaders' tier 2 (督促) or 3 (预警) message: [督办 #N] for the tickets not supervised yet (at
 * most MAX_CARD_BUTTONS). Undefined when none is left to supervise: the text form says it all.
 */
export function superviseCard(tier: 2 | 3, items: readonly OverdueItem[]): CardDraft | undefined {
  const open = items.filter((i) => !i.supervised).slice(0, MAX_CARD_BUTTONS);
  if (open.length === 0) return undefined;
  return {
    title: tier === 2 ? '督促（二级）：工单超期未办' : '预警（三级）：工单严重超期',
    summary: `共${items.length}件，点“督办”即挂牌督办`,
    fields: items.slice(0, 6).map((i) => ({ label: `#${i.no}`, value: plain(`${i.projectName} ${i.category} 已超${i.late}`) })),
    buttons: open.map((i) => ({ label: `督办 #${i.no}`, command: `督办 #${i.no}`, style: 'primary' as const, ticket: i.no })),
    done: [],
  };
}

/** The command word a button's command starts with (`认领` of `认领 #12`). */
export function commandWord(command: string): string {
  return command.split(/\s/)[0] ?? '';
}

/**
 * Whether a button still stands for something the ticket can do now, whoever did what: once a
 * ticket is claimed its [认领] goes, whether the click claimed it or someone typed 认领.
 */
function stillOffered(b: CardButton, t: Ticket): boolean {
  const state: string = t.state;
  switch (commandWord(b.command)) {
    case '认领':
      return state === 'open';
    case '满意':
    case '不满意':
      // 待回访 (followup) takes the enterprise's own answer too (SPEC §3).
      return state === 'resolved' || state === 'followup';
    case '督办':
      return !t.supervised && state !== 'closed' && state !== 'withdrawn';
    default:
      return state !== 'closed' && state !== 'withdrawn';
  }
}

/** How a done line names what was done, by the command that did it. */
function verb(command: string, t: Ticket): string {
  switch (command) {
    case '满意':
      return t.rating !== null ? `评价满意（${t.rating}分）` : '评价满意';
    case '不满意':
      return '评价不满意，已退回重办';
    case '督办':
      return '挂牌督办';
    default:
      return command;
  }
}

/** A card after a command on one of its tickets: the card to show now, and what to record. */
export interface CardChange {
  closed: string[];
  done: string[];
  finished: boolean;
  content: OutgoingCard;
}

/**
 * What a command done on ticket `t` by `by` (its command word `command`) does to a card with
 * buttons for it: its buttons for that ticket go when the command is one of theirs (a click, or
 * the same command typed) or when they no longer apply; a line says who did what, when. Undefined
 * when the card stays as it is. `inProjectChat`: the card is in a project group, where the
 * officers read along.
 */
export function cardAfter(card: StoredCard, t: Ticket, command: string, by: string, now: number, inProjectChat = false): CardChange | undefined {
  const offered = card.content.buttons.filter((b) => !card.closed.includes(b.command));
  const mine = offered.filter((b) => b.ticket === t.no);
  if (mine.length === 0) return undefined;
  const acted = mine.some((b) => commandWord(b.command) === command);
  const gone = acted ? mine : mine.filter((b) => !stillOffered(b, t));
  if (gone.length === 0) return undefined;
  const several = new Set(card.content.buttons.map((b) => b.ticket)).size > 1;
  // A ticket that became a conduct complaint is followed by the coordinators only: a card in a
  // project group learns no more than that (SPEC §2: the group is told `#N 已转护企办处理`).
  const line = t.routing === 'coordinators' && inProjectChat
    ? `#${t.no} 已转护企办处理`
    : `${several ? `#${t.no} ` : ''}已由 ${escapeUserText(by)} ${verb(command, t)} ${formatShortTime(now).slice(6)}`;
  const buttons = offered.filter((b) => !gone.includes(b));
  const done = [...card.done, line];
  const { choice, ...rest } = card.content;
  const content: OutgoingCard = { ...rest, buttons, done, ...(choice && buttons.some((b) => b.withChoice) ? { choice } : {}) };
  return { closed: [...card.closed, ...gone.map((b) => b.command)], done, finished: buttons.length === 0, content };
}

/**
 * The value of a card's choice a click carried: the option given, the choice's first value when the
 * click brings none, and null when what it brings is none of the options (a forged click).
 */
export function choiceValue(choice: CardChoice | undefined, given: string | undefined): string | undefined | null {
  if (!choice) return undefined;
  const value = given?.trim();
  if (value === undefined || value === '') return choice.initial;
  return choice.options.some((o) => o.value === value) ? value : null;
}
