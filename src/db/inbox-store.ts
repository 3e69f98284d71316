import type { Accepted, OneUseSignature } from '../chat/receiver.js';
import { INBOX_MIGRATIONS_DIR } from '../paths.js';
import { connect, loadMigrations, migrate, type Db } from './open.js';

/** Page cache per inbox connection, in KiB: the inbox is written at its end and read just behind it. */
const INBOX_CACHE_KIB = 1000;

/**
 * Opens (creating if needed) an inbox file and brings its schema up to date with the inbox's own
 * numbered migrations (src/db/inbox-migrations/), as openDb does for the database. The server's
 * thread writes it; the processor opens the same file to read it. `:memory:` works for tests and
 * an in-memory server, where one connection does both.
 */
export function openInbox(path: string): Db {
  const db = connect(path, INBOX_CACHE_KIB);
  migrate(db, loadMigrations(INBOX_MIGRATIONS_DIR), 'inbox');
  return db;
}

/** A message to store: undefined for a callback answered without being handled, which only spends its signature. */
export interface InboxEntry {
  message: string | undefined;
  signature: OneUseSignature | undefined;
}

/** The statements of one inbox connection: the queue and the spent signatures. */
export class InboxStore {
  private readonly s;
  private readonly insertAll;

  constructor(readonly db: Db) {
    this.s = {
      insert: db.prepare<[number, string]>('INSERT INTO inbox (received_at, message) VALUES (?, ?)'),
      prune: db.prepare<[number]>('DELETE FROM inbox WHERE id <= ?'),
      countAfter: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM inbox WHERE id > ?'),
      signedFor: db.prepare<[number], { msg_id: string }>('SELECT msg_id FROM signatures WHERE signed_at = ?'),
      sign: db.prepare<[number, string]>('INSERT INTO signatures (signed_at, msg_id) VALUES (?, ?)'),
      forgetSignatures: db.prepare<[number]>('DELETE FROM signatures WHERE signed_at < ?'),
      // length() is counted by SQLite, without the text ever reaching the reader's heap.
      next: db.prepare<[number, number], { id: number; size: number }>('SELECT id, length(message) AS size FROM inbox WHERE id > ? ORDER BY id LIMIT ?'),
      read: db.prepare<[number, number], { id: number; message: string }>('SELECT id, message FROM inbox WHERE id BETWEEN ? AND ? ORDER BY id'),
    };
    // A signature is checked and recorded in the transaction that stores its message, so the two
    // cannot disagree: a crash loses both or neither.
    this.insertAll = db.transaction((batch: readonly InboxEntry[], now: number): Accepted[] => {
      const keepMs = batch.find((b) => b.signature)?.signature?.keepMs;
      if (keepMs !== undefined) this.s.forgetSignatures.run(now - keepMs);
      return batch.map(({ message, signature }): Accepted => {
        if (signature) {
          const seen = this.s.signedFor.get(signature.signedAtMs);
          if (seen) return seen.msg_id === signature.msgId ? 'repeat' : 'reused';
          this.s.sign.run(signature.signedAtMs, signature.msgId);
        }
        if (message !== undefined) this.s.insert.run(now, message);
        return 'stored';
      });
    });
  }

  /**
   * Stores messages (serialised) in one transaction, each only if its signature has not come with
   * another message (see OneUseSignature); says for each how it was taken.
   */
  storeAll(batch: readonly InboxEntry[], now: number): Accepted[] {
    return this.insertAll(batch, now);
  }

  /** Forgets the messages handled, up to and including `id`. */
  prune(id: number): void {
    this.s.prune.run(id);
  }

  /** Messages stored after `id`. */
  countAfter(id: number): number {
    return this.s.countAfter.get(id)!.n;
  }

  /** Up to `limit` messages after `id`: their ids and stored sizes (characters), in order. */
  next(id: number, limit: number): { id: number; size: number }[] {
    return this.s.next.all(id, limit);
  }

  /** The stored text of the messages with ids from `from` to `to`, in order. */
  read(from: number, to: number): { id: number; message: string }[] {
    return this.s.read.all(from, to);
  }

  /**
   * Leaves copying the WAL back into the file to the reader (the processor) until the WAL has
   * `pages` pages: for the writer, the server's thread, which must not wait for it.
   */
  checkpointOnlyPast(pages: number): void {
    this.db.pragma(`wal_autocheckpoint = ${pages}`);
  }

  /** Copies the WAL back into the file without waiting for the writer (PASSIVE). */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  close(): void {
    this.db.close();
  }
}

/** The processor's note of the batch it is working on (src/inbox/handler.ts). */
export interface BatchMark {
  from: number;
  to: number;
  tries: number;
  /** ids up to this one are handled one at a time: a batch spanning them did not finish */
  suspectTo: number;
}

/** A message set aside, as stored. */
export interface SetAsideRecord {
  /** the message's inbox id */
  id: number;
  receivedAt: number;
  /** the stored text */
  raw: string;
  tries: number;
  reason: string;
  setAsideAt: number;
}

