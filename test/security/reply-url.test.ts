import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dingtalkPost,
  dingtalkText,
  expectNoSecretsLogged,
  settle,
  startRig,
  wecomPost,
  wecomText,
  type Recorded,
  type Rig,
} from '../support/app-rig.js';

/** SPEC §7: a URL that arrives in a callback is followed only to the configured platform host. */

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  await rig.close();
});

const REPORT = '报告 工地夜间电缆被偷';
const wecomGroupSends = (): Recorded[] => rig.api.requests.filter((r) => r.path === '/cgi-bin/webhook/send');
const dingtalkGroupSends = (): Recorded[] => rig.api.requests.filter((r) => r.path === '/v1.0/robot/groupMessages/send');

describe('WeCom response_url', () => {
  it('on a foreign host is not followed: the reply goes to the group robot instead', async () => {
    const responseUrl = `${rig.foreign.base}/cgi-bin/aibot/response?response_code=RC-foreign-1`;
    const res = await wecomPost(rig, wecomText({ msgid: 'wx-foreign-1', userid: 'chenjl', text: REPORT, responseUrl }));
    expect(res.statusCode).toBe(200);
    await settle(rig);
    expect(rig.foreign.requests).toEqual([]);
    const sends = wecomGroupSends();
    expect(sends.map((r) => r.query.get('key'))).toEqual(['KEY-XM001']);
    expect(JSON.stringify(sends[0]?.body)).toContain('#1');
    expect(rig.raw.join('\n')).not.toContain('RC-foreign-1');
    expectNoSecretsLogged(rig);
  });

  it('on a host that only looks like the platform (userinfo, lookalike) is not followed either', async () => {
    const api = new URL(rig.api.base);
    const tricks = [
      `http://${api.host}@${new URL(rig.foreign.base).host}/cgi-bin/aibot/response?response_code=RC-2`,
      `${rig.foreign.base}/${api.host}/cgi-bin/aibot/response?response_code=RC-3`,
      `javascript:alert(1)`,
    ];
    for (const [i, responseUrl] of tricks.entries()) {
      const res = await wecomPost(rig, wecomText({ msgid: `wx-trick-${i}`, userid: 'chenjl', text: `${REPORT} ${i}`, responseUrl }));
      expect(res.statusCode).toBe(200);
    }
    await settle(rig);
    expect(rig.foreign.requests).toEqual([]);
    expect(wecomGroupSends()).toHaveLength(tricks.length);
  });

  it('on the configured host is used, once (the control for the cases above)', async () => {
    const responseUrl = rig.api.wecomResponseUrl('wrXM001');
    const res = await wecomPost(rig, wecomText({ msgid: 'wx-own-1', userid: 'chenjl', text: REPORT, responseUrl }));
    expect(res.statusCode).toBe(200);
    await settle(rig);
    const replies = rig.api.requests.filter((r) => r.path === '/cgi-bin/aibot/response');
    expect(replies.map((r) => `${rig.api.base}${r.path}?response_code=${r.query.get('response_code')}`)).toEqual([responseUrl]);
    expect(wecomGroupSends()).toEqual([]);
  });
});

describe('DingTalk sessionWebhook', () => {
  const expires = () => rig.clock.now().getTime() + 3600_000;

  it('on a foreign host is not followed: the reply goes to the group through the API instead', async () => {
    const sessionWebhook = `${rig.foreign.base}/robot/sendBySession?session=SESS-foreign-1`;
    const body = dingtalkText({ msgId: 'dt-foreign-1', staffId: 'staff-chen', text: REPORT, sessionWebhook, sessionWebhookExpiredTime: expires() });
    expect((await dingtalkPost(rig, body)).statusCode).toBe(200);
    await settle(rig);
    expect(rig.foreign.requests).toEqual([]);
    const sends = dingtalkGroupSends();
    expect(sends.map((r) => (r.body as { openConversationId: string }).openConversationId)).toEqual(['cidXM001']);
    expect(JSON.stringify(sends[0]?.body)).toContain('#1');
    expect(rig.raw.join('\n')).not.toContain('SESS-foreign-1');
    expectNoSecretsLogged(rig);
  });

  // DingTalk hands out reply URLs only as https://oapi.dingtalk.com/robot/sendBySession?session=…
  // (https://open.dingtalk.com/document/orgapp/receive-message); a group robot's own webhook,
  // /robot/send?access_token=…, lives on the same host and would post to the attacker's group.
  it('on the configured host but another path (a group robot webhook) is not followed: the reply goes to the group instead', async () => {
    const others = [
      `${rig.api.base}/robot/send?access_token=attacker`,
      `${rig.api.base}/robot/sendBySession/../send?access_token=attacker`,
      `${rig.api.base}/robot/sendBySession`,
      `${rig.api.base.replace('://', '://attacker@')}/robot/sendBySession?session=SESS-userinfo`,
    ];
    for (const [i, sessionWebhook] of others.entries()) {
      const body = dingtalkText({ msgId: `dt-path-${i}`, staffId: 'staff-chen', text: `${REPORT} ${i}`, sessionWebhook, sessionWebhookExpiredTime: expires() });
      expect((await dingtalkPost(rig, body)).statusCode).toBe(200);
    }
    await settle(rig);
    expect(rig.api.requests.filter((r) => r.path.startsWith('/robot/')), 'no robot URL of the callback was called').toEqual([]);
    expect(dingtalkGroupSends().map((r) => (r.body as { openConversationId: string }).openConversationId)).toEqual(others.map(() => 'cidXM001'));
    expect(rig.raw.join('\n')).not.toContain('attacker');
    expect(rig.logs.filter((l) => l.level === 40 && String(l.msg).includes('sessionWebhook path'))).toHaveLength(others.length);
  });

  it('on the configured host is used (the control for the case above)', async () => {
    const sessionWebhook = rig.api.dingtalkSessionWebhook('cidXM001');
    const body = dingtalkText({ msgId: 'dt-own-1', staffId: 'staff-chen', text: REPORT, sessionWebhook, sessionWebhookExpiredTime: expires() });
    expect((await dingtalkPost(rig, body)).statusCode).toBe(200);
    await settle(rig);
    const replies = rig.api.requests.filter((r) => r.path === '/robot/sendBySession');
    expect(replies.map((r) => `${rig.api.base}${r.path}?session=${r.query.get('session')}`)).toEqual([sessionWebhook]);
    expect(dingtalkGroupSends()).toEqual([]);
  });
});
