import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { JobRunsRepo } from '../db/job-runs-repo.js';
import { runJob, type RunnerDeps, type RunOutcome } from './runner.js';
import type { Job } from './types.js';

export const TIMEZONE = 'Asia/Shanghai';
const CATCH_UP_MS = 7 * 24 * 3_600_000;
const MINUTE = 60_000;

/** The schedule of each job: its default, or the configured override. */
export function schedules(jobs: readonly Job[], overrides: Record<string, string>): Map<Job, string> {
  return new Map(jobs.map((j) => [j, overrides[j.name] ?? j.schedule]));
}

/**
 * The firing times of a schedule in (from, to], oldest first, one per period: the latest firing
 * of each period, since that is the one a running server would have acted on last.
 */
export function missedRuns(job: Job, schedule: string, from: number, to: number): Date[] {
  const task = cron.createTask(schedule, () => undefined, { timezone: TIMEZONE });
  const byPeriod = new Map<string, Date>();
  for (let t = Math.ceil(from / MINUTE) * MINUTE; t <= to; t += MINUTE) {
    const d = new Date(t);
    if (task.match(d)) byPeriod.set(job.periodKey(d), d);
  }
  void task.destroy();
  return [...byPeriod.values()];
}

/** Runs one job as of `now` (once per period): handed to the processor by the server. */
export type JobRunner = (job: Job, now: Date) => Promise<RunOutcome>;

/** What the schedule needs: which periods have run, the time, and who runs a job. */
export interface SchedulerDeps {
  runs: Pick<JobRunsRepo, 'wasRun' | 'lastStartedAt'>;
  clock: Clock;
  log: Logger;
  run: JobRunner;
}

/** A schedule whose jobs run in this thread, on `d` (tests, and the benchmark's catch-up before a server starts). */
export function runHere(d: RunnerDeps): SchedulerDeps {
  return { runs: d.runs, clock: d.jobs.clock, log: d.log, run: (job, now) => runJob(d, job, now) };
}

/**
 * Starts every job on its node-cron schedule (Asia/Shanghai), and makes up, once each, the
 * periods missed in the last 7 days while the server was down. The server hands the runs to the
 * processor thread (`run`), where waiting for the database's write lock holds up no callback.
 */
export function startScheduler(
  d: SchedulerDeps,
  jobs: readonly Job[],
  overrides: Record<string, string>,
): { stop(): Promise<void>; caughtUp: Promise<void> } {
  const tasks: ScheduledTask[] = [];
  let running: Promise<unknown> = Promise.resolve();
  // Jobs run one after another, so a long report never overlaps the escalation sweep's writes.
  const enqueue = (job: Job, now: Date) => {
    running = running.then(() => d.run(job, now)).catch((err: unknown) => d.log.error({ err, job: job.name }, 'job crashed'));
    return running;
  };
  for (const [job, schedule] of schedules(jobs, overrides)) {
    tasks.push(cron.schedule(schedule, () => void enqueue(job, d.clock.now()), { timezone: TIMEZONE, name: job.name, noOverlap: true }));
  }

  const caughtUp = (async () => {
    const now = d.clock.now().getTime();
    // Only what was missed while the server was down: from when it last ran a job (escalate runs
    // every minute), and no further back than 7 days. A new database has missed nothing.
    const lastAlive = d.runs.lastStartedAt();
    const from = lastAlive === null ? now : Math.max(lastAlive, now - CATCH_UP_MS);
    for (const [job, schedule] of schedules(jobs, overrides)) {
      if (!job.catchUp) {
        await enqueue(job, new Date(now));
        continue;
      }
      for (const at of missedRuns(job, schedule, from, now)) {
        if (d.runs.wasRun(job.name, job.periodKey(at))) continue;
        d.log.info({ job: job.name, at: at.toISOString() }, 'making up a run missed while the server was down');
        await enqueue(job, at);
      }
    }
  })();

  return {
    caughtUp,
    async stop() {
      for (const t of tasks) await t.stop();
      await running;
    },
  };
}
