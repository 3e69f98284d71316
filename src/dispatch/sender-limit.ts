const MINUTE = 60_000;
/** A step back of the clock larger than this is taken for the clock being set, not jitter. */
const CLOCK_STEP_MS = 1_000;

/**
 * The per-sender limit on commands a minute (SPEC: more than 20 a minute are not processed, and
 * the sender is told once). Keeps each sender's commands within the last minute, in the order of
 * their latest command: a sender is moved to the end on each, so those quiet for a minute are at
 * the front and leave as the traffic goes on. It holds only the last minute's senders, at a
 * constant cost per command however many of them there are.
 */
export class SenderLimit {
  /**
   * A sender with one command in the minute is held as its time alone (most senders, and all of
   * them in a flood of new ones: a third of the memory of an entry with a list).
   */
  private readonly recent = new Map<string, number | Entry>();
  /** The latest time seen, to notice the clock being set back. */
  private latest = -Infinity;

  constructor(private readonly perMinute: number) {}

  /** false: go on; 'warn': over the limit for the first time this minute; true: over, already told. */
  check(sender: string, now: number): boolean | 'warn' {
    // A clock set back (by NTP, by hand) would leave the times held in the future, so that nobody
    // over the limit got out of it, and nobody left the map, until the clock caught up: the
    // minute's history is forgotten instead.
    if (now < this.latest - CLOCK_STEP_MS) {
      this.recent.clear();
      this.latest = now;
    }
    this.latest = Math.max(this.latest, now);
    const since = now - MINUTE;
    for (const [k, v] of this.recent) {
      if ((typeof v === 'number' ? v : v.times.at(-1)!) > since) break;
      this.recent.delete(k);
    }
    const held = this.recent.get(sender);
    this.recent.delete(sender);
    if (held === undefined || (typeof held === 'number' && held <= since)) {
      this.recent.set(sender, now);
      return false;
    }
    const entry = typeof held === 'number' ? { times: [held], warned: false } : held;
    let gone = 0;
    while (gone < entry.times.length && entry.times[gone]! <= since) gone += 1;
    if (gone > 0) entry.times.splice(0, gone);
    if (entry.times.length === 0) entry.warned = false;
    this.recent.set(sender, entry);
    if (entry.times.length >= this.perMinute) {
      if (entry.warned) return true;
      entry.warned = true;
      return 'warn';
    }
    entry.times.push(now);
    return false;
  }

  /** Senders remembered. */
  get size(): number {
    return this.recent.size;
  }
}

interface Entry {
  /** the times of the commands counted within the last minute, oldest first */
  times: number[];
  /** told to slow down since the last time the sender was quiet for a minute */
  warned: boolean;
}
