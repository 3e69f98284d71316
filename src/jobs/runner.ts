import type { Logger } from 'pino';
import type { Core } from '../core.js';
import type { Db } from '../db/open.js';
import type { Job } from './types.js';

export type RunOutcome =
  | { status: 'done'; periodKey: string; summary: string }
  | { status: 'skipped'; periodKey: string; reason: string }
  | { status: 'failed'; periodKey: string; error: string };

/** A run still marked 'running' after this long is taken to have died with its process. */
const STALE_RUN_MS = 15 * 60_000;

/**
 * Claims a period for a job. The (job, period_key) primary key means two processes cannot both
 * claim it; a failed run, or one whose process died, may be claimed again.
 */
function claim(db: Db, job: string, periodKey: string, now: number, force: boolean): boolean {
  const inserted = db
    .prepare("INSERT INTO job_runs (job, period_key, started_at, status) VALUES (?, ?, ?, 'running') ON CONFLICT DO NOTHING")
    .run(job, periodKey, now).changes;
  if (inserted === 1) return true;
  const retake = force
    ? "UPDATE job_runs SET started_at = @now, finished_at = NULL, status = 'running', error = NULL WHERE job = @job AND period_key = @key AND status != 'running'"
    : "UPDATE job_runs SET started_at = @now, finished_at = NULL, status = 'running', error = NULL WHERE job = @job AND period_key = @key AND (status = 'failed' OR (status = 'running' AND started_at < @stale))";
  return db.prepare(retake).run({ now, job, key: periodKey, stale: now - STALE_RUN_MS }).changes === 1;
}

/**
 * Runs a job as of `now`, at most once per period unless forced (SPEC §6). The messages it
 * queues go out through the outbox; the delivery worker is woken afterwards.
 */
export async function runJob(core: Core, job: Job, now: Date, opts: { force?: boolean; log?: Logger } = {}): Promise<RunOutcome> {
  const periodKey = job.periodKey(now);
  const log = (opts.log ?? core.log).child({ job: job.name, period: periodKey });
  const started = core.clock.now().getTime();
  const notDue = opts.force ? null : (job.notDue?.(core, now) ?? null);
  if (notDue) {
    log.debug({ reason: notDue }, 'not due');
    return { status: 'skipped', periodKey, reason: notDue };
  }
  if (!claim(core.db, job.name, periodKey, started, opts.force ?? false)) {
    log.debug('period already run');
    return { status: 'skipped', periodKey, reason: `${periodKey} 已经运行过` };
  }
  const runKey = opts.force ? `${periodKey}:forced:${started}` : periodKey;
  try {
    const summary = await job.run({ core, log, now, runKey });
    core.db.prepare("UPDATE job_runs SET status = 'done', finished_at = ? WHERE job = ? AND period_key = ?").run(core.clock.now().getTime(), job.name, periodKey);
    log.info({ summary, ms: core.clock.now().getTime() - started }, 'job done');
    core.worker.wake();
    return { status: 'done', periodKey, summary };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    core.db.prepare("UPDATE job_runs SET status = 'failed', finished_at = ?, error = ? WHERE job = ? AND period_key = ?").run(core.clock.now().getTime(), error, job.name, periodKey);
    log.error({ err }, 'job failed');
    return { status: 'failed', periodKey, error };
  }
}

export function wasRun(db: Db, job: string, periodKey: string): boolean {
  const row = db.prepare("SELECT 1 FROM job_runs WHERE job = ? AND period_key = ? AND status = 'done'").get(job, periodKey);
  return row !== undefined;
}
