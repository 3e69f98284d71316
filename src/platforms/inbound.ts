import type { Clock } from '../clock.js';
import type { IncomingMessage } from './types.js';

/** What an inbound route needs from the core. */
export interface InboundDeps {
  /** Hands a verified, parsed message to the core and settles once it is stored. Idempotent: the
   *  core stores the message id in the transaction of its effect and ignores a repeat, so call it
   *  for every verified message, and answer the platform after it settles. It never fails for bad
   *  user input; it fails when the message could not be stored, and then the platform should be
   *  answered so that it retries. */
  handle(msg: IncomingMessage): unknown;
  clock: Clock;
}
