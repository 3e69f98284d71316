import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import type { DiskRoom } from '../attachments/store.js';
import type { AttachmentsRepo } from '../db/attachments-repo.js';
import type { CardsRepo, StoredCard } from '../db/cards-repo.js';
import { InboundRepo, type InboundOutcome } from '../db/inbound-repo.js';
import { IntakeRepo, type IntakeKey } from '../db/intake-repo.js';
import { ReasonsRepo, type ReasonKey } from '../db/reasons-repo.js';
import type { ChatBinding } from '../db/roster-repo.js';
import type { Notifier } from '../delivery/notifier.js';
import { NO_COMMAND, type AttachmentKind, type CardButton, type IncomingAttachment, type IncomingMessage, type MessageKind } from '../chat/types.js';
import { mentionPerson, mentionUser } from '../chat/mentions.js';
import type { Figures } from '../reports/figures.js';
import { render } from '../templates.js';
import type { WorkCalendar } from '../tickets/calendar.js';
import { formatTime } from '../tickets/format.js';
import { ROLE_NAMES, type Project, type Ticket } from '../tickets/model.js';
import type { SlaConfig } from '../tickets/sla.js';
import { cardAfter, choiceValue, REASON_WINDOW_MS } from './cards.js';
import { deadlineRules, MAX_TEXT_CHARS } from './helpers.js';
import { INTAKE_WINDOW_MS, isConfirmation, isGreeting, nearMiss, readsLikeReport, unknownCommandWord } from './intake.js';
import { parseCommand, type ParsedCommand } from './parse.js';
import { SenderLimit } from './sender-limit.js';
import { UserError, type Command, type CommandContext, type LoginLinkIssuer, type Repos, type Sender } from './types.js';
import { chatMayShowConduct as conductShownIn, scopeOf } from '../tickets/scope.js';

export interface DispatcherOptions {
  db: Db;
  repos: Repos;
  notify: Notifier;
  /** the cards sent, whose clicks come back as commands (SPEC §7a) */
  cards: CardsRepo;
  clock: Clock;
  log: Logger;
  commands: readonly Command[];
  /** read per message, since a roster import may change them while the server runs */
  calendar: () => WorkCalendar;
  sla: () => SlaConfig;
  figures: Figures;
  /** the dashboard's sign-in links (`登录`); undefined when the dashboard is not published to people */
  loginLinks?: LoginLinkIssuer;
  /** commands a sender may send per minute before being told to slow down */
  senderPerMinute: number;
  /** whether pictures and files sent to the bot are kept as evidence (an attachments folder is set) */
  keepsEvidence?: boolean;
  /**
   * Where evidence is kept, what bounds it (SPEC §7b, §9): the room its disk has (`room(bytes)`),
   * the largest file, and the files one sender may have stored in any hour.
   */
  evidence?: { room(bytes: number): DiskRoom; maxBytes: number; perSenderPerHour: number };
  /** called after a message's transaction committed, to send what it queued */
  onQueued?: () => void;
}

export type HandleResult = InboundOutcome | 'duplicate';

/** Characters a command word and a ticket number add to its free text (`补充 #123456 …`). */
const COMMAND_ALLOWANCE = 40;
/** The longest display name kept for someone outside the roster. */
const MAX_NAME_CHARS = 32;

/**
 * A display name from a platform, as it is stored and shown: on one line, without invisible or
 * control characters, at most `MAX_NAME_CHARS` characters (its owner typed it, so it is data).
 */
function displayName(name: string | undefined): string {
  if (!name) return '';
  // C0 and C1 controls, zero-width and bidirectional marks, line and paragraph separators.
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]+/g, ' ').trim();
  return [...clean].slice(0, MAX_NAME_CHARS).join('').trim();
}

/** How the one-line answer names a kind of message the bot cannot act on yet. */
const KIND_NAMES: Record<Exclude<MessageKind, 'text' | 'voice'>, string> = {
  image: '图片',
  file: '文件',
  video: '视频',
  sticker: '表情',
  location: '位置消息',
  link: '链接',
  other: '这类消息',
};

/**
 * How long after a sender's 报告 or 补充 a picture or file sent on its own is attached to that
 * ticket; each attachment starts it again (SPEC §7b).
 */
export const EVIDENCE_WINDOW_MS = 10 * 60_000;

/** The hour over which a sender's evidence is counted. */
const EVIDENCE_BUDGET_MS = 60 * 60_000;

/** How a refusal names one attachment. */
const ONE_ATTACHMENT: Record<AttachmentKind, string> = { image: '这张图片', file: '这个文件', audio: '这段录音', video: '这段视频' };

