import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyAttachments } from '../attachments/backup.js';
import { WorkCalendar } from '../tickets/calendar.js';
import type { Job } from './types.js';

const PREFIX = 'lianbao-';
const SUFFIX = '.db';

/**
 * The nightly online backup (SQLite's backup API, safe while the server writes), keeping the
 * newest BACKUP_KEEP files in BACKUP_DIR, each with the attachments folder beside it
 * (`lianbao-YYYY-MM-DD.db.attachments/`, its unchanged files hard-linked from the night before).
 */
export const backup: Job = {
  name: 'backup',
  schedule: '30 2 * * *',
  periodKey: (now) => WorkCalendar.shanghaiDate(now),
  catchUp: true,
  async run({ backup: target, now }) {
    const { dir, keep } = target;
    if (!dir) return 'BACKUP_DIR 为空：不做每晚备份';
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${PREFIX}${WorkCalendar.shanghaiDate(now)}${SUFFIX}`);
    // File names sort by date, so the oldest come first.
    const backups = () =>
      readdirSync(dir)
        .filter((f) => f.startsWith(PREFIX) && f.endsWith(SUFFIX))
        .sort();
    const previous = backups().filter((f) => join(dir, f) !== file).pop();
    const r = await target.copyTo(file);
    // After the database, so every file it names is in the copy.
    let evidence = '';
    if (target.attachmentsDir) {
      const c = await copyAttachments(target.attachmentsDir, `${file}.attachments`, previous && join(dir, `${previous}.attachments`));
      evidence = `，附件新复制 ${c.copied} 个、沿用 ${c.linked + c.present} 个`;
    }
    const files = backups();
    const removed = files.slice(0, Math.max(0, files.length - keep));
    for (const f of removed) {
      rmSync(join(dir, f));
      rmSync(join(dir, `${f}.attachments`), { recursive: true, force: true });
    }
    return `备份已写入 ${file}（${r.totalPages} 页${evidence}），删除旧备份 ${removed.length} 个，保留 ${Math.min(files.length, keep)} 个`;
  },
};
