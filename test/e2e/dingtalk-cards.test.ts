/**
 * The one-tap loop on DingTalk (SPEC §7a) against the real server process: with a card template
 * (DINGTALK_CARD_TEMPLATE_ID) the messages that ask someone to act are interactive cards, created
 * and delivered with /v1.0/card/instances/createAndDeliver (创建并投放卡片,
 * https://open.dingtalk.com/document/orgapp/create-and-deliver-cards; the data as strings,
 * https://open.dingtalk.com/document/orgapp/instructions-for-filling-in-api-card-data). A click comes
 * back as a card callback (卡片回传请求, https://open.dingtalk.com/document/orgapp/event-callback-card):
 * an HTTP POST signed like a robot callback (DINGTALK_MODE=http, callbackType HTTP) or a frame on the
 * Stream topic /v1.0/card/instances/callback (callbackType STREAM); the card is then updated for
 * everyone with PUT /v1.0/card/instances (更新卡片, https://open.dingtalk.com/document/orgapp/interactive-card-update-interface).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dingtalkCallback,
  dingtalkCardCallback,
  dingtalkCardCallbackBody,
  dingtalkEnv,
  dingtalkRobotMessage,
  postCallback,
  type DingtalkCardClick,
  type DingtalkText,
} from '../support/callbacks.js';
import { startPlatformDouble, ticketNumbers, type DeliveredMessage, type PlatformDouble } from '../support/platform-double.js';
import { cleanupServers, queryDb, ServerProcess } from '../support/server-process.js';

const CID = 'cidXM001';
const CHEN = 'staff-chen';
const WANG = 'staff-wang';
const CARDS = { DINGTALK_CARD_TEMPLATE_ID: 'lianbao-e2e.schema' };

let double: PlatformDouble;
let seq = 0;

beforeAll(async () => {
  double = await startPlatformDouble();
});

afterAll(async () => {
  await cleanupServers();
  await double?.close();
});

/** Delivers one chat message to the server, however the mode at hand does it. */
type Transport = (m: DingtalkText) => Promise<void>;

/**
 * Sends `text` in XM001's group and returns the card the bot answered with, in that group: the one
 * whose words hold every marker (the servers of this file share one double).
 */
async function cardFor(send: Transport, staffId: string, text: string, ...markers: string[]): Promise<DeliveredMessage> {
  await send({ msgId: `dingtalk-cards-${++seq}`, conversationId: CID, staffId, nick: staffId, text, sessionWebhook: double.dingtalkSessionWebhook(CID) });
  const [card] = await double.waitForMessages(1, (m) => m.via === 'dingtalk-card' && markers.every((k) => m.text.includes(k)));
  expect(card!.to).toBe(`cid:${CID}`);
  return card!;
}

/** The updates of a card that arrived so far. */
const updatesOf = (outTrackId: string) => double.messages((m) => m.via === 'dingtalk-card-update' && m.card?.id === outTrackId);

const state = (path: string, no: number) => queryDb<{ state: string; assignee_id: string | null; rating: number | null }>(path, 'SELECT state, assignee_id, rating FROM tickets WHERE no = ?', no)[0];
const claims = (path: string, no: number) => queryDb<{ n: number }>(path, "SELECT count(*) AS n FROM audit_log WHERE ticket_no = ? AND action = 'claim'", no)[0]!.n;

/**
 * The loop every transport runs: the enterprise's [认领] is refused to them alone, the officer's
 * claims and the card changes for everyone; then the enterprise's [满意] with the score 4 closes it.
 * `click` delivers a click; what it did is awaited where DingTalk would see it.
 */
async function cardLoop(send: Transport, click: (c: DingtalkCardClick) => Promise<void>, path: string, marker: string): Promise<{ no: number; card: DeliveredMessage }> {
  const card = await cardFor(send, CHEN, `报告 ${marker} 村民围堵工地大门阻工`, marker);
  const no = ticketNumbers(card.text)[0]!;
  expect(card.card?.data).toMatchObject({ btn1Text: '认领', btn1Command: `认领 #${no}`, btn2Text: '', done: '', finished: 'false', choiceShown: 'false' });
  const outTrackId = card.card!.id;

  await click({ outTrackId, staffId: CHEN, button: 1, params: { command: `认领 #${no}` }, openConversationId: CID });
  const [told] = await double.waitForMessages(1, (m) => m.via === 'dingtalk-batch' && m.to === `user:${CHEN}` && m.text.includes('“认领”只能由'));
  expect(told!.text).toContain('您的身份是企业');
  expect(state(path, no)).toMatchObject({ state: 'open', assignee_id: null });
  expect(updatesOf(outTrackId)).toEqual([]);

  await click({ outTrackId, staffId: WANG, button: 1, params: { command: `认领 #${no}` }, openConversationId: CID });
  const [updated] = await double.waitForMessages(1, (m) => m.via === 'dingtalk-card-update' && m.card?.id === outTrackId);
  expect(updated!.to).toBe(`cid:${CID}`);
  expect(updated!.card?.data).toMatchObject({ btn1Text: '', btn1Command: '', finished: 'true', done: expect.stringMatching(/^已由 王警官 认领 \d\d:\d\d$/) });
  expect(state(path, no)).toMatchObject({ state: 'claimed', assignee_id: 'wang' });
  expect(claims(path, no)).toBe(1);

  // 办结 (typed) brings the resolution card; the enterprise closes it with one tap and a score.
  const rate = await cardFor(send, WANG, `办结 #${no} ${marker}已劝离围堵人员`, marker, '已办结');
  expect(rate.card?.data).toMatchObject({ btn1Text: '满意', btn1Command: `满意 #${no}`, btn2Text: '不满意', choiceShown: 'true' });
  await click({ outTrackId: rate.card!.id, staffId: CHEN, button: 1, params: { command: `满意 #${no}`, choice: '4' }, openConversationId: CID });
  const [rated] = await double.waitForMessages(1, (m) => m.via === 'dingtalk-card-update' && m.card?.id === rate.card!.id);
  expect(rated!.card?.data).toMatchObject({ finished: 'true', choiceShown: 'false', done: expect.stringMatching(/^已由 陈经理 评价满意（4分） \d\d:\d\d$/) });
  expect(state(path, no)).toMatchObject({ state: 'closed', rating: 4 });
  return { no, card };
}

