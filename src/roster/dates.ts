/** The calendar section's dates: one day, or a range written the way a holiday notice lists them. */

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function dayNumber(date: string): number | undefined {
  const m = DATE_RE.exec(date);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2027-02-30 over into March; the round trip catches that.
  return new Date(ms).toISOString().slice(0, 10) === date ? ms / DAY_MS : undefined;
}

/** `YYYY-MM-DD` or an inclusive range `YYYY-MM-DD..YYYY-MM-DD` (a holiday notice lists ranges). */
export function expandDates(entry: string): string[] | string {
  const [from, to, ...rest] = entry.trim().split('..');
  const hint = '应为日期 YYYY-MM-DD 或日期范围 YYYY-MM-DD..YYYY-MM-DD';
  if (from === undefined || rest.length > 0) return hint;
  const a = dayNumber(from.trim());
  if (a === undefined) return `${JSON.stringify(from.trim())} 不是有效的日期（${hint}）`;
  if (to === undefined) return [from.trim()];
  const b = dayNumber(to.trim());
  if (b === undefined) return `${JSON.stringify(to.trim())} 不是有效的日期（${hint}）`;
  if (b < a) return '日期范围的结束早于开始';
  if (b - a > 366) return '日期范围超过一年';
  return Array.from({ length: b - a + 1 }, (_, k) => new Date((a + k) * DAY_MS).toISOString().slice(0, 10));
}
