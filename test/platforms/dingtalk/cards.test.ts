/**
 * DingTalk interactive cards (SPEC §7a), as DingTalk documents them:
 * - 创建并投放卡片 (https://open.dingtalk.com/document/orgapp/create-and-deliver-cards):
 *   `POST /v1.0/card/instances/createAndDeliver` with cardTemplateId, outTrackId, callbackType
 *   (STREAM, or HTTP with the callbackRouteKey registered for the callback URL), cardData.cardParamMap
 *   (strings: https://open.dingtalk.com/document/orgapp/instructions-for-filling-in-api-card-data),
 *   openSpaceId `dtv1.card//IM_GROUP.<openConversationId>` or `dtv1.card//IM_ROBOT.<userId>` with the
 *   matching deliver model; the answer's result.deliverResults[] says per space whether it arrived.
 * - 更新卡片 (https://open.dingtalk.com/document/orgapp/interactive-card-update-interface): `PUT
 *   /v1.0/card/instances` with outTrackId, cardData and cardUpdateOptions.updateCardDataByKey.
 * - 卡片回传请求 (https://open.dingtalk.com/document/orgapp/event-callback-card): outTrackId, userId,
 *   spaceType/spaceId, and `content`, a JSON string whose cardPrivateData has the button's actionIds
 *   and the params of its 回传请求 — the same JSON on the Stream topic /v1.0/card/instances/callback
 *   (dingtalk-stream's TOPIC_CARD) and in an HTTP callback.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutgoingCard } from '../../../src/chat/types.js';
import { FixedClock } from '../../../src/clock.js';
import { cardParams, readCardCallback } from '../../../src/platforms/dingtalk/cards.js';
import { createDingtalkAdapter, dingtalkSign, type DingtalkConfig } from '../../../src/platforms/dingtalk/index.js';
import { readDingtalkCardCallback } from '../../../src/platforms/dingtalk/routes.js';
import { startPlatformDouble, type PlatformDouble } from '../../support/platform-double.js';

const SECRET = 'app-secret-never-logged-0123456789';
const NOW = Date.parse('2026-01-01T00:40:00Z');

const CARD: OutgoingCard = {
  id: 'lb0123456789abcdef0123456789ab',
  title: '#12 已办结，请评价',
  summary: '结果：已劝离围堵人员，施工恢复',
  fields: [{ label: '项目', value: '经开区新材料产业园' }],
  choice: { label: '评分', options: [5, 4, 3, 2, 1].map((n) => ({ value: String(n), label: `${n}分` })), initial: '5' },
  buttons: [
    { label: '满意', command: '满意 #12', style: 'primary', ticket: 12, withChoice: true },
    { label: '不满意', command: '不满意 #12', style: 'danger', ticket: 12, ask: '不满意的原因' },
  ],
  done: [],
};

describe('the card data the template is filled from', () => {
  it('is every variable of the template, as strings', () => {
    expect(cardParams(CARD)).toEqual({
      title: '#12 已办结，请评价',
      markdown: '结果：已劝离围堵人员，施工恢复\n**项目**：经开区新材料产业园',
      done: '',
      choiceShown: 'true',
      finished: 'false',
      btn1Text: '满意',
      btn1Command: '满意 #12',
      btn2Text: '不满意',
      btn2Command: '不满意 #12',
      btn3Text: '',
      btn3Command: '',
    });
    expect(cardParams({ ...CARD, buttons: [], done: ['已由 陈经理 评价满意（4分） 10:00'] })).toMatchObject({
      done: '已由 陈经理 评价满意（4分） 10:00',
      choiceShown: 'false',
      finished: 'true',
      btn1Text: '',
    });
  });
});

describe('a card callback', () => {
  const callback = (content: unknown, extra: Record<string, unknown> = {}) => ({
    type: 'actionCallback',
    corpId: 'dingcorp',
    outTrackId: CARD.id,
    userId: 'staff-chen',
    userIdType: 1,
    spaceType: 'IM_GROUP',
    spaceId: 'cidXM001',
    content: JSON.stringify(content),
    ...extra,
  });

  it('is the command its button sends, with the score chosen, in the group it names', () => {
    const read = readCardCallback(callback({ cardPrivateData: { actionIds: ['btn1'], params: { command: '满意 #12', choice: '4' } } }), 'card:m1');
    expect(read).toEqual({
      ok: true,
      message: {
        platform: 'dingtalk',
        msgId: 'card:m1',
        chatId: 'cidXM001',
        chatType: 'group',
        groupAddress: 'cidXM001',
        senderId: 'staff-chen',
        text: '满意 #12',
        click: { cardId: CARD.id, choice: '4' },
      },
    });
  });

  it('names the button by its place when the template sends no command, and leaves a 1:1 card’s chat to the dispatcher', () => {
    const read = readCardCallback(callback({ cardPrivateData: { actionIds: ['btn2'], params: { choice: { value: '3', index: 2 } } } }, { spaceType: 'IM_ROBOT', spaceId: 'x' }), 'card:m2');
    expect(read).toMatchObject({ ok: true, message: { chatId: '', chatType: 'single', text: '', click: { cardId: CARD.id, button: 1, choice: '3' } } });
  });

  it('is refused when it is not one', () => {
    expect(readCardCallback({ outTrackId: 'x' }, 'card:m3')).toMatchObject({ ok: false });
    expect(readCardCallback(callback({ nothing: true }), 'card:m4')).toEqual({ ok: false, reason: 'content: no cardPrivateData' });
  });

  it('over HTTP is checked like a robot callback, and named by its signature and body', () => {
    const body = JSON.stringify(callback({ cardPrivateData: { actionIds: ['btn1'], params: { command: '认领 #12' } } }));
    const timestamp = String(NOW);
    const ok = readDingtalkCardCallback(SECRET, { timestamp, sign: dingtalkSign(SECRET, timestamp) }, body, NOW);
    expect(ok).toMatchObject({ ok: true, message: { text: '认领 #12' }, signature: { signedAtMs: NOW } });
    const again = readDingtalkCardCallback(SECRET, { timestamp, sign: dingtalkSign(SECRET, timestamp) }, body, NOW);
    expect(again.ok && ok.ok && again.message!.msgId).toBe(ok.ok && ok.message!.msgId);
    expect(readDingtalkCardCallback(SECRET, { timestamp, sign: dingtalkSign('another secret', timestamp) }, body, NOW)).toMatchObject({ ok: false, status: 401, check: 'sign' });
    expect(readDingtalkCardCallback(SECRET, { timestamp: String(NOW - 2 * 3_600_000), sign: dingtalkSign(SECRET, String(NOW - 2 * 3_600_000)) }, body, NOW)).toMatchObject({ ok: false, status: 401, check: 'timestamp' });
    expect(readDingtalkCardCallback(SECRET, {}, body, NOW)).toMatchObject({ ok: false, status: 400, check: 'headers' });
  });
});

describe('cards going out', () => {
  let api: PlatformDouble;
  const CREATE = '/v1.0/card/instances/createAndDeliver';
  const UPDATE = '/v1.0/card/instances';

  beforeEach(async () => {
    api = await startPlatformDouble({ tokens: { dingtalk: 'tok' } });
  });
  afterEach(async () => {
    await api.close();
  });

  const adapter = (extra: Partial<DingtalkConfig> = {}) =>
    createDingtalkAdapter(
      { appKey: 'dingtestkey', appSecret: SECRET, robotCode: 'dingrobot001', mode: 'stream', apiBase: api.base, oapiBase: api.base, card: { templateId: 'tpl.schema', routeKey: 'lianbao-card' }, ...extra },
      { debug() {}, info() {}, warn() {}, error() {} },
      new FixedClock(NOW),
    );

  it('are created from the template and delivered to the group, or to a person’s 1:1 chat', async () => {
    const a = adapter();
    expect(a.cards).toEqual({ updatable: 'any-time' });
    expect(await a.send({ platform: 'dingtalk', kind: 'reply', to: 'cidXM001', replyUrl: `${api.base}/robot/sendBySession?session=s`, title: 't', text: 'x', mentions: [], card: CARD })).toEqual({ ok: true });
    expect(await a.send({ platform: 'dingtalk', kind: 'person', to: 'staff-li', title: 't', text: 'x', mentions: [], card: CARD })).toEqual({ ok: true });
    const [group, person] = api.requestsTo(CREATE);
    expect(group!.headers['x-acs-dingtalk-access-token']).toBe('tok');
    expect(group!.body).toEqual({
      cardTemplateId: 'tpl.schema',
      outTrackId: CARD.id,
      callbackType: 'STREAM',
      cardData: { cardParamMap: cardParams(CARD) },
      openSpaceId: 'dtv1.card//IM_GROUP.cidXM001',
      imGroupOpenSpaceModel: { supportForward: false },
      imGroupOpenDeliverModel: { robotCode: 'dingrobot001' },
      imRobotOpenSpaceModel: { supportForward: false },
      imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: 'dingrobot001' },
      userIdType: 1,
    });
    expect(person!.body).toMatchObject({ openSpaceId: 'dtv1.card//IM_ROBOT.staff-li' });
    // In HTTP mode, the callbacks go to the route key's registered URL.
    await adapter({ mode: 'http' }).send({ platform: 'dingtalk', kind: 'group', to: 'cidXM001', title: 't', text: 'x', mentions: [], card: CARD });
    expect(api.requestsTo(CREATE)[2]!.body).toMatchObject({ callbackType: 'HTTP', callbackRouteKey: 'lianbao-card' });
  });

  it('are updated for everyone by their outTrackId', async () => {
    const done = { ...CARD, buttons: [], done: ['已由 陈经理 评价满意（4分） 10:00'] };
    await adapter().send({ platform: 'dingtalk', kind: 'group', to: 'cidXM001', title: 't', text: 'x', mentions: [], card: CARD });
    expect(await adapter().send({ platform: 'dingtalk', kind: 'group', to: 'cidXM001', title: 't', text: 'x', mentions: [], card: done, cardUpdate: {} })).toEqual({ ok: true });
    const [put] = api.requestsTo(UPDATE);
    expect(put!.body).toEqual({ outTrackId: CARD.id, cardData: { cardParamMap: cardParams(done) }, cardUpdateOptions: { updateCardDataByKey: true } });
  });

  it('go as their text form when DingTalk refuses the card for good, and not at all without a template', async () => {
    api.on(CREATE, () => ({ json: { success: true, result: { deliverResults: [{ success: false, errorMsg: 'template not found' }] } } }));
    expect(await adapter().send({ platform: 'dingtalk', kind: 'group', to: 'cidXM001', title: 't', text: '**#12 已办结**', mentions: [], card: CARD })).toEqual({ ok: true });
    expect(api.requestsTo('/v1.0/robot/groupMessages/send')).toHaveLength(1);
    expect(adapter({ card: undefined }).cards).toBeUndefined();
  });
});
