import type { Db } from './open.js';

export type InboundOutcome = 'done' | 'refused' | 'ignored' | 'error' | 'throttled';

/** Message ids already processed; a row is written in the transaction of the message's effect. */
export class InboundRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      claim: db.prepare(
        `INSERT INTO inbound_messages (platform, msg_id, received_at, sender_id, command, outcome)
         VALUES (?, ?, ?, ?, NULL, 'done') ON CONFLICT DO NOTHING`,
      ),
      finish: db.prepare('UPDATE inbound_messages SET command = ?, outcome = ? WHERE platform = ? AND msg_id = ?'),
      handled: db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM inbound_messages WHERE platform = ? AND msg_id = ?'),
    };
  }

  /** Records the message id; false when it was already processed (a platform retry). */
  claim(platform: string, msgId: string, senderId: string, at: number): boolean {
    return this.s.claim.run(platform, msgId, at, senderId).changes === 1;
  }

  finish(platform: string, msgId: string, command: string | null, outcome: InboundOutcome): void {
    this.s.finish.run(command, outcome, platform, msgId);
  }

  /** Whether the message has been handled (its effect committed). */
  handled(platform: string, msgId: string): boolean {
    return this.s.handled.get(platform, msgId) !== undefined;
  }
}
