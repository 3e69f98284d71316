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
import { attachmentsHealth, copyAttachments } from './attachments/backup.js';
import { findJob, JOBS } from './jobs/index.js';
import { runJob } from './jobs/runner.js';
import { calendarHealth, startCore, type CalendarHealth } from './startup.js';
import { monthPeriod } from './reports/figures.js';
import { collectMonth, FIGURE_HEADERS, figureRows, TICKET_HEADERS, toCsv, writeXlsx } from './reports/export.js';

const USAGE = `lianbao — 联保命令行

用法：
  lianbao serve                         启动服务器（与 npm start 相同）
  lianbao import <文件>                 导入名册（YAML 或 JSON）；再次导入按 id 更新
  lianbao outbox [--failed|--pending]   列出外发消息（默认列出发送失败的）
  lianbao outbox --retry <编号>         重新发送一条发送失败的消息
  lianbao jobs run <任务> [--now <ISO-8601 时间>] [--force]
                                        当作定时任务在该时间触发，运行一次（每个周期只运行
                                        一次，--force 再运行一次）；任务：${JOBS.map((j) => j.name).join('、')}
  lianbao export --month YYYY-MM [--format csv|xlsx] [--out <文件>] [--figures]
                                        导出一个月：csv（默认）每张当月收到的工单一行，加
                                        --figures 则为统计数字，输出到屏幕或文件；xlsx（须加
                                        --out）含工单表和各分组统计表
  lianbao inbox [list|show <编号>|retry <编号>|drop <编号>]
                                        反复处理失败而被搁置的消息：列出、查看一条、放回
                                        队列重新处理，或删除
  lianbao backup <文件> [--force]       在线备份 SQLite 数据库（文件已存在时须加 --force），
                                        附件（证据）复制到 <文件>.attachments/
  lianbao doctor                        检查配置、数据库、名册和节假日数据，并连接各平台

命令行与服务器读取同样的环境变量和 .env（DATABASE_PATH 等）。`;

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
  if (!file) throw new UsageError('import 需要名册文件，例如：lianbao import roster.yaml');
  withDb(config, (db) => out(importRosterCommand(db, file, systemClock.now().getTime())));
}

const OUTBOX_STATUS: Record<string, string> = { pending: '待发', failed: '发送失败', sent: '已发送' };
const OUTBOX_KIND: Record<string, string> = { group: '群', person: '私信', reply: '回复' };

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
      if (!Number.isInteger(id) || id <= 0) throw new UsageError(`--retry 后面要写消息编号，"${values.retry}" 不是`);
      const item = outbox.get(id);
      if (!item) throw new UsageError(`没有编号为 ${id} 的外发消息（lianbao outbox 列出发送失败的消息）`);
      if (!outbox.requeue(id, systemClock.now().getTime())) {
        throw new UsageError(`消息 ${id} 的状态是「${OUTBOX_STATUS[item.status]}」，只有发送失败的消息才能重发`);
      }
      out(`消息 ${id} 已重新排队，运行中的服务器会在一秒内发送`);
      return;
    }
    const status = values.pending ? 'pending' : 'failed';
    const items = outbox.list(status, Number(values.limit ?? 100));
    const c = outbox.counts();
    out(`外发消息：待发 ${c.pending} 条，失败 ${c.failed} 条，已发 ${c.sent} 条`);
    for (const m of items) {
      const first = m.text.split('\n')[0]!.slice(0, 40);
      const to = `${m.platform} ${OUTBOX_KIND[m.kind]} → ${m.to || m.chatId || ''}`;
      out(`#${m.id}\t${OUTBOX_STATUS[status]}\t${to}\t尝试 ${m.attempts} 次\t${formatTime(m.createdAt)}\t${m.lastError ?? ''}\t${first}`);
    }
  });
}

