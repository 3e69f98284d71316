/**
 * What an operator reads when something is wrong before the server even runs (SPEC §10: operators
 * are Chinese government IT staff): a broken roster and a bad variable, from the real server
 * process and the real `lianbao` command, in Chinese, with file, line and column, and the keys
 * and variable names as written.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, SERVER_ENTRY } from '../support/locations.js';
import { cleanupServers, tempDir } from '../support/server-process.js';

afterAll(cleanupServers);

const BROKEN = [
  'departments:',
  '  - { id: zhian, name: 治安大队 }',
  'people:',
  '  - { id: li, name: 李局长, roles: [leader] }',
  '  - { id: li, name: 李副局长, roles: [leader], phone: "13800000000" }',
  '  - { id: wang, name: 王警官, roles: [officer], department: zhain }',
  'projects:',
  '  - { code: XM001, name: 经开区新材料产业园, level: 重大, officer: wang }',
  'settings: {}',
  '',
].join('\n');

function run(args: string[], env: Record<string, string>, cwd: string) {
  const r = spawnSync(process.execPath, args, { cwd, env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('a broken roster, explained in Chinese', () => {
  const dir = tempDir('lianbao-chinese-');
  const roster = join(dir, 'roster.yaml');
  writeFileSync(roster, BROKEN);
  const problems = [
    `${roster}:5:11 people[1].id: 人员 id "li" 重复（第 4 行已用过）`,
    `${roster}:5:44 people[1].phone: 未知的键 "phone"，可用的键：id、name、roles、department、project、wecom、dingtalk、unit`,
    `${roster}:6:58 people[2].department: 名册里没有部门 "zhain"，是不是 "zhian"？`,
  ];

  it('by lianbao import, which imports nothing', () => {
    const r = run([join(ROOT, 'bin', 'lianbao.js'), 'import', roster], { DATABASE_PATH: join(dir, 'import.db') }, dir);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${problems.join('\n')}\n名册有以上问题，没有导入任何内容\n`);
  });

  it('by the server loading it into an empty database, which does not start', () => {
    const r = run([SERVER_ENTRY], { DATABASE_PATH: join(dir, 'server.db'), ROSTER_FILE: roster, PORT: '0', LOG_LEVEL: 'error' }, dir);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${problems.join('\n')}\nlianbao: 名册有以上问题，服务器没有启动\n`);
  });
});

describe('a bad variable, explained in Chinese and named as written', () => {
  it('stops the server and the command line alike', () => {
    const dir = tempDir('lianbao-chinese-');
    const env = { DATABASE_PATH: join(dir, 'l.db'), PORT: '70000', BACKUP_KEEP: '0' };
    const expected = 'lianbao: 配置有误\n  PORT: 应为 1–65535 的端口号，例如 3000，实际是 "70000"\n  BACKUP_KEEP: 应为正整数，例如 20，实际是 "0"\n';
    for (const args of [[SERVER_ENTRY], [join(ROOT, 'bin', 'lianbao.js'), 'doctor']]) {
      const r = run(args, env, dir);
      expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 1, err: expected });
    }
  });
});

describe('lianbao help', () => {
  it('explains every verb in Chinese, options and file names as written', () => {
    const r = run([join(ROOT, 'bin', 'lianbao.js'), 'help'], {}, ROOT);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^lianbao — 联保命令行\n\n用法：\n/);
    for (const verb of ['serve', 'import <文件>', 'outbox [--failed|--pending]', 'jobs run <任务>', 'export --month YYYY-MM', 'inbox [list|', 'backup <文件> [--force]', 'doctor']) {
      expect(r.out).toContain(`lianbao ${verb}`);
    }
    expect(r.out).toContain('命令行与服务器读取同样的环境变量和 .env（DATABASE_PATH 等）。');
  });
});
