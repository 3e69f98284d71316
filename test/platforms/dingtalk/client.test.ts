import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/clock.js';
import { createDingtalkAdapter, DingtalkClient, doctorDingtalk } from '../../../src/platforms/dingtalk/index.js';
import type { DingtalkConfig } from '../../../src/platforms/dingtalk/index.js';
import type { OutboundMessage, PlatformAdapter } from '../../../src/chat/types.js';
import { startPlatformDouble, type PlatformDouble, type Responder } from '../../support/platform-double.js';

const TOKEN = '/v1.0/oauth2/accessToken';
const GROUP = '/v1.0/robot/groupMessages/send';
const BATCH = '/v1.0/robot/oToMessages/batchSend';
const SESSION = '/robot/sendBySession';
const SECRET = 'app-secret-never-logged-0123456789';
const NOW = Date.parse('2026-01-01T00:40:00Z');

/** Anything a test has not routed: DingTalk's 404, as from a path it does not have. */
const unrouted: Responder = (req) => ({ status: 404, json: { code: 'NotFound', message: `no route ${req.path}` } });

/** The platform double answering only `routes`, 404 to anything else: the client alone is under test. */
const startDouble = (routes: Record<string, Responder> = {}): Promise<PlatformDouble> => startPlatformDouble({ routes, respond: unrouted });

interface LogLine {
  level: string;
  obj: unknown;
  msg?: string;
}

