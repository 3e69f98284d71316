import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { copyAttachments } from '../attachments/backup.js';
import type { Config } from '../config.js';
import { openDb } from '../db/open.js';
import { readOptions, UsageError, type Out } from './common.js';

/** Why a file cannot be made in `dir`, in words, with the system's code in parentheses. */
function whyNotWritable(e: unknown, dir: string): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const why: Record<string, string> = {
    EACCES: `没有在 ${dir} 里写文件的权限`,
    EPERM: `没有在 ${dir} 里写文件的权限`,
    EROFS: `${dir} 所在的文件系统是只读的`,
    ENOSPC: '磁盘已满',
    EDQUOT: '磁盘配额已用完',
    ENOENT: `不能在 ${dir} 里新建文件（它不存在，或是 /proc 这类系统目录）`,
    ENOTDIR: `${dir} 的路径中有一段是文件，不是文件夹`,
    EISDIR: '这个名字是一个文件夹',
  };
  return `${why[code] ?? (e instanceof Error ? e.message : String(e))}${code ? `（${code}）` : ''}`;
}

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
  const partial = `${file}.${process.pid}.part`;
  try {
    mkdirSync(dirname(resolve(file)), { recursive: true });
    // Made here, not by SQLite, whose only word for any failure is "unable to open database file".
    closeSync(openSync(partial, 'wx'));
  } catch (e) {
    throw new Error(`无法写入备份文件 ${file}：${whyNotWritable(e, dirname(resolve(file)))}。请换一个可以写入的位置，例如 lianbao backup backups/lianbao-2026-11-01.db`);
  }
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
