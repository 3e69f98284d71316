/**
 * Every way DingTalk delivers a message gets its answer (SPEC §7), over real HTTP: signed callbacks
 * (DINGTALK_MODE=http) and frames pushed down the Stream gateway's WebSocket (DINGTALK_MODE=stream)
 * go to the real server process, and replies are read where DingTalk would receive them.
 * Message fields: https://open.dingtalk.com/document/orgapp/receive-message; a one-to-one answer when
 * the sessionWebhook cannot be used: https://open.dingtalk.com/document/orgapp/chatbots-send-one-on-one-chat-messages-in-batches
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dingtalkCallback, dingtalkEnv, postCallback, type DingtalkText } from '../support/callbacks.js';
import { startPlatformDouble, ticketNumbers, type DeliveredMessage, type PlatformDouble } from '../support/platform-double.js';
import { cleanupServers, queryDb, ServerProcess } from '../support/server-process.js';

const CHEN = 'staff-chen';
/** The conversation of 陈经理's one-to-one chat with the robot. */
const CHEN_SINGLE = 'cidSINGLE-chen';

let double: PlatformDouble;
let http: ServerProcess;
let seq = 0;
const id = (what: string) => `dingtalk-paths-${what}-${++seq}`;

beforeAll(async () => {
  double = await startPlatformDouble();
  http = await ServerProcess.start({ env: dingtalkEnv(double.base, 'http') });
}, 40_000);

afterAll(async () => {
  await cleanupServers();
  await double?.close();
});

async function post(m: DingtalkText): Promise<void> {
  expect(await postCallback(http.base, dingtalkCallback(m))).toBe(200);
}

describe('one-to-one chats', () => {
  it('answers by a direct message when the sessionWebhook has expired', async () => {
    const before = double.delivered.length;
    const requestsBefore = double.requests.length;
    await post({
      msgId: id('expired'),
      conversationId: CHEN_SINGLE,
      conversationType: '1',
      staffId: CHEN,
      text: '帮助',
      sessionWebhook: double.dingtalkSessionWebhook(CHEN_SINGLE),
      sessionWebhookExpiredTime: Date.now() - 1000,
    });
    const [dm] = await double.waitForMessages(1, (m) => m.via === 'dingtalk-batch' && m.to === `user:${CHEN}` && double.delivered.indexOf(m) >= before);
    expect(dm!.text).toContain('联保助手 · 可用命令');
    expect(dm!.request.body).toMatchObject({ robotCode: 'dinge2erobot', userIds: [CHEN], msgKey: 'sampleMarkdown' });
    // An expired session is not even tried.
    expect(double.requests.slice(requestsBefore).filter((r) => r.path === '/robot/sendBySession')).toEqual([]);
  }, 30_000);

  it('answers by a direct message when the sessionWebhook is refused (the session has ended)', async () => {
    const before = double.delivered.length;
    // A session the double does not know: DingTalk's errcode 300001.
    await post({ msgId: id('refused'), conversationId: CHEN_SINGLE, conversationType: '1', staffId: CHEN, text: '台账', sessionWebhook: `${double.base}/robot/sendBySession?session=ended-${seq}` });
    const [dm] = await double.waitForMessages(1, (m) => m.via === 'dingtalk-batch' && m.to === `user:${CHEN}` && double.delivered.indexOf(m) >= before);
    expect(dm!.text).not.toHaveLength(0);
    expect(double.requests.some((r) => r.path === '/robot/sendBySession' && r.query.get('session') === `ended-${seq}` && r.outcome === 'refused')).toBe(true);
  }, 30_000);

  it('delivers every part of a long reply, in order, when the session has ended', async () => {
    const description = `塔吊配电箱夜间被盗${'电缆被剪断拖走'.repeat(280)}`; // 1,969 characters, about 6 KB
    const before = double.delivered.length;
    await post({
      msgId: id('long'),
      conversationId: CHEN_SINGLE,
      conversationType: '1',
      staffId: CHEN,
      text: `报告 ${description}`,
      sessionWebhook: double.dingtalkSessionWebhook(CHEN_SINGLE),
      sessionWebhookExpiredTime: Date.now() - 1000,
    });
    const mine = (m: DeliveredMessage) => m.via === 'dingtalk-batch' && m.to === `user:${CHEN}` && double.delivered.indexOf(m) >= before;
    await double.waitForMessages(2, mine);
    await waitQuiet();
    const parts = double.messages(mine);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(parts.map((p) => p.request.seq)).toEqual([...parts.map((p) => p.request.seq)].sort((a, b) => a - b));
    const whole = parts.map((p) => p.text).join('');
    const no = ticketNumbers(whole)[0]!;
    expect(whole).toContain(`#${no} 已登记`);
    expect(whole).toContain(description);
    expect(queryDb(http.databasePath, 'SELECT source_chat_id FROM tickets WHERE no = ?', no)).toEqual([{ source_chat_id: CHEN_SINGLE }]);
  }, 40_000);
});

