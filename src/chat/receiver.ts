import type { Clock } from '../clock.js';
import type { IncomingMessage } from './types.js';

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

/** What an inbound route needs from the core. */
export interface InboundDeps {
  /** Hands a verified, parsed message to the core and settles once it is stored. Idempotent: the
   *  core stores the message id in the transaction of its effect and ignores a repeat, so call it
   *  for every verified message, and answer the platform after it settles. It never fails for bad
   *  user input; it fails when the message could not be stored, and then the platform should be
   *  answered so that it retries.
   *
   *  With a `signature`, the signature is checked and recorded in the same transaction that stores
   *  the message, and the result says whether it was `reused`. `msg` is undefined for a callback
   *  answered without being handled (a type the bot ignores): then only its signature is spent. */
  handle(msg: IncomingMessage | undefined, signature?: OneUseSignature): Promise<Accepted>;
  clock: Clock;
}

/**
 * The most characters of a message's text that are kept: more than any command takes (2,000 for a
 * report or a note, plus the command word and the ticket number), far less than a callback may carry
 * (1 MiB). A longer message is refused by the dispatcher with its real length; keeping all of it
 * would only let one message fill the inbox and the processor's memory.
 */
export const MAX_MESSAGE_CHARS = 4000;

/** The message as the core keeps it: its text cut to `MAX_MESSAGE_CHARS`, its real length noted. */
export function boundMessage(msg: IncomingMessage): IncomingMessage {
  const { text } = msg;
  // A string of at most MAX_MESSAGE_CHARS UTF-16 units has at most as many characters.
  if (text.length <= MAX_MESSAGE_CHARS) return msg;
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
  if (cut < 0) return msg;
  return { ...msg, text: text.slice(0, cut), oversize: msg.oversize ?? chars };
}
