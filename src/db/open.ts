import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { MIGRATIONS_DIR } from '../paths.js';

export type Db = Database.Database;

export class DatabaseTooNewError extends Error {
  override name = 'DatabaseTooNewError';
}

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Numbered forward-only migrations, `NNN-name.sql`, in order. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}-[\w-]+\.sql$/.test(f))
    .sort()
    .map((f, i) => {
      const version = Number(f.slice(0, 3));
      if (version !== i + 1) throw new Error(`migration ${f} is out of sequence: expected ${String(i + 1).padStart(3, '0')}`);
      return { version, name: f, sql: readFileSync(`${dir}/${f}`, 'utf8') };
    });
}

/**
 * Applies the migrations the database has not seen, each in its own transaction, tracking
 * progress in `PRAGMA user_version`. A database newer than this code is refused rather than
 * guessed at. Foreign keys are off while they run, as SQLite's manual asks for a migration that
 * rebuilds a table (https://www.sqlite.org/lang_altertable.html#otheralter), and each migration
 * must leave none broken (`PRAGMA foreign_key_check`) before it commits.
 */
export function migrate(db: Db, migrations = loadMigrations(), what = 'database'): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (current > latest) {
    throw new DatabaseTooNewError(`${what} schema version ${current} is newer than this version of lianbao understands (${latest}); upgrade lianbao`);
  }
  const pending = migrations.slice(current);
  if (pending.length === 0) return;
  // Outside a transaction, where the pragma takes effect.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    for (const m of pending) {
      db.transaction(() => {
        db.exec(m.sql);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`migration ${m.name} leaves ${broken.length} broken foreign key reference(s)`);
        db.pragma(`user_version = ${m.version}`);
      })();
    }
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
}

/** How long a write waits for another connection's write lock before failing (SQLITE_BUSY). */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Runs `write` (a transaction) without waiting for the write lock: false, with nothing written, when
 * another connection holds it. For the server's thread, which must not sleep in SQLite's busy
 * handler while the processor thread commits a batch: every callback would wait with it.
 */
export function writeIfFree(db: Db, write: () => void): boolean {
  db.pragma('busy_timeout = 0');
  try {
    write();
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw err;
  } finally {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

/**
 * Writes `write` (a transaction) as soon as the write lock is free, without ever sleeping in
 * SQLite's busy handler: the lock is tried, and while another connection holds it, tried again
 * `retryMs` later on a timer, so the thread goes on serving meanwhile. Resolves true once
 * written, false if the lock stayed taken for `maxWaitMs`; rejects on any other failure (a
 * read-only file, a full disk).
 */
export async function writeSoon(db: Db, write: () => void, maxWaitMs: number, retryMs = 10): Promise<boolean> {
  const until = performance.now() + maxWaitMs;
  for (;;) {
    if (writeIfFree(db, write)) return true;
    if (performance.now() >= until) return false;
    await new Promise((r) => setTimeout(r, retryMs));
  }
}

/**
 * The transactions of one connection, for code outside src/db/ that puts several repository calls
 * into one unit of work without holding the connection itself (jobs, the dashboard, /readyz).
 */
export interface Transactions {
  /** Runs `fn` in one transaction, waiting for the write lock as any write does. */
  run<T>(fn: () => T): T;
  /** Runs `fn` in one transaction if the write lock is free now: false, with nothing written, if not (see `writeIfFree`). */
  ifFree(fn: () => void): boolean;
  /** Runs `fn` in one transaction as soon as the write lock is free, waiting at most `maxWaitMs` (see `writeSoon`). */
  soon(fn: () => void, maxWaitMs: number): Promise<boolean>;
}

export function transactions(db: Db): Transactions {
  return {
    run: (fn) => db.transaction(fn)(),
    ifFree: (fn) => writeIfFree(db, db.transaction(fn)),
    soon: (fn, maxWaitMs) => writeSoon(db, db.transaction(fn), maxWaitMs),
  };
}

/**
 * Leaves copying the WAL back into the database file (a checkpoint, with its fsync) to other
 * connections until the WAL has `pages` pages: for the server's thread, which answers callbacks
 * while the processor thread writes most.
 */
export function checkpointOnlyPast(db: Db, pages: number): void {
  db.pragma(`wal_autocheckpoint = ${pages}`);
}

/**
 * Free space (bytes) for the database's files: below `MIN_FREE_BYTES` a write may fail half-way
 * through a command, so /readyz says so before it does.
 */
export const MIN_FREE_BYTES = 64 * 1024 * 1024;

/** Why the database's folder cannot take writes for long, or undefined: under `minBytes` free. */
export async function freeSpaceProblem(databasePath: string, minBytes = MIN_FREE_BYTES): Promise<string | undefined> {
  const fs = await statfs(dirname(resolve(databasePath)));
  const free = fs.bavail * fs.bsize;
  if (free >= minBytes) return undefined;
  return `disk nearly full: ${Math.floor(free / 1024 / 1024)} MB free beside the database (${Math.ceil(minBytes / 1024 / 1024)} MB needed)`;
}

/** Page cache per connection to the main database, in KiB. */
const MAIN_CACHE_KIB = 4000;

/**
 * A connection as lianbao opens each of its files (creating it and its folder if needed): WAL, a
 * busy timeout, commits synced at checkpoints only, and `cacheKib` of page cache. SQLite as built
 * here keeps up to 16 MB of pages per connection, and the server holds several; the hot pages
 * (index tops, the newest rows) fit in far less.
 */
export function connect(path: string, cacheKib: number): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('synchronous = NORMAL');
  db.pragma(`cache_size = -${cacheKib}`);
  return db;
}

/** Opens (creating if needed) and migrates the database. `:memory:` works for tests. */
export function openDb(path: string): Db {
  const db = connect(path, MAIN_CACHE_KIB);
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}
