import type { Db } from './open.js';

/** A message asked about: "是否登记为诉求？" */
export interface IntakeQuestion {
  msgId: string;
  text: string;
  askedAt: number;
}

/** Who asked where: one open question per sender and chat. */
export interface IntakeKey {
  platform: string;
  chatId: string;
  senderId: string;
}

/** The open 是否登记 questions (SPEC §3 plain language). */
export class IntakeRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      ask: db.prepare<[IntakeKey & IntakeQuestion]>(
        `INSERT INTO intake_questions (platform, chat_id, sender_id, msg_id, text, asked_at)
         VALUES (@platform, @chatId, @senderId, @msgId, @text, @askedAt)
         ON CONFLICT (platform, chat_id, sender_id) DO UPDATE SET msg_id = excluded.msg_id, text = excluded.text, asked_at = excluded.asked_at`,
      ),
      get: db.prepare<[IntakeKey], { msg_id: string; text: string; asked_at: number }>(
        'SELECT msg_id, text, asked_at FROM intake_questions WHERE platform = @platform AND chat_id = @chatId AND sender_id = @senderId',
      ),
      drop: db.prepare<[IntakeKey]>('DELETE FROM intake_questions WHERE platform = @platform AND chat_id = @chatId AND sender_id = @senderId'),
      prune: db.prepare<[number]>('DELETE FROM intake_questions WHERE asked_at < ?'),
    };
  }

  /** Asks about a message, replacing the sender's open question in that chat. */
  ask(key: IntakeKey, q: IntakeQuestion): void {
    this.s.ask.run({ ...key, ...q });
  }

  /** The open question, if asked at or after `since`; it is closed either way. */
  take(key: IntakeKey, since: number): IntakeQuestion | undefined {
    const r = this.s.get.get(key);
    if (!r) return undefined;
    this.s.drop.run(key);
    return r.asked_at >= since ? { msgId: r.msg_id, text: r.text, askedAt: r.asked_at } : undefined;
  }

  /** Closes the sender's open question (another command came in between). */
  cancel(key: IntakeKey): void {
    this.s.drop.run(key);
  }

  /** Forgets questions asked before `before` that nobody answered. */
  prune(before: number): void {
    this.s.prune.run(before);
  }
}
