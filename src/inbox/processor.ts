import type { Logger } from 'pino';
import { Worker } from 'node:worker_threads';
import type { RunOutcome } from '../jobs/runner.js';
import type { Job } from '../jobs/types.js';
import type { Inbox } from './inbox.js';
import type { ProcessorLoop } from './loop.js';

/**
 * Handles what the inbox holds, in order, in the main database, and runs the scheduled jobs handed
 * to it (src/inbox/loop.ts). The server runs it in a thread of its own (`ThreadProcessor`); with an
 * in-memory database, which a thread cannot share, on its own thread (`LocalProcessor`).
 */
export interface Processor {
  start(): void;
  /** Messages are waiting; once per turn of the event loop is enough. */
  wake(): void;
  /** Runs a scheduled job as of `now` where messages are handled (one after another with them). */
  runJob(job: Job, now: Date): Promise<RunOutcome>;
  /** Why stored messages would not be handled, for /readyz; undefined when all is well. */
  problem(): string | undefined;
  /** Messages stored but not yet handled. */
  waiting(): number;
  /** Lets it work off the inbox, then stops it. */
  stop(): Promise<void>;
}

export interface ProcessorOptions {
  inbox: Inbox;
  log: Logger;
  /** called when handled messages or a job may have queued replies, to wake the delivery worker */
  onProgress: () => void;
}

/** The inbox is pruned of handled messages at most this often. */
const PRUNE_MS = 200;

/** What both kinds share: how far the inbox is handled, and pruning it behind that. */
abstract class Behind {
  /** The last inbox id handled. */
  protected handled = 0;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(protected readonly o: ProcessorOptions) {}

  waiting(): number {
    return this.o.inbox.countAfter(this.handled);
  }

  /** Every message up to `upTo` is handled: replies may be queued, and the inbox can lose them. */
  protected progress(upTo: number): void {
    this.handled = Math.max(this.handled, upTo);
    this.o.onProgress();
    if (this.pruneTimer) return;
    this.pruneTimer = setTimeout(() => {
      this.pruneTimer = undefined;
      this.prune();
    }, PRUNE_MS);
    this.pruneTimer.unref();
  }

  protected prune(): void {
    if (this.pruneTimer) clearTimeout(this.pruneTimer);
    this.pruneTimer = undefined;
    if (this.handled === 0) return;
    try {
      this.o.inbox.prune(this.handled);
    } catch (err) {
      // Nothing is lost: handled messages left in the inbox are recognised and skipped.
      this.o.log.warn({ err }, 'handled messages could not be removed from the inbox; trying again later');
    }
  }
}

/** Builds the loop on the server's own connections, starting after `startAfter`. */
export type LoopFactory = (startAfter: number, hooks: { onProgress(upTo: number): void; onStopped(upTo: number): void }) => ProcessorLoop;

/**
 * The processor on the server's own thread, for an in-memory database (a thread cannot share it):
 * the same loop as the thread's, on the server's connections, a batch per turn of the event loop.
 */
export class LocalProcessor extends Behind implements Processor {
  private loop: ProcessorLoop | undefined;
  private stopped: Promise<void> = Promise.resolve();

  constructor(
    o: ProcessorOptions,
    private readonly makeLoop: LoopFactory,
  ) {
    super(o);
  }

  start(): void {
    this.stopped = new Promise((resolve) => {
      this.loop = this.makeLoop(this.handled, { onProgress: (upTo) => this.progress(upTo), onStopped: () => resolve() });
    });
    this.loop!.wake();
  }

  wake(): void {
    this.loop?.wake();
  }

  runJob(job: Job, now: Date): Promise<RunOutcome> {
    if (!this.loop) return Promise.reject(new Error('the message processor is not running'));
    return this.loop.runJob(job.name, now.getTime()).finally(() => this.o.onProgress());
  }

  problem(): string | undefined {
    return this.loop ? undefined : 'the message processor is not running';
  }

  /** Resolves once everything stored so far is handled. */
  async idle(): Promise<void> {
    await this.loop?.whenIdle();
  }

  async stop(): Promise<void> {
    this.loop?.stop();
    await this.stopped;
    this.loop = undefined;
    this.prune();
  }
}

/** What the processor thread is started with. */
export interface ProcessorData {
  /** the environment the server's configuration was read from */
  env: Record<string, string | undefined>;
  inboxPath: string;
  /** the last inbox id known to be handled: the thread starts after it */
  startAfter: number;
}

export type ToProcessor =
  | 'wake'
  | 'stop'
  /** run a scheduled job as of `at` (ms), as `lianbao jobs run` would */
  | { kind: 'job'; id: number; name: string; at: number };

export type ToMain =
  | { kind: 'ready' }
  /** every message up to this inbox id is handled (committed in the main database) */
  | { kind: 'progress'; upTo: number }
  | { kind: 'stopped'; upTo: number }
  | { kind: 'job-done'; id: number; outcome: RunOutcome };

