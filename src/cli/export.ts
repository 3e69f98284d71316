import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { monthPeriod } from '../reports/figures.js';
import { collectMonth, FIGURE_HEADERS, figureRows, TICKET_HEADERS, toCsv, writeXlsx } from '../reports/export.js';
import type { Unit } from '../tickets/model.js';
import { openStore } from '../wiring.js';
import { readOptions, startOutputFile, UsageError, withDb, type Out } from './common.js';

/**
 * The unit `--unit` names, by id or name (SPEC §11): null for the root, whose export is everything.
 * An unknown one is refused with the units there are.
 */
function unitOf(units: readonly Unit[], word: string): string | null {
  const unit = units.find((u) => u.id === word || u.name === word);
  if (!unit) {
    const known = units.map((u) => `${u.id}（${u.name}）`).join('、');
    throw new UsageError(known ? `没有单位“${word.slice(0, 40)}”，名册中的单位有：${known}` : `名册中没有划分单位，不需要 --unit：导出的就是全部`);
  }
  return unit.parentId === null ? null : unit.id;
}

/** `lianbao export --month YYYY-MM [--unit 单位]`: a month's tickets or figures, as csv or xlsx (SPEC §6). */
export async function exportVerb(config: Config, args: string[], out: Out): Promise<void> {
  const { values } = readOptions(() =>
    parseArgs({
      args,
      options: { month: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, figures: { type: 'boolean' }, unit: { type: 'string' } },
    }),
  );
  if (values.month === undefined) throw new UsageError('export 需要 --month YYYY-MM，例如：lianbao export --month 2026-10 --format csv');
  const period = monthPeriod(values.month);
  if (!period) throw new UsageError(`--month "${values.month}" 不是月份：请写成 YYYY-MM，月份为 01 到 12，例如 2026-10`);
  const file = values.out;
  const format = values.format ?? (file?.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv');
  if (format !== 'csv' && format !== 'xlsx') throw new UsageError(`不支持 --format "${format}"：请用 csv 或 xlsx`);
  const collect = () =>
    withDb(config, (db) => {
      const store = openStore(db, config);
      return collectMonth(store, period, systemClock.now().getTime(), values.unit === undefined ? null : unitOf(store.repos.roster.units(), values.unit));
    });
  if (format === 'xlsx' && !file) throw new UsageError(`xlsx 工作簿是二进制文件，不输出到屏幕：请加 --out <文件>，例如 --out ${values.month}.xlsx`);
  if (!file) {
    const data = collect();
    const csv = values.figures ? toCsv(FIGURE_HEADERS, figureRows(data.figures)) : toCsv(TICKET_HEADERS, data.tickets);
    // out() ends the line with \n: leaving the \r keeps every line CRLF, as in the file --out writes.
    out(csv.replace(/\n$/, ''));
    return;
  }
  // Before the month is read: a file that cannot be written is said at once, and made as backup makes its file.
  const partial = startOutputFile(file, '导出文件', `--out exports/${values.month}.${format}`);
  try {
    const data = collect();
    if (format === 'xlsx') {
      await writeXlsx(partial, data);
      renameSync(partial, file);
      out(`${period.label}：${data.tickets.length} 张工单和统计已写入 ${file}`);
      return;
    }
    writeFileSync(partial, values.figures ? toCsv(FIGURE_HEADERS, figureRows(data.figures)) : toCsv(TICKET_HEADERS, data.tickets));
    renameSync(partial, file);
    out(`${period.label}：${values.figures ? '统计' : `${data.tickets.length} 张工单`}已写入 ${file}`);
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
}
