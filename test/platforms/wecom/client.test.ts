import { pino } from 'pino';
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { FixedClock } from '../../../src/clock.js';
import type { OutboundMessage } from '../../../src/chat/types.js';
import { createWecomAdapter, type WecomConfig } from '../../../src/platforms/wecom/client.js';
import { startPlatformDouble, WECOM_OK, type PlatformDouble, type Responder } from '../../support/platform-double.js';

const NOW = Date.parse('2026-05-20T02:00:00Z');

/** The platform double answering every request with `respond`: WeCom's plain success unless a test says otherwise. */
const startDouble = (respond: Responder = () => WECOM_OK): Promise<PlatformDouble> => startPlatformDouble({ respond });

let api: PlatformDouble;
let foreign: PlatformDouble;
let logs: { level: number; msg: string; [k: string]: unknown }[];
let clock: FixedClock;

beforeEach(async () => {
  api = await startDouble();
  foreign = await startDouble();
  logs = [];
  clock = new FixedClock(NOW);
});
afterEach(async () => {
  await Promise.all([api.close(), foreign.close()]);
});

function adapter(extra: Partial<WecomConfig> = {}) {
  const config: WecomConfig = {
    token: 'tok',
    encodingAesKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
    receiveId: '',
    corpId: 'ww1234567890abcdef',
    secret: 'app-secret-value',
    agentId: '1000002',
    apiBase: api.base,
    replyHosts: ['qyapi.weixin.qq.com', 'in.qyapi.weixin.qq.com'],
    ...extra,
  };
  const log = pino({ level: 'debug' }, { write: (l: string) => void logs.push(JSON.parse(l) as (typeof logs)[number]) });
  return createWecomAdapter(config, log, clock);
}

const group = (text: string, to = 'KEY-XM001', mentions: string[] = []): OutboundMessage => ({ platform: 'wecom', kind: 'group', to, title: '通知', text, mentions });
const person = (to: string, text: string): OutboundMessage => ({ platform: 'wecom', kind: 'person', to, title: '提醒', text, mentions: [] });
const reply = (to: string, replyUrl: string | undefined, expiresAt = NOW + 3_600_000): OutboundMessage => ({
  platform: 'wecom',
  kind: 'reply',
  to,
  replyUrl,
  replyExpiresAt: expiresAt,
  title: '回复',
  text: '#12 已认领',
  mentions: [],
});

describe('group messages', () => {
  it('posts markdown to the group robot with <@userid> mentions', async () => {
    const a = adapter();
    expect(a.platform).toBe('wecom');
    expect(a.maxBytes).toBe(4096);
    const r = await a.send(group('#12 已超期，请 <@wangjg|王警官> 尽快签收', 'KEY-XM001', ['wangjg']));
    expect(r).toEqual({ ok: true });
    expect(api.requests).toHaveLength(1);
    const req = api.requests[0];
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/cgi-bin/webhook/send');
    expect(req?.query.get('key')).toBe('KEY-XM001');
    expect(req?.body).toEqual({ msgtype: 'markdown', markdown: { content: '#12 已超期，请 <@wangjg> 尽快签收' } });
  });

  it('refuses a text over 4096 bytes without sending anything', async () => {
    const r = await adapter().send(group('办'.repeat(1366))); // 4098 bytes
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(api.requests).toHaveLength(0);
    const exact = await adapter().send(group('a'.repeat(4096)));
    expect(exact).toEqual({ ok: true });
  });

  it('treats 45009 (rate limit), 45033 (too many at once), -1 (busy), HTTP 5xx and connection failures as retryable', async () => {
    // https://developer.work.weixin.qq.com/document/path/90313 (全局错误码)
    api.respond = () => ({ json: { errcode: 45009, errmsg: 'api freq out of limit' } });
    expect(await adapter().send(group('x'))).toMatchObject({ ok: false, retryable: true });
    api.respond = () => ({ json: { errcode: 45033, errmsg: 'api concurrent out of limit' } });
    expect(await adapter().send(group('x'))).toMatchObject({ ok: false, retryable: true });
    expect(await adapter().send(person('wangjg', 'x'))).toMatchObject({ ok: false, retryable: true });
    api.respond = () => ({ json: { errcode: -1, errmsg: 'system busy' } });
    expect(await adapter().send(group('x'))).toMatchObject({ ok: false, retryable: true });
    api.respond = () => ({ status: 500, text: 'Internal Server Error' });
    expect(await adapter().send(group('x'))).toMatchObject({ ok: false, retryable: true });
    api.respond = () => ({ status: 502, json: { errcode: -1, errmsg: 'system busy' } });
    expect(await adapter().send(group('x'))).toMatchObject({ ok: false, retryable: true });
    const old = api;
    api = await startDouble();
    await old.close();
    const closed = old.base;
    expect(await adapter({ apiBase: closed }).send(group('x'))).toMatchObject({ ok: false, retryable: true });
  });

  it('judges by errcode, not by the HTTP status', async () => {
    api.respond = () => ({ status: 500, json: { errcode: 0, errmsg: 'ok' } });
    expect(await adapter().send(group('x'))).toEqual({ ok: true });
    api.respond = () => ({ status: 200, json: { errcode: 40008, errmsg: 'invalid message type' } });
    expect(await adapter().send(group('x'))).toMatchObject({ ok: false, retryable: false });
  });

  it('treats 93000 (invalid webhook key) as permanent and logs the destination with the key redacted', async () => {
    api.respond = () => ({ json: { errcode: 93000, errmsg: 'invalid webhook url' } });
    const r = await adapter().send(group('x', 'KEY-SECRET-1234'));
    expect(r).toMatchObject({ ok: false, retryable: false });
    const warn = logs.filter((l) => l.level === 40);
    expect(warn).toHaveLength(1);
    expect(JSON.stringify(warn)).toContain('KEY-…');
    expect(JSON.stringify(logs)).not.toContain('KEY-SECRET-1234');
  });
});