/** How the answers name what an attachment is. */
const ATTACHMENT_NAMES: Record<AttachmentKind, string> = { image: '图片', file: '文件', audio: '录音', video: '视频' };

/** Thrown at the end of a command run only to see whether it would be refused: rolls it back. */
const DRY_RUN = Symbol('dry run');

/** What stands in for the reason while a click that asks for one is checked (it is never stored). */
const REASON_PLACEHOLDER = '（原因待补充）';

/**
 * Where a question for a reason is kept: the chat, or 'single' for a one-to-one chat, whose click
 * (a DingTalk card in the robot's chat) need not name the conversation typed messages come from.
 */
function reasonKey(msg: IncomingMessage): ReasonKey {
  return { platform: msg.platform, chatKey: msg.chatType === 'single' ? 'single' : msg.chatId, senderId: msg.senderId };
}

/** One message being handled: who sent it where, and what has been answered and taken so far. */
interface Turn {
  msg: IncomingMessage;
  sender: Sender;
  chat: ChatBinding | null;
  now: number;
  key: (what: string) => string;
  replyText: (text: string) => void;
  /** where a refusal or an error goes: the chat, or, for a card click, the clicker only */
  refuseText: (text: string) => void;
  finish: (command: string | null, outcome: InboundOutcome) => InboundOutcome;
  /** whether a reply to the message has been queued */
  replied: () => boolean;
  /** whether its attachments went to a ticket */
  evidenceTaken: boolean;
}

/** The fields that place a log line about a message. */
function where(msg: IncomingMessage): { platform: string; chatId: string; msgId: string } {
  return { platform: msg.platform, chatId: msg.chatId, msgId: msg.msgId };
}

/**
 * From a platform-neutral message to a command's effect. Each message is one transaction: its
 * id, the command's changes, their audit rows and the messages they cause are stored together,
 * so a platform retry (same id) is a no-op, and a refused command changes nothing.
 */
export class Dispatcher {
  private readonly inbound: InboundRepo;
  private readonly intake: IntakeRepo;
  private readonly reasons: ReasonsRepo;
  private readonly limit: SenderLimit;
  /** `报告`: what a 是 to a 是否登记 question runs (absent from a command list without it). */
  private readonly reportCommand: Command | undefined;
  /** `补充`: what a picture sent on its own runs, for the ticket its sender last added to. */
  private readonly noteCommand: Command | undefined;
  private readonly attachments: AttachmentsRepo;

  /** A command in a savepoint of the message's transaction: a refusal rolls back its changes only. */
  private readonly runCommand;
  /** A command run only to see whether it would be refused, then rolled back whatever it did. */
  private readonly tryCommand;
  /** One message of a batch in its own savepoint. */
  private readonly processOne;
  /** The messages of a batch in one transaction. */
  private readonly processAll;

  constructor(private readonly o: DispatcherOptions) {
    this.inbound = new InboundRepo(o.db);
    this.intake = new IntakeRepo(o.db);
    this.reasons = new ReasonsRepo(o.db);
    this.reportCommand = o.commands.find((c) => c.name === '报告');
    this.noteCommand = o.commands.find((c) => c.name === '补充');
    this.attachments = o.repos.attachments;
    this.limit = new SenderLimit(o.senderPerMinute);
    // Prepared once: building a transaction function costs more than a short command.
    const run = (command: Command, ctx: CommandContext, args: string): void => {
      const { sender } = ctx;
      if (!command.roles.some((r) => sender.roles.includes(r))) {
        const who = command.roles.map((r) => ROLE_NAMES[r]).join('、');
        const mine = sender.roles.map((r) => ROLE_NAMES[r]).join('、');
        throw new UserError('forbidden', `“${command.name}”只能由${who}使用，您的身份是${mine}，发送“帮助”查看您可以使用的命令`);
      }
      command.run(ctx, args);
    };
    this.runCommand = o.db.transaction((command: Command, ctx: CommandContext, args: string, touched: Set<number>) => {
      run(command, ctx, args);
      // The cards of the tickets it changed, in the same transaction (SPEC §7a).
      this.updateCards(ctx, command, touched);
    });
    this.tryCommand = o.db.transaction((command: Command, ctx: CommandContext, args: string) => {
      run(command, ctx, args);
      throw DRY_RUN;
    });
    this.processOne = o.db.transaction((msg: IncomingMessage) => this.process(msg));
    this.processAll = o.db.transaction(
      (msgs: readonly IncomingMessage[], results: HandleResult[], onEach: (msg: IncomingMessage) => void, until: number) =>
        o.repos.roster.within(() => {
          for (const msg of msgs) {
            onEach(msg);
            results.push(msgs.length === 1 ? this.process(msg) : this.processOne(msg));
            if (performance.now() > until) break;
          }
        }),
    );
  }