export interface ThreadProcessorOptions extends ProcessorOptions, Omit<ProcessorData, 'startAfter'> {
  /** how long `stop` waits for the inbox to be worked off */
  stopTimeoutMs?: number;
}

const RESTART_MS = 1_000;
/** How long a starting thread may take before /readyz counts it as not running. */
const STARTUP_GRACE_MS = 10_000;

/**
 * Runs the processor thread (src/processor-thread.ts) beside the HTTP server: the server stores
 * each verified message in the inbox and answers the platform, the processor handles the messages
 * in order on another core, and the replies they queue are sent by the delivery worker here. Its
 * own SQLite connection commits batches of messages; a thread that dies is started again, and
 * takes up the inbox where it stands.
 */
export class ThreadProcessor extends Behind implements Processor {
  private worker: Worker | undefined;
  private ready = false;
  private spawnedAt = 0;
  private stopping = false;
  private wakeScheduled = false;
  private exited: Promise<void> = Promise.resolve();
  /** Jobs handed to the thread and not yet answered, by request id. */
  private readonly jobs = new Map<number, { name: string; at: number; sent: boolean; done: (o: RunOutcome) => void; fail: (err: Error) => void }>();
  private jobSeq = 0;

  constructor(private readonly t: ThreadProcessorOptions) {
    super(t);
  }

  /**
   * Runs a scheduled job in the thread, which has its own connection to the database: a job that
   * waits there for another process's write lock (an import, `lianbao jobs run`) holds up no
   * callback. A job asked for while the thread is (re)starting is sent once it is ready.
   */
  runJob(job: Job, now: Date): Promise<RunOutcome> {
    return new Promise((done, fail) => {
      const id = ++this.jobSeq;
      this.jobs.set(id, { name: job.name, at: now.getTime(), sent: false, done, fail });
      if (this.ready) this.sendJobs();
    });
  }

  private sendJobs(): void {
    for (const [id, j] of this.jobs) {
      if (j.sent || !this.worker) continue;
      j.sent = true;
      this.worker.postMessage({ kind: 'job', id, name: j.name, at: j.at } satisfies ToProcessor);
    }
  }

  start(): void {
    this.spawn();
  }

  wake(): void {
    if (this.wakeScheduled || !this.worker) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.worker?.postMessage('wake' satisfies ToProcessor);
    });
  }

  /** A thread still starting is no reason: callbacks are stored meanwhile, and handled a moment later. */
  problem(): string | undefined {
    if (this.ready || (this.worker && Date.now() - this.spawnedAt < STARTUP_GRACE_MS)) return undefined;
    return 'the message processor is not running';
  }

  /** Lets the thread work off the inbox (up to `stopTimeoutMs`), then stops it. */
  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (!worker) return;
    worker.postMessage('stop' satisfies ToProcessor);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.t.stopTimeoutMs ?? 10_000).unref());
    if ((await Promise.race([this.exited, timeout])) === 'timeout') {
      this.o.log.warn('the message processor did not finish the inbox in time; the rest is handled at the next start');
      await worker.terminate();
    }
    this.prune();
  }

  private spawn(): void {
    const data: ProcessorData = { env: this.t.env, inboxPath: this.t.inboxPath, startAfter: this.handled };
    this.spawnedAt = Date.now();
    const worker = new Worker(new URL('../processor-thread.js', import.meta.url), {
      workerData: data,
      // Its garbage is short-lived (one message's objects); a small young generation keeps the
      // process small without collecting more often than is cheap.
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 },
    });
    this.worker = worker;
    this.exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        this.ready = false;
        this.worker = undefined;
        // A job the thread was running dies with it: its period may be claimed again once the
        // claim is stale, or by the next firing of a job that runs often.
        for (const [id, j] of this.jobs) {
          if (!j.sent) continue;
          this.jobs.delete(id);
          j.fail(new Error(`the message processor stopped while running ${j.name}`));
        }
        resolve();
        if (this.stopping) return;
        this.o.log.error({ code, restartInMs: RESTART_MS }, 'the message processor stopped unexpectedly; starting it again');
        setTimeout(() => {
          if (!this.stopping) this.spawn();
        }, RESTART_MS).unref();
      });
    });
    worker.on('error', (err) => this.o.log.error({ err }, 'the message processor failed'));
    worker.on('message', (m: ToMain) => {
      if (m.kind === 'ready') {
        this.ready = true;
        this.sendJobs();
        return;
      }
      if (m.kind === 'job-done') {
        const j = this.jobs.get(m.id);
        this.jobs.delete(m.id);
        j?.done(m.outcome);
        // What the job queued goes out from here.
        this.o.onProgress();
        return;
      }
      this.progress(m.upTo);
    });
  }
}
