import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dingtalkPost,
  dingtalkText,
  expectNoSecretsLogged,
  expectNotLoggedAtInfo,
  expectRefused,
  settle,
  snapshotCounts,
  startRig,
  type Rig,
} from '../support/app-rig.js';

const WORDS = '项目东门被堵施工车辆进不去';
const REPORT = dingtalkText({ msgId: 'dt-msg-1', staffId: 'staff-chen', nick: '陈经理', text: `报告 ${WORDS}` });

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  await rig.close();
});

const now = () => rig.clock.now().getTime();

describe('DingTalk callback: requests that fail verification store nothing and send nothing', () => {
  it('refuses a sign made with another secret with 401', async () => {
    await expectRefused(rig, () => dingtalkPost(rig, REPORT, { secret: 'some-other-secret' }), 401, 'sign', WORDS);
    expect(rig.logs.find((l) => l.check === 'sign')?.msg).toContain('DINGTALK_APP_SECRET');
  });

  it('refuses a missing timestamp or sign header with 400', async () => {
    await expectRefused(rig, () => dingtalkPost(rig, REPORT, { omit: 'sign' }), 400, 'headers', WORDS);
    await expectRefused(rig, () => dingtalkPost(rig, REPORT, { omit: 'timestamp' }), 400, 'headers', WORDS);
    await expectRefused(
      rig,
      () => rig.app.inject({ method: 'POST', url: '/dingtalk/callback', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(REPORT) }),
      400,
      'headers',
      WORDS,
    );
  });

  it('refuses a correctly signed timestamp two hours old, or two hours ahead, with 401', async () => {
    await expectRefused(rig, () => dingtalkPost(rig, REPORT, { timestamp: now() - 2 * 3600_000 }), 401, 'timestamp', WORDS);
    await expectRefused(rig, () => dingtalkPost(rig, REPORT, { timestamp: now() + 2 * 3600_000 }), 401, 'timestamp', WORDS);
  });

  it('refuses a body that is not JSON with 400', async () => {
    await expectRefused(rig, () => dingtalkPost(rig, `{"msgId": "dt-2", "text": {"content": "${WORDS}"`), 400, 'body', WORDS);
    await expectRefused(rig, () => dingtalkPost(rig, ''), 400, 'body');
  });

  it('refuses a message without msgId, conversationId or sender with 400', async () => {
    const { msgId: _m, ...noMsgId } = REPORT;
    const { conversationId: _c, ...noConversation } = REPORT;
    await expectRefused(rig, () => dingtalkPost(rig, noMsgId), 400, 'payload', WORDS);
    await expectRefused(rig, () => dingtalkPost(rig, noConversation), 400, 'payload', WORDS);
    await expectRefused(rig, () => dingtalkPost(rig, { ...REPORT, senderStaffId: '', senderId: '' }), 400, 'payload', WORDS);
    await expectRefused(rig, () => dingtalkPost(rig, { ...REPORT, msgId: 42 }), 400, 'payload', WORDS);
    await expectRefused(rig, () => dingtalkPost(rig, [REPORT]), 400, 'payload');
  });

  it('answers a 2 MiB body with 413', async () => {
    const big = { ...REPORT, text: { content: `报告 ${'堵'.repeat(700_000)}` } };
    await expectRefused(rig, () => dingtalkPost(rig, big), 413, 'body');
  });
});

