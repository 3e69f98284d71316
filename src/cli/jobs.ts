import pino from 'pino';
import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { findJob, JOBS } from '../jobs/index.js';
import { runJob } from '../jobs/runner.js';
import { createLogger } from '../log.js';
import { RosterRepo } from '../db/roster-repo.js';
import { WorkCalendar } from '../tickets/calendar.js';
import { openMainDb, wireHandling } from '../wiring.js';
import { calendarChecks } from './doctor.js';
import { readOptions, UsageError, type Out } from './common.js';

/** An ISO-8601 time; written without an offset it is Beijing time, like everything lianbao shows. */
export function parseBeijingTime(text: string): Date {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return new Date(`${t}T00:00:00+08:00`);
  if (/(?:[zZ]|[+-]\d{2}:?\d{2})$/.test(t)) return new Date(t);
  return new Date(`${t}+08:00`);
}

/** `lianbao jobs run <job>`: a scheduled job run once, as if its schedule fired at `--now`. */
export async function jobsVerb(config: Config, args: string[], out: Out, err: Out): Promise<number> {
  const { values, positionals } = readOptions(() =>
    parseArgs({ args, allowPositionals: true, options: { now: { type: 'string' }, force: { type: 'boolean' } } }),
  );
  const [sub, name] = positionals;
  if (sub !== 'run' || !name) throw new UsageError('用法：lianbao jobs run <任务> [--now <ISO-8601 时间>] [--force]');
  const job = findJob(name);
  if (!job) throw new UsageError(`没有名为 "${name}" 的任务；任务有：${JOBS.map((j) => j.name).join('、')}`);
  const now = values.now === undefined ? systemClock.now() : parseBeijingTime(values.now);
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now "${values.now}" 不是 ISO-8601 时间，例如 2026-11-02T09:00:00+08:00`);
  // The server's log lines are English JSON for log collectors; at the terminal the operator reads
  // Chinese: the calendar's warnings below, and the job's own result. LOG_LEVEL=debug (or any
  // level but the default) still shows the log lines, for whoever is tracing a problem.
  const log = createLogger(config.logLevel === 'info' ? 'silent' : config.logLevel, pino.destination(2));
  // The CLI only queues messages; the running server's delivery worker sends them within a second.
  const db = openMainDb(config, log, systemClock, { loadRoster: false, warnings: false });
  try {
    const health = new WorkCalendar(new RosterRepo(db).calendarOverrides(), config.workdayEnd).health(now);
    for (const check of calendarChecks(health)) if (!check.ok || check.warn) err(`注意：${check.detail}`);
    const handling = wireHandling(db, config, log, systemClock);
    const r = await runJob(handling.jobs, job, now, { force: values.force ?? false });
    const pending = handling.outbox.counts().pending;
    if (r.status === 'done') out(`${job.name} ${r.periodKey}：${r.summary}（外发队列中待发 ${pending} 条）`);
    if (r.status === 'skipped') out(`${job.name} ${r.periodKey}：已跳过，${r.reason}（加 --force 再运行一次）`);
    if (r.status === 'failed') out(`${job.name} ${r.periodKey}：运行失败：${r.error}`);
    return r.status === 'failed' ? 1 : 0;
  } finally {
    db.close();
  }
}
