import type { Config } from '../config.js';
import { importRosterCommand } from '../roster/import.js';
import { systemClock } from '../clock.js';
import { UsageError, withDb, type Out } from './common.js';

/** `lianbao import <file>`: reads, checks and imports a roster file (README, "The roster"). */
export function importVerb(config: Config, args: string[], out: Out): void {
  const file = args[0];
  if (!file) throw new UsageError('import 需要名册文件，例如：lianbao import roster.yaml');
  withDb(config, (db) => out(importRosterCommand(db, file, systemClock.now().getTime())));
}
