import { describe, expect, it } from 'vitest';
import { FixedClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { openMainDb } from '../src/wiring.js';

/** The warnings the server logs about the calendar when it opens the database, as level and message. */
function calendarLines(at: string, env: Record<string, string> = {}): { level: number; msg: string }[] {
  const lines: { level: number; msg: string }[] = [];
  const stream = { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string })) };
  const config = loadConfig({ DATABASE_PATH: ':memory:', ROSTER_FILE: 'roster.example.yaml', ...env });
  openMainDb(config, createLogger('info', stream), new FixedClock(at)).close();
  return lines.filter((l) => l.msg.includes('节假日数据')).map(({ level, msg }) => ({ level, msg }));
}

describe('start-up calendar warning, in Chinese as `lianbao doctor` says it', () => {
  // chinese-days covers 2026 and not yet 2027; the example roster lists no calendar dates.
  it('in December, warns that next year is still to be added, and when it is published', () => {
    expect(calendarLines('2026-12-07T09:00:00+08:00')).toEqual([
      { level: 40, msg: expect.stringMatching(/^还没有 2027 年的节假日数据：国务院办公厅一般在 11 月前后公布.*calendar 部分.*lianbao import$/) },
    ]);
  });

  it('in a year with no data, says so as an error: deadlines in working days are wrong now', () => {
    expect(calendarLines('2027-03-01T09:00:00+08:00')).toEqual([
      { level: 50, msg: expect.stringMatching(/^没有今年（2027 年）的节假日数据：/) },
      { level: 40, msg: expect.stringMatching(/^还没有 2028 年的节假日数据/) },
    ]);
  });

  it('says nothing when this year and next are covered', () => {
    expect(calendarLines('2025-06-01T09:00:00+08:00')).toEqual([]);
  });
});
