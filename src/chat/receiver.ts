import type { Clock } from '../clock.js';
import type { AttachmentKind, IncomingMessage, OutboundMessage } from './types.js';

/*
 * The one receiver shape every way in shares (as bolt-js's HTTPReceiver, SocketModeReceiver and
 * AwsLambdaReceiver do): verify → store → acknowledge → hand over.
 * - verify: each transport reads what arrived and checks it (signature, time, shape) into a
 *   `Verified`, with no I/O: WeCom and DingTalk HTTP callbacks, DingTalk Stream frames, the
 *   playground's form.
 * - store: `receive` hands the message to the core (`Ingest.accept`: the inbox) and waits until it
 *   is stored.
 * - acknowledge: the transport answers in its own way (an HTTP status, a Stream ack), told only how
 *   storing went (`Outcome`), so that a platform retries exactly what was not stored.
 * - hand over: the processor takes the stored message up and the core replies through the outbox.
 */

/**
 * A callback signature that vouches for one message only (SPEC §9). DingTalk signs the timestamp,
 * not the body, so a captured `sign` would carry any body for as long as its timestamp is accepted;
 * the store records each signature with the message id it first came with.
 */
export interface OneUseSignature {
  /**
   * The signed timestamp (ms), which names the signature: DingTalk's sign is an HMAC of the
   * timestamp alone, so one timestamp has one sign. Stores key on it, since a number that grows
   * with time is cheap to index where the sign, random text, is not.
   */
  signedAtMs: number;
  /** the message id it came with */
  msgId: string;
  /** how long after `signedAtMs` it must be remembered: until the platform's window has closed on it */
  keepMs: number;
}

/**
 * How a callback was taken: `stored`; `repeat`, its signature already came with this same message
 * (a platform retry: stored before, not again); `reused`, its signature came with another message
 * (refused: nothing is stored).
 */
export type Accepted = 'stored' | 'repeat' | 'reused';

/** Where every way in hands its verified messages: the inbox (src/inbox/inbox.ts). */
export interface Ingest {
  /** Hands a verified, parsed message to the core and settles once it is stored. Idempotent: the
   *  core stores the message id in the transaction of its effect and ignores a repeat, so call it
   *  for every verified message, and answer the platform after it settles. It never fails for bad
   *  user input; it fails when the message could not be stored, and then the platform should be
   *  answered so that it retries.
   *
   *  With a `signature`, the signature is checked and recorded in the same transaction that stores
   *  the message, and the result says whether it was `reused`. `msg` is undefined for a callback
   *  answered without being handled (a type the bot ignores): then only its signature is spent. */
  accept(msg: IncomingMessage | undefined, signature?: OneUseSignature): Promise<Accepted>;
}

/** What an inbound route needs from the core: where its messages go, and the time. */
export interface InboundDeps extends Ingest {
  /**
   * For a platform that updates a card only in its answer to the click (SPEC §7a): waits, at most
   * `waitMs`, until the stored click `msg` is handled, and resolves with the message its answer
   * should carry (the card as it now is), or undefined when there is none.
   */
  answer?(msg: IncomingMessage, waitMs: number): Promise<OutboundMessage | undefined>;
  clock: Clock;
}

/**
 * The most characters of a message's text that are kept: more than any command takes (2,000 for a
 * report or a note, plus the command word and the ticket number), far less than a callback may carry
 * (1 MiB). A longer message is refused by the dispatcher with its real length; keeping all of it
 * would only let one message fill the inbox and the processor's memory.
 */
export const MAX_MESSAGE_CHARS = 4000;

/**
 * The most mentions and attachments of one message that are kept: more than any command names
 * (转办 names one person), far less than a callback could list. Each mention may be looked up when
 * a command runs, so one message must not bring thousands.
 */
export const MAX_MESSAGE_ITEMS = 20;

/**
 * The message as the core keeps it: its text cut to `MAX_MESSAGE_CHARS`, its real length noted, and
 * at most `MAX_MESSAGE_ITEMS` mentions and attachments.
 */