  /**
   * The one way in: handles messages in order in one transaction (each in its own savepoint),
   * reading the roster once for all of them, and returns what became of each. Throws only when the
   * transaction failed (the database), and then none of them was stored. Once `budgetMs` has passed
   * it commits what it has handled (at least one message) and returns fewer results than
   * messages: slow commands must not hold the database's write lock for long.
   */
  dispatch(msgs: readonly IncomingMessage[], budgetMs = Infinity): HandleResult[] {
    const { log } = this.o;
    const results: HandleResult[] = [];
    let current: IncomingMessage | undefined;
    try {
      const onEach = (msg: IncomingMessage): void => {
        current = msg;
        if (log.isLevelEnabled('debug')) log.debug({ ...where(msg), text: msg.text, sender: msg.senderId }, 'message received');
      };
      this.processAll(msgs, results, onEach, performance.now() + budgetMs);
    } catch (err) {
      // Only a failure of the database itself gets here. No message id of the transaction was
      // stored, so the caller answers the platform in a way that makes it retry.
      if (msgs.length === 1 && current) log.error({ err, ...where(current) }, 'message could not be stored');
      throw err;
    }
    results.forEach((result, i) => log.info({ ...where(msgs[i]!), result }, 'message handled'));
    if (results.some((r) => r !== 'duplicate')) this.o.onQueued?.();
    return results;
  }

  private process(arrived: IncomingMessage): HandleResult {
    const placed = this.clickedWhere(arrived);
    // Where evidence is not kept, a message's attachments are not there for any command to take.
    const msg = this.o.keepsEvidence || !placed.attachments ? placed : { ...placed, attachments: undefined };
    const now = this.o.clock.now().getTime();
    if (!this.inbound.claim(msg.platform, msg.msgId, msg.senderId, now)) return 'duplicate';
    const { roster } = this.o.repos;
    let seq = 0;
    const queued = new Set<string>();
    const key = (what: string) => {
      queued.add(what);
      return `msg:${msg.platform}:${msg.msgId}:${seq++}:${what}`;
    };
    const replyText = (text: string) => this.o.notify.reply(msg, text, key('reply'));
    const finish = (command: string | null, outcome: InboundOutcome): InboundOutcome => {
      this.inbound.finish(msg.platform, msg.msgId, command, outcome);
      return outcome;
    };
    // A card click is refused to the clicker alone, never in the group (SPEC §7a).
    const refuseText = msg.click ? (text: string) => this.o.notify.toSender(msg, text, key('reply')) : replyText;

    const throttled = this.limit.check(`${msg.platform}:${msg.senderId}`, now);
    if (throttled === 'warn') refuseText(render('slow-down', { limit: this.o.senderPerMinute }));
    if (throttled) return finish(null, 'throttled');

    const chat = roster.chat(msg.platform, msg.chatId) ?? null;
    const sender = this.resolveSender(msg, chat);
    if (!sender) {
      refuseText(render('unbound-chat', { coordinators: chat?.kind === 'coordinators' }));
      return finish(null, 'ignored');
    }
    const turn: Turn = { msg, sender, chat, now, key, replyText, refuseText, finish, replied: () => queued.has('reply'), evidenceTaken: false };
    if (msg.click) return this.click(turn);
    const kind = msg.kind ?? 'text';
    const attachments = msg.attachments ?? [];
    // A picture or file on its own (or a recording nothing could be made out of) is evidence for
    // the ticket its sender was just working on (SPEC §7b).
    if (attachments.length > 0 && kind !== 'text' && (kind !== 'voice' || msg.text.trim() === '')) return this.attachAlone(turn);
    // A picture, a sticker, a file … or a voice message nothing could be made out of: one line
    // saying what works instead, never silence (SPEC §7).
    if (kind !== 'text' && (kind !== 'voice' || msg.text.trim() === '')) {
      replyText(render('unsupported-message', { voice: kind === 'voice', what: kind === 'voice' ? '' : KIND_NAMES[kind] }));
      return finish(null, 'ignored');
    }
    const outcome = this.handleText(turn);
    // Pictures with a message that is neither a 报告 nor a 补充 are not evidence of anything yet:
    // the sender hears how to attach them (a refusal has said what went wrong already).
    if (kind === 'text' && attachments.length > 0 && !turn.evidenceTaken && outcome !== 'refused' && outcome !== 'error') {
      replyText(render('evidence-ask', { what: ATTACHMENT_NAMES[attachments[0]!.kind], other: true }));
    }
    return outcome;
  }