describe('DingTalk card callbacks over HTTP', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await ServerProcess.start({ env: { ...dingtalkEnv(double.base, 'http'), ...CARDS } });
  }, 30_000);

  const overHttp: Transport = async (m) => {
    expect(await postCallback(server.base, dingtalkCallback(m))).toBe(200);
  };

  it('claims with the officer’s click, refuses the enterprise’s, and closes with [满意] and a score', async () => {
    const { no, card } = await cardLoop(
      overHttp,
      async (c) => {
        expect(await postCallback(server.base, dingtalkCardCallback(c))).toBe(200);
      },
      server.databasePath,
      '【HTTP】',
    );
    // The card was made for HTTP callbacks to the registered route.
    expect(card.request.body).toMatchObject({ cardTemplateId: 'lianbao-e2e.schema', callbackType: 'HTTP', callbackRouteKey: 'lianbao-card', userIdType: 1 });
    expect(claims(server.databasePath, no)).toBe(1);
  }, 60_000);

  it('changes nothing for a replayed click, and refuses its signature with another body', async () => {
    const card = await cardFor(overHttp, CHEN, '报告 【重放】 工地电缆被偷了', '【重放】');
    const no = ticketNumbers(card.text)[0]!;
    const cb = dingtalkCardCallback({ outTrackId: card.card!.id, staffId: WANG, button: 1, params: { command: `认领 #${no}` }, openConversationId: CID });
    expect(await postCallback(server.base, cb)).toBe(200);
    await double.waitForMessages(1, (m) => m.via === 'dingtalk-card-update' && m.card?.id === card.card!.id);
    expect(await postCallback(server.base, cb)).toBe(200);
    const forged = { ...cb, body: cb.body.replace(WANG, 'staff-zhou') };
    expect(await postCallback(server.base, forged)).toBe(401);
    await server.waitForLogs('the refusal', (l) => l.check === 'sign-reused');
    expect(claims(server.databasePath, no)).toBe(1);
    expect(updatesOf(card.card!.id)).toHaveLength(1);
  }, 30_000);
});

describe('DingTalk card callbacks over Stream', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await ServerProcess.start({ env: { ...dingtalkEnv(double.base, 'stream'), ...CARDS } });
    await double.stream.waitForConnection();
  }, 30_000);

  const overStream: Transport = async (m) => {
    expect(await double.stream.pushRobotMessage(dingtalkRobotMessage(m))).toMatchObject({ code: 200 });
  };

  it('subscribes to the card topic and runs the same loop over pushed card callbacks', async () => {
    const open = double.requests.filter((r) => r.path === '/v1.0/gateway/connections/open').at(-1);
    expect(open?.body).toMatchObject({ subscriptions: expect.arrayContaining([{ type: 'CALLBACK', topic: '/v1.0/card/instances/callback' }]) });
    const { no, card } = await cardLoop(
      overStream,
      async (c) => {
        const messageId = randomUUID();
        expect(await double.stream.pushCardCallback(dingtalkCardCallbackBody(c), messageId)).toMatchObject({ code: 200, headers: { messageId } });
      },
      server.databasePath,
      '【STREAM】',
    );
    expect(card.request.body).toMatchObject({ callbackType: 'STREAM' });
    expect(card.request.body).not.toHaveProperty('callbackRouteKey');
    expect(claims(server.databasePath, no)).toBe(1);
  }, 60_000);

  it('changes nothing when the gateway delivers a click again (the same messageId)', async () => {
    const card = await cardFor(overStream, CHEN, '报告 【重投卡片】 夜间材料被盗', '【重投卡片】');
    const no = ticketNumbers(card.text)[0]!;
    const body = dingtalkCardCallbackBody({ outTrackId: card.card!.id, staffId: WANG, button: 1, params: { command: `认领 #${no}` }, openConversationId: CID });
    const messageId = randomUUID();
    await double.stream.pushCardCallback(body, messageId);
    await double.waitForMessages(1, (m) => m.via === 'dingtalk-card-update' && m.card?.id === card.card!.id);
    expect(await double.stream.pushCardCallback(body, messageId)).toMatchObject({ code: 200 });
    await server.waitForLogs('the redelivery handled', (l) => l.msgId === `card:${messageId}` && l.result === 'duplicate');
    expect(claims(server.databasePath, no)).toBe(1);
    expect(updatesOf(card.card!.id)).toHaveLength(1);
  }, 30_000);
});
