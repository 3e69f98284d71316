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
