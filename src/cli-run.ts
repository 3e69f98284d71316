import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDb, type Db } from './db/open.js';
import { OutboxRepo } from './db/outbox-repo.js';
import { inboxPathFor, openInbox } from './inbox/inbox.js';
import { SetAside } from './inbox/set-aside.js';
import { RosterError } from './roster/parse.js';
import { importRosterCommand } from './roster/import.js';
import { systemClock, type Clock } from './clock.js';
import { formatTime } from './tickets/format.js';
import { WorkCalendar } from './tickets/calendar.js';
import { RosterRepo } from './db/roster-repo.js';
import type { DoctorCheck } from './platforms/doctor.js';
import { doctorDingtalk } from './platforms/dingtalk/index.js';
import { doctorWecom } from './platforms/wecom/index.js';
import pino from 'pino';
import { createLogger } from './log.js';
import { findJob, JOBS } from './jobs/index.js';
import { runJob } from './jobs/runner.js';
import { calendarHealth, startCore, type CalendarHealth } from './startup.js';
import { monthPeriod } from './reports/figures.js';
import { collectMonth, FIGURE_HEADERS, figureRows, TICKET_HEADERS, toCsv, writeXlsx } from './reports/export.js';

const USAGE = `lianbao — 联保 command line

Usage:
  lianbao import <file>                 import the roster (YAML or JSON); re-import updates by id
  lianbao outbox [--failed|--pending]   list outbound messages (failed ones by default)
  lianbao outbox --retry <id>           send a failed message again
  lianbao jobs run <name> [--now <ISO-8601>] [--force]
                                        run a scheduled job as if its schedule fired at that time
                                        (once per period; --force runs it again); jobs: ${JOBS.map((j) => j.name).join(', ')}
  lianbao export --month YYYY-MM [--format csv|xlsx] [--out FILE] [--figures]
                                        export a month: csv (default) = one row per ticket received
                                        that month, or the figures with --figures, to stdout or FILE;
                                        xlsx (needs --out) = a sheet of tickets and one per breakdown
  lianbao inbox [list|show <id>|retry <id>|drop <id>]
                                        messages set aside because handling them failed again
                                        and again: list them, show one, put one back in the
                                        queue, or forget it
  lianbao backup <file>                 online backup of the SQLite database
  lianbao doctor                        check the configuration and reach each platform

The CLI reads the same environment and .env as the server (DATABASE_PATH etc.).`;

/** Thrown for a wrong invocation: printed with the usage, exit code 2. */
class UsageError extends Error {}

type Out = (line: string) => void;

/** Runs node:util's parseArgs, its complaints turned into usage errors (exit 2) an operator can read. */
function readOptions<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : String(e);
    const quoted = /'([^']*)'/.exec(message)?.[1]?.replace(/ <value>$/, '') ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`不认识的选项 ${quoted}`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`多余的参数 ${quoted}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new UsageError(message.includes('argument missing') ? `选项 ${quoted} 后面要写一个值` : `选项 ${quoted} 不带值`);
    }
    throw e;
  }
}

