import type { Db } from './open.js';

/**
 * The `job_runs` table: one row per job and period (SPEC §6). The (job, period_key) primary key
 * means two processes cannot both claim a period.
 */
export class JobRunsRepo {
  private readonly s;

  constructor(db: Db) {
    const retake = "UPDATE job_runs SET started_at = @now, finished_at = NULL, status = 'running', error = NULL WHERE job = @job AND period_key = @key";
    this.s = {
      insert: db.prepare<[string, string, number]>(
        "INSERT INTO job_runs (job, period_key, started_at, status) VALUES (?, ?, ?, 'running') ON CONFLICT DO NOTHING",
      ),
      retakeForced: db.prepare<[{ now: number; job: string; key: string }]>(`${retake} AND status != 'running'`),
      retake: db.prepare<[{ now: number; job: string; key: string; stale: number }]>(
        `${retake} AND (status = 'failed' OR (status = 'running' AND started_at < @stale))`,
      ),
      done: db.prepare<[number, string, string]>("UPDATE job_runs SET status = 'done', finished_at = ? WHERE job = ? AND period_key = ?"),
      failed: db.prepare<[number, string, string, string]>(
        "UPDATE job_runs SET status = 'failed', finished_at = ?, error = ? WHERE job = ? AND period_key = ?",
      ),
      wasRun: db.prepare<[string, string], { one: number }>("SELECT 1 AS one FROM job_runs WHERE job = ? AND period_key = ? AND status = 'done'"),
      lastStarted: db.prepare<[], { t: number | null }>('SELECT max(started_at) AS t FROM job_runs'),
    };
  }

  /**
   * Claims a period for a job at `now`: a period never run, or (unless forced, when anything but a
   * run still going may be taken again) one whose run failed or was still running before
   * `staleBefore`, its process taken to have died. False when it is not to be run.
   */
  claim(job: string, periodKey: string, now: number, o: { force: boolean; staleBefore: number }): boolean {
    if (this.s.insert.run(job, periodKey, now).changes === 1) return true;
    const key = { now, job, key: periodKey };
    return (o.force ? this.s.retakeForced.run(key) : this.s.retake.run({ ...key, stale: o.staleBefore })).changes === 1;
  }

  done(job: string, periodKey: string, at: number): void {
    this.s.done.run(at, job, periodKey);
  }

  failed(job: string, periodKey: string, at: number, error: string): void {
    this.s.failed.run(at, error, job, periodKey);
  }

  /** Whether the period has a finished run. */
  wasRun(job: string, periodKey: string): boolean {
    return this.s.wasRun.get(job, periodKey) !== undefined;
  }

  /** When any job last started, by any process: the server was alive then. */
  lastStartedAt(): number | null {
    return this.s.lastStarted.get()!.t;
  }
}
