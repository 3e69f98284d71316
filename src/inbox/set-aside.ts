import type Database from 'better-sqlite3';
import type { IncomingMessage } from '../chat/types.js';

/**
 * Messages that could not be handled, and the processor's note of the batch it is working on.
 * Both live in the inbox file (see ./inbox.ts), beside the messages they are about.
 *
 * - `processing`: one row, written (and committed) before each batch is handled: which inbox ids
 *   the batch spans and how many times a batch starting at that id has been started. If the thread
 *   (or the whole process) dies while handling it, the next start finds the batch unfinished and
 *   goes through it one message at a time; a message whose handling has been started
 *   `MAX_TRIES` times without finishing is set aside.
 * - `set_aside`: those messages, out of the queue, for `lianbao inbox` to show, retry or drop.
 */
export const SET_ASIDE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS processing (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    batch_from INTEGER NOT NULL,
    batch_to INTEGER NOT NULL,
    tries INTEGER NOT NULL,
    suspect_to INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS set_aside (
    id INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    message TEXT NOT NULL,
    tries INTEGER NOT NULL,
    reason TEXT NOT NULL,
    set_aside_at INTEGER NOT NULL
  ) STRICT;
`;

/** Times a message's handling is started before it is set aside. */
export const MAX_TRIES = 3;

/** The processor's note of the batch it is working on. */
export interface BatchMark {
  from: number;
  to: number;
  tries: number;
  /** ids up to this one are handled one at a time: a batch spanning them did not finish */
  suspectTo: number;
}

export interface SetAsideRow {
  /** the message's inbox id */
  id: number;
  receivedAt: number;
  /** the stored message; undefined when the stored text is not a message at all */
  message: IncomingMessage | undefined;
  raw: string;
  tries: number;
  reason: string;
  setAsideAt: number;
}

function parseMessage(raw: string): IncomingMessage | undefined {
  try {
    const m: unknown = JSON.parse(raw);
    return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as IncomingMessage) : undefined;
  } catch {
    return undefined;
  }
}

/** Statements on the set-aside tables of one inbox connection. */
export class SetAside {
  private readonly s;
  private readonly move;
  private readonly requeue;

  constructor(db: Database.Database) {
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
      list: db.prepare<[number], { id: number; received_at: number; message: string; tries: number; reason: string; set_aside_at: number }>(
        'SELECT * FROM set_aside ORDER BY id LIMIT ?',
      ),
      get: db.prepare<[number], { id: number; received_at: number; message: string; tries: number; reason: string; set_aside_at: number }>(
        'SELECT * FROM set_aside WHERE id = ?',
      ),
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

  list(limit = 100): SetAsideRow[] {
    return this.s.list.all(limit).map(toRow);
  }

  get(id: number): SetAsideRow | undefined {
    const r = this.s.get.get(id);
    return r && toRow(r);
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

function toRow(r: { id: number; received_at: number; message: string; tries: number; reason: string; set_aside_at: number }): SetAsideRow {
  return {
    id: r.id,
    receivedAt: r.received_at,
    message: parseMessage(r.message),
    raw: r.message,
    tries: r.tries,
    reason: r.reason,
    setAsideAt: r.set_aside_at,
  };
}