describe('replies', () => {
  it('posts to a response_url on the API origin and nowhere else', async () => {
    const r = await adapter().send(reply('KEY-XM001', `${api.base}/cgi-bin/aibot/response?response_code=RC1`));
    expect(r).toEqual({ ok: true });
    expect(api.requests.map((q) => [q.path, q.query.get('response_code')])).toEqual([['/cgi-bin/aibot/response', 'RC1']]);
    expect(api.requests[0]?.body).toEqual({ msgtype: 'markdown', markdown: { content: '#12 已认领' } });
  });

  it('never calls a reply URL on a foreign origin, and sends to the group robot instead', async () => {
    const r = await adapter().send(reply('KEY-XM001', `${foreign.base}/cgi-bin/aibot/response?response_code=RC1`));
    expect(r).toEqual({ ok: true });
    expect(foreign.requests).toHaveLength(0);
    expect(api.requests.map((q) => q.path)).toEqual(['/cgi-bin/webhook/send']);
    expect(api.requests[0]?.query.get('key')).toBe('KEY-XM001');
  });

  it('sends to the group robot when the reply URL has expired or there is none', async () => {
    await adapter().send(reply('KEY-XM001', `${api.base}/cgi-bin/aibot/response?response_code=RC1`, NOW - 1));
    await adapter().send(reply('KEY-XM001', undefined));
    expect(api.requests.map((q) => q.path)).toEqual(['/cgi-bin/webhook/send', '/cgi-bin/webhook/send']);
  });

  it('falls back to the group robot when the reply URL refuses (e.g. already used)', async () => {
    api.respond = (q) => (q.path === '/cgi-bin/aibot/response' ? { json: { errcode: 600039, errmsg: 'response_code used' } } : WECOM_OK);
    const r = await adapter().send(reply('KEY-XM001', `${api.base}/cgi-bin/aibot/response?response_code=RC1`));
    expect(r).toEqual({ ok: true });
    expect(api.requests.map((q) => q.path)).toEqual(['/cgi-bin/aibot/response', '/cgi-bin/webhook/send']);
  });

  it('retries a reply URL that answers 5xx while it lives, then uses the group robot', async () => {
    api.respond = (q) => (q.path === '/cgi-bin/aibot/response' ? { status: 503, text: 'busy' } : WECOM_OK);
    const a = adapter();
    const msg = reply('KEY-XM001', `${api.base}/cgi-bin/aibot/response?response_code=RC1`);
    expect(await a.send(msg)).toMatchObject({ ok: false, retryable: true });
    expect(api.requests.map((q) => q.path)).toEqual(['/cgi-bin/aibot/response']);
    clock.advance(3_600_000);
    expect(await a.send(msg)).toEqual({ ok: true });
    expect(api.requests.map((q) => q.path)).toEqual(['/cgi-bin/aibot/response', '/cgi-bin/webhook/send']);
  });

  it('follows a reply URL on a host of WECOM_REPLY_HOSTS, a group robot WebhookUrl mentioning with <@userid>', async () => {
    const host = new URL(foreign.base).host;
    const msg = { ...reply('', `${foreign.base}/cgi-bin/webhook/send?key=KEY-NEW`), text: '请 <@wangjg|王警官> 认领', mentions: ['wangjg'] };
    expect(await adapter({ replyHosts: [host] }).send(msg)).toEqual({ ok: true });
    expect(foreign.requests.map((q) => [q.path, q.query.get('key')])).toEqual([['/cgi-bin/webhook/send', 'KEY-NEW']]);
    expect(foreign.requests[0]?.body).toEqual({ msgtype: 'markdown', markdown: { content: '请 <@wangjg> 认领' } });
    // Not listed: ignored, and with no group and no sender there is nowhere to answer.
    expect(await adapter().send(msg)).toMatchObject({ ok: false, retryable: false });
    expect(foreign.requests).toHaveLength(1);
  });

  it('writes mentions as plain names through a 智能机器人 response_url', async () => {
    const msg = { ...reply('KEY-XM001', `${api.base}/cgi-bin/aibot/response?response_code=RC1`), text: '请 <@wangjg|王警官> 认领', mentions: ['wangjg'] };
    expect(await adapter().send(msg)).toEqual({ ok: true });
    expect(api.requests[0]?.body).toEqual({ msgtype: 'markdown', markdown: { content: '请 @王警官 认领' } });
  });

  it('retries 45033 on the reply URL while it lives, instead of leaving it for the fallback', async () => {
    api.respond = (q) => (q.path === '/cgi-bin/aibot/response' ? { json: { errcode: 45033, errmsg: 'api concurrent out of limit' } } : WECOM_OK);
    expect(await adapter().send(reply('KEY-XM001', `${api.base}/cgi-bin/aibot/response?response_code=RC1`))).toMatchObject({ ok: false, retryable: true });
    expect(api.requests.map((q) => q.path)).toEqual(['/cgi-bin/aibot/response']);
  });

  it('answers the sender by app message when there is neither a usable reply URL nor a group (1:1 chat, self-built app)', async () => {
    api.respond = (q) => (q.path === '/cgi-bin/gettoken' ? { json: { errcode: 0, access_token: 'TOKEN', expires_in: 7200 } } : WECOM_OK);
    const r = await adapter().send({ ...reply('', undefined), replyUser: 'chenjl', text: '<@wangjg|王警官> 已认领' });
    expect(r).toEqual({ ok: true });
    expect(api.requests.map((q) => q.path)).toEqual(['/cgi-bin/gettoken', '/cgi-bin/message/send']);
    expect(api.requests[1]?.body).toMatchObject({ touser: 'chenjl', agentid: 1000002, msgtype: 'markdown', markdown: { content: '@王警官 已认领' } });
    const refused = await adapter().send({ ...reply('', `${api.base}/cgi-bin/aibot/response?response_code=RC1`, NOW - 1), replyUser: 'chenjl' });
    expect(refused).toEqual({ ok: true });
    expect(api.requests.at(-1)?.path).toBe('/cgi-bin/message/send');
  });

  it('fails permanently when the reply URL cannot be used and there is no group and no sender', async () => {
    const r = await adapter().send(reply('', `${foreign.base}/x`));
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(r.ok ? '' : r.error).toContain('no group or sender to fall back to');
    expect(api.requests).toHaveLength(0);
    expect(foreign.requests).toHaveLength(0);
  });
});

