import type { Logger } from 'pino';
import type { Core } from '../core.js';

/** What a job gets when it runs. */
export interface JobContext {
  core: Core;
  log: Logger;
  /** the instant the job runs as of (its schedule's firing time, or `--now`) */
  now: Date;
  /** part of the dedupe keys of the messages this run sends: the period key, or a fresh key for `--force` */
  runKey: string;
}

/** A scheduled job (SPEC §6): one file each under src/jobs/. */
export interface Job {
  name: string;
  /** node-cron expression, Asia/Shanghai; overridable with SCHEDULE_<NAME> */
  schedule: string;
  /** The period a run at `now` belongs to; the job runs at most once per period. */
  periodKey(now: Date): string;
  /**
   * Why a firing at `now` has nothing to do yet (e.g. a report before the month's first working
   * day), or null when it is due. A firing that is not due does not use up its period.
   */
  notDue?(core: Core, now: Date): string | null;
  /** Whether a run missed while the server was down is made up at start-up (per missed period). */
  catchUp: boolean;
  /** Does the work; returns a one-line summary for logs and the CLI. */
  run(ctx: JobContext): string | Promise<string>;
}
