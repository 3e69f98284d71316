import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BUSY_TIMEOUT_MS } from '../db/open.js';
import { boundMessage, type Accepted, type OneUseSignature } from '../chat/receiver.js';
import type { IncomingMessage } from '../chat/types.js';
import { SET_ASIDE_SCHEMA, SetAside } from './set-aside.js';

/** Where the inbox of a database lives: beside it, `lianbao.db` → `lianbao.inbox.db`. */
export function inboxPathFor(databasePath: string): string {
  return databasePath.endsWith('.db') ? `${databasePath.slice(0, -3)}.inbox.db` : `${databasePath}.inbox`;
}

/** Messages stored in one transaction at most; the rest wait for the next turn of the event loop. */
const MAX_BATCH = 256;
/** WAL pages after which the writer checkpoints by itself (about 40 MB). */
const WRITER_CHECKPOINT_PAGES = 10_000;
/** Batches the processor handles between two checkpoints of the inbox. */
const CHECKPOINT_EVERY = 16;

interface Entry {
  /** undefined: a callback answered without being handled, which only spends its signature */
  message: IncomingMessage | undefined;
  signature: OneUseSignature | undefined;
}

export interface InboxRow {
  id: number;
  /** undefined when the stored text is not a message (a damaged row): it is set aside unread */
  message: IncomingMessage | undefined;
}

/**
 * Verified platform messages waiting to be processed, in a SQLite file of their own. A callback is
 * answered once its message is committed here (a crash after that loses nothing: the processor
 * takes it up after restart); the processor thread reads the file and handles the messages in
 * order, in the main database. Only this class writes the file, so taking a callback never waits
 * for the processor's transactions. A message processed twice (after a crash, or a platform's
 * retry) is recognised by its id in the main database and has no second effect.
 */
export class Inbox {
  private readonly db: Database.Database;
  private readonly s;
  private readonly pending: (Entry & { resolve: (taken: Accepted) => void; reject: (err: unknown) => void })[] = [];
  private readonly insertAll;

  /** `onStored` is called after each commit, so the processor can be woken. */
  constructor(
    readonly path: string,
    private readonly onStored: () => void = () => {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = openInbox(path);
    // Copying the WAL back into the file (a checkpoint, with its fsync) is left to the processor
    // thread, so that answering callbacks never waits for it; this connection does it only when
    // the WAL has grown far (the processor not running).
    this.db.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
    this.s = {
      insert: this.db.prepare('INSERT INTO inbox (received_at, message) VALUES (?, ?)'),
      prune: this.db.prepare('DELETE FROM inbox WHERE id <= ?'),
      countAfter: this.db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM inbox WHERE id > ?'),
      signedFor: this.db.prepare<[number], { msg_id: string }>('SELECT msg_id FROM signatures WHERE signed_at = ?'),
      sign: this.db.prepare('INSERT INTO signatures (signed_at, msg_id) VALUES (?, ?)'),
      forgetSignatures: this.db.prepare('DELETE FROM signatures WHERE signed_at < ?'),
    };
    // A signature is checked and recorded in the transaction that stores its message, so the two
    // cannot disagree: a crash loses both or neither.
    this.insertAll = this.db.transaction((batch: readonly Entry[]): Accepted[] => {
      const now = Date.now();
      const keepMs = batch.find((b) => b.signature)?.signature?.keepMs;
      if (keepMs !== undefined) this.s.forgetSignatures.run(now - keepMs);
      return batch.map(({ message, signature }): Accepted => {
        if (signature) {
          const seen = this.s.signedFor.get(signature.signedAtMs);
          if (seen) return seen.msg_id === signature.msgId ? 'repeat' : 'reused';
          this.s.sign.run(signature.signedAtMs, signature.msgId);
        }
        if (message) this.s.insert.run(now, JSON.stringify(message));
        return 'stored';
      });
    });
  }

  /**
   * Stores a verified message (with `signature`, only if that signature has not come with another
   * message: see OneUseSignature); resolves once it is committed, which is when the platform may be
   * answered. The messages accepted within one turn of the event loop share a commit.
   */
  accept(message: IncomingMessage | undefined, signature?: OneUseSignature): Promise<Accepted> {
    return new Promise((resolve, reject) => {
      this.pending.push({ message, signature, resolve, reject });
      if (this.pending.length === 1) setImmediate(this.flush);
    });
  }

  private readonly flush = (): void => {
    const batch = this.pending.splice(0, MAX_BATCH);
    if (this.pending.length > 0) setImmediate(this.flush);
    let taken: Accepted[];
    try {
      taken = this.insertAll(batch);
    } catch (err) {
      for (const b of batch) b.reject(err);
      return;
    }
    batch.forEach((b, i) => b.resolve(taken[i]!));
    this.onStored();
  };

  /** Forgets the messages the processor has handled, up to and including `id`. */
  prune(id: number): void {
    this.s.prune.run(id);
  }

  /** Messages stored after `id`. */
  countAfter(id: number): number {
    return this.s.countAfter.get(id)!.n;
  }

  /** Messages set aside because they could not be handled (`lianbao inbox`). */
  setAsideCount(): number {
    return (this.setAside ??= new SetAside(this.db)).count();
  }

  private setAside: SetAside | undefined;

  close(): void {
    this.db.close();
  }
}

/** Page cache per inbox connection, in KiB. */
const INBOX_CACHE_KIB = 1000;

/** Opens (creating if needed) an inbox file; the processor opens the same file to read it. */
export function openInbox(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // The inbox is written at its end and read just behind it: 1 MB of page cache is plenty.
  db.pragma(`cache_size = -${INBOX_CACHE_KIB}`);
  // AUTOINCREMENT: ids must never be used again once handled messages are pruned, since the
  // processor takes the messages after the last id it handled.
  db.exec(
    'CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, message TEXT NOT NULL) STRICT',
  );
  // DingTalk signatures already spent, by signed timestamp, each with the message id it came with
  // (OneUseSignature), kept until the platform would refuse them anyway. The timestamps grow, so
  // a new one goes at the end of the table and the old ones are pruned from its start.
  db.exec('CREATE TABLE IF NOT EXISTS signatures (signed_at INTEGER PRIMARY KEY, msg_id TEXT NOT NULL) STRICT');
  db.exec(SET_ASIDE_SCHEMA);
  return db;
}

/** The processor's view of an inbox file: the messages after the last one it handled, in order. */
export class InboxReader {
  private readonly db: Database.Database;
  private readonly s;
  /** The batch note and the messages set aside (./set-aside.ts). */
  readonly setAside: SetAside;

