import type { Logger } from 'pino';
import { Worker } from 'node:worker_threads';
import type { RunOutcome } from '../jobs/runner.js';
import type { Job } from '../jobs/types.js';
import type { Inbox } from './inbox.js';

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

export interface ProcessorOptions extends Omit<ProcessorData, 'startAfter'> {
  inbox: Inbox;
  log: Logger;
  /** called when handled messages may have queued replies, to wake the delivery worker */
  onProgress: () => void;
  /** how long `stop` waits for the inbox to be worked off */
  stopTimeoutMs?: number;
}

const RESTART_MS = 1_000;
/** How long a starting thread may take before /readyz counts it as not running. */
const STARTUP_GRACE_MS = 10_000;
/** The inbox is pruned of handled messages at most this often. */
const PRUNE_MS = 200;

/**
 * Runs the processor thread (./processor-thread.ts) beside the HTTP server: the server stores each
 * verified message in the inbox and answers the platform, the processor handles the messages in
 * order on another core, and the replies they queue are sent by the delivery worker here. Its own
 * SQLite connection commits batches of messages; a thread that dies is started again, and takes
 * up the inbox where it stands.
 */
export class Processor {
  private worker: Worker | undefined;
  private ready = false;
  private spawnedAt = 0;
  private stopping = false;
  private wakeScheduled = false;
  private pruneTimer: NodeJS.Timeout | undefined;
  /** The last inbox id handled, as reported by the thread. */
  private handled = 0;
  private exited: Promise<void> = Promise.resolve();
  /** Jobs handed to the thread and not yet answered, by request id. */
  private readonly jobs = new Map<number, { name: string; at: number; sent: boolean; done: (o: RunOutcome) => void; fail: (err: Error) => void }>();
  private jobSeq = 0;

  constructor(private readonly o: ProcessorOptions) {}

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

  /** Tells the thread that messages are waiting; once per turn of the event loop. */
  wake(): void {
    if (this.wakeScheduled || !this.worker) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.worker?.postMessage('wake' satisfies ToProcessor);
    });
  }

  /**
   * Why stored messages would not be handled, for /readyz; undefined when all is well. A thread
   * still starting is no reason: callbacks are stored meanwhile, and handled a moment later.
   */
  problem(): string | undefined {
    if (this.ready || (this.worker && Date.now() - this.spawnedAt < STARTUP_GRACE_MS)) return undefined;
    return 'the message processor is not running';
  }

  /** Messages stored but not yet handled. */
  waiting(): number {
    return this.o.inbox.countAfter(this.handled);
  }

  /** Lets the thread work off the inbox (up to `stopTimeoutMs`), then stops it. */
  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (!worker) return;
    worker.postMessage('stop' satisfies ToProcessor);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.o.stopTimeoutMs ?? 10_000).unref());
    if ((await Promise.race([this.exited, timeout])) === 'timeout') {
      this.o.log.warn('the message processor did not finish the inbox in time; the rest is handled at the next start');
      await worker.terminate();
    }
    if (this.pruneTimer) clearTimeout(this.pruneTimer);
    this.prune();
  }

  private spawn(): void {
    const data: ProcessorData = { env: this.o.env, inboxPath: this.o.inboxPath, startAfter: this.handled };
    this.spawnedAt = Date.now();
    const worker = new Worker(new URL('./processor-thread.js', import.meta.url), {
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
      this.handled = Math.max(this.handled, m.upTo);
      this.o.onProgress();
      this.pruneSoon();
    });
  }

  private pruneSoon(): void {
    if (this.pruneTimer) return;
    this.pruneTimer = setTimeout(() => {
      this.pruneTimer = undefined;
      this.prune();
    }, PRUNE_MS);
    this.pruneTimer.unref();
  }

  private prune(): void {
    if (this.handled === 0) return;
    try {
      this.o.inbox.prune(this.handled);
    } catch (err) {
      // Nothing is lost: handled messages left in the inbox are recognised and skipped.
      this.o.log.warn({ err }, 'handled messages could not be removed from the inbox; trying again later');
    }
  }
}
