import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backup } from '../../src/jobs/backup.js';
import { runJob } from '../../src/jobs/runner.js';
import { png, sha256 } from '../support/files.js';
import { harness } from '../support/harness.js';

describe('backup job', () => {
  it('writes a readable copy of the database and keeps the newest BACKUP_KEEP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lianbao-backup-'));
    for (const d of ['2026-10-01', '2026-10-02', '2026-10-03']) writeFileSync(join(dir, `lianbao-${d}.db`), '');
    writeFileSync(join(dir, 'notes.txt'), 'not a backup');
    const h = harness('2026-11-02T02:00:00Z', { BACKUP_DIR: dir, BACKUP_KEEP: '2' });
    h.say('chen', 'XM001', '报告 工地电缆被盗');

    const r = await runJob(h.jobs, backup, new Date('2026-11-02T18:30:00Z')); // 02:30 on 11-03 in Beijing
    expect(r.status).toBe('done');
    expect(readdirSync(dir).sort()).toEqual(['lianbao-2026-10-03.db', 'lianbao-2026-11-03.db', 'notes.txt']);

    const copy = new Database(join(dir, 'lianbao-2026-11-03.db'), { readonly: true });
    expect(copy.prepare('SELECT description FROM tickets').all()).toEqual([{ description: '工地电缆被盗' }]);
    copy.close();
  });

  it('copies the attachments beside each night\'s backup, linking what the night before has, and prunes them together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lianbao-backup-'));
    const evidence = join(dir, 'attachments');
    mkdirSync(evidence);
    const first = png(4, 4, [9, 9, 9]);
    const second = png(5, 5, [8, 8, 8]);
    writeFileSync(join(evidence, sha256(first)), first);
    const backups = join(dir, 'backups');
    const h = harness('2026-11-02T02:00:00Z', { BACKUP_DIR: backups, BACKUP_KEEP: '2', ATTACHMENTS_DIR: evidence });

    await runJob(h.jobs, backup, new Date('2026-11-02T18:30:00Z'));
    writeFileSync(join(evidence, sha256(second)), second);
    const r = await runJob(h.jobs, backup, new Date('2026-11-03T18:30:00Z'));
    expect(r).toMatchObject({ status: 'done' });
    if (r.status === 'done') expect(r.summary).toContain('附件新复制 1 个、沿用 1 个');
    const night = (d: string) => join(backups, `lianbao-${d}.db.attachments`);
    expect(readdirSync(night('2026-11-04')).sort()).toEqual([sha256(first), sha256(second)].sort());
    // Unchanged files are the night before's, not a second copy of them.
    expect(statSync(join(night('2026-11-04'), sha256(first))).ino).toBe(statSync(join(night('2026-11-03'), sha256(first))).ino);

    await runJob(h.jobs, backup, new Date('2026-11-04T18:30:00Z'));
    expect(readdirSync(backups).sort()).toEqual([
      'lianbao-2026-11-04.db',
      'lianbao-2026-11-04.db.attachments',
      'lianbao-2026-11-05.db',
      'lianbao-2026-11-05.db.attachments',
    ]);
  });
});