interface SetAsideRow {
  id: number;
  received_at: number;
  message: string;
  tries: number;
  reason: string;
  set_aside_at: number;
}

const toRecord = (r: SetAsideRow): SetAsideRecord => ({
  id: r.id,
  receivedAt: r.received_at,
  raw: r.message,
  tries: r.tries,
  reason: r.reason,
  setAsideAt: r.set_aside_at,
});

/**
 * Messages that could not be handled, and the processor's note of the batch it is working on,
 * in the inbox file beside the messages they are about (migration 001 says what each table is for).
 */
export class SetAsideRepo {
  private readonly s;
  private readonly move;
  private readonly requeue;

  constructor(db: Db) {
    this.s = {
      mark: db.prepare<[], { batch_from: number; batch_to: number; tries: number; suspect_to: number }>(
        'SELECT batch_from, batch_to, tries, suspect_to FROM processing WHERE one = 1',
      ),
      // Ids only grow, so a batch starting before the noted one replays messages handled already
      // (a process that died before pruning them): the note is left as it is.
      begin: db.prepare<[{ from: number; to: number; suspectTo: number; count: number }]>(
        `INSERT INTO processing (one, batch_from, batch_to, tries, suspect_to) VALUES (1, @from, @to, 1, @suspectTo)
         ON CONFLICT (one) DO UPDATE SET
           tries = CASE WHEN excluded.batch_from = batch_from THEN tries + @count
                        WHEN excluded.batch_from > batch_from THEN 1 ELSE tries END,
           batch_to = CASE WHEN excluded.batch_from >= batch_from THEN excluded.batch_to ELSE batch_to END,
           batch_from = max(batch_from, excluded.batch_from),
           suspect_to = max(suspect_to, excluded.suspect_to)`,
      ),
      copy: db.prepare<[{ id: number; tries: number; reason: string; at: number }]>(
        `INSERT OR REPLACE INTO set_aside (id, received_at, message, tries, reason, set_aside_at)
         SELECT id, received_at, message, @tries, @reason, @at FROM inbox WHERE id = @id`,
      ),
      remove: db.prepare<[number]>('DELETE FROM inbox WHERE id = ?'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM set_aside'),
      list: db.prepare<[number], SetAsideRow>('SELECT * FROM set_aside ORDER BY id LIMIT ?'),
      get: db.prepare<[number], SetAsideRow>('SELECT * FROM set_aside WHERE id = ?'),
      requeue: db.prepare<[{ id: number; now: number }]>('INSERT INTO inbox (received_at, message) SELECT @now, message FROM set_aside WHERE id = @id'),
      drop: db.prepare<[number]>('DELETE FROM set_aside WHERE id = ?'),
    };
    this.move = db.transaction((id: number, tries: number, reason: string, at: number): boolean => {
      if (this.s.copy.run({ id, tries, reason, at }).changes === 0) return false;
      this.s.remove.run(id);
      return true;
    });
    this.requeue = db.transaction((id: number, now: number): boolean => {
      if (this.s.requeue.run({ id, now }).changes === 0) return false;
      this.s.drop.run(id);
      return true;
    });
  }

  mark(): BatchMark | undefined {
    const r = this.s.mark.get();
    return r && { from: r.batch_from, to: r.batch_to, tries: r.tries, suspectTo: r.suspect_to };
  }

  /**
   * Notes (committed at once) that a batch of ids `from`–`to` is about to be handled; returns how
   * many times a batch starting at `from` has now been started. `again`: the same start retried
   * by the same thread after an ordinary failure, which is not counted (only starts that did not
   * come back are). `suspectTo` widens the range handled one message at a time.
   */
  begin(from: number, to: number, suspectTo = 0, again = false): number {
    this.s.begin.run({ from, to, suspectTo, count: again ? 0 : 1 });
    const mark = this.mark()!;
    return mark.from === from ? mark.tries : 1;
  }

  /** Moves a message out of the queue; false when it is not in the inbox (any more). */
  setAside(id: number, tries: number, reason: string, at: number): boolean {
    return this.move(id, tries, reason, at);
  }

  count(): number {
    return this.s.count.get()!.n;
  }

  list(limit = 100): SetAsideRecord[] {
    return this.s.list.all(limit).map(toRecord);
  }

  get(id: number): SetAsideRecord | undefined {
    const r = this.s.get.get(id);
    return r && toRecord(r);
  }

  /**
   * Puts a message back at the end of the queue (`lianbao inbox retry`): a running server handles
   * it within seconds. Returns false when there is no such message.
   */
  retry(id: number, now: number): boolean {
    return this.requeue(id, now);
  }

  /** Forgets a message for good (`lianbao inbox drop`). */
  drop(id: number): boolean {
    return this.s.drop.run(id).changes === 1;
  }
}