describe('messages that are not typed text', () => {
  it('registers a report from a voice message, reading DingTalk\'s transcript (content.recognition) as typed text', async () => {
    const session = double.dingtalkSessionWebhook('cidXM001');
    await post({
      msgId: id('audio'),
      conversationId: 'cidXM001',
      staffId: CHEN,
      text: '',
      sessionWebhook: session,
      msgtype: 'audio',
      content: { duration: 4000, downloadCode: 'dc-audio-1', recognition: '报告 语音报案 二号门被渣土车堵住' },
    });
    const [reply] = await double.waitForMessages(1, (m) => m.request.query.get('session') === new URL(session).searchParams.get('session'));
    expect(reply!.text).toContain('已登记');
    expect(queryDb(http.databasePath, "SELECT reporter_user_id FROM tickets WHERE description LIKE '语音报案%'")).toEqual([{ reporter_user_id: CHEN }]);
  }, 30_000);

  it('answers a picture and a file with no ticket to go to with one line saying how to attach them, and registers nothing', async () => {
    // Nobody reported in this chat: the files are evidence of nothing yet (SPEC §7b).
    const tickets = queryDb(http.databasePath, 'SELECT count(*) AS n FROM tickets');
    const downloads = queryDb(http.databasePath, 'SELECT count(*) AS n FROM downloads');
    for (const [msgtype, name] of [['picture', '图片'], ['file', '文件']] as const) {
      const session = double.dingtalkSessionWebhook('cidNOREPORT');
      await post({ msgId: id(msgtype), conversationId: 'cidNOREPORT', conversationType: '1', staffId: CHEN, text: '', sessionWebhook: session, msgtype, content: { downloadCode: `dc-${msgtype}` } });
      const [reply] = await double.waitForMessages(1, (m) => m.request.query.get('session') === new URL(session).searchParams.get('session'));
      expect(reply!.text).toBe(`${name}没有保存：不知道要附到哪张工单。请发送“补充 #工单号”并在同一条消息里附上${name}，新的问题请发送“报告 问题描述”`);
    }
    expect(queryDb(http.databasePath, 'SELECT count(*) AS n FROM tickets')).toEqual(tickets);
    expect(queryDb(http.databasePath, 'SELECT count(*) AS n FROM downloads')).toEqual(downloads);
  }, 30_000);
});

describe('mentions', () => {
  it('transfers to the person DingTalk resolved the @-mention to (atUsers[].staffId), though the name shown is not the roster\'s', async () => {
    const say = async (staffId: string, text: string, atStaffIds?: string[]): Promise<DeliveredMessage> => {
      const session = double.dingtalkSessionWebhook('cidXM001');
      await post({ msgId: id('mention'), conversationId: 'cidXM001', staffId, text, sessionWebhook: session, atStaffIds });
      const [reply] = await double.waitForMessages(1, (m) => m.request.query.get('session') === new URL(session).searchParams.get('session'));
      return reply!;
    };
    const no = ticketNumbers((await say(CHEN, '报告 提及测试 渣土车堵住工地大门')).text)[0]!;
    expect((await say('staff-wang', `认领 #${no}`)).text).toContain('已认领');
    // 赵警官 shows as “赵队” in the group; DingTalk says who was meant.
    const moved = await say('staff-wang', `转办 #${no} @赵队 涉及货车通行`, ['staff-zhao']);
    expect(moved.text).toContain(`#${no} 已转办`);
    expect(moved.mentions).toContain('staff-zhao');
    expect(queryDb(http.databasePath, 'SELECT assignee_id FROM tickets WHERE no = ?', no)).toEqual([{ assignee_id: 'zhao' }]);
  }, 40_000);
});

/** Lets the outbox finish what it is sending (parts of one reply go one after another). */
async function waitQuiet(): Promise<void> {
  let last = -1;
  while (last !== double.requests.length) {
    last = double.requests.length;
    await new Promise((r) => setTimeout(r, 300));
  }
}
