import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { writeIfFree } from '../db/open.js';
import type { OutboxItem, OutboxRepo } from '../db/outbox-repo.js';
import type { Platform, PlatformAdapter } from '../chat/types.js';

export interface WorkerOptions {
  outbox: OutboxRepo;
  adapters: Partial<Record<Platform, PlatformAdapter>>;
  clock: Clock;
  log: Logger;
  /** Per lane and minute: group robots 20, people 30 by default (SPEC §8). */
  rates: { groupPerMinute: number; personPerMinute: number };
  /** How often the outbox is polled for messages queued by another process. */
  pollMs?: number;
  /** Lanes sent to at once. */
  concurrency?: number;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;
const GIVE_UP_AFTER_MS = 24 * 3_600_000;
const MINUTE = 60_000;
/** A step back of the clock larger than this is taken for the clock being set, not jitter. */
const CLOCK_STEP_MS = 1_000;
/** Marks that found the write lock taken are tried again after this long. */
const MARK_RETRY_MS = 3;
/** Records that failed for another reason (a read-only or full database) are tried again after this long, doubling. */
const RECORD_RETRY_FIRST_MS = 1_000;
const RECORD_RETRY_MAX_MS = 30_000;
/** Marks blocked this long are worth a line in the log. */
const MARKS_BLOCKED_WARN_MS = 5_000;

/**
 * A message's lane and destination as logs show them. A WeCom group is addressed by its robot's
 * webhook key, a credential (whoever holds it can post to the group), so only its first
 * characters are shown, as the WeCom adapter does in its own lines.
 */
function loggable(m: OutboxItem): { lane: string; destination: string } {
  if (m.platform !== 'wecom' || m.kind === 'person' || !m.to) return { lane: m.lane, destination: m.to };
  const key = m.to.length <= 4 ? '****' : `${m.to.slice(0, 4)}…`;
  return { lane: m.lane.split(m.to).join(key), destination: key };
}

/** Backoff for the n-th failed attempt (n ≥ 1): 1 s doubling to 5 min. */
export function retryDelay(attempt: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1), MAX_RETRY_MS);
}

