/**
 * The `lianbao` command and `npm run cli` as an operator runs them: real processes on what
 * `npm install` built (test/support/global-setup.ts builds dist/ the same way).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageFolder } from '../support/deploy-files.js';
import { ROOT } from '../support/locations.js';
import { cleanupServers, tempDir } from '../support/server-process.js';

afterAll(cleanupServers);

function run(file: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(file, args, { cwd, env: { PATH: process.env['PATH'] ?? '', HOME: cwd, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('lianbao and npm run cli start what was built, and compile nothing', () => {
  // A copy of the project whose source has changed since it was built: what runs shows whether it compiled.
  const copy = imageFolder(join(tempDir('lianbao-bin-'), 'lianbao'));
  const usage = join(copy, 'src', 'cli', 'run.ts');
  writeFileSync(usage, readFileSync(usage, 'utf8').replace('lianbao — 联保命令行', 'lianbao — 改过但没有编译'));

  it('lianbao help prints the built usage, not the changed source', () => {
    const r = run(process.execPath, [join(copy, 'bin', 'lianbao.js'), 'help'], copy);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^lianbao — 联保命令行/);
  });

  it('npm run cli -- help does the same', () => {
    const r = run('npm', ['run', '-s', 'cli', '--', 'help'], copy);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^lianbao — 联保命令行/);
  });

  it('without dist/, says how to build it instead of failing on a missing module', () => {
    rmSync(join(copy, 'dist'), { recursive: true });
    const r = run(process.execPath, [join(copy, 'bin', 'lianbao.js'), 'help'], copy);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`lianbao: 没有找到编译好的程序 ${join(copy, 'dist', 'src', 'cli.js')}：请在 ${copy} 运行 npm install（或 npm run build）\n`);
  });
});

describe('a job tried on a copy of the database', () => {
  it('writes its backup beside the copy and leaves the real backups alone', () => {
    // The installation: ./data/lianbao.db and a fortnight of nightly backups in ./data/backups.
    const site = tempDir('lianbao-site-');
    const real = join(site, 'data', 'backups');
    mkdirSync(real, { recursive: true });
    const nightly = Array.from({ length: 14 }, (_, i) => `lianbao-2026-11-${String(i + 10).padStart(2, '0')}.db`);
    for (const f of nightly) writeFileSync(join(real, f), 'a real backup');
    const bin = join(ROOT, 'bin', 'lianbao.js');
    expect(run(process.execPath, [bin, 'import', join(ROOT, 'roster.example.yaml')], site).code).toBe(0);
    expect(run(process.execPath, [bin, 'backup', 'try/copy.db'], site).code).toBe(0);

    const r = run(process.execPath, [bin, 'jobs', 'run', 'backup', '--now', '2026-12-07T02:30:00+08:00'], site, { DATABASE_PATH: 'try/copy.db' });
    expect(r.code).toBe(0);
    expect(r.out).toContain('备份已写入 try/backups/lianbao-2026-12-07.db');
    // What the operator reads at the terminal is Chinese, one line, not the server's JSON log lines.
    expect(r.err).toBe(
      '注意：还没有 2027 年的节假日数据：国务院办公厅一般在 11 月前后公布下一年的放假安排，公布后请加到名册的 calendar 部分（holidays 放假、workdays 调休上班），再运行 lianbao import\n',
    );
    expect(readdirSync(join(site, 'try', 'backups'))).toEqual(['lianbao-2026-12-07.db']);
    expect(readdirSync(real).sort()).toEqual(nightly);
  });
});