function recordingLogger(lines: LogLine[]) {
  const at =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

let api: PlatformDouble;
let oapi: PlatformDouble;
let foreign: PlatformDouble;
let config: DingtalkConfig;
let clock: FixedClock;
let lines: LogLine[];
let adapter: PlatformAdapter;
let tokens: number;

beforeEach(async () => {
  tokens = 0;
  api = await startDouble({
    [TOKEN]: (req) => {
      if (req.body?.appSecret !== SECRET) return { status: 400, json: { code: 'invalidClientSecret', message: 'wrong secret' } };
      tokens += 1;
      return { json: { accessToken: `tok-${tokens}`, expireIn: 7200 } };
    },
    [GROUP]: () => ({ json: { processQueryKey: 'pqk-group' } }),
    [BATCH]: () => ({ json: { processQueryKey: 'pqk-batch', invalidStaffIdList: [], flowControlledStaffIdList: [] } }),
  });
  oapi = await startDouble({ [SESSION]: () => ({ json: { errcode: 0, errmsg: 'ok' } }) });
  foreign = await startDouble({ [SESSION]: () => ({ json: { errcode: 0, errmsg: 'ok' } }) });
  config = { appKey: 'dingtestkey', appSecret: SECRET, robotCode: 'dingrobot001', mode: 'http', apiBase: api.base, oapiBase: oapi.base };
  clock = new FixedClock(NOW);
  lines = [];
  adapter = createDingtalkAdapter(config, recordingLogger(lines), clock);
});

afterEach(async () => {
  await Promise.all([api.close(), oapi.close(), foreign.close()]);
});

function message(over: Partial<OutboundMessage>): OutboundMessage {
  return { platform: 'dingtalk', kind: 'group', to: 'cidXM001', title: '工单 #12', text: '#12 已认领', mentions: [], ...over };
}

function reply(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return message({
    kind: 'reply',
    replyUrl: `${oapi.base}${SESSION}?session=abc123`,
    replyExpiresAt: NOW + 60 * 60_000,
    text: '<@staff-chen|陈经理> 已收到，工单 #12',
    mentions: ['staff-chen'],
    ...over,
  });
}

describe('DingTalk outbound: access token', () => {
  it('fetches the token once and reuses it until 5 minutes before it expires', async () => {
    expect(await adapter.send(message({}))).toEqual({ ok: true });
    expect(await adapter.send(message({}))).toEqual({ ok: true });
    expect(api.requestsTo(TOKEN)).toHaveLength(1);
    expect(api.requestsTo(TOKEN)[0]?.body).toEqual({ appKey: 'dingtestkey', appSecret: SECRET });

    clock.advance(7200_000 - 6 * 60_000);
    await adapter.send(message({}));
    expect(api.requestsTo(TOKEN)).toHaveLength(1);

    clock.advance(2 * 60_000);
    await adapter.send(message({}));
    expect(api.requestsTo(TOKEN)).toHaveLength(2);
    expect(api.requestsTo(GROUP).map((c) => c.headers['x-acs-dingtalk-access-token'])).toEqual(['tok-1', 'tok-1', 'tok-1', 'tok-2']);
  });

  it('asks for one token when several sends start together', async () => {
    const results = await Promise.all([1, 2, 3].map(() => adapter.send(message({}))));
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(api.requestsTo(TOKEN)).toHaveLength(1);
  });

  it('refreshes the token once when a send is refused for authentication, then succeeds', async () => {
    api.on(GROUP, (req) =>
      req.headers['x-acs-dingtalk-access-token'] === 'tok-1'
        ? { status: 401, json: { code: 'InvalidAuthentication', message: '不合法的access_token' } }
        : { json: { processQueryKey: 'ok' } },
    );
    expect(await adapter.send(message({}))).toEqual({ ok: true });
    expect(api.requestsTo(TOKEN)).toHaveLength(2);
    expect(api.requestsTo(GROUP)).toHaveLength(2);
  });

  it('gives up for good when the fresh token is refused too', async () => {
    api.on(GROUP, () => ({ status: 403, json: { code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied', message: 'no permission' } }));
    const result = await adapter.send(message({}));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(api.requestsTo(GROUP)).toHaveLength(2);
  });

  it('fails permanently, naming the variables, when the app secret is wrong; the secret is never logged', async () => {
    const wrong = createDingtalkAdapter({ ...config, appSecret: 'wrong-secret' }, recordingLogger(lines), clock);
    const result = await wrong.send(message({}));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.ok ? '' : result.error).toContain('DINGTALK_APP_SECRET');
    expect(api.requestsTo(GROUP)).toHaveLength(0);
    expect(JSON.stringify(lines)).not.toContain('wrong-secret');
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });
});

describe('DingTalk outbound: group and person', () => {
  it('sends a group message as sampleMarkdown with msgParam as a JSON string, mentions written @name', async () => {
    const result = await adapter.send(message({ text: '请 <@staff-wang|王警官> 签收 #12', mentions: ['staff-wang'] }));
    expect(result).toEqual({ ok: true });
    const [call] = api.requestsTo(GROUP);
    expect(call?.headers['x-acs-dingtalk-access-token']).toBe('tok-1');
    expect(call?.body).toEqual({
      msgKey: 'sampleMarkdown',
      msgParam: expect.any(String),
      openConversationId: 'cidXM001',
      robotCode: 'dingrobot001',
    });
    expect(JSON.parse(call?.body.msgParam)).toEqual({ title: '工单 #12', text: '请 @王警官 签收 #12' });
  });

  it('sends a direct message through batchSend', async () => {
    expect(await adapter.send(message({ kind: 'person', to: 'staff-li', text: '#12 已超期' }))).toEqual({ ok: true });
    const [call] = api.requestsTo(BATCH);
    expect(call?.body).toMatchObject({ robotCode: 'dingrobot001', userIds: ['staff-li'], msgKey: 'sampleMarkdown' });
    expect(JSON.parse(call?.body.msgParam)).toEqual({ title: '工单 #12', text: '#12 已超期' });
  });

  it('splits 25 user ids into two batchSend calls of 20 and 5', async () => {
    const client = new DingtalkClient(config, clock);
    const ids = Array.from({ length: 25 }, (_, i) => `staff-${i}`);
    expect(await client.sendToPeople(ids, '通知', '会商提醒')).toEqual({ ok: true });
    const calls = api.requestsTo(BATCH);
    expect(calls.map((c) => c.body.userIds.length)).toEqual([20, 5]);
    expect(calls.flatMap((c) => c.body.userIds)).toEqual(ids);
  });

  it('treats errcode 130101 (send too fast) as retryable', async () => {
    api.on(GROUP, () => ({ json: { errcode: 130101, errmsg: 'send too fast' } }));
    expect(await adapter.send(message({}))).toMatchObject({ ok: false, retryable: true });
  });

  it('treats HTTP 5xx as retryable', async () => {
    api.on(GROUP, () => ({ status: 502, json: { code: 'ServiceUnavailable', message: 'bad gateway' } }));
    expect(await adapter.send(message({}))).toMatchObject({ ok: false, retryable: true });
  });

  it('treats a QPS-limit refusal as retryable, without refreshing the token', async () => {
    api.on(GROUP, () => ({ status: 403, json: { code: 'Forbidden.AccessDenied.QpsLimitForApi', message: 'qps' } }));
    expect(await adapter.send(message({}))).toMatchObject({ ok: false, retryable: true });
    expect(api.requestsTo(TOKEN)).toHaveLength(1);
  });

  it('treats a connection failure as retryable', async () => {
    const down = await startDouble();
    const url = down.base;
    await down.close();
    const offline = createDingtalkAdapter({ ...config, apiBase: url }, recordingLogger(lines), clock);
    expect(await offline.send(message({}))).toMatchObject({ ok: false, retryable: true });
  });

  it('fails permanently on a non-empty invalidStaffIdList and logs the destination', async () => {
    api.on(BATCH, () => ({ json: { processQueryKey: 'x', invalidStaffIdList: ['staff-gone'], flowControlledStaffIdList: [] } }));
    const result = await adapter.send(message({ kind: 'person', to: 'staff-gone' }));
    expect(result).toMatchObject({ ok: false, retryable: false });
    const warn = lines.find((l) => l.level === 'warn');
    expect(warn?.obj).toMatchObject({ to: 'staff-gone', kind: 'person' });
  });

  it('retries later on a non-empty flowControlledStaffIdList', async () => {
    api.on(BATCH, () => ({ json: { processQueryKey: 'x', invalidStaffIdList: [], flowControlledStaffIdList: ['staff-li'] } }));
    expect(await adapter.send(message({ kind: 'person', to: 'staff-li' }))).toMatchObject({ ok: false, retryable: true });
  });

  it('fails permanently on another 4xx or a non-zero errcode', async () => {
    api.on(GROUP, () => ({ status: 400, json: { code: 'invalidParameter.openConversationId', message: 'bad cid' } }));
    expect(await adapter.send(message({}))).toMatchObject({ ok: false, retryable: false });
    api.on(GROUP, () => ({ json: { errcode: 400002, errmsg: 'bad' } }));
    expect(await adapter.send(message({}))).toMatchObject({ ok: false, retryable: false });
  });

  it('refuses a text over the byte limit without calling DingTalk', async () => {
    const result = await adapter.send(message({ text: '堵'.repeat(Math.floor(adapter.maxBytes / 3) + 1) }));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(api.requests).toHaveLength(0);
  });
});

describe('DingTalk outbound: replies', () => {
  it('replies through the sessionWebhook, mentioning people for real with at.atUserIds and @userId', async () => {
    expect(await adapter.send(reply())).toEqual({ ok: true });
    const [call] = oapi.requestsTo(SESSION);
    expect(call?.query.get('session')).toBe('abc123');
    expect(call?.body).toEqual({
      msgtype: 'markdown',
      markdown: { title: '工单 #12', text: '@staff-chen 已收到，工单 #12' },
      at: { atUserIds: ['staff-chen'], isAtAll: false },
    });
    expect(api.requestsTo(GROUP)).toHaveLength(0);
  });

  it('takes the group path when the sessionWebhook has expired', async () => {
    expect(await adapter.send(reply({ replyExpiresAt: NOW - 1 }))).toEqual({ ok: true });
    expect(oapi.requests).toHaveLength(0);
    expect(JSON.parse(api.requestsTo(GROUP)[0]?.body.msgParam).text).toBe('@陈经理 已收到，工单 #12');
  });

  it('never calls a sessionWebhook on another host, and replies through the group instead', async () => {
    expect(await adapter.send(reply({ replyUrl: `${foreign.base}${SESSION}?session=evil` }))).toEqual({ ok: true });
    expect(foreign.requests).toHaveLength(0);
    expect(oapi.requests).toHaveLength(0);
    expect(api.requestsTo(GROUP)).toHaveLength(1);
  });

  it('never calls another path on the DingTalk host (a group robot webhook), and replies through the group instead', async () => {
    oapi.on('/robot/send', () => ({ json: { errcode: 0, errmsg: 'ok' } }));
    for (const replyUrl of [`${oapi.base}/robot/send?access_token=attacker`, `${oapi.base}${SESSION}`, `${oapi.base}${SESSION}x?session=abc`]) {
      expect(await adapter.send(reply({ replyUrl }))).toEqual({ ok: true });
    }
    expect(oapi.requests).toHaveLength(0);
    expect(api.requestsTo(GROUP)).toHaveLength(3);
    expect(lines.filter((l) => l.level === 'warn' && l.msg?.includes('sessionWebhook path'))).toHaveLength(3);
  });

  it('falls back to the group when the session is gone (errcode 300001)', async () => {
    oapi.on(SESSION, () => ({ json: { errcode: 300001, errmsg: 'session不存在' } }));
    expect(await adapter.send(reply())).toEqual({ ok: true });
    expect(oapi.requests).toHaveLength(1);
    expect(api.requestsTo(GROUP)).toHaveLength(1);
  });

  it('retries a reply whose sessionWebhook answers 5xx, and takes the group path once it has expired', async () => {
    oapi.on(SESSION, () => ({ status: 503, json: { errcode: -1, errmsg: 'busy' } }));
    expect(await adapter.send(reply())).toMatchObject({ ok: false, retryable: true });
    expect(api.requestsTo(GROUP)).toHaveLength(0);
    clock.advance(2 * 60 * 60_000);
    expect(await adapter.send(reply())).toEqual({ ok: true });
    expect(oapi.requests).toHaveLength(1);
    expect(api.requestsTo(GROUP)).toHaveLength(1);
  });

  it('answers a one-to-one chat by batchSend to the sender when its sessionWebhook has expired or is refused', async () => {
    // https://open.dingtalk.com/document/orgapp/chatbots-send-one-on-one-chat-messages-in-batches
    expect(await adapter.send(reply({ to: '', replyUser: 'staff-chen', replyExpiresAt: NOW - 1 }))).toEqual({ ok: true });
    expect(api.requestsTo(BATCH).map((c) => c.body)).toEqual([expect.objectContaining({ robotCode: 'dingrobot001', userIds: ['staff-chen'], msgKey: 'sampleMarkdown' })]);
    expect(JSON.parse(String(api.requestsTo(BATCH)[0]?.body?.msgParam)).text).toBe('@陈经理 已收到，工单 #12');
    oapi.on(SESSION, () => ({ json: { errcode: 300001, errmsg: 'session不存在' } }));
    expect(await adapter.send(reply({ to: '', replyUser: 'staff-chen' }))).toEqual({ ok: true });
    expect(api.requestsTo(BATCH)).toHaveLength(2);
    expect(api.requestsTo(GROUP)).toHaveLength(0);
  });

  it('fails permanently when the sessionWebhook cannot be used and there is no group or sender to fall back to', async () => {
    const result = await adapter.send(reply({ replyExpiresAt: NOW - 1, to: '' }));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(api.requests).toHaveLength(0);
    expect(oapi.requests).toHaveLength(0);
  });
});

describe('doctorDingtalk', () => {
  it('reports the settings and a granted token', async () => {
    const checks = await doctorDingtalk(config);
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(checks.map((c) => c.name)).toContain('钉钉 access_token');
    expect(JSON.stringify(checks)).not.toContain(SECRET);
  });

  it('reports a refused token with the variables to check, and the stream gateway in stream mode', async () => {
    api.on('/v1.0/gateway/connections/open', () => ({ json: { endpoint: 'wss://gateway.example/connect', ticket: 't' } }));
    const checks = await doctorDingtalk({ ...config, appSecret: 'wrong-secret', mode: 'stream' });
    const token = checks.find((c) => c.name === '钉钉 access_token');
    expect(token?.ok).toBe(false);
    expect(token?.detail).toContain('DINGTALK_APP_SECRET');
    expect(checks.find((c) => c.name === '钉钉 Stream 网关')?.ok).toBe(true);
    expect(JSON.stringify(checks)).not.toContain('wrong-secret');
  });
});
