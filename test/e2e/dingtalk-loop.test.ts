/**
 * The whole closed loop over DingTalk: signed HTTP callbacks (DINGTALK_MODE=http), and robot messages
 * pushed down a WebSocket from the local Stream gateway (DINGTALK_MODE=stream), to the real server
 * process. Replies are read where DingTalk would receive them, through each message's sessionWebhook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dingtalkCallback, dingtalkEnv, dingtalkRobotMessage, postCallback, type DingtalkText } from '../support/callbacks.js';
import { startPlatformDouble, ticketNumbers, type DeliveredMessage, type PlatformDouble } from '../support/platform-double.js';
import { cleanupServers, queryDb, ServerProcess } from '../support/server-process.js';

const CID = 'cidXM001';
const CHEN = 'staff-chen';
const WANG = 'staff-wang';

let double: PlatformDouble;

beforeAll(async () => {
  double = await startPlatformDouble();
});

afterAll(async () => {
  await cleanupServers();
  await double?.close();
});

/** Delivers one chat message to the server, however the mode at hand does it. */
type Transport = (m: DingtalkText) => Promise<void>;

let seq = 0;

/** Sends `text` as `staffId` in XM001's group and returns the reply that came through its sessionWebhook. */
async function say(send: Transport, staffId: string, text: string): Promise<DeliveredMessage> {
  const sessionWebhook = double.dingtalkSessionWebhook(CID);
  const session = new URL(sessionWebhook).searchParams.get('session');
  await send({ msgId: `dingtalk-loop-${++seq}`, conversationId: CID, staffId, nick: staffId, text, sessionWebhook });
  const [reply] = await double.waitForMessages(1, (m) => m.request.query.get('session') === session);
  return reply!;
}

/** 报告 → 认领 → 办结 → 满意, checking what the group reads at each step; returns the ticket number. */
async function closedLoop(send: Transport, databasePath: string, marker: string): Promise<number> {
  const created = await say(send, CHEN, `报告 ${marker} 村民围堵工地大门阻工`);
  const no = ticketNumbers(created.text)[0]!;
  expect(created.text).toContain(`#${no} 已登记`);
  expect(created.text).toContain(marker);
  // The project officer is mentioned for real: in at.atUserIds, written @id in the text.
  expect(created.mentions).toEqual([WANG]);
  expect(created.text).toContain(`@${WANG}`);

  expect((await say(send, WANG, `认领 #${no}`)).text).toContain(`#${no} 已认领`);
  const resolved = await say(send, WANG, `办结 #${no} 已劝离围堵人员`);
  expect(resolved.text).toContain(`#${no} 已办结`);
  expect(resolved.mentions).toEqual([CHEN]);
  expect((await say(send, CHEN, `满意 #${no} 5 处置及时`)).text).toContain(`#${no} 已销号`);

  const rows = queryDb<{ state: string; rating: number; source_platform: string }>(
    databasePath,
    'SELECT state, rating, source_platform FROM tickets WHERE no = ?',
    no,
  );
  expect(rows).toEqual([{ state: 'closed', rating: 5, source_platform: 'dingtalk' }]);
  return no;
}

describe('DingTalk HTTP callbacks', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await ServerProcess.start({ env: dingtalkEnv(double.base, 'http') });
  }, 30_000);

  const overHttp: Transport = async (m) => {
    expect(await postCallback(server.base, dingtalkCallback(m))).toBe(200);
  };

  it('runs report → claim → resolve → accept, replying through each sessionWebhook', async () => {
    await closedLoop(overHttp, server.databasePath, '【HTTP】');
  }, 45_000);

  it('sends to the group through the robot API when the sessionWebhook is not on DINGTALK_OAPI_BASE', async () => {
    await overHttp({
      msgId: `dingtalk-foreign-${++seq}`,
      conversationId: CID,
      staffId: CHEN,
      text: '报告 [外部地址] 工地电缆被偷',
      sessionWebhook: 'http://198.51.100.7/robot/sendBySession?session=elsewhere',
    });
    const [sent] = await double.waitForMessages(1, (m) => m.text.includes('［外部地址］'));
    expect(sent).toMatchObject({ via: 'dingtalk-group', to: `cid:${CID}` });
    const call = sent!.request;
    expect(call.headers['x-acs-dingtalk-access-token']).toBe('double-dingtalk-access-token');
    expect(call.body).toMatchObject({ msgKey: 'sampleMarkdown', openConversationId: CID, robotCode: 'dinge2erobot' });
  }, 30_000);

  it('refuses a callback signed with another secret: 401, nothing stored', async () => {
    const cb = dingtalkCallback({ msgId: `dingtalk-forged-${++seq}`, conversationId: CID, staffId: CHEN, text: '报告 [伪造] 有人闹事' });
    const forged = { ...cb, headers: { ...cb.headers, sign: Buffer.alloc(32).toString('base64') } };
    expect(await postCallback(server.base, forged)).toBe(401);
    expect(queryDb(server.databasePath, "SELECT no FROM tickets WHERE description LIKE '%[伪造]%'")).toHaveLength(0);
  }, 15_000);
});

describe('DingTalk Stream mode', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await ServerProcess.start({ env: dingtalkEnv(double.base, 'stream') });
    await double.stream.waitForConnection();
  }, 30_000);

  const overStream: Transport = async (m) => {
    const ack = await double.stream.pushRobotMessage(dingtalkRobotMessage(m));
    expect(ack).toMatchObject({ code: 200 });
  };

  it('opens a ticket at DINGTALK_API_BASE, connects, and runs the loop over pushed messages', async () => {
    const open = double.requests.filter((r) => r.path === '/v1.0/gateway/connections/open');
    expect(open.length).toBeGreaterThan(0);
    expect(open[0]!.body).toMatchObject({ clientId: 'dinge2eappkey', clientSecret: 'e2e-dingtalk-app-secret-0123456789abcdefghijklmnop' });
    await closedLoop(overStream, server.databasePath, '【STREAM】');
  }, 45_000);

  it('processes a redelivered message (same msgId) once', async () => {
    const m: DingtalkText = {
      msgId: `dingtalk-redelivered-${++seq}`,
      conversationId: CID,
      staffId: CHEN,
      text: '报告 [重投] 夜间材料被盗',
      sessionWebhook: double.dingtalkSessionWebhook(CID),
    };
    await overStream(m);
    await double.waitForMessages(1, (d) => d.text.includes('［重投］'));
    await overStream(m);
    await server.waitForLogs('the redelivery handled', (l) => l.msgId === m.msgId && l.result === 'duplicate');
    expect(double.messages((d) => d.text.includes('［重投］'))).toHaveLength(1);
    expect(queryDb(server.databasePath, "SELECT no FROM tickets WHERE description LIKE '%[重投]%'")).toHaveLength(1);
  }, 30_000);

  it('stops with SIGTERM while connected: exit code 0', async () => {
    const exit = await server.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.logs.filter((l) => l.msg === 'stopped')).toHaveLength(1);
  }, 30_000);
});
