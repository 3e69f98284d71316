import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import type { AttachmentsRepo } from '../db/attachments-repo.js';
import { InboundRepo, type InboundOutcome } from '../db/inbound-repo.js';
import { IntakeRepo, type IntakeKey } from '../db/intake-repo.js';
import type { ChatBinding } from '../db/roster-repo.js';
import type { Notifier } from '../delivery/notifier.js';
import type { AttachmentKind, IncomingMessage, MessageKind } from '../chat/types.js';
import type { Figures } from '../reports/figures.js';
import { render } from '../templates.js';
import type { WorkCalendar } from '../tickets/calendar.js';
import { ROLE_NAMES, type Project, type Ticket } from '../tickets/model.js';
import type { SlaConfig } from '../tickets/sla.js';
import { deadlineRules, MAX_TEXT_CHARS } from './helpers.js';
import { INTAKE_WINDOW_MS, isConfirmation, nearMiss, readsLikeReport, unknownCommandWord } from './intake.js';
import { parseCommand } from './parse.js';
import { SenderLimit } from './sender-limit.js';
import { UserError, type Command, type CommandContext, type Repos, type Sender } from './types.js';

export interface DispatcherOptions {
  db: Db;
  repos: Repos;
  notify: Notifier;
  clock: Clock;
  log: Logger;
  commands: readonly Command[];
  /** read per message, since a roster import may change them while the server runs */
  calendar: () => WorkCalendar;
  sla: () => SlaConfig;
  figures: Figures;
  /** commands a sender may send per minute before being told to slow down */
  senderPerMinute: number;
  /** whether pictures and files sent to the bot are kept as evidence (an attachments folder is set) */
  keepsEvidence?: boolean;
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

/** How the answers name what an attachment is. */
const ATTACHMENT_NAMES: Record<AttachmentKind, string> = { image: '图片', file: '文件', audio: '录音', video: '视频' };

/** One message being handled: who sent it where, and what has been answered and taken so far. */
interface Turn {
  msg: IncomingMessage;
  sender: Sender;
  chat: ChatBinding | null;
  now: number;
  key: (what: string) => string;
  replyText: (text: string) => void;
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
  private readonly limit: SenderLimit;
  /** `报告`: what a 是 to a 是否登记 question runs (absent from a command list without it). */
  private readonly reportCommand: Command | undefined;
  /** `补充`: what a picture sent on its own runs, for the ticket its sender last added to. */
  private readonly noteCommand: Command | undefined;
  private readonly attachments: AttachmentsRepo;

  /** A command in a savepoint of the message's transaction: a refusal rolls back its changes only. */
  private readonly runCommand;
  /** One message of a batch in its own savepoint. */
  private readonly processOne;
  /** The messages of a batch in one transaction. */
  private readonly processAll;

