import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectNoSecretsLogged, expectNotLoggedAtInfo, say, SECRETS, settle, startRig, ticketNo, type Rig } from '../support/app-rig.js';

/** Robot webhook keys of the example roster: anyone holding one can post to that group. */
const WEBHOOK_KEYS = ['KEY-XM001', 'KEY-XM002', 'KEY-XM003', 'KEY-COORD', 'KEY-JJ'];
const WORDS = '塔吊控制电缆被偷约两百米';

let rig: Rig;
beforeEach(async () => {
  rig = await startRig({ RATE_SENDER_PER_MINUTE: '1000' });
});
afterEach(async () => {
  await rig.close();
});

/** A ticket's whole life across both platforms, with a direct message to the project's leader. */
async function lifecycle(): Promise<number> {
  const no = ticketNo(await say(rig, 'wecom', 'chen', 'XM001', `报告 ${WORDS}`));
  for (const [platform, who, text] of [
    ['dingtalk', 'wang', `认领 #${no}`],
    ['dingtalk', 'zhou', `督办 #${no} 本周内解决`],
    ['wecom', 'wang', `进展 #${no} 已调取监控`],
    ['wecom', 'wang', `办结 #${no} 已追回电缆`],
    ['dingtalk', 'chen', `满意 #${no} 5 处理及时`],
  ] as const) {
    expect((await say(rig, platform, who, 'XM001', text)).outcome, text).toBe('done');
  }
  await settle(rig);
  return no;
}

describe('logs never hold a secret, nor message text above debug', () => {
  it('through a ticket’s whole life, with tokens fetched on both platforms', async () => {
    await lifecycle();
    // The secrets were in use: the app fetched its tokens with them and sent with the tokens.
    const gettoken = rig.api.requests.find((r) => r.path === '/cgi-bin/gettoken');
    expect(gettoken?.query.get('corpsecret')).toBe(SECRETS.wecomCorpSecret);
    const dtToken = rig.api.requests.find((r) => r.path === '/v1.0/oauth2/accessToken');
    expect(dtToken?.body).toMatchObject({ appSecret: SECRETS.dingtalkAppSecret });
    expect(rig.api.requests.some((r) => r.path === '/cgi-bin/message/send' && r.query.get('access_token') === SECRETS.wecomAccessToken)).toBe(true);
    expect(rig.api.requests.some((r) => r.headers['x-acs-dingtalk-access-token'] === SECRETS.dingtalkAccessToken)).toBe(true);

    expectNoSecretsLogged(rig);
    expectNotLoggedAtInfo(rig, WORDS);
    expectNotLoggedAtInfo(rig, '已追回电缆');
    // Debug is where message text may go, and it does.
    expect(rig.logs.some((l) => l.level === 20 && JSON.stringify(l).includes(WORDS))).toBe(true);
  });

  it('when the platforms refuse sends and tokens', async () => {
    rig.api.respond = (r) => {
      if (r.path === '/cgi-bin/gettoken') return { json: { errcode: 40001, errmsg: 'invalid credential, hint: [1793584800_1], from ip: 127.0.0.1' } };
      if (r.path === '/cgi-bin/webhook/send') return { json: { errcode: 93000, errmsg: 'invalid webhook url' } };
      if (r.path === '/v1.0/robot/groupMessages/send') return { json: { errcode: 130101, errmsg: 'send too fast' } };
      return undefined;
    };
    await say(rig, 'wecom', 'chen', 'XM001', `报告 ${WORDS}`);
    await say(rig, 'dingtalk', 'zhou', 'XM001', '督办 #1 本周内解决');
    await settle(rig);
    const failed = rig.db.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'failed'").get() as { n: number };
    expect(failed.n).toBeGreaterThan(0);
    expect(rig.logs.some((l) => l.level >= 40 && l.component === 'delivery')).toBe(true);
    expect(rig.logs.some((l) => l.level >= 40 && String(l.msg).includes('WECOM_SECRET'))).toBe(true);
    expectNoSecretsLogged(rig);
    expectNotLoggedAtInfo(rig, WORDS);
  });

  it('shows a group robot webhook key only by its first characters', async () => {
    await lifecycle();
    rig.api.respond = (r) => (r.path === '/cgi-bin/webhook/send' ? { json: { errcode: 45009, errmsg: 'api freq out of limit' } } : undefined);
    await say(rig, 'wecom', 'huang', 'XM001', '报告 工地围挡被盗');
    await settle(rig);
    rig.api.respond = (r) => (r.path === '/cgi-bin/webhook/send' ? { json: { errcode: 93000, errmsg: 'invalid webhook url' } } : undefined);
    rig.clock.advance(5_000);
    await settle(rig);
    expect(rig.logs.some((l) => l.level >= 40 && l.component === 'delivery')).toBe(true);
    const all = rig.raw.join('\n');
    for (const key of WEBHOOK_KEYS) expect(all, `webhook key ${key} logged`).not.toContain(key);
  });
});