// DingTalk's sign covers only the timestamp (https://open.dingtalk.com/document/orgapp/receive-message):
// SPEC §9 makes each sign good for one message id.
describe('DingTalk callback: a signature is good for one message only', () => {
  const FORGED = '项目经理卷款跑路速来';
  const forged = dingtalkText({ msgId: 'dt-forged-1', staffId: 'staff-chen', nick: '陈经理', text: `报告 ${FORGED}` });

  it('refuses a captured signature replayed with another message id and body with 401, storing and sending nothing', async () => {
    const t = now() - 60_000;
    expect((await dingtalkPost(rig, REPORT, { timestamp: t })).statusCode).toBe(200);
    await settle(rig);
    rig.api.requests.length = 0;
    const res = await expectRefused(rig, () => dingtalkPost(rig, forged, { timestamp: t }), 401, 'sign-reused', FORGED);
    expect(res.json()).toEqual({ error: 'signature already used' });
    const tickets = rig.db.prepare('SELECT description FROM tickets').all() as { description: string }[];
    expect(tickets.map((r) => r.description).join()).not.toContain(FORGED);
  });

  it('answers the same request again (a platform retry) with 200 and handles it once', async () => {
    const t = now() - 1_000;
    const results = [await dingtalkPost(rig, REPORT, { timestamp: t }), await dingtalkPost(rig, REPORT, { timestamp: t })];
    expect(results.map((r) => r.statusCode)).toEqual([200, 200]);
    await settle(rig);
    const count = (sql: string) => (rig.db.prepare(sql).get() as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM tickets')).toBe(1);
    expect(count('SELECT count(*) AS n FROM inbound_messages')).toBe(1);
    expect(rig.logs.filter((l) => l.check === 'sign-reused')).toEqual([]);
  });

  it('spends the signature of a message that registers nothing (a picture) too', async () => {
    const t = now() - 2_000;
    const picture = { ...REPORT, msgId: 'dt-pic-2', msgtype: 'picture', text: undefined, content: { downloadCode: 'dc-6' } };
    expect((await dingtalkPost(rig, picture, { timestamp: t })).statusCode).toBe(200);
    // Its one-line answer goes out; the forgery that follows must add nothing to it.
    await settle(rig);
    rig.api.requests.length = 0;
    await expectRefused(rig, () => dingtalkPost(rig, forged, { timestamp: t }), 401, 'sign-reused', FORGED);
  });

  it('still takes a new message with a new signature after a refusal', async () => {
    const t = now() - 3_000;
    expect((await dingtalkPost(rig, REPORT, { timestamp: t })).statusCode).toBe(200);
    expect((await dingtalkPost(rig, forged, { timestamp: t })).statusCode).toBe(401);
    expect((await dingtalkPost(rig, forged, { timestamp: t + 1 })).statusCode).toBe(200);
    await settle(rig);
    expect((rig.db.prepare('SELECT count(*) AS n FROM tickets').get() as { n: number }).n).toBe(2);
  });
});

describe('DingTalk callback: types the bot ignores, retries', () => {
  it('answers a picture with 200 {} and one line saying what works, registering nothing', async () => {
    const picture = { ...REPORT, msgId: 'dt-pic-1', msgtype: 'picture', text: undefined, content: { downloadCode: 'dc-5' } };
    const before = snapshotCounts(rig.db);
    const res = await dingtalkPost(rig, picture);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    await settle(rig);
    expect(snapshotCounts(rig.db)).toEqual({ ...before, inbound_messages: before.inbound_messages + 1, outbox: before.outbox + 1 });
    const sent = rig.api.requests.filter((r) => r.path === '/v1.0/robot/groupMessages/send');
    expect(sent).toHaveLength(1);
    expect(JSON.parse(String((sent[0]!.body as { msgParam: string }).msgParam)).text).toBe(
      '暂时还不能处理图片，请用文字或语音发送命令，例如“报告 问题描述”；发送“帮助”查看全部命令',
    );
  });

  it('answers the same msgId delivered three times at once with 200 each, and makes one ticket and one reply', async () => {
    const results = await Promise.all([1, 2, 3].map(() => dingtalkPost(rig, REPORT)));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    await settle(rig);
    const count = (sql: string) => (rig.db.prepare(sql).get() as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM tickets')).toBe(1);
    expect(count("SELECT count(*) AS n FROM outbox WHERE kind = 'reply'")).toBe(1);
    // The reply reached XM001's DingTalk group once.
    const toGroup = rig.api.requests.filter((r) => r.path === '/v1.0/robot/groupMessages/send');
    expect(toGroup.map((r) => (r.body as { openConversationId: string }).openConversationId)).toEqual(['cidXM001']);
    expectNotLoggedAtInfo(rig, WORDS);
    expectNoSecretsLogged(rig);
  });

  it('logs the text of an accepted message only at debug level', async () => {
    expect((await dingtalkPost(rig, REPORT)).statusCode).toBe(200);
    await settle(rig);
    expect(rig.logs.some((l) => l.level === 20 && JSON.stringify(l).includes(WORDS))).toBe(true);
    expectNotLoggedAtInfo(rig, WORDS);
    expectNoSecretsLogged(rig);
  });
});
