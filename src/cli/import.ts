import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { importRosterCommand } from '../roster/import.js';
import { systemClock } from '../clock.js';
import { readOptions, UsageError, withDb, type Out } from './common.js';

/** `lianbao import <file> [--force]`: reads, checks and imports a roster file (README, "The roster"). */
export function importVerb(config: Config, args: string[], out: Out): void {
  const { values, positionals } = readOptions(() => parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean' } } }));
  const [file, ...extra] = positionals;
  if (!file) throw new UsageError('import 需要名册文件，例如：lianbao import roster.yaml');
  if (extra.length > 0) throw new UsageError(`多余的参数 ${extra[0]}：一次导入一个名册文件`);
  withDb(config, (db) => out(importRosterCommand(db, file, systemClock.now().getTime(), { force: values.force ?? false })));
}
