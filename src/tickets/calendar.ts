import { createRequire } from 'node:module';

/**
 * The roster's `calendar` section: dates the data package does not know yet (or gets wrong),
 * as `YYYY-MM-DD` Shanghai dates. They win over the package.
 */
export interface CalendarOverrides {
  /** Days off that would otherwise be working days (a statutory holiday of a year not yet covered). */
  holidays: string[];
  /** Working days that would otherwise be days off (调休 make-up days, usually a Saturday or Sunday). */
  workdays: string[];
}

/** A wall-clock time of day in Shanghai. */
export interface TimeOfDay {
  hour: number;
  minute: number;
}

// Asia/Shanghai has kept UTC+8 all year since China dropped daylight saving in 1991, so a fixed
// offset is exact for every date the bot will see and spares us depending on the host's time-zone
// database or the TZ variable.
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

interface HolidayData {
  holidays: ReadonlySet<string>;
  workdays: ReadonlySet<string>;
  years: ReadonlySet<number>;
}

/**
 * Reads chinese-days' raw data rather than calling its `isWorkday`: the package parses date
 * strings in the host's local time zone, so on a server whose TZ is west of UTC it answers for
 * the wrong day. The data maps alone are time-zone free.
 */
function loadHolidayData(): HolidayData {
  const require = createRequire(import.meta.url);
  const raw: unknown = require('chinese-days/dist/chinese-days.json');
  const holidays = dateKeys(raw, 'holidays');
  const workdays = dateKeys(raw, 'workdays');
  const years = new Set<number>();
  for (const d of holidays) years.add(Number(d.slice(0, 4)));
  return { holidays, workdays, years };
}

function dateKeys(raw: unknown, field: 'holidays' | 'workdays'): Set<string> {
  if (typeof raw !== 'object' || raw === null) throw new Error('chinese-days data is not an object');
  const map: unknown = (raw as Record<string, unknown>)[field];
  if (typeof map !== 'object' || map === null) throw new Error(`chinese-days data lacks "${field}"`);
  return new Set(Object.keys(map).filter((k) => DATE_RE.test(k)));
}

const PACKAGE_DATA = loadHolidayData();

