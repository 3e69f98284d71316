/**
 * Problems an operator makes and can mend (a path that is not there, a folder owned by the wrong
 * user, a second server on one database), told in one Chinese sentence that names the variable or
 * the path and says what to do (SPEC §10). The server and the command line print these as they are,
 * without a stack: a stack is for a fault in lianbao, and these are none.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export class OperatorError extends Error {
  override name = 'OperatorError';
}

/** The user this process runs as, by name where the system has one, for a `chown` to copy. */
function runningUser(): string {
  try {
    return userInfo().username;
  } catch {
    // A uid with no entry in /etc/passwd (a container run with --user 12345).
    return String(process.getuid?.() ?? '');
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** SQLite's codes for a file it could not open, write or lock (https://www.sqlite.org/rescode.html). */
const FILE_CODES = /^SQLITE_(READONLY|CANTOPEN|PERM|IOERR|FULL|NOTADB|CORRUPT|AUTH)/;
/** Node's codes for a path that could not be made or written. */
const FS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOENT', 'ENOTDIR', 'EISDIR']);

/** Whether a file-system error's path is the database's folder (or one above it) or a file beside the database. */
function concernsDatabase(errPath: unknown, path: string): boolean {
  if (typeof errPath !== 'string') return false;
  const p = resolve(errPath);
  const dir = dirname(path);
  return dir === p || dir.startsWith(`${p}/`) || dirname(p) === dir;
}

/**
 * What is wrong with DATABASE_PATH, when `err` is the failure to open or write the database (or a
 * file lianbao keeps beside it: its inbox, its lock): an OperatorError in one sentence; undefined
 * for any other error. The path is looked at to say which part is wrong: the path is a folder, its
 * folder cannot be made or written by this user, or a file in it belongs to someone else.
 */
export function databaseProblem(err: unknown, databasePath: string): OperatorError | undefined {
  if (err instanceof OperatorError) return err;
  if (databasePath === ':memory:') return undefined;
  const code = String((err as { code?: unknown }).code ?? '');
  const path = resolve(databasePath);
  const dir = dirname(path);
  if (!FILE_CODES.test(code) && !(FS_CODES.has(code) && concernsDatabase((err as { path?: unknown }).path, path))) return undefined;
  const name = `DATABASE_PATH 指向的 ${databasePath}`;
  const user = runningUser();
  if (existsSync(path) && statSync(path).isDirectory()) {
    return new OperatorError(`${name} 是一个文件夹，不是数据库文件：请写出数据库文件本身，例如 DATABASE_PATH=${join(databasePath, 'lianbao.db')}`);
  }
  // The nearest folder that is there: the one a missing folder would be made in.
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) {
    return new OperatorError(`${name} 无法使用：路径中的 ${existing} 是一个文件，不是文件夹。请把 DATABASE_PATH 改为一个文件夹里的文件，例如 /var/lib/lianbao/lianbao.db`);
  }
  if (code === 'EROFS') {
    return new OperatorError(`${name} 无法写入：${existing} 所在的文件系统是只读的。请把 DATABASE_PATH 改到可写的磁盘上`);
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
    return new OperatorError(`${name} 无法写入：磁盘已满。请清理 ${dir} 所在的磁盘（例如删掉旧的备份）后再启动`);
  }
  if (existing !== dir && !writable(existing)) {
    return new OperatorError(
      `${name} 无法使用：文件夹 ${dir} 不存在，运行 lianbao 的用户 ${user} 也没有权限在 ${existing} 里新建它。请先建好文件夹并交给该用户：mkdir -p ${dir} && chown ${user} ${dir}`,
    );
  }
  if (existing === dir && !writable(dir)) {
    return new OperatorError(
      `${name} 无法写入：运行 lianbao 的用户 ${user} 没有权限在文件夹 ${dir} 里写文件（SQLite 要在数据库旁边写日志文件）。请把这个文件夹交给该用户：chown -R ${user} ${dir}`,
    );
  }
  const base = path.endsWith('.db') ? path.slice(0, -3) : path;
  const files = [path, `${path}-wal`, `${path}-shm`, `${base}.inbox.db`, `${base}.inbox.db-wal`, `${base}.inbox.db-shm`, `${base}.lock`];
  const locked = files.find((f) => existsSync(f) && !writable(f));
  if (locked) {
    return new OperatorError(
      `${name} 无法写入：文件 ${locked} 不属于运行 lianbao 的用户 ${user}（或是只读的）。请把数据文件夹交给该用户：chown -R ${user} ${dir}`,
    );
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new OperatorError(`${name} 不是可用的 lianbao 数据库（${code}）：请检查 DATABASE_PATH 是否写错；数据库损坏时请从备份恢复（README「备份与恢复」）`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new OperatorError(`${name} 无法打开或写入：${message}（${code}）。请检查这个文件和它所在的文件夹 ${dir} 的属主和权限`);
}
