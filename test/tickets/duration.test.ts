import { describe, it, expect } from 'vitest';
import { WorkCalendar } from '../../src/tickets/calendar.js';
import { addDuration, durationToString, formatDuration, parseDuration } from '../../src/tickets/duration.js';

describe('parseDuration', () => {
  it('reads the written forms', () => {
    expect(parseDuration('30m')).toEqual({ amount: 30, unit: 'm' });
    expect(parseDuration('4h')).toEqual({ amount: 4, unit: 'h' });
    expect(parseDuration('2d')).toEqual({ amount: 2, unit: 'd' });
    expect(parseDuration('5wd')).toEqual({ amount: 5, unit: 'wd' });
  });

  it('ignores case and surrounding space, and reads full-width forms', () => {
    expect(parseDuration('  5WD ')).toEqual({ amount: 5, unit: 'wd' });
    expect(parseDuration('4H')).toEqual({ amount: 4, unit: 'h' });
    expect(parseDuration('３ｗｄ')).toEqual({ amount: 3, unit: 'wd' });
  });

  it('reads Chinese units', () => {
    expect(parseDuration('3天')).toEqual({ amount: 3, unit: 'd' });
    expect(parseDuration('4小时')).toEqual({ amount: 4, unit: 'h' });
    expect(parseDuration('4个小时')).toEqual({ amount: 4, unit: 'h' });
    expect(parseDuration('30分钟')).toEqual({ amount: 30, unit: 'm' });
    expect(parseDuration('5个工作日')).toEqual({ amount: 5, unit: 'wd' });
    expect(parseDuration('5工作日')).toEqual({ amount: 5, unit: 'wd' });
  });

  it.each(['0h', '-1d', '3x', '', '1.5h', 'wd', '5', '5 wd extra', '99999999wd', '1e3m'])('rejects %j', (s) => {
    expect(parseDuration(s)).toBeNull();
  });
});

describe('formatDuration and durationToString', () => {
  it('writes durations for people', () => {
    expect(formatDuration({ amount: 30, unit: 'm' })).toBe('30分钟');
    expect(formatDuration({ amount: 4, unit: 'h' })).toBe('4小时');
    expect(formatDuration({ amount: 2, unit: 'd' })).toBe('2天');
    expect(formatDuration({ amount: 5, unit: 'wd' })).toBe('5个工作日');
  });

  it('writes the canonical form that parses back', () => {
    expect(durationToString({ amount: 5, unit: 'wd' })).toBe('5wd');
    const d = parseDuration('30分钟');
    expect(d).not.toBeNull();
    if (d) expect(parseDuration(durationToString(d))).toEqual(d);
  });
});

describe('addDuration', () => {
  const cal = new WorkCalendar();
  const from = new Date('2026-09-30T17:50:00+08:00');

  it('adds minutes, hours and days as wall-clock time, holidays or not', () => {
    expect(addDuration(from, { amount: 30, unit: 'm' }, cal)).toEqual(new Date('2026-09-30T18:20:00+08:00'));
    expect(addDuration(from, { amount: 24, unit: 'h' }, cal)).toEqual(new Date('2026-10-01T17:50:00+08:00'));
    expect(addDuration(from, { amount: 2, unit: 'd' }, cal)).toEqual(new Date('2026-10-02T17:50:00+08:00'));
  });

  it('adds working days through the calendar', () => {
    expect(addDuration(from, { amount: 5, unit: 'wd' }, cal)).toEqual(new Date('2026-10-13T18:00:00+08:00'));
  });
});
