import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { describe, it, expect, afterEach } from 'vitest';
import { FixedClock } from '../../../src/clock.js';
import type { IncomingMessage } from '../../../src/chat/types.js';
import { wecomRoutes } from '../../../src/platforms/wecom/routes.js';
import type { WecomConfig } from '../../../src/platforms/wecom/client.js';
import { encryptMessage, SAMPLE, sign } from '../../support/wecom-protocol.js';

const TOKEN = 'lianbaoToken2026';
const AES_KEY = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';
const CORP_ID = 'ww1234567890abcdef';
const NOW_S = 1_779_242_400; // 2026-05-20T02:00:00Z
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/wecom/${name}`, import.meta.url), 'utf8');

interface LogLine {
  level: number;
  msg: string;
  check?: string;
  [k: string]: unknown;
}

interface Harness {
  app: FastifyInstance;
  handled: IncomingMessage[];
  logs: LogLine[];
  warnings: (check: string) => LogLine[];
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** A bare Fastify with only the WeCom plugin, a fake core and logs captured as parsed lines. */
async function build(
  opts: {
    receiveId?: string;
    token?: string;
    aesKey?: string;
    nowS?: number;
    handle?: (m: IncomingMessage) => void;
    /** Called as the answer is being sent. */
    onSend?: (status: number) => void;
  } = {},
): Promise<Harness> {
  const logs: LogLine[] = [];
  const app = Fastify({
    bodyLimit: 1048576,
    logger: { level: 'debug', stream: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) } },
  });
  apps.push(app);
  const handled: IncomingMessage[] = [];
  const config: WecomConfig = {
    token: opts.token ?? TOKEN,
    encodingAesKey: opts.aesKey ?? AES_KEY,
    receiveId: opts.receiveId ?? '',
    apiBase: 'https://qyapi.weixin.qq.com',
  };
  const clock = new FixedClock((opts.nowS ?? NOW_S) * 1000);
  const onSend = opts.onSend;
  if (onSend) {
    app.addHook('onSend', async (_req, reply, payload) => {
      onSend(reply.statusCode);
      return payload;
    });
  }
  await app.register(wecomRoutes, { config, deps: { clock, accept: opts.handle ?? ((m) => handled.push(m)) } });
  await app.ready();
  return { app, handled, logs, warnings: (check) => logs.filter((l) => l.level === 40 && l.check === check) };
}

/** Lets the handle() scheduled after the answer run. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

interface PostOpts {
  format?: 'json' | 'xml';
  receiveId?: string;
  timestamp?: number;
  nonce?: string;
  signature?: string;
  omit?: 'msg_signature' | 'timestamp' | 'nonce';
  body?: string;
  contentType?: string;
}

function envelope(format: 'json' | 'xml', encrypted: string): string {
  return format === 'json'
    ? JSON.stringify({ encrypt: encrypted })
    : `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>`;
}

/** Encrypts and signs `plain` as WeCom would, then POSTs it. */
async function post(app: FastifyInstance, plain: string, o: PostOpts = {}) {
  const format = o.format ?? 'json';
  const encrypted = encryptMessage(AES_KEY, plain, o.receiveId ?? '');
  const timestamp = String(o.timestamp ?? NOW_S);
  const nonce = o.nonce ?? '1372623149';
  const q: Record<string, string> = {
    msg_signature: o.signature ?? sign(TOKEN, timestamp, nonce, encrypted),
    timestamp,
    nonce,
  };
  if (o.omit) delete q[o.omit];
  return app.inject({
    method: 'POST',
    url: `/wecom/callback?${new URLSearchParams(q).toString()}`,
    headers: { 'content-type': o.contentType ?? (format === 'json' ? 'application/json' : 'text/xml') },
    payload: o.body ?? envelope(format, encrypted),
  });
}

/** POSTs a correctly signed envelope around an arbitrary `encrypt` value. */
async function postEncrypted(app: FastifyInstance, encrypted: string) {
  const timestamp = String(NOW_S);
  const q = new URLSearchParams({ msg_signature: sign(TOKEN, timestamp, 'n1', encrypted), timestamp, nonce: 'n1' });
  return app.inject({ method: 'POST', url: `/wecom/callback?${q.toString()}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ encrypt: encrypted }) });
}