/** Days since 1970-01-01 for a `YYYY-MM-DD` date; throws on anything that is not a real date. */
function dayNumber(date: string): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: "${date}"`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  // Date.UTC rolls 2026-02-30 over into March; a round trip catches that.
  if (new Date(ms).toISOString().slice(0, 10) !== date) throw new RangeError(`not a calendar date: "${date}"`);
  return ms / DAY_MS;
}

function fromDayNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** Problems with a `calendar` section, one message each; [] when it is usable. */
export function validateCalendarOverrides(overrides: CalendarOverrides): string[] {
  const problems: string[] = [];
  for (const field of ['holidays', 'workdays'] as const) {
    for (const date of overrides[field]) {
      try {
        dayNumber(date);
      } catch {
        problems.push(`calendar.${field}: "${date}" 不是有效的日期（应为 YYYY-MM-DD）`);
      }
    }
  }
  const holidays = new Set(overrides.holidays);
  for (const date of overrides.workdays) {
    if (holidays.has(date)) problems.push(`calendar: ${date} 同时列在 holidays 和 workdays 中`);
  }
  return problems;
}

/** Which of this year and next have holiday data (see WorkCalendar.health). */
export interface CalendarHealth {
  year: number;
  /** without it, deadlines in working days are wrong now: a failure */
  thisYear: boolean;
  /** published by the State Council around November: missing until then is expected, a warning */
  nextYear: boolean;
}

/**
 * The Chinese working-day calendar: statutory holidays and 调休 make-up days from the
 * `chinese-days` package, corrected by the roster's overrides; otherwise Monday to Friday.
 */
export class WorkCalendar {
  private readonly extraHolidays: ReadonlySet<string>;
  private readonly extraWorkdays: ReadonlySet<string>;
  private readonly overrideYears: ReadonlySet<number>;
  private readonly workdayEnd: TimeOfDay;

  constructor(overrides?: CalendarOverrides, workdayEnd: TimeOfDay = { hour: 18, minute: 0 }) {
    const problems = overrides ? validateCalendarOverrides(overrides) : [];
    if (problems.length > 0) throw new RangeError(problems.join('; '));
    const { hour, minute } = workdayEnd;
    if (!Number.isInteger(hour) || hour < 0 || hour > 23 || !Number.isInteger(minute) || minute < 0 || minute > 59) {
      throw new RangeError(`not a time of day: ${hour}:${minute}`);
    }
    this.extraHolidays = new Set(overrides?.holidays ?? []);
    this.extraWorkdays = new Set(overrides?.workdays ?? []);
    this.overrideYears = new Set([...this.extraHolidays, ...this.extraWorkdays].map((d) => Number(d.slice(0, 4))));
    this.workdayEnd = { hour, minute };
  }

  isWorkday(date: string): boolean {
    const day = dayNumber(date);
    if (this.extraHolidays.has(date)) return false;
    if (this.extraWorkdays.has(date)) return true;
    if (PACKAGE_DATA.holidays.has(date)) return false;
    if (PACKAGE_DATA.workdays.has(date)) return true;
    // 1970-01-01 was a Thursday, so day 0 is weekday 4 (0 = Sunday).
    const weekday = (((day + 4) % 7) + 7) % 7;
    return weekday !== 0 && weekday !== 6;
  }

  /** true when chinese-days or the overrides have holiday data for that year */
  hasData(year: number): boolean {
    return PACKAGE_DATA.years.has(year) || this.overrideYears.has(year);
  }

  /** Which of this year and next (Shanghai years, as of `now`) have holiday data: for the start-up warning and `doctor`. */
  health(now: Date): CalendarHealth {
    const year = Number(WorkCalendar.shanghaiDate(now).slice(0, 4));
    return { year, thisYear: this.hasData(year), nextYear: this.hasData(year + 1) };
  }

  /**
   * End of the n-th working day after `from`'s day (the next working day is day 1), at
   * workdayEnd, as a Date. n >= 1. The time of day of `from` does not matter: a report at 17:59
   * gets the same deadline as one at 08:00, so nobody loses a day to a late report.
   */
  addWorkdays(from: Date, n: number): Date {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`working days must be a positive integer, got ${n}`);
    let day = dayNumber(WorkCalendar.shanghaiDate(from));
    let counted = 0;
    while (counted < n) {
      day += 1;
      if (this.isWorkday(fromDayNumber(day))) counted += 1;
    }
    return WorkCalendar.shanghaiTime(fromDayNumber(day), this.workdayEnd.hour, this.workdayEnd.minute);
  }

  /**
   * The working day n working days before `date` (n=0: the date itself if a working day, else
   * the previous working day). Counting starts from that n=0 day, so a meeting on a Sunday with
   * n=3 lands three working days before the Friday it moves to.
   */
  workdaysBefore(date: string, n: number): string {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a non-negative integer, got ${n}`);
    let day = dayNumber(this.onOrBeforeWorkday(date));
    let counted = 0;
    while (counted < n) {
      day -= 1;
      if (this.isWorkday(fromDayNumber(day))) counted += 1;
    }
    return fromDayNumber(day);
  }

  /** The date itself when it is a working day, else the working day before it. */
  onOrBeforeWorkday(date: string): string {
    let day = dayNumber(date);
    while (!this.isWorkday(fromDayNumber(day))) day -= 1;
    return fromDayNumber(day);
  }

  /** YYYY-MM-DD in Asia/Shanghai */
  static shanghaiDate(d: Date): string {
    const ms = d.getTime();
    if (Number.isNaN(ms)) throw new RangeError('invalid Date');
    return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
  }

  /** That wall-clock time in Shanghai. */
  static shanghaiTime(date: string, hour: number, minute: number): Date {
    return new Date(dayNumber(date) * DAY_MS + (hour * 60 + minute) * 60_000 - SHANGHAI_OFFSET_MS);
  }
}
