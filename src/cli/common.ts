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