/**
 * Sends what the outbox holds: at once when woken, and by polling. Each lane (a group or a person
 * on a platform) has at most one send under way, so its order is kept, while lanes go on
 * independently: a platform that hangs holds up only its own lanes. A message is marked sent only
 * after the platform accepted it, so a crash mid-send means it is sent again after restart
 * (at-least-once), never dropped.
 */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private wakeScheduled = false;
  /** The send under way in each lane. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Send times per lane within the last minute, for the rate limit. */
  private readonly sentAt = new Map<string, number[]>();
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly listeners = new Set<(item: OutboxItem) => void>();
  /** Messages sent but not yet marked so: marked together, once per turn of the event loop. */
  private readonly toMark: { id: number; at: number; done: () => void }[] = [];
  private pumpScheduled = false;
  /** Since when the marks have found the write lock taken (performance.now()), and whether that was logged. */
  private marksBlockedSince: number | undefined;
  private marksBlockedWarned = false;
  /**
   * Set while the outcome of sends cannot be written to the database (read-only, full, broken):
   * no new send starts, since a message sent and not recorded would be sent again and again.
   */
  private unrecorded: { since: number; error: string; retryMs: number } | undefined;
  /** Outcomes other than "sent" (a retry, a failure) waiting to be written. */
  private readonly toRecord: { write: () => void; done: () => void }[] = [];
  private recordTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: WorkerOptions) {
    this.pollMs = o.pollMs ?? 1_000;
    this.concurrency = o.concurrency ?? 16;
  }

  start(): void {
    this.started = true;
    this.wake();
  }

  /** Lets the sends under way finish, then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // Sends whose outcome cannot be written would keep their lanes busy for ever: they are left
    // as they are, pending in the table (at-least-once: they go out again after the restart).
    if (this.unrecorded) return;
    await Promise.all(this.inFlight.values());
  }

  /**
   * Called after a transaction queued messages, and by the poll timer. A burst of callbacks wakes
   * the worker once: the outbox is looked at on the next turn of the event loop, not per message.
   */
  wake(): void {
    if (!this.started || this.stopped || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.run();
    });
  }

  private run(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    let roomAt: number | undefined;
    let next: number | null;
    try {
      roomAt = this.pump();
      next = this.o.outbox.nextDueAt();
    } catch (err) {
      // The outbox cannot be read: nothing is lost (it is all in the table); look again later.
      this.o.log.error({ err }, 'the outbox cannot be read; trying again in a moment');
      this.timer = setTimeout(() => this.run(), this.pollMs);
      this.timer.unref();
      return;
    }
    const now = this.o.clock.now().getTime();
    // Messages due now are either being sent (each send's end looks again) or held back by a rate
    // limit: then the next look is when the first such lane has room, not a busy poll meanwhile.
    let wait: number;
    if (next === null) wait = this.pollMs;
    else if (next > now) wait = Math.min(this.pollMs, next - now);
    else wait = roomAt === undefined ? this.pollMs : Math.min(this.pollMs, roomAt - now);
    this.timer = setTimeout(() => this.run(), Math.max(wait, 10));
    this.timer.unref();
  }

  /** Observes each message once it is sent (the playground and tests use it). */
  onSent(fn: (item: OutboxItem) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Sends everything due now; resolves when nothing due is left (for the CLI and tests). */
  async drain(): Promise<void> {
    for (;;) {
      this.pump();
      // Sends whose outcome cannot be written keep their lanes busy: there is nothing to wait for.
      if (this.unrecorded) throw new Error(`sent messages cannot be recorded: ${this.unrecorded.error}`);
      if (this.inFlight.size === 0) return;
      await Promise.race(this.inFlight.values());
    }
  }

  /**
   * Starts a send in every lane that has a message due, no send under way and room in its limit.
   * Returns when the first lane held back by its rate limit will have room again, if any was.
   */
  private pump(): number | undefined {
    if (this.stopped || this.unrecorded) return undefined;
    const now = this.o.clock.now().getTime();
    this.noticeClockStep(now);
    let roomAt: number | undefined;
    for (const m of this.o.outbox.due(now, 500, this.inFlight)) {
      if (this.inFlight.size >= this.concurrency) break;
      if (this.inFlight.has(m.lane)) continue;
      const room = this.roomAt(m, now);
      if (room > now) {
        roomAt = Math.min(roomAt ?? room, room);
        continue;
      }
      const sending = this.sendOne(m)
        .catch((err: unknown) => this.o.log.error({ err, outboxId: m.id }, 'delivery failed unexpectedly; the message stays queued'))
        .finally(() => {
          this.inFlight.delete(m.lane);
          // The lane's next message, or another lane waiting for a free slot.
          if (this.started) this.pumpSoon();
        });
      this.inFlight.set(m.lane, sending);
    }
    return roomAt;
  }

  /** Sends that end in the same turn of the event loop look at the outbox once between them. */
  private pumpSoon(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /**
   * Resolves once the message is marked sent. The lane stays busy until then, so its message is
   * never picked again in between; a crash before the mark means it is sent again after restart.
   */
  private markSent(id: number, at: number): Promise<void> {
    return new Promise((done) => {
      this.toMark.push({ id, at, done });
      if (this.toMark.length === 1) setImmediate(this.flushMarks);
    });
  }

  /**
   * Marks the messages sent since the last turn. The processor thread holds the database's write
   * lock while it commits a batch (up to 50 ms); waiting for it here would hold up the whole
   * server thread, callbacks included, so when the lock is taken the marks wait instead and are
   * tried again a few milliseconds later, their lanes still busy.
   */
  private readonly flushMarks = (): void => {
    const batch = this.toMark.splice(0);
    try {
      if (!this.o.outbox.tryMarkSentMany(batch)) {
        this.toMark.unshift(...batch);
        this.marksBlockedSince ??= performance.now();
        if (!this.marksBlockedWarned && performance.now() - this.marksBlockedSince > MARKS_BLOCKED_WARN_MS) {
          this.marksBlockedWarned = true;
          this.o.log.warn(
            { waiting: this.toMark.length },
            'sent messages cannot be marked sent: another connection has held the database write lock for seconds',
          );
        }
        setTimeout(this.flushMarks, MARK_RETRY_MS);
        return;
      }
    } catch (err) {
      // Not a lock held for a moment: the database refuses the write. The messages went out, so
      // they must not go out again: their lanes stay busy and nothing else is sent until the
      // marks are written (SPEC §9).
      this.toMark.unshift(...batch);
      this.cannotRecord(err, batch.map((b) => b.id));
      return;
    }
    this.marksBlockedSince = undefined;
    this.marksBlockedWarned = false;
    this.recorded();
    for (const b of batch) b.done();
  };

  /**
   * Why sending is paused, for /readyz; undefined while sends are recorded as they should be.
   */
  problem(): string | undefined {
    if (!this.unrecorded) return undefined;
    return `sending is paused: sent messages cannot be recorded in the database (${this.unrecorded.error}); check that the database file and its folder are writable by the server's user and the disk is not full`;
  }

  /** Enters (or stays in) the paused state and tries the waiting writes again later, backing off. */
  private cannotRecord(err: unknown, outboxIds: number[]): void {
    const error = err instanceof Error ? err.message : String(err);
    if (!this.unrecorded) {
      this.unrecorded = { since: this.o.clock.now().getTime(), error, retryMs: RECORD_RETRY_FIRST_MS };
      this.o.log.error(
        { err, outboxIds },
        'sent messages cannot be recorded in the database: sending is paused so that nothing goes out twice; check the database file',
      );
    } else {
      this.unrecorded.error = error;
      this.unrecorded.retryMs = Math.min(this.unrecorded.retryMs * 2, RECORD_RETRY_MAX_MS);
    }
    if (this.recordTimer) return;
    this.recordTimer = setTimeout(() => {
      this.recordTimer = undefined;
      if (this.toMark.length > 0) this.flushMarks();
      this.flushRecords();
    }, this.unrecorded.retryMs);
    this.recordTimer.unref();
  }

  /** Leaves the paused state once every waiting write has gone through. */
  private recorded(): void {
    if (!this.unrecorded || this.toMark.length > 0 || this.toRecord.length > 0) return;
    this.o.log.info({ pausedMs: this.o.clock.now().getTime() - this.unrecorded.since }, 'sent messages are recorded again: sending resumes');
    this.unrecorded = undefined;
    if (this.started) this.pumpSoon();
  }

  /**
   * Writes a send's outcome other than "sent" (a retry later, a failure for good); resolves once
   * it is written, the message's lane busy until then, so it is never sent again in between.
   */
  private record(write: () => void): Promise<void> {
    return new Promise((done) => {
      this.toRecord.push({ write, done });
      if (this.toRecord.length === 1 && !this.recordTimer) this.flushRecords();
    });
  }

  private flushRecords(): void {
    while (this.toRecord.length > 0) {
      const r = this.toRecord[0]!;
      try {
        r.write();
      } catch (err) {
        this.cannotRecord(err, []);
        return;
      }
      this.toRecord.shift();
      r.done();
    }
    this.recorded();
  }

  /**
   * A clock set back (by NTP, by hand) would leave send times in the future, and every lane that
   * was full would stay full until the clock caught up: the minute's send times are forgotten
   * instead (the platform refuses a burst over its limit with a retryable error at worst).
   */
  private noticeClockStep(now: number): void {
    if (now < this.latestNow - CLOCK_STEP_MS) {
      const step = this.latestNow - now;
      this.sentAt.clear();
      // Messages waiting for a time now that far off keep their place and their backoff.
      try {
        writeIfFree(this.o.outbox.db, () => this.o.outbox.shiftPending(-step));
      } catch (err) {
        this.o.log.warn({ err }, 'the clock was set back; queued messages wait until their time comes again');
      }
      this.o.log.warn({ stepMs: step }, 'the clock was set back: rate limits start afresh');
      this.latestNow = now;
    }
    this.latestNow = Math.max(this.latestNow, now);
  }

  private latestNow = -Infinity;

  /** When the message's lane has room in its rate limit: `now` or earlier if it has room now. */
  private roomAt(m: OutboxItem, now: number): number {
    // The playground page is not a platform with limits; holding its replies back only confuses.
    if (m.platform === 'playground') return now;
    const limit = m.kind === 'person' ? this.o.rates.personPerMinute : this.o.rates.groupPerMinute;
    const times = this.sentAt.get(m.lane);
    if (!times) return now;
    // Oldest first: drop the sends that have left the minute.
    let gone = 0;
    while (gone < times.length && times[gone]! <= now - MINUTE) gone += 1;
    if (gone > 0) times.splice(0, gone);
    // Room comes back when the send that fills the limit leaves the minute.
    return times.length < limit ? now : times[times.length - limit]! + MINUTE;
  }

  private async sendOne(m: OutboxItem): Promise<void> {
    const shown = loggable(m);
    const where = { outboxId: m.id, platform: m.platform, kind: m.kind, lane: shown.lane };
    const { log } = this.o;
    const adapter = this.o.adapters[m.platform];
    const started = this.o.clock.now().getTime();
    let result: Awaited<ReturnType<PlatformAdapter['send']>>;
    if (!adapter) {
      result = { ok: false, retryable: false, error: `platform ${m.platform} is not configured` };
    } else {
      try {
        result = await adapter.send(m);
      } catch (err) {
        result = { ok: false, retryable: true, error: err instanceof Error ? err.message : String(err) };
      }
    }
    const now = this.o.clock.now().getTime();
    const times = this.sentAt.get(m.lane);
    if (times) times.push(now);
    else this.sentAt.set(m.lane, [now]);
    if (result.ok) {
      await this.markSent(m.id, now);
      if (log.isLevelEnabled('debug')) log.debug({ ...where, ms: now - started }, 'message sent');
      for (const fn of this.listeners) fn({ ...m, status: 'sent', sentAt: now });
      return;
    }
    const attempt = m.attempts + 1;
    if (result.retryable && now - m.createdAt < GIVE_UP_AFTER_MS) {
      const at = now + retryDelay(attempt);
      await this.record(() => this.o.outbox.scheduleRetry(m.id, at, result.error));
      log.warn({ ...where, attempt, retryAt: new Date(at).toISOString(), error: result.error }, 'send failed, will retry');
    } else {
      await this.record(() => this.o.outbox.markFailed(m.id, result.error));
      log.error({ ...where, attempt, destination: shown.destination, error: result.error }, 'send failed for good; see `lianbao outbox`');
    }
  }
}
