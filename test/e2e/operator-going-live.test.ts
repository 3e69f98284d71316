/**
 * What an operator meets going live, from the real server process and the real `lianbao` command
 * (SPEC §10: a bad value stops the server with a message naming the variable; output and errors in
 * Chinese): a ROSTER_FILE that is not there or is a folder, a data folder the service's user cannot
 * write, an export to a folder or where it may not write, and a second server on one database. Each
 * is one Chinese sentence, exit 1, and never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, SERVER_ENTRY } from '../support/locations.js';
import { cleanupServers, ServerProcess, tempDir } from '../support/server-process.js';

afterAll(cleanupServers);

const BIN = join(ROOT, 'bin', 'lianbao.js');
/** The unprivileged user a service runs as (the tests run as root). */
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

function run(args: string[], env: Record<string, string>, cwd: string, uid?: number) {
  const r = spawnSync(process.execPath, args, {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 20_000,
    uid,
    gid: uid,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** No stack trace: no `    at …` line and no English error name. */
function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at /m);
  expect(text).not.toMatch(/SqliteError|Error:/);
}

describe('ROSTER_FILE that cannot be loaded into an empty database', () => {
  it('stops the server when the file is not there, naming ROSTER_FILE and the path', () => {
    const dir = tempDir('lianbao-live-');
    const roster = join(dir, 'roster.yaml');
    const r = run([SERVER_ENTRY], { DATABASE_PATH: join(dir, 'lianbao.db'), ROSTER_FILE: roster }, dir);
    expect({ code: r.code, err: r.err }).toEqual({
      code: 1,
      err: `lianbao: ROSTER_FILE 指向的名册文件 ${roster} 不存在：数据库是空的，服务器启动时要从它导入名册。请检查路径，或先用 lianbao import <名册文件> 导入名册\n`,
    });
  });

  it('says what Docker made of a roster.yaml never created, and how to make it, without a stack', () => {
    const dir = tempDir('lianbao-live-');
    // `docker compose up` with no ./roster.yaml bind-mounts an empty folder Docker made by that name.
    const roster = join(dir, 'roster.yaml');
    mkdirSync(roster);
    const r = run([SERVER_ENTRY], { DATABASE_PATH: join(dir, 'lianbao.db'), ROSTER_FILE: roster }, dir);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `lianbao: ROSTER_FILE 指向的 ${roster} 是一个文件夹，不是名册文件。在 Docker 里这通常是因为 ./roster.yaml 还没有建好，Docker 就建了一个同名的空文件夹：请删掉这个文件夹，运行 cp roster.example.yaml roster.yaml，填好名册后再启动\n`,
    );
    expectNoStack(r.err);
  });
});

describe('a database the server cannot write', () => {
  it('is told as DATABASE_PATH pointing at a folder', () => {
    const dir = tempDir('lianbao-live-');
    const r = run([SERVER_ENTRY], { DATABASE_PATH: dir, ROSTER_FILE: join(ROOT, 'roster.example.yaml') }, dir);
    expect({ code: r.code, err: r.err }).toEqual({
      code: 1,
      err: `lianbao: DATABASE_PATH 指向的 ${dir} 是一个文件夹，不是数据库文件：请写出数据库文件本身，例如 DATABASE_PATH=${join(dir, 'lianbao.db')}\n`,
    });
  });

  // The data folder and the database are root's; the service runs as another user (setpriv, as
  // systemd's User= would). Only root can start a process as another user.
  it.skipIf(!asRoot)('is told as the folder to chown, by the server and by the verbs that write', () => {
    const dir = tempDir('lianbao-live-');
    // Readable by all, as /var/lib is; the data folder in it is root's, 0755.
    chmodSync(dir, 0o755);
    const data = join(dir, 'data');
    const databasePath = join(data, 'lianbao.db');
    expect(run([BIN, 'import', join(ROOT, 'roster.example.yaml')], { DATABASE_PATH: databasePath }, dir).code).toBe(0);
    const expected = `lianbao: DATABASE_PATH 指向的 ${databasePath} 无法写入：运行 lianbao 的用户 nobody 没有权限在文件夹 ${data} 里写文件（SQLite 要在数据库旁边写日志文件）。请把这个文件夹交给该用户：chown -R nobody ${data}\n`;
    const server = run([SERVER_ENTRY], { DATABASE_PATH: databasePath }, dir, NOBODY);
    expect({ code: server.code, err: server.err }).toEqual({ code: 1, err: expected });
    for (const verb of [['import', join(ROOT, 'roster.example.yaml')], ['jobs', 'run', 'backup'], ['sessions', 'end', '--all']]) {
      const r = run([BIN, ...verb], { DATABASE_PATH: databasePath }, dir, NOBODY);
      expect({ verb, code: r.code, err: r.err }).toEqual({ verb, code: 1, err: expected });
    }
    // Given to the service's user, as the sentence says, it starts.
    spawnSync('chown', ['-R', String(NOBODY), data]);
    const again = run([BIN, 'sessions', 'end', '--all'], { DATABASE_PATH: databasePath }, dir, NOBODY);
    expect(again).toMatchObject({ code: 0, out: '没有正在生效的工作台账登录\n' });
  });
});

