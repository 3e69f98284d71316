import type { IncomingMessage, OutboundMessage } from '../chat/types.js';
import type { Clock } from '../clock.js';
import type { InboundRepo } from '../db/inbound-repo.js';
import type { Transactions } from '../db/open.js';
import type { OutboxRepo } from '../db/outbox-repo.js';

/** How often a route waiting for a click to be handled looks again. */
const POLL_MS = 20;

/**
 * Waits (at most `waitMs`) until the inbound message `msg` is handled, then takes the outbound
 * message queued to be carried by the answer to it, if any (SPEC §7a: a card updated "as the
 * passive reply to the click callback", which is how WeCom 智能机器人 updates a card). Taking it
 * marks it sent, so the delivery worker never sends it too; one left untaken goes out its own way
 * once its hold ends (NewOutboxItem.holdMs). Resolves undefined when the click was refused or
 * changed nothing shown, or was not handled in time.
 */
export async function waitForAnswer(
  deps: { inbound: Pick<InboundRepo, 'handled'>; outbox: Pick<OutboxRepo, 'takeAnswer'>; tx: Transactions; clock: Clock },
  msg: IncomingMessage,
  waitMs: number,
): Promise<OutboundMessage | undefined> {
  const until = performance.now() + waitMs;
  for (;;) {
    if (deps.inbound.handled(msg.platform, msg.msgId)) {
      let taken: OutboundMessage | undefined;
      // The processor thread may hold the write lock for a batch: wait for it on a timer, never in SQLite.
      const written = await deps.tx.soon(() => {
        taken = deps.outbox.takeAnswer(msg.platform, msg.msgId, deps.clock.now().getTime());
      }, Math.max(0, until - performance.now()));
      return written ? taken : undefined;
    }
    if (performance.now() >= until) return undefined;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
