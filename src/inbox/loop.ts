import type { Logger } from 'pino';
import type { RunOutcome } from '../jobs/runner.js';
import type { InboxHandler } from './handler.js';
import type { InboxReader } from './inbox.js';

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
/** How often the inbox is looked at without being woken. */
const POLL_MS = 2_000;

export interface ProcessorLoopDeps {
  reader: InboxReader;
  handler: InboxHandler;
  /** runs a scheduled job by name as of `at` (ms), as `lianbao jobs run` would */
  runJob(name: string, at: number): Promise<RunOutcome>;
  log: Logger;
  /** every message up to this inbox id is handled (committed in the main database) */
  onProgress(upTo: number): void;
  /** once stopped: the inbox is worked off (as far as it could be) and nothing runs any more */
  onStopped(upTo: number): void;
}

/**
 * What the processor does, wherever it runs (a thread of its own, or the server's thread for an
 * in-memory database): handles the inbox a batch at a time (src/inbox/handler.ts), each batch on
 * its own turn of the event loop, waits and tries again when the database fails, and runs the
 * scheduled jobs handed to it one after another between batches.
 */
export class ProcessorLoop {
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = FIRST_RETRY_MS;
  private stopping = false;
  private finished = false;
  private reported: number;
  private readonly jobs: { name: string; at: number; done: (o: RunOutcome) => void }[] = [];
  private jobRunning = false;
  private readonly idle: (() => void)[] = [];
  // Messages another process puts in the inbox (`lianbao inbox retry`) are found without a wake.
  private readonly poll = setInterval(() => this.wake(), POLL_MS);

  constructor(private readonly d: ProcessorLoopDeps) {
    this.reported = d.handler.upTo;
    this.poll.unref();
  }

  /** The last inbox id handled. */
  get upTo(): number {
    return this.d.handler.upTo;
  }

  /** Messages are waiting: handle them on a coming turn of the event loop. */
  wake(): void {
    if (this.scheduled || this.retryTimer || this.finished) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  /** Runs a job between batches; resolves with its outcome (a failure to run it is one too). */
  runJob(name: string, at: number): Promise<RunOutcome> {
    return new Promise((done) => {
      this.jobs.push({ name, at, done });
      void this.runJobs();
    });
  }

  /** Resolves the next time the inbox has nothing to handle (for tests, and an in-memory server). */
  whenIdle(): Promise<void> {
    if (this.finished) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle.push(resolve);
      this.wake();
    });
  }

  /** Works off the inbox and the jobs handed over, then stops (`onStopped`). */
  stop(): void {
    this.stopping = true;
    this.wake();
  }

  /** Handles the next batch, and says how far it has come. */
  private readonly run = (): void => {
    this.scheduled = false;
    if (this.finished) return;
    const step = this.d.handler.step();
    const upTo = this.d.handler.upTo;
    if (upTo > this.reported) {
      this.reported = upTo;
      this.d.reader.checkpoint();
      this.d.onProgress(upTo);
    }
    if (step.kind === 'idle') {
      for (const resolve of this.idle.splice(0)) resolve();
      if (this.stopping && !this.jobRunning && this.jobs.length === 0) this.finish();
      return;
    }
    if (step.kind === 'failed') {
      this.d.log.error({ retryInMs: this.retryMs }, 'the inbox could not be processed; trying again');
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.wake();
      }, this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
      return;
    }
    this.retryMs = FIRST_RETRY_MS;
    this.wake();
  };

  private finish(): void {
    this.finished = true;
    clearInterval(this.poll);
    this.d.onStopped(this.d.handler.upTo);
  }

  private async runJobs(): Promise<void> {
    if (this.jobRunning) return;
    this.jobRunning = true;
    for (let j = this.jobs.shift(); j; j = this.jobs.shift()) {
      let outcome: RunOutcome;
      try {
        outcome = await this.d.runJob(j.name, j.at);
      } catch (err) {
        // runJob records its own failures; this is a failure to record one.
        this.d.log.error({ err, job: j.name }, 'job could not be run');
        outcome = { status: 'failed', periodKey: '', error: err instanceof Error ? err.message : String(err) };
      }
      j.done(outcome);
    }
    this.jobRunning = false;
    if (this.stopping) this.wake();
  }
}