function withDb<T>(config: Config, fn: (db: Db) => T): T {
  const db = openDb(config.databasePath);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function cmdImport(config: Config, args: string[], out: Out): void {
  const file = args[0];
  if (!file) throw new UsageError('import needs a file: lianbao import roster.yaml');
  withDb(config, (db) => out(importRosterCommand(db, file, systemClock.now().getTime())));
}

function cmdOutbox(config: Config, args: string[], out: Out): void {
  const { values } = readOptions(() =>
    parseArgs({
      args,
      options: { failed: { type: 'boolean' }, pending: { type: 'boolean' }, retry: { type: 'string' }, limit: { type: 'string' } },
    }),
  );
  withDb(config, (db) => {
    const outbox = new OutboxRepo(db);
    if (values.retry !== undefined) {
      const id = Number(values.retry);
      if (!Number.isInteger(id) || id <= 0) throw new UsageError(`--retry needs a message id, got "${values.retry}"`);
      const item = outbox.get(id);
      if (!item) throw new UsageError(`no outbox message ${id}`);
      if (!outbox.requeue(id, systemClock.now().getTime())) {
        throw new UsageError(`message ${id} is ${item.status}, only failed messages can be retried`);
      }
      out(`message ${id} queued again; the running server sends it within a second`);
      return;
    }
    const status = values.pending ? 'pending' : 'failed';
    const items = outbox.list(status, Number(values.limit ?? 100));
    const c = outbox.counts();
    out(`outbox: ${c.pending} pending, ${c.failed} failed, ${c.sent} sent`);
    for (const m of items) {
      const first = m.text.split('\n')[0]!.slice(0, 40);
      out(`#${m.id}\t${status}\t${m.platform} ${m.kind} → ${m.to || m.chatId || ''}\tattempts ${m.attempts}\t${formatTime(m.createdAt)}\t${m.lastError ?? ''}\t${first}`);
    }
  });
}

/** `lianbao inbox`: the messages set aside (SPEC §9). */
function cmdInbox(config: Config, args: string[], out: Out): void {
  const [sub = 'list', idText, ...extra] = args;
  if (!['list', 'show', 'retry', 'drop'].includes(sub) || extra.length > 0 || (sub === 'list') !== (idText === undefined)) {
    throw new UsageError('usage: lianbao inbox [list | show <id> | retry <id> | drop <id>]');
  }
  if (config.databasePath === ':memory:') throw new UsageError('an in-memory database (DATABASE_PATH=:memory:) has no inbox');
  const db = openInbox(inboxPathFor(config.databasePath));
  try {
    const setAside = new SetAside(db);
    if (sub === 'list') {
      const rows = setAside.list();
      out(rows.length === 0 ? '没有搁置的消息' : `搁置的消息 ${setAside.count()} 条（lianbao inbox show <id> 查看，retry <id> 重新处理，drop <id> 删除）：`);
      for (const r of rows) {
        const m = r.message;
        const text = m ? [...m.text.replace(/\s+/g, ' ')].slice(0, 40).join('') : '（无法读取）';
        out(`${r.id}\t${formatTime(r.setAsideAt)}\t${m ? `${m.platform} ${m.chatId} ${m.senderId}` : ''}\t尝试${r.tries}次\t${r.reason}\t${text}`);
      }
      return;
    }
    const id = Number(idText);
    if (!Number.isInteger(id) || id <= 0) throw new UsageError(`"${idText}" is not a message id: lianbao inbox lists them`);
    const row = setAside.get(id);
    if (!row) throw new UsageError(`没有编号为 ${id} 的搁置消息（lianbao inbox 列出全部）`);
    if (sub === 'show') {
      out(`编号 ${row.id}，收到 ${formatTime(row.receivedAt)}，搁置 ${formatTime(row.setAsideAt)}，尝试 ${row.tries} 次`);
      out(`原因：${row.reason}`);
      out(row.message ? JSON.stringify(row.message, null, 2) : row.raw);
      return;
    }
    if (sub === 'retry') {
      setAside.retry(id, systemClock.now().getTime());
      out(`消息 ${id} 已放回队列末尾，运行中的服务器会在几秒内处理它（已处理过的消息不会重复生效）`);
      return;
    }
    setAside.drop(id);
    out(`消息 ${id} 已删除`);
  } finally {
    db.close();
  }
}

/** An ISO-8601 time; written without an offset it is Beijing time, like everything lianbao shows. */
export function parseBeijingTime(text: string): Date {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return new Date(`${t}T00:00:00+08:00`);
  if (/(?:[zZ]|[+-]\d{2}:?\d{2})$/.test(t)) return new Date(t);
  return new Date(`${t}+08:00`);
}

async function cmdJobs(config: Config, args: string[], out: Out): Promise<number> {
  const { values, positionals } = readOptions(() =>
    parseArgs({ args, allowPositionals: true, options: { now: { type: 'string' }, force: { type: 'boolean' } } }),
  );
  const [sub, name] = positionals;
  if (sub !== 'run' || !name) throw new UsageError('usage: lianbao jobs run <name> [--now <ISO-8601>] [--force]');
  const job = findJob(name);
  if (!job) throw new UsageError(`unknown job "${name}"; jobs: ${JOBS.map((j) => j.name).join(', ')}`);
  const now = values.now === undefined ? systemClock.now() : parseBeijingTime(values.now);
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now "${values.now}" is not an ISO-8601 time, e.g. 2026-11-02T09:00:00+08:00`);
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  // The CLI only queues messages; the running server's delivery worker sends them within a second.
  const core = startCore(config, log, systemClock, { loadRoster: false });
  try {
    const r = await runJob(core, job, now, { force: values.force ?? false });
    const pending = core.outbox.counts().pending;
    if (r.status === 'done') out(`${job.name} ${r.periodKey}: ${r.summary} (${pending} message(s) waiting in the outbox)`);
    if (r.status === 'skipped') out(`${job.name} ${r.periodKey}: skipped, ${r.reason} (use --force to run it again)`);
    if (r.status === 'failed') out(`${job.name} ${r.periodKey}: failed: ${r.error}`);
    return r.status === 'failed' ? 1 : 0;
  } finally {
    core.db.close();
  }
}

async function cmdExport(config: Config, args: string[], out: Out): Promise<void> {
  const { values } = readOptions(() =>
    parseArgs({
      args,
      options: { month: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, figures: { type: 'boolean' } },
    }),
  );
  if (values.month === undefined) throw new UsageError('export needs --month YYYY-MM, e.g. lianbao export --month 2026-10 --format csv');
  const period = monthPeriod(values.month);
  if (!period) throw new UsageError(`--month "${values.month}" is not a month: write YYYY-MM with a month from 01 to 12, e.g. 2026-10`);
  const file = values.out;
  const format = values.format ?? (file?.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv');
  if (format !== 'csv' && format !== 'xlsx') throw new UsageError(`--format "${format}" is not supported: use csv or xlsx`);
  const collect = () => withDb(config, (db) => collectMonth(db, period, systemClock.now().getTime()));
  if (format === 'xlsx') {
    if (!file) throw new UsageError(`an xlsx workbook is binary and is not written to the terminal: add --out FILE, e.g. --out ${values.month}.xlsx`);
    const data = collect();
    await writeXlsx(file, data);
    out(`${period.label}: ${data.tickets.length} ticket(s) and the figures written to ${file}`);
    return;
  }
  const data = collect();
  const csv = values.figures ? toCsv(FIGURE_HEADERS, figureRows(data.figures)) : toCsv(TICKET_HEADERS, data.tickets);
  if (!file) {
    // out() ends the line with \n: leaving the \r keeps every line CRLF, as in the file --out writes.
    out(csv.replace(/\n$/, ''));
    return;
  }
  writeFileSync(file, csv);
  out(`${period.label}: ${values.figures ? 'figures' : `${data.tickets.length} ticket(s)`} written to ${file}`);
}

/**
 * `lianbao backup <file> [--force]`: SQLite's online backup, written beside the file and renamed
 * into place, so that an interrupted backup never leaves half a file under that name. An existing
 * file is replaced only with --force: it may be the one good backup there is.
 */
async function cmdBackup(config: Config, args: string[], out: Out): Promise<void> {
  const { values, positionals } = readOptions(() => parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean' } } }));
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError('backup 需要一个文件名，例如：lianbao backup backups/lianbao-2026-11-01.db');
  if (existsSync(file) && !values.force) {
    throw new Error(`${file} 已存在，没有覆盖它。换一个文件名，或加 --force 覆盖：lianbao backup ${file} --force`);
  }
  mkdirSync(dirname(resolve(file)), { recursive: true });
  const partial = `${file}.${process.pid}.part`;
  const db = openDb(config.databasePath);
  try {
    const r = await db.backup(partial);
    renameSync(partial, file);
    out(`备份已写入 ${file}（${r.totalPages} 页）`);
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  } finally {
    db.close();
  }
}

/**
 * This year's holiday data is needed now; next year's is published by the State Council around
 * November, so until it is added a warning says when, and the check still passes.
 */
function calendarChecks({ year, thisYear, nextYear }: CalendarHealth): DoctorCheck[] {
  const how = "加到名册的 calendar 部分（holidays 放假、workdays 调休上班），再运行 lianbao import";
  return [
    thisYear
      ? { name: 'calendar', ok: true, detail: `有 ${year} 年的节假日数据` }
      : {
          name: 'calendar',
          ok: false,
          detail: `没有今年（${year} 年）的节假日数据：现在周一至周五都按工作日算，按工作日计算的时限不对。请把国务院办公厅公布的 ${year} 年放假安排${how}`,
        },
    nextYear
      ? { name: 'calendar', ok: true, detail: `有 ${year + 1} 年的节假日数据` }
      : {
          name: 'calendar',
          ok: true,
          warn: true,
          detail: `还没有 ${year + 1} 年的节假日数据：国务院办公厅一般在 11 月前后公布下一年的放假安排，公布后请${how}`,
        },
  ];
}

async function cmdDoctor(config: Config, out: Out, clock: Clock): Promise<boolean> {
  const checks: DoctorCheck[] = [];
  checks.push({ name: 'configuration', ok: true, detail: 'all variables valid' });
  try {
    withDb(config, (db) => {
      db.prepare("INSERT INTO settings (key, value) VALUES ('doctor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
        String(Date.now()),
      );
      const roster = new RosterRepo(db);
      checks.push({ name: 'database', ok: true, detail: `${config.databasePath} writable` });
      checks.push({
        name: 'roster',
        ok: !roster.isEmpty(),
        detail: roster.isEmpty() ? 'no roster yet: lianbao import roster.yaml' : `${roster.people().length} people, ${roster.projects().length} projects`,
      });
      checks.push(...calendarChecks(calendarHealth(new WorkCalendar(roster.calendarOverrides(), config.workdayEnd), clock.now())));
    });
  } catch (err) {
    checks.push({ name: 'database', ok: false, detail: err instanceof Error ? err.message : String(err) });
  }
  if (!config.wecom && !config.dingtalk) {
    checks.push({ name: 'platforms', ok: true, detail: 'none configured: only the playground is available' });
  }
  if (config.wecom) checks.push(...(await doctorWecom(config.wecom)));
  if (config.dingtalk) checks.push(...(await doctorDingtalk(config.dingtalk)));
  for (const c of checks) out(`${c.ok ? (c.warn ? 'WARN' : 'ok  ') : 'FAIL'}  ${c.name}: ${c.detail}`);
  return checks.every((c) => c.ok);
}

/** Runs one CLI invocation; returns the exit code. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  out: Out,
  err: Out,
  clock: Clock = systemClock,
): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === 'help' || verb === '--help' || verb === '-h') {
    out(USAGE);
    return verb ? 0 : 2;
  }
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`lianbao: ${e.message}`);
      return 1;
    }
    throw e;
  }
  try {
    switch (verb) {
      case 'import':
        cmdImport(config, rest, out);
        return 0;
      case 'outbox':
        cmdOutbox(config, rest, out);
        return 0;
      case 'inbox':
        cmdInbox(config, rest, out);
        return 0;
      case 'jobs':
        return await cmdJobs(config, rest, out);
      case 'export':
        await cmdExport(config, rest, out);
        return 0;
      case 'backup':
        await cmdBackup(config, rest, out);
        return 0;
      case 'doctor':
        return (await cmdDoctor(config, out, clock)) ? 0 : 1;
      default:
        throw new UsageError(`unknown command "${verb}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`lianbao: ${e.message}\n(lianbao help lists every command)`);
      return 2;
    }
    if (e instanceof RosterError) {
      err(e.message);
      err('nothing was imported');
      return 1;
    }
    err(`lianbao: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
