import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { FixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openDb } from '../../src/db/open.js';
import { createLogger } from '../../src/log.js';
import { wireHandling } from '../../src/wiring.js';

/** A description with everything csv has to quote: a comma, quotes and a line break. */
export const AWKWARD = '钢筋被盗, 值班员说"不关我事"\n监控已调取';

/** What a CLI run printed, and its exit code. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function cli(argv: string[], env: Record<string, string>): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, env, (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/**
 * A database file with the example roster, imported through the CLI, and tickets reported in
 * chat: one on 30 October 2026 and three in November (#2 plain, #3 with AWKWARD text, #4 claimed,
 * resolved and rated).
 */
export async function filledDatabase(more: readonly [person: string, chat: string, text: string][] = []): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'lianbao-cli-'));
  const env = { DATABASE_PATH: join(dir, 'lianbao.db'), LOG_LEVEL: 'silent' };
  expect((await cli(['import', 'roster.example.yaml'], env)).code).toBe(0);

  const clock = new FixedClock('2026-10-30T02:00:00Z');
  const db = openDb(env.DATABASE_PATH);
  const config = loadConfig({ ...env, RATE_SENDER_PER_MINUTE: '1000' });
  const { dispatcher } = wireHandling(db, config, createLogger('silent'), clock);
  let n = 0;
  const say = (senderId: string, chatId: string, text: string) =>
    dispatcher.dispatch([{ platform: 'playground', msgId: `fill-${++n}`, chatType: 'group', senderId, chatId, text }]);
  say('chen', 'XM001', '报告 十月的一起纠纷');
  clock.set('2026-11-02T02:00:00Z'); // Monday 2 November, 10:00 in Beijing
  say('chen', 'XM001', '报告 工地夜间电缆被偷');
  say('liu', 'XM002', `报告 ${AWKWARD}`);
  say('ma', 'XM003', '报告 有人在工地门口造谣');
  clock.set('2026-11-02T02:30:00Z');
  say('sun', 'XM003', '认领 #4');
  clock.set('2026-11-03T06:00:00Z');
  say('sun', 'XM003', '办结 #4 已约谈造谣人员');
  say('ma', 'XM003', '满意 #4 4 处理得当');
  for (const [person, chat, text] of more) say(person, chat, text);
  db.close();
  return { dir, env };
}
