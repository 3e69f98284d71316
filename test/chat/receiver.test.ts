/**
 * One receiver shape for every way in (verify → store → acknowledge → hand over): WeCom and DingTalk
 * HTTP callbacks, DingTalk Stream frames and the playground's form all reach the core through the
 * same store, and are acknowledged by how storing went.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { FixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { boundMessage, MAX_MESSAGE_ITEMS, receive, type Accepted, type OneUseSignature } from '../../src/chat/receiver.js';
import type { IncomingMessage } from '../../src/chat/types.js';
import { createLogger } from '../../src/log.js';
import { readStreamFrame } from '../../src/platforms/dingtalk/stream.js';
import { wireServer } from '../../src/wiring.js';

const message: IncomingMessage = { platform: 'wecom', msgId: 'm1', chatId: 'wrXM001', chatType: 'group', senderId: 'chenjl', text: '报告 东门被堵' };

function recorder() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, log: { debug: at('debug'), warn: at('warn'), error: at('error') } };
}

describe('receive', () => {
  it('refuses what failed verification with its status and a warning naming the check, storing nothing', async () => {
    const { lines, log } = recorder();
    const stored: unknown[] = [];
    const outcome = await receive(
      'wecom callback',
      { ok: false, status: 401, check: 'signature', reason: 'signature mismatch: check WECOM_TOKEN' },
      { accept: async (m) => (stored.push(m), 'stored') },
      log,
      (o) => o,
    );
    expect(outcome).toEqual({ kind: 'refused', status: 401, check: 'signature' });
    expect(stored).toEqual([]);
    expect(lines).toEqual([{ level: 'warn', obj: { check: 'signature' }, msg: 'wecom callback refused: signature mismatch: check WECOM_TOKEN' }]);
  });

  it('acknowledges a message once it is stored, and a failed store so that the platform sends it again', async () => {
    const ok = await receive('x', { ok: true, message }, { accept: async () => 'stored' }, recorder().log, (o) => o);
    expect(ok).toEqual({ kind: 'stored' });
    const { lines, log } = recorder();
    const failed = await receive('x', { ok: true, message }, { accept: () => Promise.reject(new Error('disk full')) }, log, (o) => o);
    expect(failed).toEqual({ kind: 'failed' });
    expect(lines.find((l) => l.level === 'error')?.obj).toMatchObject({ msgId: 'm1' });
  });

  it('refuses a signature spent on another message with 401 and check sign-reused', async () => {
    const signature: OneUseSignature = { signedAtMs: 1, msgId: 'm1', keepMs: 1000 };
    const { lines, log } = recorder();
    const outcome = await receive('dingtalk callback', { ok: true, message, signature }, { accept: async (): Promise<Accepted> => 'reused' }, log, (o) => o);
    expect(outcome).toEqual({ kind: 'refused', status: 401, check: 'sign-reused' });
    expect(lines.some((l) => l.level === 'warn' && l.obj['check'] === 'sign-reused')).toBe(true);
  });

  it('reads a Stream frame like an HTTP callback body', () => {
    expect(readStreamFrame('{not json')).toMatchObject({ ok: false, check: 'body' });
    expect(readStreamFrame(JSON.stringify({ msgId: 'x' }))).toMatchObject({ ok: false, check: 'payload' });
  });
});

describe('boundMessage', () => {
  it('keeps at most 20 mentions of one message, since each may be looked up when a command runs', () => {
    const many = { ...message, mentions: Array.from({ length: 5000 }, (_, i) => ({ userId: `staff-${i}` })) };
    const kept = boundMessage(many);
    expect(kept.mentions).toHaveLength(MAX_MESSAGE_ITEMS);
    expect(kept.mentions?.[0]).toEqual({ userId: 'staff-0' });
    expect(boundMessage(message)).toBe(message);
  });

  it('keeps at most 20 attachments, and notes by kind how many were left out, for the answer to say', () => {
    const pictures = Array.from({ length: 23 }, (_, i) => ({ kind: 'image' as const, ref: `p${i}` }));
    const kept = boundMessage({ ...message, attachments: [...pictures, { kind: 'file', ref: 'f' }] });
    expect(kept.attachments).toHaveLength(MAX_MESSAGE_ITEMS);
    expect(kept.attachmentsLeftOut).toEqual({ image: 3, file: 1 });
    expect(boundMessage({ ...message, attachments: pictures.slice(0, 20) }).attachmentsLeftOut).toBeUndefined();
  });
});

describe('the playground', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function app(accept: (m: IncomingMessage | undefined) => Promise<Accepted>) {
    const config = loadConfig({ DATABASE_PATH: ':memory:', ROSTER_FILE: 'roster.example.yaml', LOG_LEVEL: 'silent', PLAYGROUND: '1' });
    const server = await wireServer(config, createLogger('silent'), { clock: new FixedClock('2026-11-02T02:00:00Z') });
    // The same app, with its inbox replaced by one that records or fails.
    const built = await buildApp({ ...server.deps, ingest: { accept } });
    close = async () => {
      await built.close();
      await server.app.close();
      server.db.close();
    };
    return built;
  }

  const send = (body: object) => ({
    method: 'POST' as const,
    url: '/playground/api/send',
    remoteAddress: '127.0.0.1',
    headers: { host: '127.0.0.1:3000' },
    payload: body,
  });

  it('hands its messages to the same store as the platforms, and answers once stored', async () => {
    const taken: (IncomingMessage | undefined)[] = [];
    const a = await app(async (m) => (taken.push(m), 'stored'));
    const res = await a.inject(send({ personId: 'chen', chatId: 'XM001', text: ' 报告 东门被堵 ' }));
    expect(res.statusCode).toBe(202);
    expect(taken).toEqual([
      expect.objectContaining({ platform: 'playground', chatId: 'XM001', groupAddress: 'XM001', senderId: 'chen', text: '报告 东门被堵' }),
    ]);
  });

  it('answers 500 when the message could not be stored, and 400 with the reason for a form it cannot take', async () => {
    const a = await app(() => Promise.reject(new Error('disk full')));
    const failed = await a.inject(send({ personId: 'chen', chatId: 'XM001', text: '报告 东门被堵' }));
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toEqual({ error: '消息没有保存成功，请重试' });
    const unknown = await a.inject(send({ personId: 'nobody', chatId: 'XM001', text: '帮助' }));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toEqual({ error: '名册中没有“nobody”这个人' });
  });
});
