import type { Db } from './open.js';

/** Who was asked where: one open question per sender and chat. */
export interface ReasonKey {
  platform: string;
  /** the chat id, or 'single' for a one-to-one chat */
  chatKey: string;
  senderId: string;
}

/** A click on a button that needs a reason ([不满意], [驳回]): the command the reason completes. */
export interface ReasonQuestion {
  command: string;
  cardId: string | null;
  askedAt: number;
}

/**
 * The open questions for a reason (SPEC §7a): `请回复不满意的原因` was asked, and the clicker's next
 * message in that chat within 10 minutes completes the command. Kept like the 是否登记 questions
 * (intake-repo.ts), so a restart in between loses nothing.
 */
export class ReasonsRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      ask: db.prepare<[ReasonKey & { command: string; cardId: string | null; askedAt: number }]>(
        `INSERT INTO reason_questions (platform, chat_key, sender_id, command, card_id, asked_at)
         VALUES (@platform, @chatKey, @senderId, @command, @cardId, @askedAt)
         ON CONFLICT (platform, chat_key, sender_id) DO UPDATE SET command = excluded.command, card_id = excluded.card_id, asked_at = excluded.asked_at`,
      ),
      get: db.prepare<[ReasonKey], { command: string; card_id: string | null; asked_at: number }>(
        'SELECT command, card_id, asked_at FROM reason_questions WHERE platform = @platform AND chat_key = @chatKey AND sender_id = @senderId',
      ),
      drop: db.prepare<[ReasonKey]>('DELETE FROM reason_questions WHERE platform = @platform AND chat_key = @chatKey AND sender_id = @senderId'),
      prune: db.prepare<[number]>('DELETE FROM reason_questions WHERE asked_at < ?'),
    };
  }

  /** Asks for a reason, replacing the sender's open question in that chat. */
  ask(key: ReasonKey, q: ReasonQuestion): void {
    this.s.ask.run({ ...key, ...q });
  }

  /** The open question, if asked at or after `since`; it is closed either way. */
  take(key: ReasonKey, since: number): ReasonQuestion | undefined {
    const r = this.s.get.get(key);
    if (!r) return undefined;
    this.s.drop.run(key);
    return r.asked_at >= since ? { command: r.command, cardId: r.card_id, askedAt: r.asked_at } : undefined;
  }

  /** Whether the sender has a question open in the chat, asked at or after `since`. */
  pending(key: ReasonKey, since: number): boolean {
    const r = this.s.get.get(key);
    return r !== undefined && r.asked_at >= since;
  }

  /** Closes the sender's open question (another command came in between). */
  cancel(key: ReasonKey): void {
    this.s.drop.run(key);
  }

  /** Forgets questions asked before `before` that nobody answered. */
  prune(before: number): void {
    this.s.prune.run(before);
  }
}
