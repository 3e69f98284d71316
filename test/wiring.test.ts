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
  return lines.filter((l) => l.msg.includes('holiday data')).map(({ level, msg }) => ({ level, msg }));
}

describe('start-up calendar warning', () => {
  // chinese-days covers 2026 and not yet 2027; the example roster lists no calendar dates.
  it('in December, warns that next year is still to be added, and when it is published', () => {
    expect(calendarLines('2026-12-07T09:00:00+08:00')).toEqual([
      { level: 40, msg: expect.stringMatching(/^no holiday data for 2027 yet: .*State Council .*around November/) },
    ]);
  });

  it('in a year with no data, says so as an error: deadlines in working days are wrong now', () => {
    expect(calendarLines('2027-03-01T09:00:00+08:00')).toEqual([
      { level: 50, msg: expect.stringMatching(/^no holiday data for 2027, this year: /) },
      { level: 40, msg: expect.stringMatching(/^no holiday data for 2028 yet/) },
    ]);
  });

  it('says nothing when this year and next are covered', () => {
    expect(calendarLines('2025-06-01T09:00:00+08:00')).toEqual([]);
  });
});
