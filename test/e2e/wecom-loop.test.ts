/**
 * The whole closed loop over real HTTP: WeCom callbacks, signed and encrypted as WeCom does, go to
 * the real server process; its replies are read where WeCom would receive them (the platform double).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postCallback, wecomEnv, wecomJsonCallback, wecomXmlCallback, type WecomText } from '../support/callbacks.js';
import { startPlatformDouble, ticketNumbers, type DeliveredMessage, type PlatformDouble } from '../support/platform-double.js';
import { cleanupServers, queryDb, ServerProcess } from '../support/server-process.js';

const CHAT = 'wrXM001';
const CHEN = 'chenjl';
const WANG = 'wangjg';
const ZHOU = 'zhoux';

let double: PlatformDouble;
let server: ServerProcess;
let seq = 0;

beforeAll(async () => {
  double = await startPlatformDouble();
  // CARDS=0: the text forms, as they read where cards are off; test/e2e/wecom-cards.test.ts has the cards.
  server = await ServerProcess.start({ env: { ...wecomEnv(double.base), CARDS: '0' } });
}, 30_000);

afterAll(async () => {
  await cleanupServers();
  await double?.close();
});

/** What the bot answered one callback with: the message that arrived through its response_url. */
async function say(userId: string, text: string): Promise<DeliveredMessage> {
  const replyUrl = double.wecomResponseUrl(CHAT);
  const cb = wecomJsonCallback({ msgId: `wecom-loop-${++seq}`, chatId: CHAT, userId, text, replyUrl });
  expect(await postCallback(server.base, cb)).toBe(200);
  const code = new URL(replyUrl).searchParams.get('response_code');
  const [reply] = await double.waitForMessages(1, (m) => m.request.query.get('response_code') === code);
  return reply!;
}

describe('WeCom: report → claim → supervise → resolve → accept over real callbacks', () => {
  it('answers every step in the group, through the response_url of the message it answers', async () => {
    const created = await say(CHEN, '报告 村民堵路阻工，施工车辆进不去');
    const no = ticketNumbers(created.text)[0];
    expect(no).toBeGreaterThan(0);
    expect(created.text).toContain(`#${no} 已登记`);
    expect(created.text).toContain('阻工');
    // The project officer is asked to claim it. A response_url's markdown shows <@userid> as it is
    // (WeCom renders it in webhooks only), so the mention there is the name; the group robot's is real.
    expect(created.text).toContain('请 @王警官 认领');
    expect(created.text).not.toContain(`<@${WANG}>`);

    const claimed = await say(WANG, `认领 #${no}`);
    expect(claimed.text).toContain(`#${no} 已认领`);

    const supervised = await say(ZHOU, `督办 #${no} 今天之内解决`);
    expect(supervised.text).toContain(`挂牌督办 #${no}`);
    // 督办 tells the project's leader directly (the self-built app) and the coordinators' group robot.
    await double.waitForMessages(1, (m) => m.via === 'wecom-app' && m.to === 'user:lij' && m.text.includes(`挂牌督办 #${no}`));
    expect(double.requests.some((r) => r.path === '/cgi-bin/gettoken' && r.query.get('corpid') === 'wwe2e00000000001')).toBe(true);
    // Scheduled jobs may post there too (a meeting notice, a digest): the 督办 notice is the one naming the ticket.
    await double.waitForMessages(1, (m) => m.to === 'key:KEY-COORD' && m.text.includes(`挂牌督办 #${no}`));

    const resolved = await say(WANG, `办结 #${no} 已到现场劝离围堵人员，施工恢复`);
    expect(resolved.text).toContain(`#${no} 已办结`);
    expect(resolved.text).toContain('@陈经理');

    const closed = await say(CHEN, `满意 #${no} 5`);
    expect(closed.text).toContain(`#${no} 已销号`);
    expect(closed.text).toContain('5分');

    const rows = queryDb<{ state: string; rating: number }>(server.databasePath, 'SELECT state, rating FROM tickets WHERE no = ?', no);
    expect(rows).toEqual([{ state: 'closed', rating: 5 }]);
  }, 45_000);

  it('reads the XML envelope of a group-robot callback and answers through its WebhookUrl', async () => {
    const created = await say(CHEN, '报告 工地电缆被偷了');
    const no = ticketNumbers(created.text)[0]!;
    const cb = wecomXmlCallback({
      msgId: `wecom-xml-${++seq}`,
      chatId: CHAT,
      userId: WANG,
      text: `查询 #${no}`,
      replyUrl: `${double.base}/cgi-bin/webhook/send?key=KEY-XM001`,
    });
    expect(await postCallback(server.base, cb)).toBe(200);
    const [detail] = await double.waitForMessages(1, (m) => m.to === 'key:KEY-XM001' && m.text.startsWith(`**#${no}**`));
    expect(detail!.text.split('\n')[0]).toContain('状态：待认领');
    expect(detail!.text).toContain('盗窃');
  }, 30_000);

  it('processes a repeated callback (same msgid, a platform retry) once', async () => {
    const message: WecomText = {
      msgId: `wecom-retry-${++seq}`,
      chatId: CHAT,
      userId: CHEN,
      text: '报告 重复推送测试：材料堆场围挡被推倒',
      replyUrl: double.wecomResponseUrl(CHAT),
    };
    const cb = wecomJsonCallback(message);
    expect(await postCallback(server.base, cb)).toBe(200);
    const code = new URL(message.replyUrl!).searchParams.get('response_code');
    await double.waitForMessages(1, (m) => m.request.query.get('response_code') === code);
    expect(await postCallback(server.base, cb)).toBe(200);
    // The retry was handled (logged as a duplicate) and nothing more was stored or sent.
    await server.waitForLogs('the retry handled', (l) => l.msgId === message.msgId && l.result === 'duplicate');
    expect(double.messages((m) => m.text.includes('重复推送测试'))).toHaveLength(1);
    expect(queryDb(server.databasePath, "SELECT no FROM tickets WHERE description LIKE '%重复推送测试%'")).toHaveLength(1);
  }, 30_000);

  it.runIf(process.platform === 'linux')('handles messages at the lowest priority, so that answering WeCom comes first', async () => {
    const [main, ...others] = server.threadNiceValues();
    expect(main).toBe(0);
    // The processor thread; the others (V8's and libuv's) keep the process's priority.
    expect(others.filter((n) => n === 19)).toHaveLength(1);
    expect(others.filter((n) => n !== 19 && n !== 0)).toEqual([]);
  });

  it('refuses a callback with a bad signature: 401, nothing stored', async () => {
    const cb = wecomJsonCallback({ msgId: `wecom-forged-${++seq}`, chatId: CHAT, userId: CHEN, text: '报告 伪造的消息' });
    const forged = { ...cb, query: cb.query.replace(/msg_signature=[0-9a-f]+/, `msg_signature=${'0'.repeat(40)}`) };
    expect(await postCallback(server.base, forged)).toBe(401);
    expect(queryDb(server.databasePath, "SELECT no FROM tickets WHERE description LIKE '%伪造的消息%'")).toHaveLength(0);
  }, 15_000);
});
