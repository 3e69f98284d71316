import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../config.js';
import { openDb, type Db } from '../db/open.js';

/** Where a verb writes its lines (stdout or stderr, or a test's list). */
export type Out = (line: string) => void;

/** Thrown for a wrong invocation: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** Runs node:util's parseArgs, its complaints turned into usage errors (exit 2) an operator can read. */
export function readOptions<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : String(e);
    const quoted = /'([^']*)'/.exec(message)?.[1]?.replace(/ <value>$/, '') ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`不认识的选项 ${quoted}`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`多余的参数 ${quoted}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new UsageError(message.includes('argument missing') ? `选项 ${quoted} 后面要写一个值` : `选项 ${quoted} 不带值`);
    }
    throw e;
  }
}

/** Opens the database for one verb and closes it afterwards. */
export function withDb<T>(config: Config, fn: (db: Db) => T): T {
  const db = openDb(config.databasePath);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Why a file cannot be made in `dir`, in words, with the system's code in parentheses. */
export function whyNotWritable(e: unknown, dir: string): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const why: Record<string, string> = {
    EACCES: `没有在 ${dir} 里写文件的权限`,
    EPERM: `没有在 ${dir} 里写文件的权限`,
    EROFS: `${dir} 所在的文件系统是只读的`,
    ENOSPC: '磁盘已满',
    EDQUOT: '磁盘配额已用完',
    ENOENT: `不能在 ${dir} 里新建文件（它不存在，或是 /proc 这类系统目录）`,
    ENOTDIR: `${dir} 的路径中有一段是文件，不是文件夹`,
    EISDIR: '这个名字是一个文件夹',
  };
  return `${why[code] ?? (e instanceof Error ? e.message : String(e))}${code ? `（${code}）` : ''}`;
}

/**
 * Gets a file a verb writes (`backup <file>`, `export --out <file>`) ready: the folders above it
 * are made when missing, as the nightly backup makes BACKUP_DIR (an operator who writes
 * `--out exports/2026-10.xlsx` means the folder too), and an empty `<file>.<pid>.part` is made
 * beside it, which the verb fills and renames into place, so that a failure half-way never leaves
 * half a file under the name. Throws in Chinese, naming the file, why, and `example` of a file
 * that would do. Returns the partial file's path.
 */
export function startOutputFile(file: string, what: string, example: string): string {
  const dir = dirname(resolve(file));
  let isDir = false;
  try {
    isDir = statSync(file).isDirectory();
  } catch {
    // not there yet: made below
  }
  if (isDir) throw new Error(`${file} 是一个文件夹，不是${what}：请写出文件名，例如 ${example}`);
  const partial = `${file}.${process.pid}.part`;
  try {
    mkdirSync(dir, { recursive: true });
    // Made here, not by SQLite or exceljs, whose words for a failure name neither the file nor what to do.
    closeSync(openSync(partial, 'wx'));
  } catch (e) {
    throw new Error(`无法写入${what} ${file}：${whyNotWritable(e, dir)}。请换一个可以写入的位置，例如 ${example}`);
  }
  return partial;
}
