/**
 * Card clicks are callbacks like any other (SPEC §9): a DingTalk card callback is checked like a robot
 * callback — headers, then the body, then the signature, each signature good for one callback — and
 * a WeCom card event like any WeCom callback; a refused one stores nothing and sends nothing, with a
 * log line naming the check.
 * DingTalk's card callback: https://open.dingtalk.com/document/orgapp/event-callback-card; WeCom's
 * template_card_event: https://developer.work.weixin.qq.com/document/path/101027.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dingtalkSign } from '../../src/platforms/dingtalk/index.js';
import { expectRefused, SECRETS, settle, snapshotCounts, startRig, wecomPost, type Rig } from '../support/app-rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await startRig({ DINGTALK_CARD_TEMPLATE_ID: 'lianbao-security.schema' });
});
afterEach(async () => {
  await rig.close();
});

let posts = 0;

/** A click on a card, as DingTalk's HTTP card callback carries it. */
const click = (userId = 'staff-wang', command = '认领 #1') => ({
  type: 'actionCallback',
  outTrackId: 'lbsecuritycard',
  userId,
  userIdType: 1,
  spaceType: 'IM_GROUP',
  spaceId: 'cidXM001',
  content: JSON.stringify({ cardPrivateData: { actionIds: ['btn1'], params: { command } } }),
});

function cardPost(body: unknown, o: { timestamp?: number; secret?: string; omit?: 'timestamp' | 'sign' } = {}) {
  const timestamp = String(o.timestamp ?? rig.clock.now().getTime() + ++posts);
  const headers: Record<string, string> = { 'content-type': 'application/json', timestamp, sign: dingtalkSign(o.secret ?? SECRETS.dingtalkAppSecret, timestamp) };
  if (o.omit) delete headers[o.omit];
  return rig.app.inject({ method: 'POST', url: '/dingtalk/card-callback', headers, payload: typeof body === 'string' ? body : JSON.stringify(body) });
}

describe('DingTalk HTTP card callback', () => {
  it('refuses a bad signature (401), missing headers (400), a body that is not JSON or not a card callback (400)', async () => {
    await expectRefused(rig, () => cardPost(click(), { secret: 'some-other-secret' }), 401, 'sign');
    await expectRefused(rig, () => cardPost(click(), { omit: 'sign' }), 400, 'headers');
    await expectRefused(rig, () => cardPost(click(), { timestamp: rig.clock.now().getTime() - 2 * 3_600_000 }), 401, 'timestamp');
    await expectRefused(rig, () => cardPost('{not json'), 400, 'body');
    await expectRefused(rig, () => cardPost({ outTrackId: 'x', userId: 'staff-wang' }), 400, 'payload');
    await expectRefused(rig, () => cardPost({ ...click(), content: '{"no":"private data"}' }), 400, 'payload');
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const res = await cardPost({ ...click(), padding: 'x'.repeat(1024 * 1024) });
    expect(res.statusCode).toBe(413);
  });

  it('takes one callback per signature: the same one again is answered and changes nothing, another body is 401', async () => {
    const timestamp = rig.clock.now().getTime() + 500;
    const first = await cardPost(click(), { timestamp });
    expect(first.statusCode).toBe(200);
    await settle(rig);
    const after = snapshotCounts(rig.db);
    expect((await cardPost(click(), { timestamp })).statusCode).toBe(200);
    await settle(rig);
    expect(snapshotCounts(rig.db)).toEqual(after);
    const forged = await cardPost(click('staff-zhou'), { timestamp });
    expect(forged.statusCode).toBe(401);
    expect(rig.logs.some((l) => l.check === 'sign-reused')).toBe(true);
  });
});

describe('without a card template', () => {
  it('has no card callback route', async () => {
    const plain = await startRig();
    try {
      const res = await plain.app.inject({ method: 'POST', url: '/dingtalk/card-callback', headers: { 'content-type': 'application/json' }, payload: '{}' });
      expect(res.statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe('WeCom card event', () => {
  it('refuses a template_card_event that names no card (400), storing nothing', async () => {
    const event = JSON.stringify({
      msgid: 'click-no-task',
      chatid: 'wrXM001',
      chattype: 'group',
      from: { userid: 'wangjg' },
      msgtype: 'event',
      event: { eventtype: 'template_card_event', template_card_event: { card_type: 'button_interaction', event_key: '认领 #1' } },
    });
    await expectRefused(rig, () => wecomPost(rig, event), 400, 'inner-fields');
  });
});
