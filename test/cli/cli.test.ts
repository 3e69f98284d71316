import Database from 'better-sqlite3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli-run.js';
import { startDouble, type HttpDouble } from '../platforms/wecom/http-double.js';

async function cli(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { LOG_LEVEL: 'silent', ...env }, (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function tempDb(): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'lianbao-cli-'));
  return { dir, env: { DATABASE_PATH: join(dir, 'lianbao.db') } };
}

describe('lianbao import', () => {
  it('fills the configured database before the server ever started', async () => {
    const { env } = tempDb();
    const r = await cli(['import', 'roster.example.yaml'], env);
    expect(r.code).toBe(0);
    expect(r.out).toContain('名册已导入');
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM projects').get()).toEqual({ n: 3 });
    db.close();
  });

  it('imports nothing from a file with an error, and names the line', async () => {
    const { dir, env } = tempDb();
    const file = join(dir, 'roster.yaml');
    writeFileSync(
      file,
      ['departments:', '  - { id: zhian, name: 治安大队 }', 'people:', '  - { id: wang, name: 王警官, roles: [officer], department: zhian2 }', ''].join('\n'),
    );
    const r = await cli(['import', file], env);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/roster\.yaml:4:\d+ .*zhian2/);
    expect(r.err).toContain('nothing was imported');
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM departments').get()).toEqual({ n: 0 });
    db.close();
  });

  it('says how to call it when the file is missing', async () => {
    const r = await cli(['import'], tempDb().env);
    expect(r.code).toBe(2);
    expect(r.err).toContain('lianbao import roster.yaml');
  });
});

describe('lianbao backup, outbox and the rest', () => {
  it('makes an online backup that opens', async () => {
    const { dir, env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const file = join(dir, 'copy.db');
    expect((await cli(['backup', file], env)).code).toBe(0);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM people').get()).toEqual({ n: 15 });
    db.close();
  });

  it('lists failed messages and refuses to retry one that did not fail', async () => {
    const { env } = tempDb();
    const db = new Database(env.DATABASE_PATH!);
    await cli(['import', 'roster.example.yaml'], env); // creates the schema
    db.prepare(
      `INSERT INTO outbox (dedupe_key, platform, kind, lane, destination, title, body, status, attempts, next_attempt_at, last_error, created_at)
       VALUES ('k1', 'wecom', 'group', 'wecom:group:KEY-XM001', 'KEY-XM001', 't', '**#1 已登记**', 'failed', 3, 0, 'errcode 93000', 0),
              ('k2', 'wecom', 'group', 'wecom:group:KEY-XM001', 'KEY-XM001', 't', 'x', 'sent', 1, 0, NULL, 0)`,
    ).run();
    db.close();
    const list = await cli(['outbox'], env);
    expect(list.out).toContain('0 pending, 1 failed, 1 sent');
    expect(list.out).toContain('errcode 93000');
    expect((await cli(['outbox', '--retry', '2'], env)).err).toContain('only failed messages can be retried');
    expect((await cli(['outbox', '--retry', '1'], env)).code).toBe(0);
    expect((await cli(['outbox'], env)).out).toContain('1 pending, 0 failed, 1 sent');
  });

  it('refuses an unknown verb with the usage', async () => {
    const r = await cli(['frobnicate'], tempDb().env);
    expect(r.code).toBe(2);
    expect(r.err).toContain('lianbao help');
  });

  it('stops on a bad variable, naming it', async () => {
    const r = await cli(['doctor'], { ...tempDb().env, PORT: 'eighty' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('PORT');
  });
});

describe('lianbao doctor', () => {
  let double: HttpDouble | undefined;
  afterEach(async () => double?.close());

  it('reports the database, roster and calendar with no platform configured', async () => {
    const { env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const r = await cli(['doctor'], env);
    expect(r.out).toContain('ok    database');
    expect(r.out).toContain('ok    roster: 15 people, 3 projects');
    expect(r.out).toMatch(/calendar/);
    expect(r.out).toContain('only the playground');
  });

  it('reaches the WeCom token endpoint', async () => {
    double = await startDouble((req) =>
      req.path === '/cgi-bin/gettoken' ? { json: { errcode: 0, access_token: 'tok', expires_in: 7200 } } : { json: { errcode: 0 } },
    );
    const { env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const r = await cli(['doctor'], {
      ...env,
      WECOM_TOKEN: 'QDG6eK',
      WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
      WECOM_CORP_ID: 'wx5823bf96d3bd56c7',
      WECOM_AGENT_ID: '1000002',
      WECOM_SECRET: 'app-secret',
      WECOM_API_BASE: double.base,
    });
    expect(double.requests.some((q) => q.path === '/cgi-bin/gettoken')).toBe(true);
    expect(r.out).not.toContain('app-secret');
  });
});


describe('parseBeijingTime', () => {
  it('reads a time without an offset as Beijing time', async () => {
    const { parseBeijingTime } = await import('../../src/cli-run.js');
    expect(parseBeijingTime('2026-11-28T09:00').toISOString()).toBe('2026-11-28T01:00:00.000Z');
    expect(parseBeijingTime('2026-11-28').toISOString()).toBe('2026-11-27T16:00:00.000Z');
    expect(parseBeijingTime('2026-11-28T09:00:00Z').toISOString()).toBe('2026-11-28T09:00:00.000Z');
    expect(parseBeijingTime('2026-11-28T09:00:00+08:00').toISOString()).toBe('2026-11-28T01:00:00.000Z');
    expect(Number.isNaN(parseBeijingTime('next friday').getTime())).toBe(true);
  });
});
