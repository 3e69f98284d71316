import { existsSync, renameSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { copyAttachments } from '../attachments/backup.js';
import type { Config } from '../config.js';
import { openDb, type Db } from '../db/open.js';
import { readOptions, startOutputFile, UsageError, type Out } from './common.js';

/**
 * `lianbao backup <file> [--force]`: SQLite's online backup, written beside the file and renamed
 * into place, so that an interrupted backup never leaves half a file under that name. An existing
 * file is replaced only with --force: it may be the one good backup there is.
 */
export async function backupVerb(config: Config, args: string[], out: Out): Promise<void> {
  const { values, positionals } = readOptions(() => parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean' } } }));
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError('backup 需要一个文件名，例如：lianbao backup backups/lianbao-2026-11-01.db');
  if (existsSync(file) && !values.force) {
    throw new Error(`${file} 已存在，没有覆盖它。换一个文件名，或加 --force 覆盖：lianbao backup ${file} --force`);
  }
  const partial = startOutputFile(file, '备份文件', 'lianbao backup backups/lianbao-2026-11-01.db');
  let db: Db | undefined;
  try {
    db = openDb(config.databasePath);
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
    db?.close();
  }
}
