/**
 * `lianbao sessions` (SPEC §11): the dashboard's sign-ins in force — who, since when, last used,
 * until when, and how (a sign-in link or the ADMIN_TOKEN) — and ending one, a person's, or all.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { FixedClock } from '../../src/clock.js';
import { AdminSessions, sessionIdHash } from '../../src/dashboard/auth.js';
import { openDb } from '../../src/db/open.js';
import { SessionsRepo } from '../../src/db/sessions-repo.js';

const TOKEN = 'cliSessionsS3cr3tK9wQx7PzAb';
const T0 = Date.parse('2026-11-20T02:00:00Z');
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

/** A database with the example roster and three sessions: the ADMIN_TOKEN's, 王警官's and 周协调's. */
async function withSessions() {
  const dir = mkdtempSync(join(tmpdir(), 'lianbao-sessions-'));
  const env = { DATABASE_PATH: join(dir, 'lianbao.db'), LOG_LEVEL: 'silent', ADMIN_TOKEN: TOKEN };
  expect((await cli(['import', 'roster.example.yaml'], env)).code).toBe(0);
  const db = openDb(env.DATABASE_PATH);
  closers.push(() => db.close());
  const repo = new SessionsRepo(db);
  const sessions = new AdminSessions(repo, TOKEN);
  const ids = { admin: sessions.open(T0), wang: sessions.openFor('wang', T0 + 60_000), zhou: sessions.openFor('zhou', T0 + 120_000) };
  repo.touch(sessionIdHash(ids.wang), T0 + 30 * 60_000);
  const shown = (id: string) => sessionIdHash(id).slice(0, 10);
  const inForce = (at = T0 + 3_600_000) => repo.inForce(at).map((s) => s.personId);
  return { env, ids, shown, inForce };
}

async function cli(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, env, (l) => out.push(l), (l) => err.push(l), new FixedClock(T0 + 3_600_000));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('lianbao sessions', () => {
  it('lists who is signed in, since when, last used, until when, and how', async () => {
    const { env, ids, shown } = await withSessions();
    const r = await cli(['sessions'], env);
    expect(r.code).toBe(0);
    expect(r.out.replace(/\b[0-9a-f]{10}\b/g, (h) => (h === shown(ids.admin) ? 'ADMIN' : h === shown(ids.wang) ? 'WANG' : 'ZHOU'))).toMatchInlineSnapshot(`
      "正在生效的工作台账登录：3 个
      编号	登录人	方式	登录时间	最近使用	到期
      ADMIN	（持管理口令者）	管理口令	2026-11-20 10:00	—	2026-12-20 10:00
      WANG	王警官（wang）	登录链接	2026-11-20 10:01	2026-11-20 10:30	2026-12-20 10:01
      ZHOU	周协调（zhou）	登录链接	2026-11-20 10:02	—	2026-12-20 10:02
      结束登录：lianbao sessions end <编号> | --person <人员 id> | --all"
    `);
  });

  it('names no one for the ADMIN_TOKEN sign-in: who is 持管理口令者, how is 管理口令, said once each', async () => {
    const { env, ids, shown } = await withSessions();
    const row = (await cli(['sessions'], env)).out.split('\n').find((l) => l.startsWith(shown(ids.admin)))!;
    expect(row.split('\t').slice(1, 3)).toEqual(['（持管理口令者）', '管理口令']);
    expect(await cli(['sessions', 'end', shown(ids.admin)], env)).toMatchObject({ code: 0, out: `已结束登录 ${shown(ids.admin)}（持管理口令者）` });
  });

  it('ends one session by the number it lists', async () => {
    const { env, ids, shown, inForce } = await withSessions();
    const r = await cli(['sessions', 'end', shown(ids.wang)], env);
    expect(r).toMatchObject({ code: 0, out: `已结束登录 ${shown(ids.wang)}（王警官（wang））` });
    expect(inForce()).toEqual([null, 'zhou']);
  });

  it("ends a person's sessions, or all of them", async () => {
    const { env, inForce } = await withSessions();
    expect(await cli(['sessions', 'end', '--person', 'zhou'], env)).toMatchObject({ code: 0, out: '已结束 周协调（zhou）的 1 个登录' });
    expect(inForce()).toEqual([null, 'wang']);
    expect((await cli(['sessions', 'end', '--person', 'zhou'], env)).out).toBe('周协调（zhou）没有正在生效的登录');
    expect(await cli(['sessions', 'end', '--all'], env)).toMatchObject({ code: 0, out: '已结束全部 2 个工作台账登录' });
    expect(inForce()).toEqual([]);
    expect((await cli(['sessions'], env)).out).toBe('没有正在生效的工作台账登录');
  });

  it('says how to call it, with exit code 2, and ends nothing', async () => {
    const { env, inForce } = await withSessions();
    for (const argv of [
      ['sessions', 'end'],
      ['sessions', 'end', 'abc'],
      ['sessions', 'end', 'abcdef', '--all'],
      ['sessions', 'stop'],
      ['sessions', '--bogus'],
    ]) {
      const r = await cli(argv, env);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(/^lianbao: .+/);
    }
    // Well formed, but nothing there: an ordinary failure (README, "Command line": 2 is for a wrong invocation).
    for (const argv of [
      ['sessions', 'end', 'ffffffffff'],
      ['sessions', 'end', '--person', 'nobody'],
    ]) {
      const r = await cli(argv, env);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err, argv.join(' ')).toMatch(/^lianbao: .+/);
    }
    expect((await cli(['sessions', 'end'], env)).err).toContain('lianbao sessions end <编号> | --person <人员 id> | --all');
    expect((await cli(['sessions', 'end', '--person', 'nobody'], env)).err).toContain('名册中没有人员 "nobody"');
    expect(inForce()).toEqual([null, 'wang', 'zhou']);
  });
});
