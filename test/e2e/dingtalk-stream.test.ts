/**
 * DingTalk Stream mode (DINGTALK_MODE=stream) driven with the `dingtalk-stream` package's own frame
 * format: the frames pushed down the gateway's WebSocket are the package's `DWClientDownStream`,
 * carrying its `RobotMessage` on its `TOPIC_ROBOT`, and the server's acknowledgement must be the
 * one the package's `socketCallBackResponse` writes (`{code: 200, headers: {contentType, messageId},
 * message: 'OK', data: '{"response":…}'}`), or the gateway delivers the message again.
 * Robot message fields: https://open.dingtalk.com/document/orgapp/receive-message
 */
import { randomUUID } from 'node:crypto';
import type { DWClientDownStream } from 'dingtalk-stream';
import { TOPIC_ROBOT, type RobotTextMessage } from 'dingtalk-stream/constants';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dingtalkEnv, dingtalkRobotMessage, DINGTALK_TEST, type DingtalkText } from '../support/callbacks.js';
import { startPlatformDouble, type PlatformDouble } from '../support/platform-double.js';
import { cleanupServers, queryDb, ServerProcess } from '../support/server-process.js';

const CHEN = 'staff-chen';

let double: PlatformDouble;
let server: ServerProcess;
let seq = 0;
const id = (what: string) => `dingtalk-stream-${what}-${++seq}`;

beforeAll(async () => {
  double = await startPlatformDouble();
  server = await ServerProcess.start({ env: dingtalkEnv(double.base, 'stream') });
  await double.stream.waitForConnection();
}, 40_000);

afterAll(async () => {
  await cleanupServers();
  await double?.close();
});

/** A robot message in the package's frame, as the gateway pushes it. */
function frame(data: object): DWClientDownStream {
  return {
    specVersion: '1.0',
    type: 'CALLBACK',
    headers: {
      appId: DINGTALK_TEST.appKey,
      connectionId: 'conn-e2e',
      contentType: 'application/json',
      messageId: randomUUID(),
      time: String(Date.now()),
      topic: TOPIC_ROBOT,
    },
    data: JSON.stringify(data),
  };
}

/** The fields the package's `RobotTextMessage` declares: a robot message pushed here carries them all. */
const PACKAGE_FIELDS = [
  'conversationId',
  'chatbotCorpId',
  'chatbotUserId',
  'msgId',
  'senderNick',
  'isAdmin',
  'senderStaffId',
  'sessionWebhookExpiredTime',
  'createAt',
  'senderCorpId',
  'conversationType',
  'senderId',
  'sessionWebhook',
  'robotCode',
  'msgtype',
] as const satisfies readonly (keyof RobotTextMessage)[];

function robot(m: DingtalkText): Record<string, unknown> {
  const body = dingtalkRobotMessage(m);
  expect(Object.keys(body)).toEqual(expect.arrayContaining([...PACKAGE_FIELDS]));
  return body;
}

/** What the package's `socketCallBackResponse(messageId, 'OK')` sends. */
const packageAck = (messageId: string) => ({
  code: 200,
  headers: { contentType: 'application/json', messageId },
  message: 'OK',
  data: JSON.stringify({ response: 'OK' }),
});

describe('DingTalk Stream, in the dingtalk-stream package\'s frame format', () => {
  it('acknowledges a robot message exactly as the package does, once it is stored, and answers it', async () => {
    const session = double.dingtalkSessionWebhook('cidXM001');
    const f = frame(robot({ msgId: id('text'), conversationId: 'cidXM001', staffId: CHEN, text: '报告 流式帧 东门施工车辆被拦', sessionWebhook: session }));
    expect(await double.stream.pushFrame(f)).toEqual(packageAck(f.headers.messageId));
    const [reply] = await double.waitForMessages(1, (m) => m.request.query.get('session') === new URL(session).searchParams.get('session'));
    expect(reply!.text).toContain('已登记');
  }, 30_000);

  it('answers the gateway\'s ping with its own headers and data, as the package does', async () => {
    const ping = { specVersion: '1.0', type: 'SYSTEM', headers: { messageId: randomUUID(), topic: 'ping', contentType: 'application/json', time: String(Date.now()) }, data: '{"opaque":"e2e"}' };
    expect(await double.stream.pushFrame(ping)).toEqual({ code: 200, headers: ping.headers, message: 'OK', data: ping.data });
  }, 15_000);

  it('registers a report from a voice message (content.recognition) pushed down the stream', async () => {
    const session = double.dingtalkSessionWebhook('cidXM001');
    const voice = robot({
      msgId: id('audio'),
      conversationId: 'cidXM001',
      staffId: CHEN,
      text: '',
      sessionWebhook: session,
      msgtype: 'audio',
      content: { duration: 3000, downloadCode: 'dc-stream-audio', recognition: '报告 流式语音 塔吊下有人聚集闹事' },
    });
    const f = frame(voice);
    expect(await double.stream.pushFrame(f)).toEqual(packageAck(f.headers.messageId));
    const [reply] = await double.waitForMessages(1, (m) => m.request.query.get('session') === new URL(session).searchParams.get('session'));
    expect(reply!.text).toContain('已登记');
    expect(queryDb(server.databasePath, "SELECT count(*) AS n FROM tickets WHERE description LIKE '流式语音%'")).toEqual([{ n: 1 }]);
  }, 30_000);

  it('answers a one-to-one chat whose session has ended by a direct message, and a picture with no ticket to go to with one line', async () => {
    const expired = frame(
      robot({
        msgId: id('single'),
        conversationId: 'cidSINGLE-stream',
        conversationType: '1',
        staffId: CHEN,
        text: '',
        sessionWebhook: double.dingtalkSessionWebhook('cidSINGLE-stream'),
        sessionWebhookExpiredTime: Date.now() - 1000,
        msgtype: 'picture',
        content: { downloadCode: 'dc-stream-pic' },
      }),
    );
    expect(await double.stream.pushFrame(expired)).toEqual(packageAck(expired.headers.messageId));
    const [dm] = await double.waitForMessages(1, (m) => m.via === 'dingtalk-batch' && m.to === `user:${CHEN}` && m.text.startsWith('图片没有保存：不知道要附到哪张工单'));
    expect(dm!.request.body).toMatchObject({ userIds: [CHEN], robotCode: DINGTALK_TEST.robotCode });
  }, 30_000);

  it('acknowledges a frame it must refuse (not a robot message), so that the gateway does not push it again, storing nothing', async () => {
    const before = queryDb(server.databasePath, 'SELECT count(*) AS n FROM inbound_messages');
    const f = frame({ msgId: id('broken') });
    expect(await double.stream.pushFrame(f)).toEqual(packageAck(f.headers.messageId));
    await server.waitForLogs('a refusal naming the check', (l) => l.check === 'payload');
    expect(queryDb(server.databasePath, 'SELECT count(*) AS n FROM inbound_messages')).toEqual(before);
  }, 15_000);
});
