import type { WorkCalendar } from './calendar.js';

/** m, h, d are wall-clock minutes, hours and days; wd are working days (SPEC §4). */
export type DurationUnit = 'm' | 'h' | 'd' | 'wd';

/** A deadline length as written in the roster's `sla` section or in `延期 #N 3wd`. */
export interface Duration {
  /** A positive integer. */
  amount: number;
  unit: DurationUnit;
}

const UNIT_WORDS: Record<string, DurationUnit> = {
  m: 'm',
  min: 'm',
  分钟: 'm',
  h: 'h',
  小时: 'h',
  个小时: 'h',
  d: 'd',
  天: 'd',
  wd: 'wd',
  工作日: 'wd',
  个工作日: 'wd',
};

const UNIT_NAMES: Record<DurationUnit, string> = { m: '分钟', h: '小时', d: '天', wd: '个工作日' };

// About a year in each unit. No deadline or extension is meant to be longer, and the cap keeps a
// typo such as `延期 #1 99999999wd` from walking the calendar day by day for ever.
const MAX_AMOUNT: Record<DurationUnit, number> = { m: 366 * 24 * 60, h: 366 * 24, d: 366, wd: 250 };

const UNIT_MS: Record<Exclude<DurationUnit, 'wd'>, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

const DURATION_RE = new RegExp(`^(\\d+)\\s*(${Object.keys(UNIT_WORDS).sort((a, b) => b.length - a.length).join('|')})$`);

/**
 * Reads '30m' '4h' '2d' '5wd' or '30分钟' '4小时' '2天' '5个工作日' (case-insensitive,
 * full-width digits and letters accepted). Null for anything else, including zero, negative,
 * fractional and absurdly long durations.
 */
export function parseDuration(s: string): Duration | null {
  const m = DURATION_RE.exec(s.normalize('NFKC').trim().toLowerCase());
  if (!m || m[1] === undefined || m[2] === undefined) return null;
  const unit = UNIT_WORDS[m[2]];
  const amount = Number(m[1]);
  if (unit === undefined || !Number.isSafeInteger(amount) || amount < 1 || amount > MAX_AMOUNT[unit]) return null;
  return { amount, unit };
}

/**
 * For a duration written correctly but longer than about a year ('500d'), the longest one accepted
 * in the same unit ('366d'), so that the refusal can say so; null for anything else.
 */
export function longestInstead(s: string): Duration | null {
  const m = DURATION_RE.exec(s.normalize('NFKC').trim().toLowerCase());
  const unit = m?.[2] === undefined ? undefined : UNIT_WORDS[m[2]];
  if (!m || m[1] === undefined || unit === undefined) return null;
  return Number(m[1]) > MAX_AMOUNT[unit] ? { amount: MAX_AMOUNT[unit], unit } : null;
}

/** How a person reads it: '30分钟' '4小时' '2天' '5个工作日'. */
export function formatDuration(d: Duration): string {
  return `${d.amount}${UNIT_NAMES[d.unit]}`;
}

/** The canonical written form, '5wd', that parseDuration reads back. */
export function durationToString(d: Duration): string {
  return `${d.amount}${d.unit}`;
}

/**
 * The instant `d` after `from`. Wall-clock units are plain elapsed time (a day is 24 h, exact in
 * Shanghai, which has no daylight saving); working days end at the calendar's end of day.
 */
export function addDuration(from: Date, d: Duration, cal: WorkCalendar): Date {
  if (d.unit === 'wd') return cal.addWorkdays(from, d.amount);
  return new Date(from.getTime() + d.amount * UNIT_MS[d.unit]);
}
