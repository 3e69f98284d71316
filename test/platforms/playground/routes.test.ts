/**
 * The playground's API answers the page in Chinese, saying what was wrong: a paste over its length,
 * a body over Fastify's limit (bodyLimit, 1 MB here: https://fastify.dev/docs/latest/Reference/Server/#bodylimit;
 * FST_ERR_CTP_BODY_TOO_LARGE, 413, "Request body is too large", as Fastify's own test pins it:
 * https://app.unpkg.com/fastify@5.8.4/files/test/content-length.test.js) and JSON that does not parse
 * (FST_ERR_CTP_INVALID_JSON_BODY, 400: https://fastify.dev/docs/latest/Reference/Errors/) — never
 * Fastify's English, and nothing stored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { settle, snapshotCounts, startRig, type Rig } from '../../support/app-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const LOCAL = { remoteAddress: '127.0.0.1', headers: { host: '127.0.0.1:3000', 'content-type': 'application/json' } };

async function send(r: Rig, payload: string) {
  const res = await r.app.inject({ method: 'POST', url: '/playground/api/send', ...LOCAL, payload });
  return { status: res.statusCode, error: res.json<{ error: string }>().error };
}

describe('the playground\'s refusals', () => {
  it('say that a message is too long, and the limit, for a paste over 20,000 characters and a body over 1 MB', async () => {
    const r = (rig = await startRig({ PLAYGROUND: '1' }));
    const before = snapshotCounts(r.db);
    const long = await send(r, JSON.stringify({ personId: 'chen', chatId: 'XM001', text: `报告 ${'村民堵路'.repeat(5_000)}` }));
    expect(long).toEqual({ status: 413, error: '消息太长：一条消息最多 20000 个字符，请删减或分几条发送' });
    const huge = await send(r, JSON.stringify({ personId: 'chen', chatId: 'XM001', text: 'x'.repeat(1024 * 1024 + 1) }));
    expect(huge).toEqual({ status: 413, error: '消息太长：一条消息最多 20000 个字符，请删减或分几条发送' });
    await settle(r);
    expect(snapshotCounts(r.db)).toEqual(before);
    // 20,000 characters are still taken (the bot then says in the chat what its own limit for a report is).
    const most = await send(r, JSON.stringify({ personId: 'chen', chatId: 'XM001', text: `报告 ${'堵'.repeat(19_997)}` }));
    expect(most.status).toBe(202);
    await settle(r);
    expect(snapshotCounts(r.db).inbound_messages).toBe(before.inbound_messages + 1);
    expect(r.logs.filter((l) => l.level >= 40 && l.check === 'playground-text-length')).toHaveLength(1);
    expect(r.logs.filter((l) => l.level >= 40 && l.check === 'request' && l.status === 413)).toHaveLength(1);
  });

  it('say the request was not in the page\'s format for JSON that does not parse', async () => {
    const r = (rig = await startRig({ PLAYGROUND: '1' }));
    const before = snapshotCounts(r.db);
    const bad = await send(r, '{"personId": "chen", "text": "报告');
    expect(bad.status).toBe(400);
    expect(bad.error).toMatch(/^请求格式不对：/);
    expect(bad.error).not.toContain('Body');
    await settle(r);
    expect(snapshotCounts(r.db)).toEqual(before);
    expect(r.logs.some((l) => l.level >= 40 && l.check === 'request' && l.status === 400)).toBe(true);
  });
});

describe('the playground\'s chats', () => {
  it('name a county\'s coordinators\' group by its unit', async () => {
    const r = (rig = await startRig({ PLAYGROUND: '1' }));
    const sent = await r.app.inject({ method: 'POST', url: '/playground/api/send', ...LOCAL, payload: JSON.stringify({ personId: 'dxxt', chatId: 'coordinators:dongxian', text: '帮助' }) });
    expect(sent.statusCode).toBe(202);
    await settle(r);
    const state = async () =>
      (await r.app.inject({ method: 'GET', url: '/playground/api/state', ...LOCAL })).json<{ chats: { id: string; name: string }[]; messages: { to: string; toName: string }[] }>();
    await expect.poll(async () => (await state()).messages.find((m) => m.to === 'coordinators:dongxian')?.toName, { timeout: 10_000 }).toBe('东县护企办');
    expect((await state()).chats).toContainEqual(expect.objectContaining({ id: 'coordinators:dongxian', name: '东县护企办' }));
  });
});
