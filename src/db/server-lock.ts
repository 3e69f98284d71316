import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { OperatorError } from '../operator-errors.js';

/** The server's lock file beside the database: `lianbao.db` → `lianbao.lock`. */
export function serverLockPathFor(databasePath: string): string {
  return databasePath.endsWith('.db') ? `${databasePath.slice(0, -3)}.lock` : `${databasePath}.lock`;
}

/** The lock a running server holds on its database; `release` lets the next server start. */
export interface ServerLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes the lock only one server on a database can hold: two would both handle the one inbox and
 * send from the one outbox. The lock is SQLite's own, on a small file beside the database, taken
 * with `PRAGMA locking_mode = EXCLUSIVE` and one write, after which the connection never lets go of
 * its exclusive lock until it is closed (https://www.sqlite.org/pragma.html#pragma_locking_mode).
 * It is an fcntl lock of the operating system, so it ends with the process however the process
 * ends: a server that crashed or was killed leaves nothing that stops the next start. The database
 * itself stays in WAL mode and open to the command line (backup, export, import …) meanwhile.
 */
export function takeServerLock(databasePath: string): ServerLock {
  const path = serverLockPathFor(databasePath);
  mkdirSync(dirname(path), { recursive: true });
  // No busy timeout: a lock held by another server is not going to be let go of in a moment.
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS server (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, started_at INTEGER NOT NULL)');
    db.prepare('REPLACE INTO server (id, pid, started_at) VALUES (1, ?, ?)').run(process.pid, Date.now());
  } catch (err) {
    db.close();
    if (String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY')) {
      throw new OperatorError(
        `另一个 lianbao 服务正在使用 ${databasePath}（它持有 ${path}）：同一个数据库只能由一个服务器使用。` +
          '请先停掉正在运行的那个（systemctl stop lianbao，或 docker compose stop），或把 DATABASE_PATH 设为另一个数据库',
      );
    }
    throw err;
  }
  return { path, release: () => db.close() };
}
