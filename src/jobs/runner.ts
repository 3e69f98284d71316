import type { Logger } from 'pino';
import type { JobRunsRepo } from '../db/job-runs-repo.js';
import type { Job, JobDeps } from './types.js';

export type RunOutcome =
  | { status: 'done'; periodKey: string; summary: string }
  | { status: 'skipped'; periodKey: string; reason: string }
  | { status: 'failed'; periodKey: string; error: string };

/** What running a job takes: the record of runs, what the jobs get, and where to log. */
export interface RunnerDeps {
  runs: JobRunsRepo;
  jobs: JobDeps;
  log: Logger;
  /** called after a run that may have queued messages, to send them */
  onQueued?(): void;
}

/** A run still marked 'running' after this long is taken to have died with its process. */
const STALE_RUN_MS = 15 * 60_000;

/**
 * Runs a job as of `now`, at most once per period unless forced (SPEC §6): a failed run, or one
 * whose process died, may run again. The messages it queues go out through the outbox.
 */
export async function runJob(d: RunnerDeps, job: Job, now: Date, opts: { force?: boolean; log?: Logger } = {}): Promise<RunOutcome> {
  const { clock } = d.jobs;
  const periodKey = job.periodKey(now);
  const log = (opts.log ?? d.log).child({ job: job.name, period: periodKey });
  const started = clock.now().getTime();
  const force = opts.force ?? false;
  const notDue = force ? null : (job.notDue?.(d.jobs, now) ?? null);
  if (notDue) {
    log.debug({ reason: notDue }, 'not due');
    return { status: 'skipped', periodKey, reason: notDue };
  }
  if (!d.runs.claim(job.name, periodKey, started, { force, staleBefore: started - STALE_RUN_MS })) {
    log.debug('period already run');
    return { status: 'skipped', periodKey, reason: `${periodKey} 已经运行过` };
  }
  const runKey = force ? `${periodKey}:forced:${started}` : periodKey;
  try {
    const summary = await job.run({ ...d.jobs, log, now, runKey });
    d.runs.done(job.name, periodKey, clock.now().getTime());
    log.info({ summary, ms: clock.now().getTime() - started }, 'job done');
    d.onQueued?.();
    return { status: 'done', periodKey, summary };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    d.runs.failed(job.name, periodKey, clock.now().getTime(), error);
    log.error({ err }, 'job failed');
    return { status: 'failed', periodKey, error };
  }
}