describe('direct messages', () => {
  function appDouble(opts: { expiresIn?: number; sendErrcodes?: number[] } = {}) {
    let tokenNo = 0;
    const codes = [...(opts.sendErrcodes ?? [])];
    api.respond = (q) => {
      if (q.path === '/cgi-bin/gettoken') {
        if (q.query.get('corpid') !== 'ww1234567890abcdef' || q.query.get('corpsecret') !== 'app-secret-value') return { json: { errcode: 40001, errmsg: 'invalid credential' } };
        tokenNo += 1;
        return { json: { errcode: 0, errmsg: 'ok', access_token: `TOKEN-${tokenNo}`, expires_in: opts.expiresIn ?? 7200 } };
      }
      if (q.path === '/cgi-bin/message/send') {
        const code = codes.shift() ?? 0;
        return { json: { errcode: code, errmsg: code === 0 ? 'ok' : 'error', invaliduser: '' } };
      }
      return { status: 404, text: 'not found' };
    };
  }
  const paths = () => api.requests.map((q) => q.path);

  it('gets a token once and reuses it for the next send', async () => {
    appDouble();
    const a = adapter();
    expect(await a.send(person('lij', '#12 已超期 24 小时，请 <@wangjg|王警官> 督促'))).toEqual({ ok: true });
    expect(await a.send(person('lij', '第二条'))).toEqual({ ok: true });
    expect(paths()).toEqual(['/cgi-bin/gettoken', '/cgi-bin/message/send', '/cgi-bin/message/send']);
    const sent = api.requests[1];
    expect(sent?.query.get('access_token')).toBe('TOKEN-1');
    expect(sent?.body).toEqual({ touser: 'lij', agentid: 1000002, msgtype: 'markdown', markdown: { content: '#12 已超期 24 小时，请 @王警官 督促' } });
  });

  it('shares one token request between simultaneous sends', async () => {
    appDouble();
    const a = adapter();
    const results = await Promise.all([a.send(person('lij', 'a')), a.send(person('lij', 'b')), a.send(person('lij', 'c'))]);
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(paths().filter((p) => p === '/cgi-bin/gettoken')).toHaveLength(1);
  });

  it('gets a new token 5 minutes before the old one expires', async () => {
    appDouble({ expiresIn: 7200 });
    const a = adapter();
    await a.send(person('lij', 'a'));
    clock.advance((7200 - 301) * 1000);
    await a.send(person('lij', 'b'));
    clock.advance(2000);
    await a.send(person('lij', 'c'));
    expect(api.requests.filter((q) => q.path === '/cgi-bin/message/send').map((q) => q.query.get('access_token'))).toEqual(['TOKEN-1', 'TOKEN-1', 'TOKEN-2']);
  });

  it('refreshes the token on 42001 and retries once', async () => {
    appDouble({ sendErrcodes: [42001] });
    const r = await adapter().send(person('lij', 'a'));
    expect(r).toEqual({ ok: true });
    expect(paths()).toEqual(['/cgi-bin/gettoken', '/cgi-bin/message/send', '/cgi-bin/gettoken', '/cgi-bin/message/send']);
    expect(api.requests[3]?.query.get('access_token')).toBe('TOKEN-2');
  });

  it('does not retry more than once on 40014', async () => {
    appDouble({ sendErrcodes: [40014, 40014, 40014] });
    const r = await adapter().send(person('lij', 'a'));
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(paths().filter((p) => p === '/cgi-bin/message/send')).toHaveLength(2);
  });

  it('names the user WeCom could not deliver to, as a permanent failure', async () => {
    appDouble();
    const usual = api.respond!;
    api.respond = (q) =>
      q.path === '/cgi-bin/message/send' ? { json: { errcode: 81013, errmsg: 'user & party & tag all invalid', invaliduser: 'nobody' } } : usual(q);
    const r = await adapter().send(person('nobody', 'a'));
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(r.ok ? '' : r.error).toContain('nobody');
    expect(JSON.stringify(logs.filter((l) => l.level === 40))).toContain('nobody');
  });

  it('fails permanently without the app settings, and with a wrong secret, never logging the secret', async () => {
    appDouble();
    const none = await adapter({ corpId: undefined, secret: undefined, agentId: undefined }).send(person('lij', 'a'));
    expect(none).toMatchObject({ ok: false, retryable: false, error: 'direct messages need WECOM_CORP_ID/WECOM_SECRET/WECOM_AGENT_ID' });
    expect(api.requests).toHaveLength(0);
    const wrong = await adapter({ secret: 'wrong-secret-value' }).send(person('lij', 'a'));
    expect(wrong).toMatchObject({ ok: false, retryable: false });
    expect(paths()).toEqual(['/cgi-bin/gettoken']);
    expect(JSON.stringify(logs)).not.toContain('wrong-secret-value');
  });
});