  constructor(private readonly o: DispatcherOptions) {
    this.inbound = new InboundRepo(o.db);
    this.intake = new IntakeRepo(o.db);
    this.reportCommand = o.commands.find((c) => c.name === '报告');
    this.noteCommand = o.commands.find((c) => c.name === '补充');
    this.attachments = o.repos.attachments;
    this.limit = new SenderLimit(o.senderPerMinute);
    // Prepared once: building a transaction function costs more than a short command.
    this.runCommand = o.db.transaction((command: Command, ctx: CommandContext, args: string) => {
      const { sender } = ctx;
      if (!command.roles.some((r) => sender.roles.includes(r))) {
        const who = command.roles.map((r) => ROLE_NAMES[r]).join('、');
        const mine = sender.roles.map((r) => ROLE_NAMES[r]).join('、');
        throw new UserError('forbidden', `“${command.name}”只能由${who}使用，您的身份是${mine}，发送“帮助”查看您可以使用的命令`);
      }
      command.run(ctx, args);
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
   * Handles one message in its own transaction, synchronously. Throws only when the message could
   * not be stored (the database failed), and then nothing of it was.
   */
  handle(msg: IncomingMessage): HandleResult {
    return this.commit([msg])[0]!;
  }

  /**
   * Handles messages in order in one transaction (each in its own savepoint), reading the roster
   * once for all of them. Throws when the transaction failed, and then none of them was stored.
   * Once `budgetMs` has passed it commits what it has handled (at least one message) and returns
   * fewer results than messages: slow commands must not hold the database's write lock for long.
   */
  handleAll(msgs: readonly IncomingMessage[], budgetMs = Infinity): HandleResult[] {
    return this.commit(msgs, budgetMs);
  }

  /**
   * Handles a message from a platform callback in its own transaction, as an answer the route can
   * wait for. The server stores callbacks in the inbox for the processor thread (src/inbox/); this
   * is for an app without one (an in-memory database). Rejects when the message could not be stored.
   */
  submit(msg: IncomingMessage): Promise<HandleResult> {
    try {
      return Promise.resolve(this.handle(msg));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Stores the messages in one transaction, reading the roster once for all of them. */
  private commit(msgs: readonly IncomingMessage[], budgetMs = Infinity): HandleResult[] {
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

  private process(message: IncomingMessage): HandleResult {
    // Where evidence is not kept, a message's attachments are not there for any command to take.
    const msg = this.o.keepsEvidence || !message.attachments ? message : { ...message, attachments: undefined };
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

    const throttled = this.limit.check(`${msg.platform}:${msg.senderId}`, now);
    if (throttled === 'warn') replyText(render('slow-down', { limit: this.o.senderPerMinute }));
    if (throttled) return finish(null, 'throttled');

    const chat = roster.chat(msg.platform, msg.chatId) ?? null;
    const sender = this.resolveSender(msg, chat);
    if (!sender) {
      replyText(render('unbound-chat', { coordinators: chat?.kind === 'coordinators' }));
      return finish(null, 'ignored');
    }
    const turn: Turn = { msg, sender, chat, now, key, replyText, finish, replied: () => queued.has('reply'), evidenceTaken: false };
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
    // Any command closes an open 是否登记 question of the sender in this chat.
    this.intake.cancel(intakeKey);
    return this.execute(parsed.command, parsed.args, turn);
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
    // A reply URL that takes one message is spent once the command has answered through it.
    const reply = turn.replied() && msg.replyHandle?.once ? { ...msg, replyHandle: undefined } : msg;
    list.forEach((a, seq) =>
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

  /** Runs a command in a savepoint; a refusal is answered with its one sentence and changes nothing. */
  private execute(command: Command, args: string, turn: Turn): InboundOutcome {
    const { msg, replyText, finish } = turn;
    let evidence: Ticket | undefined;
    const ctx = this.context(msg, turn.sender, turn.chat, turn.now, turn.key, (t) => (evidence = t));
    try {
      this.runCommand(command, ctx, args);
      if (evidence) this.takeEvidence(turn, evidence);
      return finish(command.name, 'done');
    } catch (err) {
      if (err instanceof UserError) {
        this.o.log.info({ ...where(msg), command: command.name, code: err.code }, 'command refused');
        replyText(render('refusal', { reason: err.message }));
        return finish(command.name, 'refused');
      }
      this.o.log.error({ ...where(msg), err, command: command.name }, 'command failed');
      replyText(render('error', {}));
      return finish(command.name, 'error');
    }
  }

  /**
   * A message that is not a command (SPEC §3 plain language): one that reads like a report is asked
   * about (是否登记为诉求？) where it could be reported from; a near miss of a command word gets a
   * did-you-mean; a word that looks like a command is named; anything else gets the help hint.
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
    const miss = text ? nearMiss(text, this.o.commands) : undefined;
    const word = text ? unknownCommandWord(text) : undefined;
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
  private resolveSender(msg: IncomingMessage, chat: ChatBinding | null): Sender | null {
    const person = this.o.repos.roster.personByPlatformId(msg.platform, msg.senderId);
    if (person) {
      return {
        personId: person.id,
        name: person.name,
        roles: person.roles,
        projectCode: person.projectCode,
        departmentId: person.departmentId,
        platform: msg.platform,
        userId: msg.senderId,
      };
    }
    if (chat?.kind !== 'project' || !chat.projectCode) return null;
    return {
      personId: null,
      name: displayName(msg.senderName) || '企业联系人',
      roles: ['enterprise'],
      projectCode: chat.projectCode,
      departmentId: null,
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
      figures: this.o.figures,
      get log() {
        return (childLog ??= parentLog.child(where(msg)));
      },
      now,
      commands: this.o.commands,
      reply: (template, view) => notify.reply(msg, render(template, view), key('reply')),
      announce: (ticket, template, view) => {
        const text = render(template, view);
        notify.reply(msg, text, key('reply'));
        if (ticket.routing !== 'coordinators') {
          notify.project(ticket.projectCode, text, key('project'), msg);
          return;
        }
        // A conduct complaint (执法投诉) is followed in the coordinators' group, not in the project
        // group where the officer complained about would read it; the reporter hears directly.
        notify.coordinators(text, key('coordinators'), msg);
        if (ticket.reporterPersonId) {
          if (ticket.reporterPersonId !== sender.personId) notify.person(ticket.reporterPersonId, text, key('reporter'));
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
      record: (ticket, events) =>
        repos.tickets.record(ticket.no, events, { actorId: sender.personId, actorName: sender.name, at: now, msgPlatform: msg.platform, msgId: msg.msgId }),
      attachEvidence,
    };
    return ctx;
  }
}
