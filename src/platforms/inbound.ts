import type { Clock } from '../clock.js';
import type { IncomingMessage } from './types.js';

/** What an inbound route needs from the core. */
export interface InboundDeps {
  /** Hands a verified, parsed message to the core. Synchronous and idempotent: the core stores the
   *  message id in the transaction of its effect and ignores a repeat, so call it for every verified
   *  message, before answering the platform. It never throws for bad user input; it throws when the
   *  message could not be stored, and then the platform should be answered so that it retries. */
  handle(msg: IncomingMessage): void;
  clock: Clock;
}