describe('GET /wecom/callback (URL verification)', () => {
  const sampleUrl = (echostr: string) =>
    `/wecom/callback?msg_signature=${SAMPLE.signature}&timestamp=${SAMPLE.timestamp}&nonce=${SAMPLE.nonce}&echostr=${echostr}`;

  it("answers WeCom's published sample with its plain message", async () => {
    const h = await build({ token: SAMPLE.token, aesKey: SAMPLE.encodingAesKey, receiveId: SAMPLE.receiveId, nowS: Number(SAMPLE.timestamp) });
    const res = await h.app.inject({ method: 'GET', url: sampleUrl(encodeURIComponent(SAMPLE.echostr)) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(SAMPLE.message);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('keeps a literal + in an echostr that arrives unencoded', async () => {
    const h = await build({ token: SAMPLE.token, aesKey: SAMPLE.encodingAesKey, receiveId: SAMPLE.receiveId, nowS: Number(SAMPLE.timestamp) });
    const res = await h.app.inject({ method: 'GET', url: sampleUrl(SAMPLE.echostr) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(SAMPLE.message);
  });

  it('refuses a wrong signature, a stale timestamp, another receiveid and missing parameters', async () => {
    const h = await build({ token: SAMPLE.token, aesKey: SAMPLE.encodingAesKey, receiveId: SAMPLE.receiveId, nowS: Number(SAMPLE.timestamp) });
    const e = encodeURIComponent(SAMPLE.echostr);
    const wrongSig = await h.app.inject({ method: 'GET', url: sampleUrl(e).replace(SAMPLE.signature, '0'.repeat(40)) });
    expect([wrongSig.statusCode, h.warnings('signature').length]).toEqual([401, 1]);
    expect(wrongSig.body).not.toContain(SAMPLE.message);

    const later = await build({ token: SAMPLE.token, aesKey: SAMPLE.encodingAesKey, receiveId: SAMPLE.receiveId, nowS: Number(SAMPLE.timestamp) + 301 });
    const stale = await later.app.inject({ method: 'GET', url: sampleUrl(e) });
    expect([stale.statusCode, later.warnings('timestamp').length]).toEqual([401, 1]);

    const bot = await build({ token: SAMPLE.token, aesKey: SAMPLE.encodingAesKey, receiveId: '', nowS: Number(SAMPLE.timestamp) });
    const other = await bot.app.inject({ method: 'GET', url: sampleUrl(e) });
    expect([other.statusCode, bot.warnings('receiveid').length]).toEqual([401, 1]);

    const missing = await h.app.inject({ method: 'GET', url: `/wecom/callback?msg_signature=${SAMPLE.signature}&timestamp=${SAMPLE.timestamp}&nonce=${SAMPLE.nonce}` });
    expect([missing.statusCode, h.warnings('query').length]).toEqual([400, 1]);
  });
});

describe('POST /wecom/callback', () => {
  it('accepts a 智能机器人 JSON callback: stores the message, then answers 200 empty', async () => {
    const order: string[] = [];
    const h = await build({
      handle: (m) => order.push(`handled ${m.msgId}`),
      onSend: (status) => order.push(`answered ${status}`),
    });
    const res = await post(h.app, fixture('aibot-text-group.json'));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    await settle();
    // Handed over before the answer, so a crash cannot lose a message WeCom believes delivered.
    expect(order).toEqual(['handled CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=', 'answered 200']);
  });

  it('parses the 智能机器人 message: text without the bot mention, sender, chat, reply URL', async () => {
    const h = await build();
    await post(h.app, fixture('aibot-text-group.json'));
    await settle();
    expect(h.handled).toEqual([
      {
        platform: 'wecom',
        msgId: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
        chatId: 'wrXM001',
        chatType: 'group',
        senderId: 'chenjl',
        text: '报告 项目东门被堵，车辆无法进出 @王警官 请处理',
        replyHandle: {
          url: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RESPONSE_CODE',
          expiresAt: NOW_S * 1000 + 3_600_000,
          once: true,
        },
      },
    ]);
  });

  it('accepts a group-robot XML callback in an XML envelope', async () => {
    const h = await build();
    const res = await post(h.app, fixture('robot-text-group.xml'), { format: 'xml' });
    expect(res.statusCode).toBe(200);
    await settle();
    expect(h.handled).toHaveLength(1);
    expect(h.handled[0]).toMatchObject({
      msgId: 'abcdabcdabcd',
      chatId: 'wrXM001',
      chatType: 'group',
      senderId: 'wangjg',
      senderName: '王警官',
      text: '认领 #12',
      replyHandle: { url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY-XM001' },
    });
  });

  it("accepts a self-built app's message when WECOM_RECEIVE_ID is the corpid", async () => {
    const h = await build({ receiveId: CORP_ID });
    const res = await post(h.app, fixture('app-text.xml'), { format: 'xml', contentType: 'application/xml', receiveId: CORP_ID });
    expect(res.statusCode).toBe(200);
    await settle();
    expect(h.handled).toMatchObject([{ chatId: 'single:lij', chatType: 'single', senderId: 'lij', text: '统计 2026-05' }]);
  });

  it('answers 200 to events without handing them over, and hands an image over as one', async () => {
    const h = await build();
    for (const name of ['aibot-event.json', 'robot-event.xml', 'aibot-image.json']) {
      const res = await post(h.app, fixture(name), { format: name.endsWith('.xml') ? 'xml' : 'json' });
      expect(res.statusCode).toBe(200);
    }
    await settle();
    expect(h.handled).toEqual([expect.objectContaining({ msgId: 'CAIQz7/MjQYY/NGagIOAgAMgl8jK/gI=', kind: 'image', text: '' })]);
  });

  it('handles one message once when WeCom delivers it three times at once', async () => {
    const seen = new Set<string>();
    const effects: IncomingMessage[] = [];
    // Like the core: the message id is recorded with its effect and a repeat is a no-op.
    const h = await build({ handle: (m) => (seen.has(m.msgId) ? undefined : (seen.add(m.msgId), effects.push(m))) });
    const plain = fixture('aibot-text-group.json');
    const results = await Promise.all([post(h.app, plain, { nonce: 'a' }), post(h.app, plain, { nonce: 'b' }), post(h.app, plain, { nonce: 'c' })]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    await settle();
    expect(effects).toHaveLength(1);
  });

  it('leaves the rest of the app to its own body parsers', async () => {
    const logs: string[] = [];
    const app = Fastify({ bodyLimit: 1048576, logger: { level: 'warn', stream: { write: (l: string) => void logs.push(l) } } });
    apps.push(app);
    await app.register(wecomRoutes, { config: { token: TOKEN, encodingAesKey: AES_KEY, receiveId: '', apiBase: 'https://qyapi.weixin.qq.com' }, deps: { clock: new FixedClock(0), accept: () => undefined } });
    app.post('/other', async (req) => ({ got: req.body }));
    const res = await app.inject({ method: 'POST', url: '/other', payload: { a: 1 } });
    expect(res.json()).toEqual({ got: { a: 1 } });
  });
});

describe('POST /wecom/callback refuses bad input, handles nothing and logs the check', () => {
  const plain = fixture('aibot-text-group.json');

  const cases: { name: string; status: number; check: string; run: (app: FastifyInstance) => Promise<{ statusCode: number }> }[] = [
    { name: 'wrong signature', status: 401, check: 'signature', run: (app) => post(app, plain, { signature: 'f'.repeat(40) }) },
    { name: 'stale timestamp', status: 401, check: 'timestamp', run: (app) => post(app, plain, { timestamp: NOW_S - 301 }) },
    { name: 'future timestamp', status: 401, check: 'timestamp', run: (app) => post(app, plain, { timestamp: NOW_S + 301 }) },
    { name: 'non-numeric timestamp', status: 401, check: 'timestamp', run: (app) => post(app, plain, { timestamp: Number.NaN }) },
    { name: 'wrong receiveid', status: 401, check: 'receiveid', run: (app) => post(app, plain, { receiveId: CORP_ID }) },
    { name: 'undecryptable payload', status: 401, check: 'decrypt', run: (app) => postEncrypted(app, Buffer.alloc(64, 9).toString('base64')) },
    { name: 'malformed JSON envelope', status: 400, check: 'envelope', run: (app) => post(app, plain, { body: '{"encrypt": "abc' }) },
    { name: 'malformed XML envelope', status: 400, check: 'envelope', run: (app) => post(app, plain, { format: 'xml', body: '<xml><Encrypt><![CDATA[abc]]></Encrypt>' }) },
    { name: 'a body that is neither', status: 400, check: 'envelope', run: (app) => post(app, plain, { body: 'encrypt=abc', contentType: 'application/x-www-form-urlencoded' }) },
    { name: 'an empty body', status: 400, check: 'envelope', run: (app) => post(app, plain, { body: '' }) },
    { name: 'missing encrypt', status: 400, check: 'envelope', run: (app) => post(app, plain, { body: '{"ecnrypt":"abc"}' }) },
    { name: 'missing msg_signature', status: 400, check: 'query', run: (app) => post(app, plain, { omit: 'msg_signature' }) },
    { name: 'missing timestamp', status: 400, check: 'query', run: (app) => post(app, plain, { omit: 'timestamp' }) },
    { name: 'missing nonce', status: 400, check: 'query', run: (app) => post(app, plain, { omit: 'nonce' }) },
    { name: 'malformed inner JSON', status: 400, check: 'inner', run: (app) => post(app, '{"msgid":"m1","msgtype":"text"') },
    { name: 'malformed inner XML', status: 400, check: 'inner', run: (app) => post(app, '<xml><MsgId>1</MsgId><MsgType>text</xml>', { format: 'xml' }) },
    { name: 'inner message without msgid', status: 400, check: 'inner-fields', run: (app) => post(app, plain.replace('"msgid"', '"msgId_"')) },
    { name: 'inner message without from', status: 400, check: 'inner-fields', run: (app) => post(app, plain.replace('"from"', '"sender"')) },
    {
      name: 'an entity declared in the inner XML',
      status: 400,
      check: 'inner',
      run: (app) =>
        post(app, '<!DOCTYPE x [<!ENTITY e "boom">]><xml><MsgId>1</MsgId><ChatType>single</ChatType><From><UserId>u</UserId></From><MsgType>text</MsgType><Text><Content>&e;</Content></Text></xml>', { format: 'xml' }),
    },
    {
      name: 'an entity declared in the XML envelope',
      status: 400,
      check: 'envelope',
      run: (app) => post(app, plain, { format: 'xml', body: '<!DOCTYPE x [<!ENTITY e "boom">]><xml><Encrypt>&e;</Encrypt></xml>' }),
    },
    { name: 'a 2 MiB JSON body', status: 413, check: 'body-size', run: (app) => post(app, plain, { body: JSON.stringify({ encrypt: 'A'.repeat(2 * 1024 * 1024) }) }) },
    { name: 'a 2 MiB XML body', status: 413, check: 'body-size', run: (app) => post(app, plain, { format: 'xml', body: `<xml><Encrypt>${'A'.repeat(2 * 1024 * 1024)}</Encrypt></xml>` }) },
  ];

  for (const c of cases) {
    it(`${c.name} → ${c.status}`, async () => {
      const h = await build();
      const res = await c.run(h.app);
      expect(res.statusCode).toBe(c.status);
      await settle();
      expect(h.handled).toEqual([]);
      expect(h.warnings(c.check)).toHaveLength(1);
      expect(JSON.stringify(h.logs)).not.toContain('boom');
    });
  }

  it('never logs the secrets or the message text above debug level', async () => {
    const h = await build();
    await post(h.app, plain, { signature: 'f'.repeat(40) });
    await post(h.app, plain);
    await settle();
    const above = JSON.stringify(h.logs.filter((l) => l.level > 20));
    expect(above).not.toContain(TOKEN);
    expect(above).not.toContain(AES_KEY);
    expect(above).not.toContain('东门');
  });
});

describe('POST /wecom/callback when the message cannot be stored', () => {
  it('answers 500 so that WeCom retries', async () => {
    const h = await build({
      handle: () => {
        throw new Error('SQLITE_FULL: database or disk is full');
      },
    });
    const res = await post(h.app, fixture('aibot-text-group.json'));
    expect(res.statusCode).toBe(500);
  });
});
