/**
 * Every way WeCom delivers a message gets its answer (SPEC §7), over real HTTP: signed, encrypted
 * callbacks go to the real server process, and replies are read where WeCom would receive them
 * (the platform double). The three receive paths of the README:
 * - 智能机器人 (https://developer.work.weixin.qq.com/document/path/100719): JSON, a response_url
 *   good for one message within an hour (https://developer.work.weixin.qq.com/document/path/101138);
 * - a group robot's callback: XML with the group's WebhookUrl, on in.qyapi.weixin.qq.com — here the
 *   double's own port under another host name, listed in WECOM_REPLY_HOSTS;
 * - a self-built app (https://developer.work.weixin.qq.com/document/path/90239): one to one, no reply
 *   URL and no chat, so the answer is an app message (message/send) to the sender.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postCallback,
  wecomAibotCallback,
  wecomAppCallback,
  wecomEnv,
  wecomJsonCallback,
  wecomXmlCallback,
  WECOM_TEST,
} from '../support/callbacks.js';
import { startPlatformDouble, ticketNumbers, type DeliveredMessage, type PlatformDouble } from '../support/platform-double.js';
import { cleanupServers, queryDb, ServerProcess } from '../support/server-process.js';

const CHEN = 'chenjl';
const ZHOU = 'zhoux';

let double: PlatformDouble;
/** 智能机器人 and group-robot callbacks (receiveid empty). */
let robots: ServerProcess;
/** A self-built app's callbacks (receiveid = the corpid). */
let app: ServerProcess;
/** The double under another host name: WeCom's in.qyapi.weixin.qq.com, where group robots' WebhookUrls are. */
let webhookOrigin: string;
let seq = 0;
const id = (what: string) => `wecom-paths-${what}-${++seq}`;

beforeAll(async () => {
  double = await startPlatformDouble();
  webhookOrigin = double.base.replace('127.0.0.1', 'localhost');
  const replyHosts = { WECOM_REPLY_HOSTS: `qyapi.weixin.qq.com,in.qyapi.weixin.qq.com,${new URL(webhookOrigin).host}` };
  // CARDS=0: these read the text forms of the answers; the cards are test/e2e/wecom-cards.test.ts's.
  [robots, app] = await Promise.all([
    ServerProcess.start({ env: { ...wecomEnv(double.base), ...replyHosts, CARDS: '0' } }),
    ServerProcess.start({ env: { ...wecomEnv(double.base), WECOM_RECEIVE_ID: WECOM_TEST.corpId, CARDS: '0' } }),
  ]);
}, 40_000);

afterAll(async () => {
  await cleanupServers();
  await double?.close();
});

const codeOf = (url: string) => new URL(url).searchParams.get('response_code');

