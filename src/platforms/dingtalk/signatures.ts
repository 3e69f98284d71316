import type { Accepted, OneUseSignature } from '../../chat/receiver.js';

/** More signatures than an hour of real callbacks to one robot; past it the oldest are dropped. */
const MAX_REMEMBERED = 200_000;

/**
 * The used DingTalk signatures of an app without an inbox (an in-memory database: tests, the
 * playground), in a bounded map. The inbox keeps the same record in its SQLite file, in the
 * transaction that stores the message (src/inbox/inbox.ts); this is the same rule in memory.
 */
export class SignatureMemory {
  private readonly used = new Map<number, { msgId: string; forgetAtMs: number }>();

  /**
   * Spends `signature` for its message: `stored` the first time, `repeat` when it came with this
   * message before, `reused` when it came with another. Call `release` if the message then
   * cannot be stored, so that the platform's retry is not refused.
   */
  spend(signature: OneUseSignature, nowMs: number): Accepted {
    this.forgetBefore(nowMs);
    const seen = this.used.get(signature.signedAtMs);
    if (seen) return seen.msgId === signature.msgId ? 'repeat' : 'reused';
    this.used.set(signature.signedAtMs, { msgId: signature.msgId, forgetAtMs: signature.signedAtMs + signature.keepMs });
    if (this.used.size > MAX_REMEMBERED) this.used.delete(this.used.keys().next().value!);
    return 'stored';
  }

  release(signature: OneUseSignature): void {
    if (this.used.get(signature.signedAtMs)?.msgId === signature.msgId) this.used.delete(signature.signedAtMs);
  }

  get size(): number {
    return this.used.size;
  }

  /** Signatures arrive roughly in timestamp order, so the expired ones are at the front. */
  private forgetBefore(ms: number): void {
    for (const [signedAt, entry] of this.used) {
      if (entry.forgetAtMs >= ms) break;
      this.used.delete(signedAt);
    }
  }
}
