import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { FixedClock } from '../../src/clock.js';
import { png, sha256 } from '../support/files.js';
import { startPlatformDouble, type PlatformDouble } from '../support/platform-double.js';

async function cli(argv: string[], env: Record<string, string>, at?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const clock = at === undefined ? undefined : new FixedClock(at);
  const code = await runCli(argv, { LOG_LEVEL: 'silent', ...env }, (l) => out.push(l), (l) => err.push(l), clock);
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
    expect(db.prepare('SELECT count(*) AS n FROM projects').get()).toEqual({ n: 5 });
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
    expect(r.err).toContain('名册里没有部门 "zhian2"，是不是 "zhian"？');
    expect(r.err).toContain('名册有以上问题，没有导入任何内容');
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM departments').get()).toEqual({ n: 0 });
    db.close();
  });

  it('lists the first few YAML errors of a file that is not a roster at all, and counts the rest', async () => {
    const { env } = tempDb();
    const r = await cli(['import', 'README.md'], env);
    expect(r.code).toBe(1);
    const lines = r.err.split('\n');
    expect(lines.filter((l) => l.startsWith('README.md:'))).toHaveLength(5);
    expect(lines.at(-2)).toMatch(/^……另有 \d+ 处 YAML 格式错误没有列出。错误这样多，可能选错了文件：名册是 YAML（或 JSON）文件，可以照 roster\.example\.yaml 来写$/);
    expect(lines.at(-1)).toBe('名册有以上问题，没有导入任何内容');
  });

  it('says in Chinese that a folder is not a roster file, and what to give instead', async () => {
    const { dir, env } = tempDb();
    const r = await cli(['import', dir], env);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`lianbao: ${dir} 是一个文件夹，不是名册文件：请写出名册文件本身，例如 lianbao import ${join(dir, 'roster.yaml')}`);
  });

  it('refuses YAML whose aliases multiply, in Chinese, with the file, line and column', async () => {
    const { dir, env } = tempDb();
    const file = join(dir, 'roster.yaml');
    const ten = (x: string) => Array.from({ length: 10 }, () => x).join(', ');
    writeFileSync(file, `a: &a [${ten('x')}]\nb: &b [${ten('*a')}]\nc: &c [${ten('*b')}]\npeople: [${ten('*c')}]\n`);
    const r = await cli(['import', file], env);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `${file}:3:8 (file): 别名（*名称 引用）太多：层层引用后要展开 100 次以上，名册不会这样写；请把 *b 换成写出来的内容，或去掉多余的引用\n名册有以上问题，没有导入任何内容`,
    );
  });

  it('prints each YAML mistake once', async () => {
    const { dir, env } = tempDb();
    const file = join(dir, 'roster.yaml');
    writeFileSync(file, 'people:\n  - x\n  h: [\n  [1,\n');
    const lines = (await cli(['import', file], env)).err.split('\n');
    expect(lines.filter((l) => l.startsWith(`${file}:3:`))).toHaveLength(1);
    expect(lines).toEqual([...new Set(lines)]);
  });

  it('refuses a file that would take most people’s roles away, unless --force is given', async () => {
    const { dir, env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    // A roster of four people where there were 22: the wrong file, or what was left of the right one.
    const file = join(dir, 'roster.yaml');
    writeFileSync(file, readFileSync('test/fixtures/roster/valid.yaml', 'utf8'));
    const refused = await cli(['import', file], env);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^lianbao: 名册 roster\.yaml 里没有现有 22 个有权限人员中的 18 人，导入会取消他们的全部权限：[^：]+（[a-z]+）。/);
    expect(refused.err).toContain(`没有导入任何内容。请确认文件是完整的名册；确实要这样做，请加 --force：lianbao import ${file} --force`);
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    expect(db.prepare("SELECT count(*) AS n FROM people WHERE roles <> '[]'").get()).toEqual({ n: 22 });
    db.close();
    const forced = await cli(['import', file, '--force'], env);
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('\n名册中已没有以下 18 人，其权限已取消（历史记录保留）：');
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
    expect(db.prepare('SELECT count(*) AS n FROM people').get()).toEqual({ n: 22 });
    db.close();
  });

  it('does not overwrite an existing file unless told to with --force', async () => {
    const { dir, env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const file = join(dir, 'lianbao-2026-11-01.db');
    writeFileSync(file, 'the only good backup');
    const refused = await cli(['backup', file], env);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`${file} 已存在，没有覆盖它`);
    expect(refused.err).toContain(`lianbao backup ${file} --force`);
    expect(readFileSync(file, 'utf8')).toBe('the only good backup');

    const forced = await cli(['backup', file, '--force'], env);
    expect(forced.code).toBe(0);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM people').get()).toEqual({ n: 22 });
    db.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
    expect((await cli(['backup'], env)).code).toBe(2);
  });

  it('copies the attachments beside the backup, complete files only, and again with --force without copying twice', async () => {
    const { dir, env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const evidence = join(dir, 'attachments');
    mkdirSync(join(evidence, '.tmp'), { recursive: true });
    const photo = png(8, 8, [1, 2, 3]);
    writeFileSync(join(evidence, sha256(photo)), photo);
    writeFileSync(join(evidence, '.tmp', 'half-written'), 'x');
    const file = join(dir, 'copy.db');
    const r = await cli(['backup', file], env);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`附件已复制到 ${file}.attachments/（新复制 1 个，已有 0 个）`);
    expect(readdirSync(`${file}.attachments`)).toEqual([sha256(photo)]);
    expect(readFileSync(join(`${file}.attachments`, sha256(photo)))).toEqual(photo);
    const again = await cli(['backup', file, '--force'], env);
    expect(again.out).toContain('（新复制 0 个，已有 1 个）');
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
    expect(list.out).toContain('外发消息：待发 0 条，失败 1 条，已发 1 条');
    expect(list.out).toContain('errcode 93000');
    expect((await cli(['outbox', '--retry', '2'], env)).err).toContain('消息 2 的状态是「已发送」，只有发送失败的消息才能重发');
    expect((await cli(['outbox', '--retry', '1'], env)).code).toBe(0);
    expect((await cli(['outbox'], env)).out).toContain('外发消息：待发 1 条，失败 0 条，已发 1 条');
  });

  it('says why a backup cannot be written, in Chinese, with the system’s code', async () => {
    const { env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const r = await cli(['backup', '/proc/nope.db'], env);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'lianbao: 无法写入备份文件 /proc/nope.db：不能在 /proc 里新建文件（它不存在，或是 /proc 这类系统目录）（ENOENT）。请换一个可以写入的位置，例如 lianbao backup backups/lianbao-2026-11-01.db',
    );
  });

  // README, "Command line": 2 is for a wrong invocation; a well-formed id that is not there, or a
  // message that did not fail, is an ordinary failure.
  it('exits 1 for an id that is not there or a message that cannot be retried', async () => {
    const { env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const db = new Database(env.DATABASE_PATH!);
    db.prepare(
      `INSERT INTO outbox (dedupe_key, platform, kind, lane, destination, title, body, status, attempts, next_attempt_at, last_error, created_at)
       VALUES ('k2', 'wecom', 'group', 'wecom:group:KEY-XM001', 'KEY-XM001', 't', 'x', 'sent', 1, 0, NULL, 0)`,
    ).run();
    db.close();
    const sent = await cli(['outbox', '--retry', '1'], env);
    expect(sent).toMatchObject({ code: 1, err: 'lianbao: 消息 1 的状态是「已发送」，只有发送失败的消息才能重发' });
    expect((await cli(['outbox', '--retry', '99'], env)).code).toBe(1);
    const missing = await cli(['inbox', 'show', '7'], env);
    expect(missing).toMatchObject({ code: 1, err: 'lianbao: 没有编号为 7 的搁置消息（lianbao inbox 列出全部）' });
    expect((await cli(['inbox', 'show', 'seven'], env)).code).toBe(2);
  });

  it('treats an unknown option as a usage error, exit 2, naming it, whichever the verb', async () => {
    const { env } = tempDb();
    for (const argv of [['outbox', '--bogus'], ['jobs', 'run', 'backup', '--bogus'], ['export', '--month', '2026-10', '--bogus']]) {
      const r = await cli(argv, env);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.err).toContain('不认识的选项 --bogus');
    }
    expect((await cli(['outbox', '--retry'], env)).err).toContain('选项 --retry 后面要写一个值');
  });

  it('refuses an unknown verb with the usage', async () => {
    const r = await cli(['frobnicate'], tempDb().env);
    expect(r.code).toBe(2);
    expect(r.err).toBe('lianbao: 不认识的命令 "frobnicate"\n（lianbao help 列出全部命令）');
  });

  it('stops on a bad variable, naming it', async () => {
    const r = await cli(['doctor'], { ...tempDb().env, PORT: 'eighty' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('PORT');
  });
});

