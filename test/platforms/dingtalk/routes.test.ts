import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/clock.js';
import { dingtalkRoutes } from '../../../src/platforms/dingtalk/index.js';
import type { Accepted, InboundDeps, OneUseSignature } from '../../../src/chat/receiver.js';
import type { IncomingMessage } from '../../../src/chat/types.js';

const SECRET = 'test-app-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const NOW = Date.parse('2026-01-01T00:40:00Z');
const config = {
  appKey: 'dingtestkey',
  appSecret: SECRET,
  robotCode: 'dingrobot001',
  mode: 'http' as const,
  apiBase: 'https://api.dingtalk.com',
  oapiBase: 'https://oapi.dingtalk.com',
};

function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/dingtalk/${name}`, import.meta.url), 'utf8');
}

/** Signs as DingTalk does: base64(HMAC-SHA256(key = app secret, timestamp + "\n" + app secret)). */
function signed(timestampMs: number, secret = SECRET): Record<string, string> {
  const timestamp = String(timestampMs);
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  return { 'content-type': 'application/json; charset=utf-8', timestamp, sign };
}

interface Harness {
  app: FastifyInstance;
  handled: IncomingMessage[];
  /** the signatures the route asked the core to spend, in order */
  spent: OneUseSignature[];
  logs: Array<Record<string, unknown>>;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/**
 * A bare app with the plugin; `dedupe` makes the fake core ignore a msgId it has seen, as the real
 * one does; `taken` is what the fake store says of each signature (the real stores are tested in
 * test/security/dingtalk-callback.test.ts and test/e2e/callback-hardening.test.ts).
 */
async function harness(dedupe = false, taken: (s: OneUseSignature) => Accepted = () => 'stored'): Promise<Harness> {
  const handled: IncomingMessage[] = [];
  const spent: OneUseSignature[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const seen = new Set<string>();
  const deps: InboundDeps = {
    clock: new FixedClock(NOW),
    async accept(msg, signature) {
      if (signature) spent.push(signature);
      const answer = signature ? taken(signature) : 'stored';
      if (!msg || answer !== 'stored') return answer;
      if (dedupe && seen.has(msg.msgId)) return 'stored';
      seen.add(msg.msgId);
      handled.push(msg);
      return 'stored';
    },
  };
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = Fastify({ bodyLimit: 1048576, logger: { level: 'debug', stream } });
  await app.register(dingtalkRoutes, { config, deps });
  await app.ready();
  apps.push(app);
  return { app, handled, spent, logs };
}

/** The core is called before the answer; kept as a turn of the event loop for tests written either way. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function post(h: Harness, body: string, headers: Record<string, string>) {
  return h.app.inject({ method: 'POST', url: '/dingtalk/callback', headers, payload: body });
}

function warnings(h: Harness): Array<Record<string, unknown>> {
  return h.logs.filter((l) => l.level === 40);
}

describe('POST /dingtalk/callback', () => {
  it('answers 200 {} and hands a group text message to the core, trimmed', async () => {
    const h = await harness();
    const res = await post(h, fixture('text-group.json'), signed(NOW));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    await settle();
    expect(h.handled).toEqual([
      {
        platform: 'dingtalk',
        msgId: 'msgA1b2C3==',
        chatId: 'cidXM001',
        chatType: 'group',
        // A DingTalk group is sent to by its conversation id.
        groupAddress: 'cidXM001',
        senderId: 'staff-chen',
        senderName: '陈经理',
        text: '报告 项目东门被堵，施工车辆进不去',
        replyHandle: { url: 'https://oapi.dingtalk.com/robot/sendBySession?session=abc123', expiresAt: 1767233400000 },
      },
    ]);
  });

  it('uses senderId for members of other organisations (empty senderStaffId) and reads 1:1 chats as single', async () => {
    const h = await harness();
    const res = await post(h, fixture('text-single-external.json'), signed(NOW));
    expect(res.statusCode).toBe(200);
    await settle();
    expect(h.handled).toHaveLength(1);
    expect(h.handled[0]).toMatchObject({ senderId: '$:LWCP_v1:$external7', chatType: 'single', chatId: 'cidSingleExt', text: '查询 #12' });
  });

  it('joins the text parts of a richText message and drops the leading @robot', async () => {
    const h = await harness();
    const res = await post(h, fixture('rich-text.json'), signed(NOW));
    expect(res.statusCode).toBe(200);
    await settle();
    expect(h.handled.map((m) => m.text)).toEqual(['进展 #12 已到现场，见照片']);
  });

  it('accepts a timestamp 50 minutes off, inside the one-hour window', async () => {
    const h = await harness();
    const res = await post(h, fixture('text-group.json'), signed(NOW - 50 * 60_000));
    expect(res.statusCode).toBe(200);
    await settle();
    expect(h.handled).toHaveLength(1);
  });

  it('rejects a wrong signature with 401, handles nothing and says which check failed', async () => {
    const h = await harness();
    const res = await post(h, fixture('text-group.json'), signed(NOW, 'some-other-secret'));
    expect(res.statusCode).toBe(401);
    await settle();
    expect(h.handled).toEqual([]);
    const warn = warnings(h);
    expect(warn).toHaveLength(1);
    expect(warn[0]).toMatchObject({ check: 'sign' });
    expect(String(warn[0]?.msg)).toContain('DINGTALK_APP_SECRET');
    expect(JSON.stringify(h.logs)).not.toContain(SECRET);
  });

  it('rejects a timestamp two hours old with 401 even when correctly signed', async () => {
    const h = await harness();
    const res = await post(h, fixture('text-group.json'), signed(NOW - 2 * 3600_000));
    expect(res.statusCode).toBe(401);
    await settle();
    expect(h.handled).toEqual([]);
    expect(warnings(h)[0]).toMatchObject({ check: 'timestamp' });
  });

  it('rejects a timestamp two hours ahead with 401', async () => {
    const h = await harness();
    const res = await post(h, fixture('text-group.json'), signed(NOW + 2 * 3600_000));
    expect(res.statusCode).toBe(401);
  });

  it('answers 400 when the timestamp or sign header is missing', async () => {
    const h = await harness();
    const { sign, timestamp, ...plain } = signed(NOW);
    expect((await post(h, fixture('text-group.json'), plain)).statusCode).toBe(400);
    expect((await post(h, fixture('text-group.json'), { ...plain, timestamp })).statusCode).toBe(400);
    expect((await post(h, fixture('text-group.json'), { ...plain, sign })).statusCode).toBe(400);
    await settle();
    expect(h.handled).toEqual([]);
    expect(warnings(h).map((w) => w.check)).toEqual(['headers', 'headers', 'headers']);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const h = await harness();
    const res = await post(h, '{"msgId": "x", ', signed(NOW));
    expect(res.statusCode).toBe(400);
    await settle();
    expect(h.handled).toEqual([]);
    expect(warnings(h)[0]).toMatchObject({ check: 'body' });
  });

  it('answers 400 when msgId, conversationId or the sender is missing', async () => {
    const h = await harness();
    const base = JSON.parse(fixture('text-group.json')) as Record<string, unknown>;
    const { msgId: _m, ...noMsgId } = base;
    const { conversationId: _c, ...noConversation } = base;
    const noSender = { ...base, senderStaffId: '', senderId: '' };
    for (const body of [noMsgId, noConversation, noSender]) {
      const res = await post(h, JSON.stringify(body), signed(NOW));
      expect(res.statusCode).toBe(400);
    }
    await settle();
    expect(h.handled).toEqual([]);
    expect(warnings(h).map((w) => w.check)).toEqual(['payload', 'payload', 'payload']);
  });

  it('answers 413 to a 2 MiB body and handles nothing', async () => {
    const h = await harness();
    const big = JSON.stringify({ ...(JSON.parse(fixture('text-group.json')) as object), text: { content: 'x'.repeat(2 * 1024 * 1024) } });
    const res = await post(h, big, signed(NOW));
    expect(res.statusCode).toBe(413);
    await settle();
    expect(h.handled).toEqual([]);
    expect(warnings(h)[0]).toMatchObject({ check: 'body' });
  });

  it('hands over the people DingTalk resolved the @-mentions to (atUsers[].staffId), leaving out the robot', async () => {
    const h = await harness();
    const text = JSON.parse(fixture('text-group.json')) as Record<string, unknown>;
    const mentioning = {
      ...text,
      msgId: 'at-1',
      text: { content: ' 转办 #12 @赵队 涉及货车 ' },
      atUsers: [{ dingtalkId: '$:LWCP_v1:$robot' }, { dingtalkId: '$:LWCP_v1:$zhao', staffId: 'staff-zhao' }],
    };
    expect((await post(h, JSON.stringify(mentioning), signed(NOW))).statusCode).toBe(200);
    await settle();
    expect(h.handled).toEqual([expect.objectContaining({ msgId: 'at-1', mentions: [{ userId: 'staff-zhao' }] })]);
  });

  it('reads an audio message as its transcript (content.recognition), and refuses a type DingTalk does not document', async () => {
    // https://open.dingtalk.com/document/orgapp/receive-message
    const h = await harness();
    const text = JSON.parse(fixture('text-group.json')) as Record<string, unknown>;
    const audio = { ...text, msgId: 'aud-1', msgtype: 'audio', text: undefined, content: { duration: 3000, downloadCode: 'dc', recognition: '报告 东门被堵' } };
    expect((await post(h, JSON.stringify(audio), signed(NOW))).statusCode).toBe(200);
    const odd = { ...text, msgId: 'odd-1', msgtype: 'hologram', text: undefined };
    expect((await post(h, JSON.stringify(odd), signed(NOW + 1))).statusCode).toBe(400);
    await settle();
    expect(h.handled).toEqual([expect.objectContaining({ msgId: 'aud-1', kind: 'voice', text: '报告 东门被堵' })]);
    expect(warnings(h).map((w) => w.check)).toEqual(['payload']);
  });

  it('answers 200 to a picture and hands it to the core as a picture, spending its signature', async () => {
    const h = await harness();
    const headers = signed(NOW);
    const res = await post(h, fixture('picture.json'), headers);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    await settle();
    expect(h.handled).toEqual([expect.objectContaining({ msgId: 'msgPic5==', kind: 'image', text: '' })]);
    expect(h.spent.map((s) => [s.signedAtMs, s.msgId])).toEqual([[NOW, (JSON.parse(fixture('picture.json')) as { msgId: string }).msgId]]);
  });

  // DingTalk signs only the timestamp (https://open.dingtalk.com/document/orgapp/receive-message), so
  // the route hands the store each sign with the message id it came with, to be spent once.
  it('spends the signature (named by its signed timestamp) on the message id it came with, remembered until the one-hour window has closed on it', async () => {
    const h = await harness();
    expect((await post(h, fixture('text-group.json'), signed(NOW - 10 * 60_000))).statusCode).toBe(200);
    expect(h.spent).toEqual([{ signedAtMs: NOW - 10 * 60_000, msgId: 'msgA1b2C3==', keepMs: 3600_000 + 5 * 60_000 }]);
  });

  it('answers 401 naming sign-reused when the store says the signature came with another message, and 200 for a repeat', async () => {
    const reused = await harness(false, () => 'reused');
    const res = await post(reused, fixture('text-group.json'), signed(NOW));
    expect(res.statusCode).toBe(401);
    expect(reused.handled).toEqual([]);
    expect(warnings(reused).map((w) => w.check)).toEqual(['sign-reused']);
    expect(JSON.stringify(reused.logs)).not.toContain(signed(NOW).sign);
    expect((await post(reused, fixture('picture.json'), signed(NOW))).statusCode).toBe(401);

    const repeat = await harness(false, () => 'repeat');
    expect((await post(repeat, fixture('text-group.json'), signed(NOW))).statusCode).toBe(200);
    expect(repeat.handled).toEqual([]);
    expect(warnings(repeat)).toEqual([]);
  });

  it('passes three simultaneous deliveries of one msgId on; a deduping core handles it once', async () => {
    const h = await harness(true);
    const results = await Promise.all([1, 2, 3].map(() => post(h, fixture('text-group.json'), signed(NOW))));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    await settle();
    expect(h.handled).toHaveLength(1);
    expect(h.handled[0]?.msgId).toBe('msgA1b2C3==');
  });

  it('logs message text only at debug level', async () => {
    const h = await harness();
    await post(h, fixture('text-group.json'), signed(NOW));
    await settle();
    const withText = h.logs.filter((l) => JSON.stringify(l).includes('东门被堵'));
    expect(withText.length).toBeGreaterThan(0);
    expect(withText.every((l) => l.level === 20)).toBe(true);
  });
});

describe('POST /dingtalk/callback when the message cannot be stored', () => {
  it('stores before answering, and answers 500 so that DingTalk retries when it cannot', async () => {
    const h = await harness();
    const ok = await post(h, fixture('text-group.json'), signed(NOW));
    // No settling: the message is already with the core when the answer arrives.
    expect([ok.statusCode, h.handled.length]).toEqual([200, 1]);

    const app = Fastify({ bodyLimit: 1048576, logger: false });
    const failing: InboundDeps = {
      clock: new FixedClock(NOW),
      accept() {
        throw new Error('SQLITE_FULL: database or disk is full');
      },
    };
    await app.register(dingtalkRoutes, { config, deps: failing });
    apps.push(app);
    const res = await app.inject({ method: 'POST', url: '/dingtalk/callback', headers: signed(NOW), payload: fixture('text-group.json') });
    expect(res.statusCode).toBe(500);
  });
});