export function boundMessage(msg: IncomingMessage): IncomingMessage {
  let out = msg;
  if ((msg.mentions?.length ?? 0) > MAX_MESSAGE_ITEMS) out = { ...out, mentions: msg.mentions!.slice(0, MAX_MESSAGE_ITEMS) };
  if ((msg.attachments?.length ?? 0) > MAX_MESSAGE_ITEMS) {
    // The sender is told how many were not kept, and why (src/attachments/downloads.ts).
    const leftOut: Partial<Record<AttachmentKind, number>> = {};
    for (const a of msg.attachments!.slice(MAX_MESSAGE_ITEMS)) leftOut[a.kind] = (leftOut[a.kind] ?? 0) + 1;
    out = { ...out, attachments: msg.attachments!.slice(0, MAX_MESSAGE_ITEMS), attachmentsLeftOut: leftOut };
  }
  const { text } = msg;
  // A string of at most MAX_MESSAGE_CHARS UTF-16 units has at most as many characters.
  if (text.length <= MAX_MESSAGE_CHARS) return out;
  // One pass over the code units, no array of characters: the text may be a megabyte.
  let chars = 0;
  let cut = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const prev = text.charCodeAt(i - 1);
      if (prev >= 0xd800 && prev <= 0xdbff) continue; // the second half of a pair
    }
    chars += 1;
    if (chars === MAX_MESSAGE_CHARS + 1) cut = i;
  }
  if (cut < 0) return out;
  return { ...out, text: text.slice(0, cut), oversize: msg.oversize ?? chars };
}

/** What a transport made of what arrived: a message to store, or why it was refused. */
export type Verified =
  | {
      ok: true;
      /** undefined: a callback answered without being handled (an event the bot does not act on) */
      message: IncomingMessage | undefined;
      /** for the log line, when there is no message */
      msgId?: string;
      /** what arrived when there is no message, for the log line (`event`, `template_card_event` …) */
      ignored?: string;
      signature?: OneUseSignature;
    }
  | {
      ok: false;
      /** 400: not something the platform sends; 401: fails verification; 413: too large */
      status: 400 | 401 | 413;
      /** the check that failed, logged as `check` (SPEC §9) */
      check: string;
      /** for the operator: what failed and what to check */
      reason: string;
    };

/** How a verified message was taken, for the transport to acknowledge in its own way. */
export type Outcome =
  | { kind: 'stored' }
  /** the platform sent it again: stored before, acknowledged again */
  | { kind: 'repeat' }
  | { kind: 'refused'; status: 400 | 401 | 413; check: string }
  /** not stored (the database failed): answer so that the platform sends it again */
  | { kind: 'failed' };

/** What `receive` logs through: a pino logger, Fastify's request logger, a child of either. */
export interface ReceiverLog {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Stores a verified message (or logs why it was refused) and acknowledges it with `acknowledge`.
 * `what` names the way in for the log lines (`wecom callback`, `dingtalk stream frame` …). Never
 * throws for a message that could not be stored: that is an `Outcome` like any other.
 */
export async function receive<T>(
  what: string,
  verified: Verified,
  ingest: Ingest,
  log: ReceiverLog,
  acknowledge: (outcome: Outcome) => T,
): Promise<T> {
  if (!verified.ok) {
    log.warn({ check: verified.check }, `${what} refused: ${verified.reason}`);
    return acknowledge({ kind: 'refused', status: verified.status, check: verified.check });
  }
  const { message, signature } = verified;
  const msgId = message?.msgId ?? verified.msgId ?? signature?.msgId;
  if (message) log.debug({ msgId, chatId: message.chatId, text: message.text }, `${what}: message received`);
  else log.debug({ msgId, type: verified.ignored }, `${what}: nothing to handle; acknowledged`);
  // Nothing to store and no signature to spend: there is nothing the platform could need again.
  if (!message && !signature) return acknowledge({ kind: 'stored' });
  let taken: Accepted;
  try {
    taken = await ingest.accept(message, signature);
  } catch (err) {
    log.error({ err, msgId }, `${what}: the message could not be stored; answered so that the platform sends it again`);
    return acknowledge({ kind: 'failed' });
  }
  if (taken === 'reused') {
    log.warn(
      { check: 'sign-reused', msgId },
      `${what} refused: signature already used with another message: a replayed or forged request (the signature covers the time, not the body, so it is good for one message)`,
    );
    return acknowledge({ kind: 'refused', status: 401, check: 'sign-reused' });
  }
  if (taken === 'repeat') log.debug({ msgId }, `${what}: delivered again with its signature; already stored`);
  return acknowledge({ kind: taken });
}