describe('lianbao doctor', () => {
  let double: PlatformDouble | undefined;
  afterEach(async () => double?.close());

  it('reports the database, roster and calendar with no platform configured', async () => {
    const { env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const r = await cli(['doctor'], env);
    expect(r.out).toContain(`ok    数据库：${env.DATABASE_PATH} 可写`);
    expect(r.out).toContain('ok    名册：人员 22 人，项目 5 个');
    expect(r.out).toMatch(/节假日/);
    expect(r.out).toContain('WARN  平台：没有配置企业微信或钉钉：群里的消息到不了机器人，只能用本地试用（playground）');
    expect(r.out).toContain('ok    工作台账：未开启（没有设置 ADMIN_TOKEN）');
    expect(r.code).toBe(0);
  });

  it('says what is published: the dashboard and its links, a proxy not trusted, a playground left on', async () => {
    const { env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const token = { ADMIN_TOKEN: 'doctorExposureS3cr3tQ7mW2xZ' };
    expect((await cli(['doctor'], { ...env, ...token })).out).toContain('ok    工作台账：已开启；个人“登录”链接未开启（需设置 PUBLIC_URL');
    const published = await cli(['doctor'], { ...env, ...token, PUBLIC_URL: 'https://lianbao.example.gov.cn' });
    expect(published.out).toContain('ok    工作台账：已开启，个人“登录”链接指向 https://lianbao.example.gov.cn/dashboard/login/…');
    expect(published.out).toMatch(/^WARN  反向代理：PUBLIC_URL 是 https 地址，通常经反向代理访问，但没有设置 TRUST_PROXY/m);
    expect((await cli(['doctor'], { ...env, ...token, PUBLIC_URL: 'https://lianbao.example.gov.cn', TRUST_PROXY: '127.0.0.1' })).out).not.toContain('反向代理');
    const wecom = { WECOM_TOKEN: 'doctorToken2026abcdefgh', WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', WECOM_API_BASE: 'http://127.0.0.1:9' };
    const live = await cli(['doctor'], { ...env, ...wecom, PLAYGROUND: '1' });
    expect(live.out).toMatch(/^WARN  本地试用：本地试用页已开启（PLAYGROUND）：能打开它的人可以以名册中任何人的身份发言。上线前请设 PLAYGROUND=0$/m);
    expect((await cli(['doctor'], { ...env, ...wecom })).out).not.toContain('本地试用：');
  });

  // chinese-days covers 2026 and not yet 2027; the example roster lists no calendar dates.
  it('passes a fresh install in December, warning that next year’s holidays are still to be added', async () => {
    const { env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const r = await cli(['doctor'], env, '2026-12-07T09:00:00+08:00');
    expect(r.code).toBe(0);
    expect(r.out).toContain('ok    节假日：有 2026 年的节假日数据');
    expect(r.out).toMatch(/^WARN  节假日：还没有 2027 年的节假日数据：国务院办公厅一般在 11 月前后公布/m);
    expect(r.out).not.toContain('FAIL');
  });

  it('fails when this year has no holiday data', async () => {
    const { env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const r = await cli(['doctor'], env, '2027-01-04T09:00:00+08:00');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL  节假日：没有今年（2027 年）的节假日数据/m);
  });

  it('says nothing more once next year’s dates are in the roster', async () => {
    const { dir, env } = tempDb();
    const roster = join(dir, 'roster.yaml');
    writeFileSync(roster, `${readFileSync('roster.example.yaml', 'utf8')}\ncalendar:\n  holidays: ["2027-01-01"]\n  workdays: []\n`);
    await cli(['import', roster], env);
    const r = await cli(['doctor'], env, '2026-12-07T09:00:00+08:00');
    expect(r.code).toBe(0);
    expect(r.out).toContain('ok    节假日：有 2027 年的节假日数据');
    expect(r.out).not.toContain('WARN  节假日');
  });

  it('refuses a WECOM_TOKEN WeCom would not accept, and warns about a short one', async () => {
    const { env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const wecom = { WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', WECOM_API_BASE: 'http://127.0.0.1:9' };
    const bad = await cli(['doctor'], { ...env, ...wecom, WECOM_TOKEN: 'my token!' }, '2026-12-07T09:00:00+08:00');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('WECOM_TOKEN: 只能是英文字母和数字，3 到 32 位');
    const short = await cli(['doctor'], { ...env, ...wecom, WECOM_TOKEN: 'abc' }, '2026-12-07T09:00:00+08:00');
    expect(short.out).toMatch(/^WARN  企业微信 Token：WECOM_TOKEN 只有 3 位，容易被猜中/m);
  });

  it('reports the attachments folder and its free space', async () => {
    const { dir, env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const r = await cli(['doctor'], env);
    expect(r.out).toMatch(new RegExp(`^ok    附件：${join(dir, 'attachments')} 可写，可用空间 \\d+\\.\\d GB$`, 'm'));
    // A folder the server cannot write to fails the check.
    writeFileSync(join(dir, 'not-a-folder'), '');
    const bad = await cli(['doctor'], { ...env, ATTACHMENTS_DIR: join(dir, 'not-a-folder', 'attachments') });
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^FAIL  附件：.*not-a-folder\/attachments 无法写入/m);
  });

  it('says in Chinese why a platform cannot be reached, keeping the code', async () => {
    const { env } = tempDb();
    await cli(['import', 'roster.example.yaml'], env);
    const wecom = { WECOM_TOKEN: 'QDG6eKs7wQ2mYp4v', WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
    // A port nobody listens on: take a free one and let it go.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const refused = await cli(['doctor'], { ...env, ...wecom, WECOM_API_BASE: `http://127.0.0.1:${port}` }, '2026-12-07T09:00:00+08:00');
    expect(refused.out).toContain(`连接不上：对方拒绝连接：地址或端口上没有服务在听（ECONNREFUSED）`);
    // Port 9 is one the fetch standard blocks before connecting: https://fetch.spec.whatwg.org/#port-blocking
    const blocked = await cli(['doctor'], { ...env, ...wecom, WECOM_API_BASE: 'http://127.0.0.1:9' }, '2026-12-07T09:00:00+08:00');
    expect(blocked.out).toContain('连接不上：端口不对，这个端口不能用于 HTTP 请求，请检查地址里的端口（bad port）');
    const dingtalk = { DINGTALK_APP_KEY: 'ding-key', DINGTALK_APP_SECRET: 'ding-secret', DINGTALK_API_BASE: `http://127.0.0.1:${port}` };
    const unreachable = await cli(['doctor'], { ...env, ...dingtalk }, '2026-12-07T09:00:00+08:00');
    expect(unreachable.out).toContain(
      `钉钉 access_token：http://127.0.0.1:${port}：连接不上：对方拒绝连接：地址或端口上没有服务在听（ECONNREFUSED）；请检查 DINGTALK_API_BASE 和本机能否访问外网 HTTPS`,
    );
  });

  it('reaches the WeCom token endpoint', async () => {
    double = await startPlatformDouble();
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
    const { parseBeijingTime } = await import('../../src/cli/jobs.js');
    expect(parseBeijingTime('2026-11-28T09:00').toISOString()).toBe('2026-11-28T01:00:00.000Z');
    expect(parseBeijingTime('2026-11-28').toISOString()).toBe('2026-11-27T16:00:00.000Z');
    expect(parseBeijingTime('2026-11-28T09:00:00Z').toISOString()).toBe('2026-11-28T09:00:00.000Z');
    expect(parseBeijingTime('2026-11-28T09:00:00+08:00').toISOString()).toBe('2026-11-28T01:00:00.000Z');
    expect(Number.isNaN(parseBeijingTime('next friday').getTime())).toBe(true);
  });
});