describe('智能机器人', () => {
  it('writes a mention as the plain name in a reply through response_url (<@userid> renders only in webhooks)', async () => {
    const replyUrl = double.wecomResponseUrl('wrXM001');
    expect(await postCallback(robots.base, wecomJsonCallback({ msgId: id('mention'), chatId: 'wrXM001', userId: CHEN, text: '报告 工地围挡被推倒', replyUrl }))).toBe(200);
    const [reply] = await double.waitForMessages(1, (m) => m.request.query.get('response_code') === codeOf(replyUrl));
    expect(reply!.text).toContain('请 @王警官 认领');
    expect(reply!.text).not.toContain('<@');
    // The project group's robot, a webhook, still mentions for real.
    const no = ticketNumbers(reply!.text)[0]!;
    expect(queryDb(robots.databasePath, 'SELECT project_code FROM tickets WHERE no = ?', no)).toEqual([{ project_code: 'XM001' }]);
  }, 30_000);

  it('answers a one-to-one chat by an app message when its response_url is refused', async () => {
    // A response_url WeCom no longer accepts (used, or expired early): the double answers 40001.
    const code = `spent-${seq}`;
    const spent = `${double.base}/cgi-bin/aibot/response?response_code=${code}`;
    const msgId = id('single');
    expect(await postCallback(robots.base, wecomAibotCallback({ msgId, userId: CHEN, replyUrl: spent, msgtype: 'text', content: { text: { content: '帮助' } } }))).toBe(200);
    const [dm] = await double.waitForMessages(1, (m) => m.via === 'wecom-app' && m.to === `user:${CHEN}` && m.text.includes('联保助手 · 可用命令'));
    expect(double.requests.some((r) => r.query.get('response_code') === code && r.outcome === 'refused')).toBe(true);
    expect(dm!.text).toContain('陈经理');
  }, 30_000);

  it('delivers every part of a long reply in a one-to-one chat, in order: the first through response_url, the rest by app message', async () => {
    const description = `材料堆场夜间失窃${'钢筋被人拉走'.repeat(330)}`; // 1,988 characters, about 6 KB: two parts or more
    const replyUrl = double.wecomResponseUrl('single:chenjl');
    const before = double.requests.length;
    expect(await postCallback(robots.base, wecomAibotCallback({ msgId: id('long'), userId: CHEN, replyUrl, msgtype: 'text', content: { text: { content: `报告 ${description}` } } }))).toBe(200);
    const first = (await double.waitForMessages(1, (m) => m.request.query.get('response_code') === codeOf(replyUrl)))[0]!;
    const no = ticketNumbers(first.text)[0]!;
    const rest = await double.waitForMessages(1, (m) => m.via === 'wecom-app' && m.to === `user:${CHEN}` && m.request.seq > before && !m.text.includes('#'));
    await waitQuiet();
    const parts: DeliveredMessage[] = [first, ...double.messages((m) => m.via === 'wecom-app' && m.to === `user:${CHEN}` && m.request.seq > first.request.seq && m.request.seq > before)];
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(rest.length).toBeGreaterThanOrEqual(1);
    expect(parts.map((p) => p.request.seq)).toEqual([...parts.map((p) => p.request.seq)].sort((a, b) => a - b));
    const whole = parts.map((p) => p.text).join('');
    expect(whole).toContain(`#${no} 已登记`);
    expect(whole).toContain(description);
    expect(whole).toContain('办结时限');
  }, 40_000);

  it('tries a reply again after 45033 (too many calls at once), on the same response_url', async () => {
    double.misbehave('wecom', [{ kind: 'ratelimit', errcode: 45033, times: 1, match: (t) => t.includes('并发压力测试'), via: ['wecom-response-url'] }]);
    const replyUrl = double.wecomResponseUrl('wrXM001');
    expect(await postCallback(robots.base, wecomJsonCallback({ msgId: id('45033'), chatId: 'wrXM001', userId: CHEN, text: '报告 并发压力测试 工地电缆被偷', replyUrl }))).toBe(200);
    const [reply] = await double.waitForMessages(1, (m) => m.request.query.get('response_code') === codeOf(replyUrl));
    expect(reply!.text).toContain('并发压力测试');
    const tries = double.requests.filter((r) => r.query.get('response_code') === codeOf(replyUrl)).map((r) => r.outcome);
    expect(tries).toEqual(['ratelimit', 'ok']);
  }, 30_000);
});

describe('messages that are not typed text', () => {
  it('registers a report from a voice message, reading its transcript (voice.content) as typed text', async () => {
    const replyUrl = double.wecomResponseUrl('single:chenjl');
    const transcript = '报告 语音报案 项目东门有人拉横幅堵路';
    expect(await postCallback(robots.base, wecomAibotCallback({ msgId: id('voice'), userId: CHEN, replyUrl, msgtype: 'voice', content: { voice: { content: transcript } } }))).toBe(200);
    const [reply] = await double.waitForMessages(1, (m) => m.request.query.get('response_code') === codeOf(replyUrl));
    expect(reply!.text).toContain('已登记');
    expect(queryDb(robots.databasePath, "SELECT category, reporter_user_id FROM tickets WHERE description LIKE '语音报案%'")).toEqual([
      { category: '阻工', reporter_user_id: CHEN },
    ]);
  }, 30_000);

  it('answers a picture with no ticket to go to with one line saying how to attach it, and registers nothing', async () => {
    // 周协调 has reported nothing in a chat with the bot: the picture is evidence of nothing yet (SPEC §7b).
    const replyUrl = double.wecomResponseUrl(`single:${ZHOU}`);
    const tickets = queryDb(robots.databasePath, 'SELECT count(*) AS n FROM tickets');
    const downloads = queryDb(robots.databasePath, 'SELECT count(*) AS n FROM downloads');
    expect(await postCallback(robots.base, wecomAibotCallback({ msgId: id('image'), userId: ZHOU, replyUrl, msgtype: 'image', content: { image: { url: 'https://example.invalid/a.png' } } }))).toBe(200);
    const [reply] = await double.waitForMessages(1, (m) => m.request.query.get('response_code') === codeOf(replyUrl));
    expect(reply!.text).toBe('图片没有保存：不知道要附到哪张工单。请发送“补充 #工单号”并在同一条消息里附上图片，新的问题请发送“报告 问题描述”');
    expect(queryDb(robots.databasePath, 'SELECT count(*) AS n FROM tickets')).toEqual(tickets);
    expect(queryDb(robots.databasePath, 'SELECT count(*) AS n FROM downloads')).toEqual(downloads);
  }, 30_000);

  it('answers a self-built app user who sends a location with one line, by app message', async () => {
    const msgId = `${4561255354251345929n + BigInt(++seq)}`;
    const cb = wecomAppCallback({ msgId, userId: CHEN, msgType: 'location', fields: { Location_X: '23.134', Location_Y: '113.358', Scale: '20', Label: '工地东门' } });
    expect(await postCallback(app.base, cb)).toBe(200);
    const [dm] = await double.waitForMessages(1, (m) => m.via === 'wecom-app' && m.to === `user:${CHEN}` && m.text.startsWith('暂时还不能处理位置消息'));
    expect(dm!.text).toContain('报告 问题描述');
  }, 30_000);
});