/** `lianbao inbox`: the messages set aside (SPEC §9). */
function cmdInbox(config: Config, args: string[], out: Out): void {
  const [sub = 'list', idText, ...extra] = args;
  if (!['list', 'show', 'retry', 'drop'].includes(sub) || extra.length > 0 || (sub === 'list') !== (idText === undefined)) {
    throw new UsageError('用法：lianbao inbox [list | show <编号> | retry <编号> | drop <编号>]');
  }
  if (config.databasePath === ':memory:') throw new UsageError('内存数据库（DATABASE_PATH=:memory:）没有 inbox');
  const db = openInbox(inboxPathFor(config.databasePath));
  try {
    const setAside = new SetAside(db);
    if (sub === 'list') {
      const rows = setAside.list();
      out(rows.length === 0 ? '没有搁置的消息' : `搁置的消息 ${setAside.count()} 条（lianbao inbox show <编号> 查看，retry <编号> 重新处理，drop <编号> 删除）：`);
      for (const r of rows) {
        const m = r.message;
        const text = m ? [...m.text.replace(/\s+/g, ' ')].slice(0, 40).join('') : '（无法读取）';
        out(`${r.id}\t${formatTime(r.setAsideAt)}\t${m ? `${m.platform} ${m.chatId} ${m.senderId}` : ''}\t尝试${r.tries}次\t${r.reason}\t${text}`);
      }
      return;
    }
    const id = Number(idText);
    if (!Number.isInteger(id) || id <= 0) throw new UsageError(`"${idText}" 不是消息编号（lianbao inbox 列出全部）`);
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
  if (sub !== 'run' || !name) throw new UsageError('用法：lianbao jobs run <任务> [--now <ISO-8601 时间>] [--force]');
  const job = findJob(name);
  if (!job) throw new UsageError(`没有名为 "${name}" 的任务；任务有：${JOBS.map((j) => j.name).join('、')}`);
  const now = values.now === undefined ? systemClock.now() : parseBeijingTime(values.now);
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now "${values.now}" 不是 ISO-8601 时间，例如 2026-11-02T09:00:00+08:00`);
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  // The CLI only queues messages; the running server's delivery worker sends them within a second.
  const core = startCore(config, log, systemClock, { loadRoster: false });
  try {
    const r = await runJob(core, job, now, { force: values.force ?? false });
    const pending = core.outbox.counts().pending;
    if (r.status === 'done') out(`${job.name} ${r.periodKey}：${r.summary}（外发队列中待发 ${pending} 条）`);
    if (r.status === 'skipped') out(`${job.name} ${r.periodKey}：已跳过，${r.reason}（加 --force 再运行一次）`);
    if (r.status === 'failed') out(`${job.name} ${r.periodKey}：运行失败：${r.error}`);
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
  if (values.month === undefined) throw new UsageError('export 需要 --month YYYY-MM，例如：lianbao export --month 2026-10 --format csv');
  const period = monthPeriod(values.month);
  if (!period) throw new UsageError(`--month "${values.month}" 不是月份：请写成 YYYY-MM，月份为 01 到 12，例如 2026-10`);
  const file = values.out;
  const format = values.format ?? (file?.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv');
  if (format !== 'csv' && format !== 'xlsx') throw new UsageError(`不支持 --format "${format}"：请用 csv 或 xlsx`);
  const collect = () => withDb(config, (db) => collectMonth(db, period, systemClock.now().getTime()));
  if (format === 'xlsx') {
    if (!file) throw new UsageError(`xlsx 工作簿是二进制文件，不输出到屏幕：请加 --out <文件>，例如 --out ${values.month}.xlsx`);
    const data = collect();
    await writeXlsx(file, data);
    out(`${period.label}：${data.tickets.length} 张工单和统计已写入 ${file}`);
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
  out(`${period.label}：${values.figures ? '统计' : `${data.tickets.length} 张工单`}已写入 ${file}`);
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
    // After the database: every file it names was stored before it was named, so the copy has them all.
    if (config.attachments.dir) {
      const copied = await copyAttachments(config.attachments.dir, `${file}.attachments`);
      out(`附件已复制到 ${file}.attachments/（新复制 ${copied.copied} 个，已有 ${copied.present} 个）`);
    }
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
      ? { name: '节假日', ok: true, detail: `有 ${year} 年的节假日数据` }
      : {
          name: '节假日',
          ok: false,
          detail: `没有今年（${year} 年）的节假日数据：现在周一至周五都按工作日算，按工作日计算的时限不对。请把国务院办公厅公布的 ${year} 年放假安排${how}`,
        },
    nextYear
      ? { name: '节假日', ok: true, detail: `有 ${year + 1} 年的节假日数据` }
      : {
          name: '节假日',
          ok: true,
          warn: true,
          detail: `还没有 ${year + 1} 年的节假日数据：国务院办公厅一般在 11 月前后公布下一年的放假安排，公布后请${how}`,
        },
  ];
}

/** Below this much free space beside the evidence, `doctor` warns: a few hundred photos' worth. */
const ATTACHMENTS_LOW_BYTES = 1024 * 1024 * 1024;

/** The attachments folder: writable, and how much room it has (SPEC §10). */
async function attachmentsCheck(config: Config): Promise<DoctorCheck> {
  const { dir, maxBytes } = config.attachments;
  if (!dir) return { name: '附件', ok: true, warn: true, detail: 'ATTACHMENTS_DIR 为空：照片和文件不会保存' };
  const h = await attachmentsHealth(dir);
  if (!h.writable) return { name: '附件', ok: false, detail: `${dir} 无法写入：${h.error}；请检查该目录的属主和权限` };
  const free = `${(h.freeBytes / 1024 / 1024 / 1024).toFixed(1)} GB`;
  if (h.freeBytes < maxBytes) return { name: '附件', ok: false, detail: `${dir} 可用空间只剩 ${free}，放不下一个文件：请清理磁盘或换一个目录` };
  if (h.freeBytes < ATTACHMENTS_LOW_BYTES) return { name: '附件', ok: true, warn: true, detail: `${dir} 可用空间 ${free}，不到 1 GB：请尽快清理磁盘或扩容` };
  return { name: '附件', ok: true, detail: `${dir} 可写，可用空间 ${free}` };
}

async function cmdDoctor(config: Config, out: Out, clock: Clock): Promise<boolean> {
  const checks: DoctorCheck[] = [];
  checks.push({ name: '配置', ok: true, detail: '各变量均有效' });
  try {
    withDb(config, (db) => {
      db.prepare("INSERT INTO settings (key, value) VALUES ('doctor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
        String(Date.now()),
      );
      const roster = new RosterRepo(db);
      checks.push({ name: '数据库', ok: true, detail: `${config.databasePath} 可写` });
      checks.push({
        name: '名册',
        ok: !roster.isEmpty(),
        detail: roster.isEmpty() ? '还没有名册：lianbao import roster.yaml' : `人员 ${roster.people().length} 人，项目 ${roster.projects().length} 个`,
      });
      checks.push(...calendarChecks(calendarHealth(new WorkCalendar(roster.calendarOverrides(), config.workdayEnd), clock.now())));
    });
  } catch (err) {
    checks.push({ name: '数据库', ok: false, detail: `${config.databasePath} 无法写入：${err instanceof Error ? err.message : String(err)}` });
  }
  checks.push(await attachmentsCheck(config));
  if (!config.wecom && !config.dingtalk) {
    checks.push({ name: '平台', ok: true, detail: '没有配置企业微信或钉钉：只能用本地试用（playground）' });
  }
  if (config.wecom) checks.push(...(await doctorWecom(config.wecom)));
  if (config.dingtalk) checks.push(...(await doctorDingtalk(config.dingtalk)));
  for (const c of checks) out(`${c.ok ? (c.warn ? 'WARN' : 'ok  ') : 'FAIL'}  ${c.name}：${c.detail}`);
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
      case 'serve':
        throw new UsageError('serve 不带参数：lianbao serve');
      default:
        throw new UsageError(`不认识的命令 "${verb}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`lianbao: ${e.message}\n（lianbao help 列出全部命令）`);
      return 2;
    }
    if (e instanceof RosterError) {
      err(e.message);
      err('名册有以上问题，没有导入任何内容');
      return 1;
    }
    err(`lianbao: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
