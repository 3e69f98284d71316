import type { Logger } from 'pino';
import type { IncomingMessage } from '../chat/types.js';
import type { InboxReader } from './inbox.js';
import { MAX_TRIES } from './set-aside.js';

/** Messages handled in one transaction: small, so that the server's own writes rarely wait. */
const BATCH = 16;
/** Stored text read for one batch at most (a message is at most a few thousand characters). */
const BATCH_CHARS = 256 * 1024;
/**
 * The longest stored message that is read at all. Reading and parsing a row takes several times
 * its size, and V8 ends the whole process, not just the thread, when one allocation cannot fit in
 * the thread's heap: a row left by an earlier version (which kept texts of any length) that large
 * is set aside unread. Far above what the door lets in now (a few thousand characters).
 */
export const MAX_ROW_CHARS = 2_000_000;

export interface InboxHandlerDeps {
  reader: InboxReader;
  /**
   * Handles messages in order in one transaction (the dispatcher); returns how many it handled (it
   * may stop early to keep the transaction short). Throws when the transaction failed: none of them
   * was stored. Given one message, it handles that one or throws.
   */
  dispatch(messages: readonly IncomingMessage[]): number;
  /** Whether the main database takes a write: if not, a failing message is not to blame. */
  databaseWritable(): boolean;
  log: Logger;
  now(): number;
}

/** What one step did: nothing to do, messages handled up to an inbox id, one set aside, or a failure to wait out. */
export type Step = { kind: 'idle' } | { kind: 'handled'; upTo: number } | { kind: 'set-aside'; id: number } | { kind: 'failed' };

/**
 * Works off the inbox one batch at a time, in order. Before a batch is read, a note of it is
 * committed to the inbox file (SetAsideRepo.begin): if the thread, or the whole process, dies while
 * handling it, the next start finds the batch unfinished and goes through it one message at a
 * time, and a message started MAX_TRIES times without finishing is set aside. So is one that keeps
 * throwing while the database takes writes, and a stored row too large to read. Everything behind
 * it goes on (SPEC §9).
 */
export class InboxHandler {
  /** Messages that threw while the database took writes, by inbox id: how many times. */
  private readonly failures = new Map<number, number>();
  /**
   * Ids up to this one were in a batch that a previous start never finished (read once, at this
   * start's first step): they are handled one at a time.
   */
  private suspectTo: number | undefined;
  /** The first id of the batch this handler began last. */
  private begun: number | undefined;

  /** `last`: the last inbox id known to be handled; the handler starts after it. */
  constructor(
    private readonly d: InboxHandlerDeps,
    private last: number,
  ) {}

  /** The last inbox id handled. */
  get upTo(): number {
    return this.last;
  }

  step(): Step {
    const { reader } = this.d;
    const marks = reader.setAside;
    // Ids and sizes first, text later: the note of what is being handled is committed before any
    // message is read, since reading one may be what fails.
    const next = reader.idsAfter(this.last, BATCH, BATCH_CHARS);
    if (next.length === 0) return { kind: 'idle' };
    const first = next[0]!;
    if (first.size > MAX_ROW_CHARS) {
      return this.setAside(first.id, undefined, 0, `the stored message is too large to read (${first.size} characters)`);
    }
    if (this.suspectTo === undefined) {
      const mark = marks.mark();
      this.suspectTo = mark ? Math.max(mark.suspectTo, first.id <= mark.to ? mark.to : 0) : 0;
    }
    const careful = first.id <= this.suspectTo;
    // A batch stops short of a row too large to read; that row is dealt with when it comes first.
    const large = next.findIndex((r) => r.size > MAX_ROW_CHARS);
    const batch = careful ? [first] : large < 0 ? next : next.slice(0, large);
    const from = first.id;
    const to = batch[batch.length - 1]!.id;
    const tries = marks.begin(from, to, this.suspectTo, this.begun === from);
    this.begun = from;
    if (careful && tries > MAX_TRIES) {
      return this.setAside(from, undefined, tries - 1, `handling it stopped the message processor ${tries - 1} times (out of memory or a crash)`);
    }
    const rows = reader.read(from, to);
    // Taken out of the queue meanwhile (`lianbao inbox`): look again.
    if (rows.length === 0) return { kind: 'handled', upTo: this.last };
    const unreadable = rows.findIndex((r) => !r.message);
    if (unreadable === 0) return this.setAside(rows[0]!.id, undefined, 0, 'the stored message cannot be read');
    const readable = unreadable < 0 ? rows : rows.slice(0, unreadable);
    let done: number;
    try {
      done = this.d.dispatch(readable.map((r) => r.message!));
    } catch {
      done = 0;
      // A batch of one that failed because the database takes no writes has been logged by the
      // dispatcher with its error; trying it again alone would only log the same line again.
      if (readable.length === 1 && !this.d.databaseWritable()) return { kind: 'failed' };
      for (const r of readable) {
        try {
          this.d.dispatch([r.message!]);
          done += 1;
        } catch (err) {
          // Logged by the dispatcher. A database that takes no writes is no fault of the message: it
          // waits, first in line. Otherwise the message is to blame, and is set aside after a few tries.
          if (!this.d.databaseWritable()) break;
          const n = (this.failures.get(r.id) ?? 0) + 1;
          this.failures.set(r.id, n);
          if (n >= MAX_TRIES) {
            this.advance(readable, done);
            return this.setAside(r.id, r.message, n, `handling it failed ${n} times: ${err instanceof Error ? err.message : String(err)}`);
          }
          break;
        }
      }
    }
    if (done === 0) return { kind: 'failed' };
    this.advance(readable, done);
    return { kind: 'handled', upTo: this.last };
  }

  private advance(rows: readonly { id: number }[], done: number): void {
    if (done === 0) return;
    this.last = rows[done - 1]!.id;
    for (const r of rows.slice(0, done)) this.failures.delete(r.id);
  }

  private setAside(id: number, m: IncomingMessage | undefined, tries: number, reason: string): Step {
    this.d.reader.setAside.setAside(id, tries, reason, this.d.now());
    this.failures.delete(id);
    this.d.log.error(
      { inboxId: id, platform: m?.platform, chatId: m?.chatId, msgId: m?.msgId, tries, reason },
      'message set aside: it could not be handled, and the messages behind it go on (see `lianbao inbox`)',
    );
    return { kind: 'set-aside', id };
  }
}