  /** A message of text (typed, or a recording's transcript): a command, or plain language. */
  private handleText(turn: Turn): InboundOutcome {
    const { msg, sender, chat, now, replyText, finish } = turn;
    const parsed = parseCommand(msg.text, this.o.commands);
    // Far longer than any command takes (cut at the door, or a command that takes no text at
    // all): refused whatever it is, saying how long it was.
    const length = msg.oversize ?? (msg.text.length > MAX_TEXT_CHARS ? [...msg.text].length : 0);
    if (length > MAX_TEXT_CHARS + COMMAND_ALLOWANCE) {
      const words = parsed ? length - ([...msg.text].length - [...parsed.args].length) : length;
      const what = parsed ? (parsed.command.name === '报告' ? '描述' : '内容') : '这条消息';
      replyText(render('refusal', { reason: `${what}有${words}字，超过了${MAX_TEXT_CHARS}字，请精简后再发，较长的情况可以分几次“补充”` }));
      return finish(parsed?.command.name ?? null, 'refused');
    }
    const intakeKey = { platform: msg.platform, chatId: msg.chatId, senderId: msg.senderId };
    if (!parsed) {
      // The reason a click asked for (请回复不满意的原因): the next message completes its command.
      const asked = this.reasons.take(reasonKey(msg), now - REASON_WINDOW_MS);
      const completed = asked ? parseCommand(`${asked.command} ${msg.text.trim()}`, this.o.commands) : null;
      if (completed) return this.execute(completed.command, completed.args, turn);
      // 是 / 登记 / yes answers an open 是否登记 question: the message asked about is registered
      // with its original text, exactly as `报告 <原文>` would be (SPEC §3).
      if (this.reportCommand && isConfirmation(msg.text)) {
        const question = this.intake.take(intakeKey, now - INTAKE_WINDOW_MS);
        if (question) return this.execute(this.reportCommand, question.text, turn);
        replyText(render('refusal', { reason: '没有等待确认登记的内容，请直接发送“报告 问题描述”' }));
        return finish(null, 'refused');
      }
      return this.notACommand(msg, sender, chat, now, intakeKey, replyText, finish);
    }
    // Any command closes an open 是否登记 question, or question for a reason, of the sender in this chat.
    this.intake.cancel(intakeKey);
    this.reasons.cancel(reasonKey(msg));
    return this.execute(parsed.command, parsed.args, turn);
  }

  /**
   * A click on a card's button (SPEC §7a): the command the button carries, run as if the clicker had
   * typed it, with the card's choice (the score) added where the button takes it. A button whose
   * command needs a reason first checks that the command would be taken, then asks for the reason.
   * A refusal goes to the clicker alone; the card stays as it is.
   */
  private click(turn: Turn): InboundOutcome {
    const { msg, finish } = turn;
    const click = msg.click!;
    const card = this.o.cards.get(click.cardId);
    const buttons: readonly CardButton[] = card?.content.buttons ?? [];
    let text = msg.text.trim();
    if (!text && click.button !== undefined) text = buttons[click.button]?.command ?? '';
    if (!text || text === NO_COMMAND) {
      // A button that stands for nothing (the 已处理 of a finished card), or one the card no longer has.
      this.o.log.info({ ...where(msg), cardId: click.cardId }, 'card click on a button without a command; nothing to do');
      return finish(null, 'ignored');
    }
    // A click does what one of its card's buttons says, nothing else: a callback that brings another
    // command, or names a card never sent, is a forgery or a card from before a restore.
    const button = buttons.find((b) => b.command === text);
    if (!card || !button) {
      this.o.log.warn({ ...where(msg), cardId: click.cardId, check: card ? 'card-button' : 'card-unknown' }, 'card click refused: not a button of a card sent');
      turn.refuseText(render('refusal', { reason: card ? '卡片上没有这个按钮，请直接发送命令，发送“帮助”查看可用的命令' : '找不到这张卡片，请直接发送命令，发送“帮助”查看可用的命令' }));
      return finish(null, 'refused');
    }
    const parsed = parseCommand(text, this.o.commands);
    if (!parsed) {
      const word = unknownCommandWord(text) ?? [...text].slice(0, 20).join('');
      turn.refuseText(render('refusal', { reason: `没有“${word}”这个命令，发送“帮助”查看可用的命令` }));
      return finish(null, 'refused');
    }
    const choice = button.withChoice ? choiceValue(card.content.choice, click.choice) : undefined;
    if (choice === null) {
      this.o.log.warn({ ...where(msg), cardId: click.cardId, check: 'card-choice' }, 'card click refused: a choice the card does not offer');
      turn.refuseText(render('refusal', { reason: `卡片上没有“${[...(click.choice ?? '')].slice(0, 10).join('')}”这个选项，请在卡片上重新选择后再点` }));
      return finish(null, 'refused');
    }
    const args = choice ? `${parsed.args} ${choice}` : parsed.args;
    // Any click closes the clicker's open questions in the chat, as a typed command does.
    this.intake.cancel({ platform: msg.platform, chatId: msg.chatId, senderId: msg.senderId });
    this.reasons.cancel(reasonKey(msg));
    if (button.ask) return this.askReason(turn, parsed, args, button.ask);
    const outcome = this.execute(parsed.command, args, turn);
    if (outcome !== 'done') this.showAsItIs(card, turn);
    return outcome;
  }