describe('group-robot callback', () => {
  it('answers in a group not yet in the roster through the WebhookUrl the callback carries, on WeCom\'s other host', async () => {
    const hook = `${webhookOrigin}/cgi-bin/webhook/send?key=KEY-NEWGROUP`;
    const say = async (userId: string, text: string): Promise<DeliveredMessage> => {
      const before = double.delivered.length;
      expect(await postCallback(robots.base, wecomXmlCallback({ msgId: id('robot'), chatId: 'wrNEWGROUP', userId, text, replyUrl: hook }))).toBe(200);
      const [m] = await double.waitForMessages(1, (d) => d.to === 'key:KEY-NEWGROUP' && double.delivered.indexOf(d) >= before);
      return m!;
    };
    // Someone outside the roster is told how the group gets bound; the coordinator binds it.
    expect((await say('passerby', '报告 工地门口有人闹事')).text).toContain('本群还没有绑定项目');
    const bound = await say(ZHOU, '绑定 XM003');
    expect(bound.text).toContain('本群已绑定为项目群：**XM003');
    expect(bound.request.headers.host).toBe(new URL(webhookOrigin).host);
    // From then on the group is XM003's: a report there is registered and answered there, with a real mention.
    const created = await say('passerby', '报告 安置小区门口有人堵路');
    expect(created.text).toContain('已登记');
    expect(created.mentions).toEqual(['sunjg']);
  }, 30_000);
});

describe('self-built app', () => {
  it('answers a command by an app message to its sender (app messages have no reply URL and no group)', async () => {
    const msgId = `${4561255354251345929n + BigInt(++seq)}`;
    expect(await postCallback(app.base, wecomAppCallback({ msgId, userId: CHEN, text: '报告 项目部仓库门锁被撬' }))).toBe(200);
    const [dm] = await double.waitForMessages(1, (m) => m.via === 'wecom-app' && m.to === `user:${CHEN}` && m.text.includes('仓库门锁被撬'));
    expect(dm!.text).toContain('已登记');
    expect(dm!.request.body).toMatchObject({ touser: CHEN, agentid: Number(WECOM_TEST.agentId), msgtype: 'markdown' });
    expect(queryDb(app.databasePath, "SELECT source_chat_id FROM tickets WHERE description LIKE '%仓库门锁被撬%'")).toEqual([{ source_chat_id: `single:${CHEN}` }]);
  }, 30_000);

  it('reads a JSON-format app callback, with the XML\'s PascalCase fields, like the XML one, each 64-bit MsgId as it is', async () => {
    // Two ids a double cannot tell apart: read as numbers, the second would pass for a retry of the first.
    const ids = ['7361234567890123456', '7361234567890123457'];
    for (const [i, msgId] of ids.entries()) {
      expect(await postCallback(app.base, wecomAppCallback({ msgId, userId: CHEN, text: `报告 JSON格式${i} 围挡被推倒` }, 'json'))).toBe(200);
    }
    await double.waitForMessages(2, (m) => m.via === 'wecom-app' && m.to === `user:${CHEN}` && m.text.includes('JSON格式'));
    expect(queryDb(app.databasePath, "SELECT msg_id FROM inbound_messages WHERE msg_id LIKE '73612345678901234%' ORDER BY msg_id")).toEqual(ids.map((msg_id) => ({ msg_id })));
    expect(queryDb(app.databasePath, "SELECT count(*) AS n FROM tickets WHERE description LIKE 'JSON格式%'")).toEqual([{ n: 2 }]);
  }, 30_000);

  it('tells someone outside the roster, by app message, why nothing was registered', async () => {
    expect(await postCallback(app.base, wecomAppCallback({ msgId: `${9000000000000000000n + BigInt(++seq)}`, userId: 'mycreate', text: 'hello' }))).toBe(200);
    const [dm] = await double.waitForMessages(1, (m) => m.via === 'wecom-app' && m.to === 'user:mycreate');
    expect(dm!.text).toContain('您也不在人员名册中');
  }, 30_000);
});

/** Lets the outbox finish what it is sending (parts of one reply go one after another). */
async function waitQuiet(): Promise<void> {
  let last = -1;
  while (last !== double.requests.length) {
    last = double.requests.length;
    await new Promise((r) => setTimeout(r, 300));
  }
}