describe('lianbao export --out', () => {
  const dir = tempDir('lianbao-live-');
  const env = { DATABASE_PATH: join(dir, 'lianbao.db') };

  it('makes a missing folder, as backup does', () => {
    for (const [verb, file] of [
      ['export', join(dir, 'exports', '2026', '2026-10.csv')],
      ['backup', join(dir, 'copies', '2026', 'lianbao.db')],
    ] as const) {
      const args = verb === 'export' ? ['export', '--month', '2026-10', '--out', file] : ['backup', file];
      const r = run([BIN, ...args], env, dir);
      expect({ verb, code: r.code, err: r.err, made: existsSync(file) }).toEqual({ verb, code: 0, err: '', made: true });
    }
    expect(readFileSync(join(dir, 'exports', '2026', '2026-10.csv'), 'utf8')).toMatch(/^\uFEFF?编号,/);
  });

  it('says a folder is not a file, and what to write instead', () => {
    const r = run([BIN, 'export', '--month', '2026-10', '--out', dir], env, dir);
    expect({ code: r.code, err: r.err }).toEqual({ code: 1, err: `lianbao: ${dir} 是一个文件夹，不是导出文件：请写出文件名，例如 --out exports/2026-10.csv\n` });
  });

  it.skipIf(!asRoot)('says where it may not write, and leaves nothing behind', () => {
    const own = tempDir('lianbao-live-');
    chownSync(own, NOBODY, NOBODY);
    const ownEnv = { DATABASE_PATH: join(own, 'lianbao.db') };
    expect(run([BIN, 'sessions'], ownEnv, own, NOBODY).code).toBe(0);
    chmodSync(dir, 0o755);
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o755 });
    const file = join(locked, '2026-10.xlsx');
    const r = run([BIN, 'export', '--month', '2026-10', '--out', file], ownEnv, own, NOBODY);
    expect({ code: r.code, err: r.err }).toEqual({
      code: 1,
      err: `lianbao: 无法写入导出文件 ${file}：没有在 ${locked} 里写文件的权限（EACCES）。请换一个可以写入的位置，例如 --out exports/2026-10.xlsx\n`,
    });
    expect(readdirSync(locked)).toEqual([]);
  });
});

describe('one server per database', () => {
  // Two servers on one database would both handle its inbox and both send from its outbox.
  it('refuses a second server while the first runs, keeps the verbs working beside it, and lets a server start after kill -9', async () => {
    const first = await ServerProcess.start({ env: { PLAYGROUND: '1' } });
    const { databasePath } = first;
    const dir = join(databasePath, '..');
    const second = run([SERVER_ENTRY], { DATABASE_PATH: databasePath, ROSTER_FILE: join(ROOT, 'roster.example.yaml') }, dir);
    expect(second.code).toBe(1);
    expect(second.err).toMatch(new RegExp(`^lianbao: 另一个 lianbao 服务正在使用 ${databasePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}（它持有 .*lianbao\\.lock）：同一个数据库只能由一个服务器使用。请先停掉正在运行的那个`));
    expectNoStack(second.err);
    expect(first.alive).toBe(true);

    // The command line is meant to run beside the server.
    const env = { DATABASE_PATH: databasePath };
    writeFileSync(join(dir, 'roster-copy.yaml'), readFileSync(join(ROOT, 'roster.example.yaml')));
    for (const args of [
      ['doctor'],
      ['backup', join(dir, 'backup.db')],
      ['export', '--month', '2026-10'],
      ['jobs', 'run', 'escalate'],
      ['import', join(dir, 'roster-copy.yaml')],
      ['sessions'],
      ['inbox'],
      ['outbox'],
    ]) {
      const r = run([BIN, ...args], env, dir);
      expect({ args, code: r.code, err: r.err.replace(/^注意：.*\n/gm, '') }).toEqual({ args, code: 0, err: '' });
    }

    // A crash leaves no lock behind: the operating system lets go of it with the process.
    await first.kill();
    const next = await first.restart();
    expect(next.alive).toBe(true);
    await next.stop();
  }, 90_000);
});
