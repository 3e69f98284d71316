import { describe, it, expect } from 'vitest';
import { WorkCalendar } from '../../src/tickets/calendar.js';

const at = (iso: string): Date => new Date(iso);

describe('WorkCalendar.isWorkday', () => {
  const cal = new WorkCalendar();

  it('counts ordinary weekdays as working days and weekends as days off', () => {
    expect(cal.isWorkday('2026-03-04')).toBe(true); // Wednesday
    expect(cal.isWorkday('2026-03-07')).toBe(false); // Saturday
    expect(cal.isWorkday('2026-03-08')).toBe(false); // Sunday
  });

  it('takes National Day 2026 (1–7 October) off', () => {
    for (let d = 1; d <= 7; d++) expect(cal.isWorkday(`2026-10-0${d}`)).toBe(false);
    expect(cal.isWorkday('2026-10-08')).toBe(true);
  });

  it('counts the 调休 make-up Saturdays of 2026 as working days', () => {
    expect(cal.isWorkday('2026-09-20')).toBe(true); // Sunday made a working day
    expect(cal.isWorkday('2026-10-10')).toBe(true); // Saturday made a working day
    expect(cal.isWorkday('2026-02-14')).toBe(true); // Spring Festival make-up Saturday
  });

  it('does not depend on the host time zone', () => {
    const saved = process.env.TZ;
    process.env.TZ = 'America/Los_Angeles';
    try {
      expect(cal.isWorkday('2027-01-02')).toBe(false); // a Saturday
      expect(cal.isWorkday('2026-10-10')).toBe(true);
      expect(WorkCalendar.shanghaiDate(at('2026-09-30T16:00:00Z'))).toBe('2026-10-01');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('refuses strings that are not dates', () => {
    expect(() => cal.isWorkday('2026-02-30')).toThrow(RangeError);
    expect(() => cal.isWorkday('2026/10/10')).toThrow(RangeError);
  });
});

describe('WorkCalendar.addWorkdays', () => {
  const cal = new WorkCalendar();

  it('puts a 5wd deadline for a report on 30 September 2026 at 18:00 on 13 October', () => {
    // 8 Oct (1), 9 Oct (2), Sat 10 Oct make-up (3), 12 Oct (4), 13 Oct (5).
    expect(cal.addWorkdays(at('2026-09-30T10:00:00+08:00'), 5)).toEqual(at('2026-10-13T18:00:00+08:00'));
  });

  it('gives a late report on the Friday before a holiday the same deadline as an early one', () => {
    // Qingming 2026 is Sat 4 – Mon 6 April.
    expect(cal.addWorkdays(at('2026-04-03T17:50:00+08:00'), 1)).toEqual(at('2026-04-07T18:00:00+08:00'));
    expect(cal.addWorkdays(at('2026-04-03T08:00:00+08:00'), 1)).toEqual(at('2026-04-07T18:00:00+08:00'));
  });

  it('counts a make-up Saturday right before Spring Festival', () => {
    const friday = at('2026-02-13T17:50:00+08:00');
    expect(cal.addWorkdays(friday, 1)).toEqual(at('2026-02-14T18:00:00+08:00'));
    expect(cal.addWorkdays(friday, 2)).toEqual(at('2026-02-24T18:00:00+08:00'));
  });

  it('starts counting on Monday for a report made on a Saturday', () => {
    expect(cal.addWorkdays(at('2026-03-07T11:00:00+08:00'), 1)).toEqual(at('2026-03-09T18:00:00+08:00'));
  });

  it('skips the weekend for 3wd', () => {
    expect(cal.addWorkdays(at('2026-03-05T09:30:00+08:00'), 3)).toEqual(at('2026-03-10T18:00:00+08:00'));
  });

  it('decides the report day in Shanghai, not in UTC', () => {
    // 23:30 on Fri 9 Oct in Shanghai: next working day is the make-up Saturday.
    expect(cal.addWorkdays(at('2026-10-09T15:30:00Z'), 1)).toEqual(at('2026-10-10T18:00:00+08:00'));
    // 00:30 on Sat 10 Oct in Shanghai, still 9 Oct in UTC.
    expect(cal.addWorkdays(at('2026-10-09T16:30:00Z'), 1)).toEqual(at('2026-10-12T18:00:00+08:00'));
  });

  it('ends the working day at the configured time', () => {
    const early = new WorkCalendar(undefined, { hour: 17, minute: 30 });
    expect(early.addWorkdays(at('2026-03-05T09:30:00+08:00'), 1)).toEqual(at('2026-03-06T17:30:00+08:00'));
    expect(() => new WorkCalendar(undefined, { hour: 24, minute: 0 })).toThrow(RangeError);
  });

  it('refuses zero, negative and fractional counts', () => {
    const from = at('2026-03-05T09:30:00+08:00');
    expect(() => cal.addWorkdays(from, 0)).toThrow(RangeError);
    expect(() => cal.addWorkdays(from, -1)).toThrow(RangeError);
    expect(() => cal.addWorkdays(from, 1.5)).toThrow(RangeError);
  });
});

describe('WorkCalendar overrides', () => {
  const plain = new WorkCalendar();
  const overridden = new WorkCalendar({ holidays: ['2027-01-01'], workdays: ['2027-02-07'] });

  it('treats 2027 weekdays as working days when nothing is known', () => {
    expect(plain.isWorkday('2027-01-01')).toBe(true); // a Friday
    expect(plain.isWorkday('2027-02-07')).toBe(false); // a Sunday
  });

  it('lets a holiday override move a deadline', () => {
    const thu = at('2026-12-31T10:00:00+08:00');
    expect(plain.addWorkdays(thu, 1)).toEqual(at('2027-01-01T18:00:00+08:00'));
    expect(overridden.addWorkdays(thu, 1)).toEqual(at('2027-01-04T18:00:00+08:00'));
  });

  it('lets a make-up workday override move a deadline', () => {
    const fri = at('2027-02-05T10:00:00+08:00');
    expect(plain.addWorkdays(fri, 1)).toEqual(at('2027-02-08T18:00:00+08:00'));
    expect(overridden.addWorkdays(fri, 1)).toEqual(at('2027-02-07T18:00:00+08:00'));
  });

  it('wins over the data package', () => {
    const cal = new WorkCalendar({ holidays: ['2026-10-10'], workdays: ['2026-10-07'] });
    expect(cal.isWorkday('2026-10-10')).toBe(false);
    expect(cal.isWorkday('2026-10-07')).toBe(true);
  });

  it('rejects dates that are not dates, or listed both ways', () => {
    expect(() => new WorkCalendar({ holidays: ['2027-13-01'], workdays: [] })).toThrow(/2027-13-01/);
    expect(() => new WorkCalendar({ holidays: ['2027-01-01'], workdays: ['2027-01-01'] })).toThrow(/2027-01-01/);
  });
});

describe('WorkCalendar.hasData and health', () => {
  it('knows 2026 from the package but not 2027', () => {
    const cal = new WorkCalendar();
    expect(cal.hasData(2026)).toBe(true);
    expect(cal.hasData(2027)).toBe(false);
    expect(cal.health(at('2026-06-01T12:00:00+08:00'))).toEqual({ year: 2026, thisYear: true, nextYear: false });
  });

  it('counts a year as known once the overrides list one of its dates', () => {
    const cal = new WorkCalendar({ holidays: [], workdays: ['2027-02-07'] });
    expect(cal.hasData(2027)).toBe(true);
    expect(cal.health(at('2026-06-01T12:00:00+08:00'))).toEqual({ year: 2026, thisYear: true, nextYear: true });
  });

  it('takes the current year in Shanghai', () => {
    const cal = new WorkCalendar({ holidays: ['2027-01-01'], workdays: [] });
    // 00:30 on 1 January 2027 in Shanghai, still 2026 in UTC.
    expect(cal.health(at('2026-12-31T16:30:00Z'))).toEqual({ year: 2027, thisYear: true, nextYear: false });
    expect(cal.health(at('2026-12-31T15:30:00Z'))).toEqual({ year: 2026, thisYear: true, nextYear: true });
  });
});

describe('WorkCalendar.workdaysBefore and onOrBeforeWorkday', () => {
  const cal = new WorkCalendar();

  it('keeps a working day and moves a day off back to the working day before it', () => {
    expect(cal.onOrBeforeWorkday('2026-10-08')).toBe('2026-10-08');
    expect(cal.onOrBeforeWorkday('2026-10-25')).toBe('2026-10-23'); // Sunday → Friday
    expect(cal.onOrBeforeWorkday('2026-10-11')).toBe('2026-10-10'); // Sunday → make-up Saturday
    expect(cal.onOrBeforeWorkday('2026-10-05')).toBe('2026-09-30');
  });

  it('counts working days back across a holiday', () => {
    expect(cal.workdaysBefore('2026-10-08', 0)).toBe('2026-10-08');
    expect(cal.workdaysBefore('2026-10-08', 1)).toBe('2026-09-30');
    expect(cal.workdaysBefore('2026-10-08', 3)).toBe('2026-09-28');
    expect(cal.workdaysBefore('2026-10-12', 1)).toBe('2026-10-10');
  });

  it('counts from the working day a day off moves to', () => {
    expect(cal.workdaysBefore('2026-10-04', 0)).toBe('2026-09-30');
    expect(cal.workdaysBefore('2026-10-04', 1)).toBe('2026-09-29');
    // A meeting on Sunday 25 Oct moves to Friday 23 Oct; three working days before is Tuesday 20 Oct.
    expect(cal.workdaysBefore('2026-10-25', 3)).toBe('2026-10-20');
  });
});

describe('WorkCalendar Shanghai conversions', () => {
  it('reads the Shanghai date of an instant', () => {
    expect(WorkCalendar.shanghaiDate(at('2026-09-30T15:59:59.999Z'))).toBe('2026-09-30');
    expect(WorkCalendar.shanghaiDate(at('2026-09-30T16:00:00Z'))).toBe('2026-10-01');
  });

  it('builds the instant of a Shanghai wall-clock time', () => {
    expect(WorkCalendar.shanghaiTime('2026-10-01', 0, 0)).toEqual(at('2026-09-30T16:00:00Z'));
    expect(WorkCalendar.shanghaiTime('2026-10-13', 18, 0)).toEqual(at('2026-10-13T10:00:00Z'));
  });
});