  /**
   * A refused click on a card that changed since this copy was shown — a WeCom card, which changes
   * only in answer to a click on it, left behind by a typed command — is answered with the card as
   * it is now; the refusal says why. A card nothing was done with stays as it is.
   */
  private showAsItIs(card: StoredCard, turn: Turn): void {
    if (card.done.length === 0) return;
    const { id: _id, choice, ...rest } = card.content;
    const buttons = rest.buttons.filter((b) => !card.closed.includes(b.command));
    const content = { ...rest, buttons, done: card.done, ...(choice && buttons.some((b) => b.withChoice) ? { choice } : {}) };
    this.o.notify.updateCard(card, content, turn.key('card'), turn.msg, true);
  }

  /** [不满意], [驳回]: asks the clicker for the reason, once the command is known to be theirs to give. */
  private askReason(turn: Turn, parsed: ParsedCommand, args: string, ask: string): InboundOutcome {
    const { msg, sender, now, finish } = turn;
    const ctx = this.context(msg, sender, turn.chat, now, turn.key, () => undefined, new Set());
    try {
      this.tryCommand(parsed.command, ctx, `${args} ${REASON_PLACEHOLDER}`);
    } catch (err) {
      if (err !== DRY_RUN) return this.failed(turn, parsed.command, err);
    }
    this.reasons.prune(now - REASON_WINDOW_MS);
    this.reasons.ask(reasonKey(msg), { command: `${parsed.command.name} ${args}`, cardId: msg.click?.cardId ?? null, askedAt: now });
    const asker = sender.personId ? mentionPerson({ id: sender.personId, name: sender.name }) : mentionUser(msg.platform, msg.senderId, sender.name);
    turn.replyText(render('reason-question', { asker, what: ask, group: msg.chatType === 'group', minutes: REASON_WINDOW_MS / 60_000 }));
    return finish(parsed.command.name, 'done');
  }

  /** A command that threw: a refusal is told in one sentence, anything else logged and apologised for. */
  private failed(turn: Turn, command: Command, err: unknown): InboundOutcome {
    const { msg, refuseText, finish } = turn;
    if (err instanceof UserError) {
      this.o.log.info({ ...where(msg), command: command.name, code: err.code }, msg.click ? 'card click refused' : 'command refused');
      refuseText(render('refusal', { reason: err.message }));
      return finish(command.name, 'refused');
    }
    this.o.log.error({ ...where(msg), err, command: command.name }, 'command failed');
    refuseText(render('error', {}));
    return finish(command.name, 'error');
  }

  /**
   * The cards with buttons for the tickets a command changed (SPEC §7a): a button whose command was
   * done, or that no longer applies, goes, the card says who did what, and every copy of it that
   * can be is updated — the one clicked through what the click brought.
   */
  private updateCards(ctx: CommandContext, command: Command, touched: ReadonlySet<number>): void {
    for (const no of touched) {
      const t = ctx.repos.tickets.get(no);
      if (!t) continue;
      for (const card of this.o.cards.openFor(no)) {
        const inProjectChat = card.chatId !== null && ctx.repos.roster.chat(card.platform, card.chatId)?.kind === 'project';
        const change = cardAfter(card, t, command.name, ctx.sender.name, ctx.now, inProjectChat);
        if (!change) continue;
        this.o.cards.update(card.id, change.closed, change.done, change.finished, ctx.now);
        const { id: _id, ...content } = change.content;
        this.o.notify.updateCard(card, content, ctx.key('card'), ctx.msg);
      }
    }
  }

