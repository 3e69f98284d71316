/**
 * The playground's private chat with the bot: what the page sends with an empty chat is the picked
 * person's single chat, keyed `single:<person>` as WeCom keys its single chats, so the dispatcher
 * takes it exactly as a platform's private chat (`登录` works there and is refused in a group, a
 * conduct complaint is answered without the "next time, in a private chat" hint). The page is told
 * whose private chat each reply and direct message belongs to; a guest has none, and is told why.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { GUEST_NO_PRIVATE_CHAT, readPlaygroundMessage } from '../../../src/platforms/playground/index.js';
import { appOn, harness } from '../../support/harness.js';

const TOKEN = 'playgroundPrivateChatS3cr3tQ4x';

interface Shown {
  id: number;
  kind: 'reply' | 'group' | 'person';
  to: string;
  toName: string;
  chatId: string | null;
  privateWith: string | null;
  text: string;
  card?: { id: string; title: string; buttons: { command: string }[] };
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of open.splice(0)) await stop();
});

async function setup(env: Record<string, string> = {}) {
  const h = harness('2026-11-02T02:00:00Z', { PLAYGROUND: '1', RATE_SENDER_PER_MINUTE: '1000', ...env });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const { app, server, handled, stop } = await appOn(h, createLogger('info', sink));
  server.worker.start();
  open.push(stop);
  const local = { remoteAddress: '127.0.0.1', headers: { host: '127.0.0.1:3000' } };
  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, ...local, payload });
  const messages = async () => (await app.inject({ method: 'GET', url: '/playground/api/state', ...local })).json<{ messages: Shown[] }>().messages;
  /** Sends as `personId` in `chatId` ('' for the private chat) and waits until every answer is sent. */
  const say = async (personId: string, chatId: string, text: string): Promise<Shown[]> => {
    const before = (await messages()).length;
    const res = await post('/playground/api/send', { personId, chatId, text });
    expect(res.statusCode, res.body).toBe(202);
    await handled();
    const pending = () => (h.db.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending'").get() as { n: number }).n;
    await expect.poll(pending, { timeout: 10_000 }).toBe(0);
    return (await messages()).slice(before);
  };
  return { h, post, messages, say, handled, logs };
}

describe('the playground\'s private chat with the bot', () => {
  it('is a message from the picked person in their single chat, keyed as WeCom keys one', async () => {
    const { h } = await setup();
    const read = readPlaygroundMessage(h.repos.roster, { personId: 'wang', chatId: '', text: ' 登录 ' }, 'm1');
    expect(read).toEqual({
      ok: true,
      message: { platform: 'playground', msgId: 'm1', chatId: 'single:wang', chatType: 'single', senderId: 'wang', text: '登录' },
    });
    // A group's message is unchanged: the group is its own address.
    expect(readPlaygroundMessage(h.repos.roster, { personId: 'wang', chatId: 'XM001', text: '登录' }, 'm2')).toMatchObject({
      ok: true,
      message: { chatId: 'XM001', chatType: 'group', groupAddress: 'XM001', senderId: 'wang' },
    });
  });

  it('is the person\'s single chat: 登录 is answered there, and refused in a group', async () => {
    const { say } = await setup();
    const [inGroup] = await say('wang', 'XM001', '登录');
    expect(inGroup).toMatchObject({ kind: 'reply', chatId: 'XM001', privateWith: null });
    expect(inGroup!.text).toContain('登录链接只能在私聊中发送');

    const answers = await say('wang', '', '登录');
    expect(answers).toHaveLength(1);
    // Without PUBLIC_URL the dashboard is not published: said in wang's private chat, to him.
    expect(answers[0]).toMatchObject({ kind: 'reply', chatId: 'single:wang', privateWith: 'wang', toName: '王警官' });
    expect(answers[0]!.text).toContain('工作台账网页尚未对外发布');
  });

  it('gives a sign-in link there when PUBLIC_URL and ADMIN_TOKEN are set', async () => {
    const { say } = await setup({ ADMIN_TOKEN: TOKEN, PUBLIC_URL: 'http://127.0.0.1:3000' });
    const [answer] = await say('zhou', '', '登录');
    expect(answer).toMatchObject({ kind: 'reply', privateWith: 'zhou' });
    expect(answer!.text).toMatch(/http:\/\/127\.0\.0\.1:3000\/dashboard\/login\/[A-Za-z0-9_-]{43}/);
  });

  it('takes an enterprise contact\'s conduct complaint privately, which the coordinators see in 台账 in theirs', async () => {
    const { h, say } = await setup();
    const answers = await say('chen', '', '报告 执法人员检查时吃拿卡要');
    const reply = answers.find((m) => m.kind === 'reply');
    expect(reply).toMatchObject({ privateWith: 'chen', chatId: 'single:chen' });
    const no = Number(/#(\d+)/.exec(reply!.text)?.[1]);
    expect(h.repos.tickets.get(no)).toMatchObject({ routing: 'coordinators', projectCode: 'XM001', reporterPersonId: 'chen' });
    // Made privately already: no hint to complain privately next time, and nothing in the project group.
    expect(reply!.text).not.toContain('下次');
    expect(answers.filter((m) => m.chatId === 'XM001')).toEqual([]);
    expect(answers.some((m) => m.kind === 'group' && m.to === 'coordinators' && m.privateWith === null)).toBe(true);

    const [ledger] = await say('zhou', '', '台账');
    expect(ledger).toMatchObject({ kind: 'reply', privateWith: 'zhou' });
    expect(ledger!.text).toContain(`#${no}`);
    // An officer's 台账 in his private chat still never shows it (SPEC §2).
    const [officers] = await say('wang', '', '台账');
    expect(officers!.text).not.toContain(`#${no}`);
  });

  it('shows each direct message as in its person\'s private chat, a card with its buttons included', async () => {
    const { h, say } = await setup();
    const no = Number(/#(\d+)/.exec((await say('chen', '', '报告 执法人员检查时吃拿卡要')).find((m) => m.kind === 'reply')!.text)?.[1]);
    await say('zhou', 'coordinators', `认领 #${no}`);
    const resolved = await say('zhou', 'coordinators', `办结 #${no} 已核实，相关人员已处理`);
    // The reporter hears directly (a conduct complaint is not followed in the project group).
    const dm = resolved.find((m) => m.kind === 'person');
    expect(dm).toMatchObject({ to: 'chen', toName: '陈经理', privateWith: 'chen', chatId: null });
    expect(dm!.card?.buttons.map((b) => b.command)).toContain(`满意 #${no}`);
    expect(resolved.filter((m) => m.kind !== 'person').every((m) => m.privateWith === null)).toBe(true);
    expect(h.repos.tickets.get(no)?.state).toBe('resolved');
  });

  it('is refused to a guest, saying why, and nothing is stored', async () => {
    const { h, post, logs } = await setup();
    const before = (h.db.prepare('SELECT count(*) AS n FROM inbound_messages').get() as { n: number }).n;
    const res = await post('/playground/api/send', { personId: 'guest', chatId: '', text: '帮助' });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: string }>().error).toBe(GUEST_NO_PRIVATE_CHAT);
    expect(GUEST_NO_PRIVATE_CHAT).toBe('访客不在名册中，没有与联保助手的私聊：请在“以谁的身份发言”里选名册中的人，或以访客身份到项目群里发言');
    expect((h.db.prepare('SELECT count(*) AS n FROM inbound_messages').get() as { n: number }).n).toBe(before);
    expect(logs.some((l) => (l.level as number) >= 40 && l.check === 'playground-guest-private')).toBe(true);
  });
});
