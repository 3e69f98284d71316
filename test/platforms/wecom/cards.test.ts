/**
 * WeCom cards (SPEC §7a), as WeCom documents them:
 * - 智能机器人: a click arrives as `msgtype: event`, `event.eventtype: template_card_event` with the
 *   card's task_id and the button's event_key (接收事件 · 模板卡片事件,
 *   https://developer.work.weixin.qq.com/document/path/101027); WeCom asks once and waits 5 s, and the
 *   card is replaced only by the answer, `response_type: update_template_card` with the same task_id
 *   (被动回复消息 · 模版卡片更新消息, https://developer.work.weixin.qq.com/document/path/101031), encrypted
 *   like a callback (`{encrypt, msgsignature, timestamp, nonce}`, https://developer.work.weixin.qq.com/document/path/101033).
 *   A card goes out through the response_url as `msgtype: template_card`
 *   (主动回复消息, https://developer.work.weixin.qq.com/document/path/101138); a button_interaction card
 *   has main_title, sub_title_text, horizontal_content_list (≤ 6), button_selection, button_list
 *   (≤ 6, each `{text, style, key}`, key ≤ 1024 bytes) and task_id (模板卡片类型,
 *   https://developer.work.weixin.qq.com/document/path/101032).
 * - self-built app: `message/send` with `msgtype: template_card` (发送应用消息,
 *   https://developer.work.weixin.qq.com/document/path/90236); a click is the XML event
 *   `template_card_event` with TaskId, EventKey, ResponseCode and SelectedItems (模板卡片事件推送,
 *   https://developer.work.weixin.qq.com/document/path/90240); `message/update_template_card` with
 *   that response_code (once, within 72 h) replaces the card, `replace_text` greying its buttons out
 *   (更新模版卡片消息, https://developer.work.weixin.qq.com/document/path/94888).
 * - a group robot's webhook: no cards that call back, so the text form.
 */
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/clock.js';
import type { IncomingMessage, OutboundMessage, OutgoingCard } from '../../../src/chat/types.js';
import { createWecomAdapter, type WecomConfig } from '../../../src/platforms/wecom/client.js';
import { parseInner } from '../../../src/platforms/wecom/parse.js';
import { wecomRoutes } from '../../../src/platforms/wecom/routes.js';
import { startPlatformDouble, type PlatformDouble } from '../../support/platform-double.js';
import { decryptMessage, encryptMessage, sign } from '../../support/wecom-protocol.js';

const NOW = Date.parse('2026-05-20T02:00:00Z');
const TOKEN = 'lianbaoToken2026';
const AES_KEY = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';
const CORP_ID = 'ww1234567890abcdef';

const CARD: OutgoingCard = {
  id: 'lbcard000000000000000000000001',
  title: '#12 已办结，请评价',
  summary: '结果：已劝离围堵人员，施工恢复',
  fields: [
    { label: '项目', value: '经开区新材料产业园' },
    { label: '办结人', value: '王警官' },
  ],
  choice: { label: '评分', options: [5, 4, 3, 2, 1].map((n) => ({ value: String(n), label: `${n}分` })), initial: '5' },
  buttons: [
    { label: '满意', command: '满意 #12', style: 'primary', ticket: 12, withChoice: true },
    { label: '不满意', command: '不满意 #12', style: 'danger', ticket: 12, ask: '不满意的原因' },
  ],
  done: [],
};

