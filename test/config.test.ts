import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('starts with no configuration at all: SQLite in ./data, playground on, loopback only', () => {
    const c = loadConfig({});
    expect(c.databasePath).toBe('./data/lianbao.db');
    expect(c.playground.enabled).toBe(true);
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(3000);
    expect(c.wecom).toBeUndefined();
    expect(c.dingtalk).toBeUndefined();
    expect(c.rosterFile).toBe('roster.example.yaml');
  });

  it('never loads the example people into a real installation unless asked', () => {
    const dt = { DINGTALK_APP_KEY: 'k', DINGTALK_APP_SECRET: 's' };
    expect(loadConfig(dt).rosterFile).toBe('');
    expect(loadConfig({ ...dt, ROSTER_FILE: '/etc/lianbao/roster.yaml' }).rosterFile).toBe('/etc/lianbao/roster.yaml');
  });

  it('accepts .env.example as it is', () => {
    const env = parseEnv(readFileSync('.env.example', 'utf8'));
    expect(() => loadConfig(env)).not.toThrow();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['WORKDAY_END', '25:00'],
    ['WECOM_ENCODING_AES_KEY', 'short'],
    ['DINGTALK_MODE', 'socket'],
    ['WECOM_API_BASE', 'not a url'],
    ['RATE_GROUP_PER_MINUTE', '0'],
    ['SCHEDULE_DAILY_DIGEST', 'every morning'],
    ['ADMIN_TOKEN', 'short-admin-token'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', '1'],
    ['TRUST_PROXY', 'nginx.internal'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['CARDS', 'auto'],
    ['CARDS', 'yes'],
    ['DINGTALK_CARD_ROUTE_KEY', 'a route key'],
  ])('refuses a bad %s and names it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('sends cards unless CARDS=0; DingTalk only with a card template, its HTTP callbacks under a route key', () => {
    // SPEC §7a
    expect(loadConfig({}).cards).toBe(true);
    expect(loadConfig({ CARDS: '0' }).cards).toBe(false);
    expect(loadConfig({ CARDS: 'false' }).cards).toBe(false);
    const dt = { DINGTALK_APP_KEY: 'k', DINGTALK_APP_SECRET: 's' };
    expect(loadConfig(dt).dingtalk?.card).toBeUndefined();
    expect(loadConfig({ ...dt, DINGTALK_CARD_TEMPLATE_ID: 'abc-123.schema' }).dingtalk?.card).toEqual({ templateId: 'abc-123.schema', routeKey: 'lianbao-card' });
    expect(loadConfig({ ...dt, DINGTALK_CARD_TEMPLATE_ID: 'abc-123.schema', DINGTALK_CARD_ROUTE_KEY: 'city-bot' }).dingtalk?.card?.routeKey).toBe('city-bot');
  });

  it('keeps the nightly backups beside the database, so a copy never touches the real ones', () => {
    expect(loadConfig({}).backup.dir).toBe('data/backups');
    expect(loadConfig({ DATABASE_PATH: '/tmp/try/copy.db' }).backup.dir).toBe('/tmp/try/backups');
    expect(loadConfig({ DATABASE_PATH: '/tmp/try/copy.db', BACKUP_DIR: '/srv/backups' }).backup.dir).toBe('/srv/backups');
    expect(loadConfig({ BACKUP_DIR: '' }).backup.dir).toBe('');
    // Nothing to keep of a database that vanishes with the process.
    expect(loadConfig({ DATABASE_PATH: ':memory:' }).backup.dir).toBe('');
  });

  it('keeps evidence beside the database, up to ATTACHMENT_MAX_MB each', () => {
    expect(loadConfig({}).attachments).toEqual({ dir: 'data/attachments', maxBytes: 20 * 1024 * 1024, perSenderPerHour: 30 });
    expect(loadConfig({ DATABASE_PATH: '/srv/lianbao/lianbao.db', ATTACHMENT_MAX_MB: '5', ATTACHMENT_SENDER_PER_HOUR: '60' }).attachments).toEqual({
      dir: '/srv/lianbao/attachments',
      maxBytes: 5 * 1024 * 1024,
      perSenderPerHour: 60,
    });
    expect(loadConfig({ ATTACHMENTS_DIR: '/data/evidence' }).attachments.dir).toBe('/data/evidence');
    // An in-memory database keeps nothing, files included.
    expect(loadConfig({ DATABASE_PATH: ':memory:' }).attachments.dir).toBe('');
    for (const bad of ['0', 'twenty', '5000']) expect(() => loadConfig({ ATTACHMENT_MAX_MB: bad })).toThrow('ATTACHMENT_MAX_MB');
    for (const bad of ['0', '3.5', '100000']) expect(() => loadConfig({ ATTACHMENT_SENDER_PER_HOUR: bad })).toThrow('ATTACHMENT_SENDER_PER_HOUR');
  });

  // WeCom: "Token可由企业任意填写" (https://developer.work.weixin.qq.com/document/path/96466); the console it
  // shares with WeChat takes "英文或数字，长度为3-32字符"
  // (https://developers.weixin.qq.com/community/personal/oCJUsw77ZxO0t8JCwQU6PyBa9wuk/question).
  it('refuses a WECOM_TOKEN that WeCom’s console would not take, naming it and the rule', () => {
    const aes = { WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
    for (const token of ['ab', 'x'.repeat(33), 'lianbao token', 'lianbao-token', '联保令牌abc']) {
      expect(() => loadConfig({ ...aes, WECOM_TOKEN: token }), token).toThrow(/WECOM_TOKEN: 只能是英文字母和数字，3 到 32 位/);
    }
    expect(loadConfig({ ...aes, WECOM_TOKEN: 'QDG6eK' }).wecom?.token).toBe('QDG6eK');
    expect(loadConfig({ ...aes, WECOM_TOKEN: 'A1'.repeat(16) }).wecom?.token).toBe('A1'.repeat(16));
  });

  it('explains a bad value in Chinese, each variable on its own line, as the server and the CLI print it', () => {
    expect(() => loadConfig({ PORT: '70000', LOG_LEVEL: 'loud' })).toThrow(
      '配置有误\n  PORT: 应为 1–65535 的端口号，例如 3000，实际是 "70000"\n  LOG_LEVEL: 应为以下之一：fatal、error、warn、info、debug、trace、silent，实际是 "loud"',
    );
    expect(() => loadConfig({ WECOM_TOKEN: 'QDG6eK' })).toThrow('WECOM_ENCODING_AES_KEY: 配置企业微信时必须设置（WECOM_TOKEN、WECOM_ENCODING_AES_KEY 要一起设置）');
  });

  // zod's own words ("无效输入：期望 数字，实际接收 NaN") say neither what would work nor what was written.
  it('says for every variable with a rule what would work, and what was written', () => {
    const problem = (name: string, value: string): string => {
      try {
        loadConfig({ [name]: value });
      } catch (e) {
        return (e as Error).message.split('\n')[1]!.trim();
      }
      throw new Error(`${name}=${value} was accepted`);
    };
    expect(problem('PORT', 'abc')).toBe('PORT: 应为 1–65535 的端口号，例如 3000，实际是 "abc"');
    expect(problem('PORT', '80.5')).toBe('PORT: 应为 1–65535 的端口号，例如 3000，实际是 "80.5"');
    expect(problem('BACKUP_KEEP', '0')).toBe('BACKUP_KEEP: 应为正整数，例如 20，实际是 "0"');
    expect(problem('ATTACHMENT_MAX_MB', '2048')).toBe('ATTACHMENT_MAX_MB: 应为 1–1024 之间的整数（MB），例如 20，实际是 "2048"');
    expect(problem('WECOM_API_BASE', 'qyapi')).toBe('WECOM_API_BASE: 应为网址，以 https:// 开头，例如 https://qyapi.weixin.qq.com，实际是 "qyapi"');
    expect(problem('DINGTALK_MODE', 'ws')).toBe('DINGTALK_MODE: 应为 http 或 stream，实际是 "ws"');
    expect(problem('PLAYGROUND', 'yes')).toBe('PLAYGROUND: 应为 1（开）、0（关）或 auto（自动），实际是 "yes"');
    expect(problem('CARDS', 'auto')).toBe('CARDS: 应为 1（发送卡片）或 0（只发文字），实际是 "auto"');
    expect(problem('WECOM_REPLY_HOSTS', 'https://x/')).toBe('WECOM_REPLY_HOSTS: 应为主机名，用逗号分隔，例如 qyapi.weixin.qq.com,in.qyapi.weixin.qq.com');
    const numeric = ['PORT', 'RATE_GROUP_PER_MINUTE', 'RATE_PERSON_PER_MINUTE', 'RATE_SENDER_PER_MINUTE', 'BACKUP_KEEP', 'ATTACHMENT_MAX_MB'];
    for (const name of numeric) for (const value of ['abc', '-1', '1.5', '12 个']) expect(problem(name, value)).toMatch(new RegExp(`^${name}: 应为.*，实际是 "${value}"$`));
    // A secret is never repeated.
    expect(problem('ADMIN_TOKEN', 'short-secret')).not.toContain('short-secret');
  });

  it('names the missing half of a platform’s credentials', () => {
    expect(() => loadConfig({ WECOM_TOKEN: 'QDG6eK' })).toThrow('WECOM_ENCODING_AES_KEY');
    expect(() => loadConfig({ DINGTALK_APP_SECRET: 's' })).toThrow('DINGTALK_APP_KEY');
    expect(() =>
      loadConfig({ WECOM_TOKEN: 'QDG6eK', WECOM_ENCODING_AES_KEY: 'a'.repeat(43), WECOM_SECRET: 's' }),
    ).toThrow('WECOM_CORP_ID');
  });

  it('turns the playground off when a platform is configured, unless asked', () => {
    const dt = { DINGTALK_APP_KEY: 'k', DINGTALK_APP_SECRET: 's' };
    expect(loadConfig(dt).playground.enabled).toBe(false);
    expect(loadConfig(dt).dingtalk?.robotCode).toBe('k');
    expect(loadConfig(dt).host).toBe('0.0.0.0');
    expect(loadConfig({ ...dt, PLAYGROUND: '1' }).playground.enabled).toBe(true);
  });

  it('reads job schedules from SCHEDULE_<NAME>', () => {
    expect(loadConfig({ SCHEDULE_DAILY_DIGEST: '0 8 * * 1-5' }).schedules).toEqual({ 'daily-digest': '0 8 * * 1-5' });
  });

  it('strips a trailing slash from API bases', () => {
    expect(loadConfig({ WECOM_API_BASE: 'http://127.0.0.1:9999/' }).wecomApiBase).toBe('http://127.0.0.1:9999');
  });

  it('publishes the dashboard to people at PUBLIC_URL, which needs ADMIN_TOKEN', () => {
    const token = 'x'.repeat(24);
    expect(loadConfig({}).publicUrl).toBeUndefined();
    expect(loadConfig({ ADMIN_TOKEN: token, PUBLIC_URL: 'https://lianbao.example.gov.cn/' }).publicUrl).toBe('https://lianbao.example.gov.cn');
    expect(loadConfig({ ADMIN_TOKEN: token, PUBLIC_URL: 'http://10.1.2.3:8080' }).publicUrl).toBe('http://10.1.2.3:8080');
    // The pages and the cookie are at /dashboard on that address: a path would lead nowhere.
    for (const bad of ['lianbao.example.gov.cn', 'ftp://lianbao.example.gov.cn', 'https://lianbao.example.gov.cn/lianbao', 'https://lianbao.example.gov.cn/?next=x', 'https://a b']) {
      expect(() => loadConfig({ ADMIN_TOKEN: token, PUBLIC_URL: bad }), bad).toThrow(/PUBLIC_URL: 应为人们打开台账的地址，以 https:\/\/ 或 http:\/\/ 开头/);
    }
    expect(() => loadConfig({ PUBLIC_URL: 'https://lianbao.example.gov.cn' })).toThrow(/PUBLIC_URL: 工作台账需要 ADMIN_TOKEN/);
  });

  it('refuses an ADMIN_TOKEN under 24 characters, saying how to make one, and takes one of 24', () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'x'.repeat(23) })).toThrow(/ADMIN_TOKEN: 至少 24 个字符；可以这样生成一个：openssl rand -base64 32/);
    expect(loadConfig({ ADMIN_TOKEN: 'x'.repeat(24) }).adminToken).toBe('x'.repeat(24));
    // Characters, not bytes: 24 Chinese characters are 24.
    expect(loadConfig({ ADMIN_TOKEN: '联'.repeat(24) }).adminToken).toBe('联'.repeat(24));
  });

  it('believes no proxy unless TRUST_PROXY names the proxies’ addresses', () => {
    for (const off of [undefined, '', '0', 'false']) expect(loadConfig({ TRUST_PROXY: off }).trustProxy, String(off)).toBeUndefined();
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', '::1']);
    expect(loadConfig({ TRUST_PROXY: 'loopback,uniquelocal' }).trustProxy).toEqual(['loopback', 'uniquelocal']);
    // "Trust all" and hop counts would take the client's own X-Forwarded-For: refused with the way out.
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: .*请写反向代理自己的地址/);
  });
});
