/** How times and numbers are shown to people: Beijing time, Chinese conventions. */

const SHANGHAI_OFFSET_MS = 8 * 3_600_000; // Asia/Shanghai has had no daylight saving since 1991

function parts(ms: number): { y: number; mo: string; d: string; h: string; mi: string } {
  const t = new Date(ms + SHANGHAI_OFFSET_MS);
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    y: t.getUTCFullYear(),
    mo: pad(t.getUTCMonth() + 1),
    d: pad(t.getUTCDate()),
    h: pad(t.getUTCHours()),
    mi: pad(t.getUTCMinutes()),
  };
}

/** `2026-09-30 18:00` */
export function formatTime(ms: number): string {
  const p = parts(ms);
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}`;
}

/** `09-30 18:00`, for lists and timelines. */
export function formatShortTime(ms: number): string {
  const p = parts(ms);
  return `${p.mo}-${p.d} ${p.h}:${p.mi}`;
}

/** `2026-09-30` */
export function formatDate(ms: number): string {
  const p = parts(ms);
  return `${p.y}-${p.mo}-${p.d}`;
}

/** A span of time in words: `3小时20分`, `2天4小时`. */
export function formatSpan(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours > 0 ? `${days}天${hours}小时` : `${days}天`;
  if (hours > 0) return mins > 0 ? `${hours}小时${mins}分` : `${hours}小时`;
  return `${mins}分钟`;
}

export function percent(n: number, d: number): string {
  return d === 0 ? '—' : `${((100 * n) / d).toFixed(1)}%`;
}