  constructor(path: string) {
    this.db = openInbox(path);
    this.s = {
      // length() is counted by SQLite, without the text ever reaching this thread's heap.
      next: this.db.prepare<[number, number], { id: number; size: number }>(
        'SELECT id, length(message) AS size FROM inbox WHERE id > ? ORDER BY id LIMIT ?',
      ),
      read: this.db.prepare<[number, number], { id: number; message: string }>('SELECT id, message FROM inbox WHERE id BETWEEN ? AND ? ORDER BY id'),
    };
    this.setAside = new SetAside(this.db);
  }

  /**
   * The next messages after `id`, by id and stored size (characters): at most `limit`, and no more
   * than `maxChars` in all (but always the first), so that a batch's messages fit in memory.
   */
  idsAfter(id: number, limit: number, maxChars = Infinity): { id: number; size: number }[] {
    const next: { id: number; size: number }[] = [];
    let chars = 0;
    for (const r of this.s.next.all(id, limit)) {
      if (next.length > 0 && chars + r.size > maxChars) break;
      next.push(r);
      chars += r.size;
    }
    return next;
  }

  /**
   * The messages with ids from `from` to `to`, in order. Each is bounded as it would be at the
   * door (`boundMessage`), whichever version of the server stored it.
   */
  read(from: number, to: number): InboxRow[] {
    return this.s.read.all(from, to).map((r) => ({ id: r.id, message: readMessage(r.message) }));
  }

  /** Up to `limit` messages stored after `id`, in order. */
  after(id: number, limit: number): InboxRow[] {
    const next = this.idsAfter(id, limit);
    return next.length === 0 ? [] : this.read(next[0]!.id, next[next.length - 1]!.id);
  }

  /**
   * Copies the inbox's WAL back into its file every few batches, without waiting for the writer
   * (PASSIVE), so that the server's thread never has to.
   */
  checkpoint(): void {
    this.batches += 1;
    if (this.batches % CHECKPOINT_EVERY === 0) this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  private batches = 0;

  close(): void {
    this.db.close();
  }
}

function readMessage(raw: string): IncomingMessage | undefined {
  try {
    const m: unknown = JSON.parse(raw);
    if (typeof m !== 'object' || m === null || typeof (m as IncomingMessage).text !== 'string') return undefined;
    return boundMessage(m as IncomingMessage);
  } catch {
    return undefined;
  }
}
