import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backup } from '../../src/jobs/backup.js';
import { runJob } from '../../src/jobs/runner.js';
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
});