  /**
   * A click whose platform did not say in which chat the card was (a DingTalk card in a one-to-one
   * chat with the robot) is placed in the chat the card was sent to.
   */
  private clickedWhere(msg: IncomingMessage): IncomingMessage {
    if (!msg.click || msg.chatId) return msg;
    const card = this.o.cards.get(msg.click.cardId);
    if (card?.chatId && card.chatType === 'group') {
      return { ...msg, chatId: card.chatId, chatType: 'group', groupAddress: card.target.kind === 'group' ? card.target.to : msg.groupAddress };
    }
    return { ...msg, chatId: `single:${msg.senderId}`, chatType: 'single' };
  }

  /**
   * Pictures or files sent on their own go to the ticket their sender reported or added to in this
   * chat within the last 10 minutes, exactly as `补充 #N` with them would (its checks included: only
   * someone who may add to the ticket attaches to it); without one, the sender is asked for `补充 #N`.
   */
  private attachAlone(turn: Turn): InboundOutcome {
    const { msg } = turn;
    const no = this.attachments.target(msg.platform, msg.chatId, msg.senderId, turn.now - EVIDENCE_WINDOW_MS);
    if (no === undefined || !this.noteCommand) {
      turn.replyText(render('evidence-ask', { what: ATTACHMENT_NAMES[msg.attachments![0]!.kind] }));
      return turn.finish(null, 'refused');
    }
    return this.execute(this.noteCommand, `#${no}`, turn);
  }

  /**
   * The message's attachments become evidence of `ticket`, which its command (报告, 补充) named, and
   * the ticket is where its sender's next pictures in this chat go for 10 minutes. The files are
   * fetched afterwards (src/attachments/downloads.ts), and the sender told what became of them.
   */
  private takeEvidence(turn: Turn, ticket: Ticket): void {
    const { msg, sender, now } = turn;
    this.attachments.setTarget(msg.platform, msg.chatId, msg.senderId, ticket.no, now);
    const list = msg.attachments ?? [];
    if (list.length === 0) return;
    turn.evidenceTaken = true;
    // A conduct complaint's files are not named where the complaint may not be shown.
    const named = ticket.routing !== 'coordinators' || conductShownIn(msg.chatType, turn.chat?.kind);
    if (!this.diskHasRoom(turn, ticket, list, named)) return;
    const taken = this.withinBudget(turn, list, named);
    // A reply URL that takes one message is spent once the command has answered through it.
    const reply = turn.replied() && msg.replyHandle?.once ? { ...msg, replyHandle: undefined } : msg;
    taken.forEach((a, seq) =>
      this.attachments.queue(
        {
          msgPlatform: msg.platform,
          msgId: msg.msgId,
          seq,
          ticketNo: ticket.no,
          kind: a.kind,
          ref: a.ref,
          name: a.name ?? null,
          actorId: sender.personId,
          actorName: sender.name,
          reply,
          expiresAt: a.expiresAt ?? null,
        },
        now,
      ),
    );
  }

  /**
   * Whether the disk would keep its reserve with every file of the message as large as allowed
   * (SPEC §9: a full disk would stop the database, and the bot, for everyone). When not, nothing is
   * fetched: the ticket records each file as not kept, and the sender hears why at once.
   */
  private diskHasRoom(turn: Turn, ticket: Ticket, list: readonly IncomingAttachment[], named: boolean): boolean {
    const { evidence, log } = this.o;
    if (!evidence) return true;
    const { msg, sender, now } = turn;
    let room: DiskRoom;
    try {
      room = evidence.room(list.length * evidence.maxBytes);
    } catch (err) {
      // Not measured here, it is measured again before each file is written.
      log.warn({ err, ...where(msg) }, 'free space of the attachments folder cannot be read');
      return true;
    }
    if (room.ok) return true;
    log.error(
      { ...where(msg), ticketNo: ticket.no, check: 'attachment-disk-reserve', freeBytes: room.freeBytes, reserveBytes: room.reserveBytes, files: list.length },
      'evidence not stored: the disk would be left with less than its reserve',
    );
    const error = `磁盘空间不足：可用 ${Math.floor(room.freeBytes / 1024 / 1024)} MB，需保留 ${Math.ceil(room.reserveBytes / 1024 / 1024)} MB`;
    for (const a of list) {
      this.o.repos.tickets.audit({
        ticketNo: ticket.no,
        at: now,
        actorId: sender.personId,
        actorName: sender.name,
        action: 'attach_failed',
        fromState: ticket.state,
        toState: ticket.state,
        detail: { kind: a.kind, ...(a.name ? { name: a.name } : {}), error, reason: 'disk_reserve' },
        msgPlatform: msg.platform,
        msgId: msg.msgId,
      });
    }
    turn.replyText(render('evidence-refused', { disk: true, what: this.nameOf(list, list.length === 1, named), ref: `#${ticket.no}` }));
    return false;
  }

