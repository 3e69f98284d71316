const MINUTE = 60_000;
/** A step back of the clock larger than this is taken for the clock being set, not jitter. */
const CLOCK_STEP_MS = 1_000;

/** One sender's commands within the last minute. */
interface Entry {
  /** the times of the commands counted, oldest first (at most the limit) */
  times: number[];
  /** told to slow down since the last time the sender was quiet for a minute */
  warned: boolean;
  /** the latest command's time, counted or not: the sender is forgotten a minute after it */
  last: number;
}

/**
 * The per-sender limit on commands a minute (SPEC §9: more than 20 a minute are not processed, and
 * the sender is told once). Holds only the last minute's senders, at a constant cost per command
 * however many there are: each command appends its sender to a queue in time order, and senders
 * leave the map from the front of that queue once their latest command is a minute old. (A Map
 * walked from its front to evict slows down as it fills with deleted slots; the queue does not.)
 */
export class SenderLimit {
  /**
   * A sender with one command in the minute is held as its time alone (most senders, and all of
   * them in a flood of new ones: a third of the memory of an entry).
   */
  private readonly recent = new Map<string, number | Entry>();
  /** Senders in the order of their commands, with each command's time (two arrays: no object per command). */
  private readonly queueSenders: string[] = [];
  private readonly queueTimes: number[] = [];
  private head = 0;
  /** The latest time seen, to notice the clock being set back. */
  private latest = -Infinity;
  /** Steps taken over all checks, to show the cost per check stays constant (tests read it). */
  work = 0;

  constructor(private readonly perMinute: number) {}

  /** false: go on; 'warn': over the limit for the first time this minute; true: over, already told. */
  check(sender: string, now: number): boolean | 'warn' {
    // A clock set back (by NTP, by hand) would leave the times held in the future, so that nobody
    // over the limit got out of it, and nobody left the map, until the clock caught up: the
    // minute's history is forgotten instead.
    if (now < this.latest - CLOCK_STEP_MS) {
      this.recent.clear();
      this.queueSenders.length = 0;
      this.queueTimes.length = 0;
      this.head = 0;
      this.latest = now;
    }
    this.latest = Math.max(this.latest, now);
    const since = now - MINUTE;
    this.evict(since);

    const held = this.recent.get(sender);
    this.work += 1;
    this.queueSenders.push(sender);
    this.queueTimes.push(now);
    if (held === undefined) {
      this.recent.set(sender, now);
      return false;
    }
    const entry: Entry = typeof held === 'number' ? { times: [held], warned: false, last: held } : held;
    if (typeof held === 'number') this.recent.set(sender, entry);
    entry.last = now;
    let gone = 0;
    while (gone < entry.times.length && entry.times[gone]! <= since) gone += 1;
    this.work += gone;
    if (gone > 0) entry.times.splice(0, gone);
    if (entry.times.length === 0) entry.warned = false;
    if (entry.times.length >= this.perMinute) {
      if (entry.warned) return true;
      entry.warned = true;
      return 'warn';
    }
    entry.times.push(now);
    return false;
  }

  /** Forgets the senders whose latest command left the minute. */
  private evict(since: number): void {
    const { queueSenders: senders, queueTimes: times } = this;
    while (this.head < times.length && times[this.head]! <= since) {
      const sender = senders[this.head]!;
      const at = times[this.head]!;
      this.head += 1;
      this.work += 1;
      const held = this.recent.get(sender);
      // A later command of the sender is further back in the queue: it leaves then.
      const last = typeof held === 'number' ? held : held?.last;
      if (last === at) this.recent.delete(sender);
    }
    // The front of the arrays is dropped once it is most of them: each element is moved at most once.
    if (this.head > 1024 && this.head * 2 > times.length) {
      this.work += times.length - this.head;
      senders.splice(0, this.head);
      times.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Senders remembered. */
  get size(): number {
    return this.recent.size;
  }
}
