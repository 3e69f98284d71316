import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Transactions } from '../db/open.js';
import type { Notifier } from '../delivery/notifier.js';
import type { Repos } from '../db/repos.js';
import type { Figures } from '../reports/figures.js';
import type { WorkCalendar } from '../tickets/calendar.js';

/** Where the nightly backup goes, and the online copy of the database it makes (SQLite's backup API). */
export interface BackupTarget {
  /** BACKUP_DIR; empty: no nightly backup */
  dir: string;
  /** how many backups are kept */
  keep: number;
  copyTo(file: string): Promise<{ totalPages: number }>;
  /** ATTACHMENTS_DIR, copied beside each backup; empty when no evidence is kept */
  attachmentsDir: string;
}

/** What the jobs use, wired once (src/wiring.ts). */
export interface JobDeps {
  repos: Repos;
  notify: Notifier;
  figures: Figures;
  /** the working-day calendar with the roster's overrides as they are now */
  calendar(): WorkCalendar;
  clock: Clock;
  /** what a job queues is written in the transaction of the change that causes it */
  tx: Transactions;
  backup: BackupTarget;
}

/** What a job gets when it runs. */
export interface JobContext extends JobDeps {
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
  notDue?(deps: Pick<JobDeps, 'calendar'>, now: Date): string | null;
  /** Whether a run missed while the server was down is made up at start-up (per missed period). */
  catchUp: boolean;
  /** Does the work; returns a one-line summary for logs and the CLI. */
  run(ctx: JobContext): string | Promise<string>;
}