  /**
   * The files of the message its sender's hourly budget still takes (SPEC §7b): a stranger in a
   * group cannot fill the disk. The rest are refused, with when more may be sent.
   */
  private withinBudget(turn: Turn, list: readonly IncomingAttachment[], named: boolean): readonly IncomingAttachment[] {
    const { evidence, log } = this.o;
    if (!evidence) return list;
    const { msg, now } = turn;
    const limit = evidence.perSenderPerHour;
    const counted = this.attachments.senderFiles(msg.platform, msg.senderId, now - EVIDENCE_BUDGET_MS);
    const room = Math.max(0, limit - counted.length);
    if (list.length <= room) return list;
    const taken = list.slice(0, room);
    const left = list.slice(room);
    // The next file fits once enough of those counted (these included) are an hour old.
    const all = [...counted, ...taken.map(() => now)];
    const at = all[all.length - limit]! + EVIDENCE_BUDGET_MS;
    log.warn(
      { ...where(msg), sender: msg.senderId, check: 'attachment-sender-budget', limit, counted: counted.length, refused: left.length },
      'evidence refused: its sender stored the most files allowed in an hour',
    );
    const what = taken.length === 0 ? this.nameOf(left, left.length === 1, named) : `其中 ${left.length} 个附件`;
    // Said to the minute, rounded up: sent at that minute, the file is taken.
    const minute = Math.ceil(at / 60_000) * 60_000;
    turn.replyText(render('evidence-refused', { budget: true, what, limit, at: formatTime(minute).slice(-5) }));
    return taken;
  }

  /** `这张图片`, `「name」` (when it may be `named`), or `这 3 个附件`. */
  private nameOf(list: readonly IncomingAttachment[], one: boolean, named: boolean): string {
    if (!one) return `这 ${list.length} 个附件`;
    const a = list[0]!;
    return a.name && named ? `「${a.name}」` : ONE_ATTACHMENT[a.kind];
  }

  /** Runs a command in a savepoint; a refusal is answered with its one sentence and changes nothing. */
  private execute(command: Command, args: string, turn: Turn): InboundOutcome {
    let evidence: Ticket | undefined;
    const touched = new Set<number>();
    const ctx = this.context(turn.msg, turn.sender, turn.chat, turn.now, turn.key, (t) => (evidence = t), touched);
    try {
      this.runCommand(command, ctx, args, touched);
      if (evidence) this.takeEvidence(turn, evidence);
      return turn.finish(command.name, 'done');
    } catch (err) {
      return this.failed(turn, command, err);
    }
  }

  /**
   * A message that is not a command (SPEC §3 plain language): one that reads like a report is asked
   * about (是否登记为诉求？) where it could be reported from; a near miss of a command word gets a
   * did-you-mean; a word that looks like a command is named; anything else (a greeting, a thanks, a
   * question) gets the help hint.
   */
  private notACommand(
    msg: IncomingMessage,
    sender: Sender,
    chat: ChatBinding | null,
    now: number,
    intakeKey: IntakeKey,
    replyText: (text: string) => void,
    finish: (command: string | null, outcome: InboundOutcome) => InboundOutcome,
  ): InboundOutcome {
    const text = msg.text.trim();
    // Asked in a project group (where every message reaching the bot is addressed to it), or in a
    // private chat by an enterprise contact of the roster, whose project is then their own.
    const mayReport = chat?.kind === 'project' || (msg.chatType === 'single' && sender.roles.includes('enterprise') && sender.projectCode !== null);
    if (text && mayReport && this.reportCommand && readsLikeReport(text)) {
      this.intake.prune(now - INTAKE_WINDOW_MS);
      this.intake.ask(intakeKey, { msgId: msg.msgId, text, askedAt: now });
      replyText(render('intake-question', {}));
      return finish(null, 'done');
    }
    // A greeting or a thanks is chat, not a would-be command: it gets the help hint below.
    const mayBeCommand = text !== '' && !isGreeting(text);
    const miss = mayBeCommand ? nearMiss(text, this.o.commands) : undefined;
    const word = mayBeCommand ? unknownCommandWord(text) : undefined;
    let reason: string;
    if (miss) {
      const rest = [...miss.rest].length <= 20 ? miss.rest : '';
      reason = `您是不是要发送“${miss.command.name} ${rest || '…'}”？发送“帮助”查看可用的命令`;
    } else if (word) {
      reason = `没有“${word}”这个命令，发送“帮助”查看可用的命令`;
    } else if (text) {
      reason = '您好，我是联保助手：遇到阻工、强揽、盗窃等问题，请发送“报告 问题描述”登记；发送“帮助”查看全部命令';
    } else {
      reason = '您好，请在@我之后写上命令，例如“报告 问题描述”；发送“帮助”查看可用的命令';
    }
    replyText(render('refusal', { reason }));
    return finish(null, 'refused');
  }