describe('a click, as WeCom sends it', () => {
  it('智能机器人: template_card_event becomes the command of the button, on the card it names', () => {
    const click = JSON.stringify({
      msgid: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
      create_time: 1700000000,
      aibotid: 'AIBOTID',
      chatid: 'wrXM001',
      chattype: 'group',
      from: { userid: 'chenjl' },
      response_url: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC1',
      msgtype: 'event',
      event: {
        eventtype: 'template_card_event',
        template_card_event: {
          card_type: 'button_interaction',
          event_key: '满意 #12',
          task_id: CARD.id,
          selected_items: { selected_item: [{ question_key: 'choice', option_ids: { option_id: ['4'] } }] },
        },
      },
    });
    expect(parseInner(click, NOW)).toEqual({
      kind: 'message',
      message: {
        platform: 'wecom',
        msgId: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
        chatId: 'wrXM001',
        chatType: 'group',
        senderId: 'chenjl',
        text: '满意 #12',
        click: { cardId: CARD.id, choice: '4', answerable: true },
        replyHandle: { url: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC1', expiresAt: NOW + 3_600_000, once: true },
      },
    });
  });

  it('self-built app: the XML event, named by its response_code (an event has no MsgId)', () => {
    const click = [
      '<xml><ToUserName><![CDATA[ww1234567890abcdef]]></ToUserName><FromUserName><![CDATA[lij]]></FromUserName>',
      '<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>',
      `<EventKey><![CDATA[督办 #12]]></EventKey><TaskId><![CDATA[${CARD.id}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>`,
      '<ResponseCode><![CDATA[RESPONSECODE1]]></ResponseCode><AgentID>1000002</AgentID>',
      '<SelectedItems><SelectedItem><QuestionKey><![CDATA[choice]]></QuestionKey><OptionIds><OptionId><![CDATA[3]]></OptionId></OptionIds></SelectedItem></SelectedItems></xml>',
    ].join('');
    expect(parseInner(click, NOW)).toEqual({
      kind: 'message',
      message: {
        platform: 'wecom',
        msgId: 'card:RESPONSECODE1',
        chatId: 'single:lij',
        chatType: 'single',
        senderId: 'lij',
        text: '督办 #12',
        click: { cardId: CARD.id, choice: '3', updateCode: 'RESPONSECODE1' },
      },
    });
  });

  it('still ignores the events that are no click (entering a chat)', () => {
    const enter = JSON.stringify({ msgid: 'e1', chattype: 'single', from: { userid: 'chenjl' }, msgtype: 'event', event: { eventtype: 'enter_chat' } });
    expect(parseInner(enter, NOW).kind).toBe('ignored');
  });
});

let api: PlatformDouble;
beforeEach(async () => {
  api = await startPlatformDouble({ tokens: { wecom: 'T' } });
});
afterEach(async () => {
  await api.close();
});

function adapter(extra: Partial<WecomConfig> = {}) {
  const config: WecomConfig = {
    token: TOKEN,
    encodingAesKey: AES_KEY,
    receiveId: '',
    corpId: CORP_ID,
    secret: 'app-secret-value',
    agentId: '1000002',
    apiBase: api.base,
    replyHosts: [],
    ...extra,
  };
  return createWecomAdapter(config, pino({ level: 'silent' }), new FixedClock(NOW));
}

const withCard = (m: Omit<OutboundMessage, 'platform' | 'title' | 'mentions'>): OutboundMessage => ({
  platform: 'wecom',
  title: 't',
  mentions: [],
  card: CARD,
  ...m,
});

describe('cards going out', () => {
  it('answers through a 智能机器人 response_url with the template card', async () => {
    const a = adapter();
    expect(a.cards).toEqual({ updatable: 'on-click' });
    const url = api.wecomResponseUrl('KEY-XM001');
    expect(await a.send(withCard({ kind: 'reply', to: 'KEY-XM001', replyUrl: url, text: '**#12 已办结**' }))).toEqual({ ok: true });
    expect(api.requests.map((r) => r.path)).toEqual(['/cgi-bin/aibot/response']);
    expect(api.requests[0]!.body).toEqual({
      msgtype: 'template_card',
      template_card: {
        card_type: 'button_interaction',
        source: { desc: '联保' },
        main_title: { title: '#12 已办结，请评价' },
        sub_title_text: '结果：已劝离围堵人员，施工恢复',
        horizontal_content_list: [
          { keyname: '项目', value: '经开区新材料产业园' },
          { keyname: '办结人', value: '王警官' },
        ],
        button_selection: {
          question_key: 'choice',
          title: '评分',
          option_list: ['5', '4', '3', '2', '1'].map((n) => ({ id: n, text: `${n}分` })),
          selected_id: '5',
        },
        button_list: [
          { text: '满意', style: 1, key: '满意 #12' },
          { text: '不满意', style: 3, key: '不满意 #12' },
        ],
        task_id: CARD.id,
      },
    });
  });

  it('gives a group robot’s webhook the text form: its cards cannot call back', async () => {
    await adapter().send(withCard({ kind: 'group', to: 'KEY-XM001', text: '**#12 已办结**' }));
    await adapter().send(withCard({ kind: 'reply', to: '', replyUrl: `${api.base}/cgi-bin/webhook/send?key=KEY-XM001`, text: '**#12 已办结**' }));
    expect(api.requests.map((r) => (r.body as { msgtype: string }).msgtype)).toEqual(['markdown', 'markdown']);
  });

  it('sends an app card only when the app is the receive path (its receiveid is the corpid), else the text', async () => {
    await adapter().send(withCard({ kind: 'person', to: 'lij', text: '督促' }));
    await adapter({ receiveId: CORP_ID }).send(withCard({ kind: 'person', to: 'lij', text: '督促' }));
    const sends = api.requests.filter((r) => r.path === '/cgi-bin/message/send').map((r) => r.body as Record<string, unknown>);
    expect(sends.map((b) => b['msgtype'])).toEqual(['markdown', 'template_card']);
    expect(sends[1]).toMatchObject({ touser: 'lij', agentid: 1000002, template_card: { task_id: CARD.id, button_list: [{ text: '满意', style: 1 }, { text: '不满意', style: 4 }] } });
  });

  it('updates an app card with the click’s response_code, greying a finished one out', async () => {
    const done: OutgoingCard = { ...CARD, buttons: [], done: ['已由 李局长 挂牌督办 10:02'] };
    const r = await adapter({ receiveId: CORP_ID }).send({ ...withCard({ kind: 'person', to: 'lij', text: '' }), card: done, cardUpdate: { code: 'RC9' } });
    expect(r).toEqual({ ok: true });
    const update = api.requests.find((q) => q.path === '/cgi-bin/message/update_template_card');
    expect(update?.query.get('access_token')).toBe('T');
    expect(update?.body).toMatchObject({
      userids: ['lij'],
      agentid: 1000002,
      response_code: 'RC9',
      template_card: {
        main_title: { title: '#12 已办结，请评价', desc: '已由 李局长 挂牌督办 10:02' },
        button_list: [{ text: '已处理', style: 3, key: 'lianbao:finished' }],
        replace_text: '已处理',
        task_id: CARD.id,
      },
    });
    expect((update?.body as { template_card: Record<string, unknown> }).template_card['button_selection']).toBeUndefined();
  });
});

describe('the answer to a 智能机器人 click', () => {
  async function post(answer: OutboundMessage | undefined) {
    const app = Fastify({ logger: false });
    const handled: IncomingMessage[] = [];
    const asked: string[] = [];
    const config: WecomConfig = { token: TOKEN, encodingAesKey: AES_KEY, receiveId: '', apiBase: 'https://qyapi.weixin.qq.com', replyHosts: [] };
    await app.register(wecomRoutes, {
      config,
      deps: {
        clock: new FixedClock(NOW),
        accept: async (m) => {
          if (m) handled.push(m);
          return 'stored';
        },
        answer: async (m) => {
          asked.push(m.msgId);
          return answer;
        },
      },
    });
    const inner = JSON.stringify({
      msgid: 'click-1',
      chatid: 'wrXM001',
      chattype: 'group',
      from: { userid: 'wangjg' },
      msgtype: 'event',
      event: { eventtype: 'template_card_event', template_card_event: { card_type: 'button_interaction', event_key: '认领 #12', task_id: CARD.id } },
    });
    const encrypted = encryptMessage(AES_KEY, inner, '');
    const ts = String(NOW / 1000);
    const query = new URLSearchParams({ msg_signature: sign(TOKEN, ts, 'n1', encrypted), timestamp: ts, nonce: 'n1' });
    const res = await app.inject({ method: 'POST', url: `/wecom/callback?${query}`, payload: JSON.stringify({ encrypt: encrypted }), headers: { 'content-type': 'application/json' } });
    await app.close();
    return { res, handled, asked };
  }

  it('is the card as the click left it, encrypted and signed as WeCom asks, for everyone', async () => {
    const done: OutgoingCard = { ...CARD, title: '#12 阻工·紧急', choice: undefined, buttons: [], done: ['已由 王警官 认领 09:12'] };
    const { res, handled, asked } = await post({ platform: 'wecom', kind: 'reply', to: '', title: 't', text: '', mentions: [], card: done, cardUpdate: {} });
    expect(handled.map((m) => m.msgId)).toEqual(['click-1']);
    expect(asked).toEqual(['click-1']);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { encrypt: string; msgsignature: string; timestamp: number; nonce: string };
    expect(body.timestamp).toBe(NOW / 1000);
    expect(body.msgsignature).toBe(sign(TOKEN, String(body.timestamp), body.nonce, body.encrypt));
    const plain = decryptMessage(AES_KEY, body.encrypt);
    expect(plain.receiveId).toBe('');
    const update = JSON.parse(plain.message) as Record<string, unknown>;
    // No userids: the card is replaced for everyone it was shown to.
    expect(update).toEqual({
      response_type: 'update_template_card',
      template_card: expect.objectContaining({
        task_id: CARD.id,
        main_title: { title: '#12 阻工·紧急', desc: '已由 王警官 认领 09:12' },
        button_list: [{ text: '已处理', style: 4, key: 'lianbao:finished' }],
      }),
    });
  });

  it('is empty when the click changed nothing shown (a refused click)', async () => {
    const { res } = await post(undefined);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });
});
