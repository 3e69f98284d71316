/**
 * SPEC §7: a 智能机器人 `enter_chat` event gets a short welcome. WeCom sends it when someone opens
 * the bot's one-to-one chat for the first time in a day, and takes a welcome only as the passive
 * reply to that callback, a text message, encrypted like a callback
 * (https://developer.work.weixin.qq.com/document/path/101027 进入会话事件,
 * https://developer.work.weixin.qq.com/document/path/101031 回复欢迎语).
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from '../../../src/chat/types.js';
import { FixedClock } from '../../../src/clock.js';
import type { WecomConfig } from '../../../src/platforms/wecom/client.js';
import { WELCOME, wecomRoutes } from '../../../src/platforms/wecom/routes.js';
import { decryptMessage, encryptMessage, sign } from '../../support/wecom-protocol.js';

const NOW = Date.parse('2026-05-20T02:00:00Z');
const TOKEN = 'lianbaoToken2026';
const AES_KEY = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';

async function post(inner: object) {
  const app = Fastify({ logger: false });
  const handled: (IncomingMessage | undefined)[] = [];
  const config: WecomConfig = { token: TOKEN, encodingAesKey: AES_KEY, receiveId: '', apiBase: 'https://qyapi.weixin.qq.com', replyHosts: [] };
  await app.register(wecomRoutes, {
    config,
    deps: {
      clock: new FixedClock(NOW),
      accept: async (m) => {
        handled.push(m);
        return 'stored';
      },
    },
  });
  const encrypted = encryptMessage(AES_KEY, JSON.stringify(inner), '');
  const ts = String(NOW / 1000);
  const query = new URLSearchParams({ msg_signature: sign(TOKEN, ts, 'n1', encrypted), timestamp: ts, nonce: 'n1' });
  const res = await app.inject({ method: 'POST', url: `/wecom/callback?${query}`, payload: JSON.stringify({ encrypt: encrypted }), headers: { 'content-type': 'application/json' } });
  await app.close();
  return { res, handled };
}

const event = (eventtype: string) => ({
  msgid: `ev-${eventtype}`,
  create_time: NOW / 1000,
  aibotid: 'AIBOTID',
  chattype: 'single',
  from: { userid: 'chenjl' },
  msgtype: 'event',
  event: { eventtype },
});

describe('someone opening the 智能机器人’s one-to-one chat', () => {
  it('is welcomed in the passive reply, encrypted and signed as WeCom asks, and nothing is stored', async () => {
    const { res, handled } = await post(event('enter_chat'));
    expect(res.statusCode).toBe(200);
    const body = res.json() as { encrypt: string; msgsignature: string; timestamp: number; nonce: string };
    expect(body.msgsignature).toBe(sign(TOKEN, String(body.timestamp), body.nonce, body.encrypt));
    const plain = decryptMessage(AES_KEY, body.encrypt);
    expect(JSON.parse(plain.message)).toEqual({ msgtype: 'text', text: { content: WELCOME } });
    expect(WELCOME).toContain('报告 问题描述');
    expect(handled).toEqual([]);
  });

  it('other events are acknowledged empty, as before', async () => {
    const { res } = await post(event('feedback_event'));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });
});