  /** A sender in the roster, or an enterprise contact of the project whose group this is. */
  /** Whether a display name is a roster person's, spaces and full-width forms aside. */
  private rosterNamed(name: string): boolean {
    const plain = name.normalize('NFKC').replace(/\s+/g, '');
    const { roster } = this.o.repos;
    return roster.peopleNamed(name).length > 0 || roster.peopleNamed(plain).length > 0;
  }

  private resolveSender(msg: IncomingMessage, chat: ChatBinding | null): Sender | null {
    const person = this.o.repos.roster.personByPlatformId(msg.platform, msg.senderId);
    if (person) {
      return {
        personId: person.id,
        name: person.name,
        roles: person.roles,
        projectCode: person.projectCode,
        departmentId: person.departmentId,
        unitId: person.unitId,
        platform: msg.platform,
        userId: msg.senderId,
      };
    }
    if (chat?.kind !== 'project' || !chat.projectCode) return null;
    const shown = displayName(msg.senderName);
    return {
      personId: null,
      // A name anyone may choose: one that is a roster person's is marked, so that nobody reads a
      // stranger's report or note as that person's.
      name: !shown ? '企业联系人' : this.rosterNamed(shown) ? `${shown}（非名册人员）` : shown,
      roles: ['enterprise'],
      projectCode: chat.projectCode,
      departmentId: null,
      unitId: null,
      platform: msg.platform,
      userId: msg.senderId,
    };
  }

  private context(
    msg: IncomingMessage,
    sender: Sender,
    chat: ChatBinding | null,
    now: number,
    key: (what: string) => string,
    attachEvidence: (ticket: Ticket) => void,
    /** the tickets the command changed, whose cards are updated after it */
    touched: Set<number>,
  ): CommandContext {
    const { repos, notify } = this.o;
    const parentLog = this.o.log;
    let childLog: Logger | undefined;
    const onlyEnterprise = sender.roles.every((r) => r === 'enterprise');
    const code = onlyEnterprise ? (sender.projectCode ?? chat?.projectCode) : (chat?.projectCode ?? sender.projectCode);
    const project: Project | null = (code && repos.roster.project(code)) || null;
    const calendar = this.o.calendar();
    const sla = this.o.sla();
    const ctx: CommandContext = {
      msg,
      sender,
      chat,
      project,
      repos,
      notify,
      clock: this.o.clock,
      calendar,
      sla,
      rules: deadlineRules(repos.roster, sla, calendar),
      actor: { personId: sender.personId, departmentId: sender.departmentId },
      scope: scopeOf(sender, repos.roster),
      figures: this.o.figures,
      loginLinks: this.o.loginLinks,
      get log() {
        return (childLog ??= parentLog.child(where(msg)));
      },
      now,
      commands: this.o.commands,
      reply: (template, view, card) => notify.reply(msg, render(template, view), key('reply'), card),
      announce: (ticket, template, view, card) => {
        const text = render(template, view);
        notify.reply(msg, text, key('reply'), card);
        if (ticket.routing !== 'coordinators') {
          notify.project(ticket.projectCode, text, key('project'), msg, card);
          return;
        }
        // A conduct complaint (执法投诉) is followed in the coordinators' group, not in the project
        // group where the officer complained about would read it; the reporter hears directly.
        notify.supervisors(ticket, text, key('coordinators'), msg, card);
        if (ticket.reporterPersonId) {
          if (ticket.reporterPersonId !== sender.personId) notify.person(ticket.reporterPersonId, text, key('reporter'), card);
        } else {
          // Someone outside the roster can only have reported in the project group, and has no other
          // address; the officers read that group, so it learns only that there is news (SPEC §2).
          notify.project(ticket.projectCode, render('conduct-update', { ref: `#${ticket.no}` }), key('project'), msg);
        }
      },
      key,
      apply: ({ ticket, events }) => {
        repos.tickets.save(ticket);
        ctx.record(ticket, events);
        return ticket;
      },
      record: (ticket, events) => {
        touched.add(ticket.no);
        repos.tickets.record(ticket.no, events, { actorId: sender.personId, actorName: sender.name, at: now, msgPlatform: msg.platform, msgId: msg.msgId });
      },
      attachEvidence,
    };
    return ctx;
  }
}
