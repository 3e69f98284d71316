/**
 * The one-tap loop on WeCom (SPEC §7a) against the real server process, over real HTTP: the
 * 智能机器人's answers carry button_interaction template cards through their response_url
 * (主动回复消息, https://developer.work.weixin.qq.com/document/path/101138); a click is a signed,
 * encrypted `template_card_event` callback (接收事件, https://developer.work.weixin.qq.com/document/path/101027)
 * answered with `update_template_card` — the card as the click left it, for everyone — encrypted like a
 * callback (被动回复消息, https://developer.work.weixin.qq.com/document/path/101031; 加解密,
 * https://developer.work.weixin.qq.com/document/path/101033). A self-built app that is the receive path
 * sends template cards with message/send (https://developer.work.weixin.qq.com/document/path/90236); a
 * click is its XML event with a response_code (https://developer.work.weixin.qq.com/document/path/90240),
 * which updates the card once (update_template_card, https://developer.work.weixin.qq.com/document/path/94888).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { wecomAibotCallback, wecomAppCallback, wecomEnv, wecomJsonCallback, WECOM_TEST, type Callback } from '../support/callbacks.js';
import { startPlatformDouble, ticketNumbers, type DeliveredMessage, type PlatformDouble } from '../support/platform-double.js';
import { cleanupServers, queryDb, ServerProcess } from '../support/server-process.js';
import { decryptMessage, sign } from '../support/wecom-protocol.js';

const CHAT = 'wrXM001';
const CHEN = 'chenjl';
const WANG = 'wangjg';

let double: PlatformDouble;
let server: ServerProcess;
let seq = 0;

beforeAll(async () => {
  double = await startPlatformDouble();
  server = await ServerProcess.start({ env: wecomEnv(double.base) });
}, 30_000);

afterAll(async () => {
  await cleanupServers();
  await double?.close();
});

/** Posts a callback as WeCom does (to the 智能机器人's server unless told) and returns its answer. */
async function post(cb: Callback, to: ServerProcess = server): Promise<{ status: number; body: string }> {
  const res = await fetch(`${to.base}${cb.path}?${cb.query}`, { method: 'POST', headers: cb.headers, body: cb.body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

/** What the bot answered a typed message with: what arrived through its response_url. */
async function say(userId: string, text: string): Promise<DeliveredMessage> {
  const replyUrl = double.wecomResponseUrl(CHAT);
  const code = new URL(replyUrl).searchParams.get('response_code');
  expect((await post(wecomJsonCallback({ msgId: `wecom-cards-${++seq}`, chatId: CHAT, userId, text, replyUrl }))).status).toBe(200);
  const [reply] = await double.waitForMessages(1, (m) => m.request.query.get('response_code') === code);
  return reply!;
}

/** A click on the button `key` of the card `taskId`, as WeCom sends it, with a score chosen if given. */
function clickCallback(userId: string, taskId: string, key: string, choice?: string): Callback {
  return wecomAibotCallback({
    msgId: `wecom-card-click-${++seq}`,
    userId,
    chatId: CHAT,
    replyUrl: double.wecomResponseUrl(CHAT),
    msgtype: 'event',
    content: {
      event: {
        eventtype: 'template_card_event',
        template_card_event: {
          card_type: 'button_interaction',
          event_key: key,
          task_id: taskId,
          ...(choice ? { selected_items: { selected_item: [{ question_key: 'choice', option_ids: { option_id: [choice] } }] } } : {}),
        },
      },
    },
  });
}

/** The passive answer to a click, decrypted: WeCom's update_template_card, or undefined for an empty answer. */
function answerOf(body: string): { response_type: string; template_card: Record<string, unknown> } | undefined {
  if (body === '') return undefined;
  const envelope = JSON.parse(body) as { encrypt: string; msgsignature: string; timestamp: number; nonce: string };
  expect(envelope.msgsignature).toBe(sign(WECOM_TEST.token, String(envelope.timestamp), envelope.nonce, envelope.encrypt));
  const plain = decryptMessage(WECOM_TEST.encodingAesKey, envelope.encrypt);
  expect(plain.receiveId).toBe('');
  return JSON.parse(plain.message) as { response_type: string; template_card: Record<string, unknown> };
}

const buttonKeys = (card: Record<string, unknown>) => (card['button_list'] as { key: string }[]).map((b) => b.key);
const claims = (no: number) => queryDb<{ n: number }>(server.databasePath, "SELECT count(*) AS n FROM audit_log WHERE ticket_no = ? AND action = 'claim'", no)[0]!.n;

describe('WeCom cards: one tap instead of a typed command', () => {
  it('claims with the officer’s click and changes the card for everyone; refuses the enterprise’s; a replayed click changes nothing', async () => {
    const created = await say(CHEN, '报告 村民堵路阻工，施工车辆进不去');
    const no = ticketNumbers(created.text)[0]!;
    expect(created.card?.data).toMatchObject({ card_type: 'button_interaction', main_title: { title: `#${no} 已登记 阻工·紧急 ⚠` } });
    const taskId = created.card!.id;
    expect(buttonKeys(created.card!.data)).toEqual([`认领 #${no}`]);

    // The enterprise may not claim: refused, told privately (the self-built app), the card left as it is.
    const refused = await post(clickCallback(CHEN, taskId, `认领 #${no}`));
    expect(refused).toEqual({ status: 200, body: '' });
    const [told] = await double.waitForMessages(1, (m) => m.via === 'wecom-app' && m.to === `user:${CHEN}` && m.text.includes('“认领”只能由'));
    expect(told!.text).toContain('您的身份是企业');
    expect(queryDb(server.databasePath, 'SELECT state, assignee_id FROM tickets WHERE no = ?', no)).toEqual([{ state: 'open', assignee_id: null }]);

    // The officer's click claims it, and the answer is the card without its button, for everyone.
    const click = clickCallback(WANG, taskId, `认领 #${no}`);
    const claimed = await post(click);
    expect(claimed.status).toBe(200);
    const answer = answerOf(claimed.body);
    expect(answer?.response_type).toBe('update_template_card');
    expect(answer?.template_card).toMatchObject({ task_id: taskId, main_title: { desc: expect.stringMatching(/^已由 王警官 认领 \d\d:\d\d$/) } });
    expect(buttonKeys(answer!.template_card)).toEqual(['lianbao:finished']);
    expect(answer).not.toHaveProperty('userids');
    expect(queryDb(server.databasePath, 'SELECT state, assignee_id FROM tickets WHERE no = ?', no)).toEqual([{ state: 'claimed', assignee_id: 'wang' }]);
    expect(claims(no)).toBe(1);
    // The group is told as it would be after a typed 认领, through the click's response_url.
    await double.waitForMessages(1, (m) => m.via === 'wecom-response-url' && m.text.includes(`#${no} 已认领`));

    // The same callback again (a replay): answered, and nothing changes.
    expect(await post(click)).toEqual({ status: 200, body: '' });
    expect(claims(no)).toBe(1);
  }, 45_000);

  it('closes the ticket with the enterprise’s [满意] and the score 4 chosen on the card', async () => {
    const created = await say(CHEN, '报告 工地电缆被偷了');
    const no = ticketNumbers(created.text)[0]!;
    expect(answerOf((await post(clickCallback(WANG, created.card!.id, `认领 #${no}`))).body)).toBeDefined();
    const resolved = await say(WANG, `办结 #${no} 已追回被盗电缆`);
    expect(resolved.card?.data).toMatchObject({
      main_title: { title: `#${no} 已办结，请评价` },
      button_selection: { question_key: 'choice', selected_id: '5' },
    });
    expect(buttonKeys(resolved.card!.data)).toEqual([`满意 #${no}`, `不满意 #${no}`]);

    const accepted = answerOf((await post(clickCallback(CHEN, resolved.card!.id, `满意 #${no}`, '4'))).body);
    expect(accepted?.template_card).toMatchObject({ main_title: { desc: expect.stringMatching(/^已由 陈经理 评价满意（4分） \d\d:\d\d$/) } });
    expect(queryDb(server.databasePath, 'SELECT state, rating, close_kind FROM tickets WHERE no = ?', no)).toEqual([
      { state: 'closed', rating: 4, close_kind: 'confirmed' },
    ]);
  }, 45_000);
});

describe('WeCom self-built app cards: the leaders\u2019 [督办]', () => {
  let appServer: ServerProcess;

  beforeAll(async () => {
    appServer = await ServerProcess.start({ env: { ...wecomEnv(double.base), WECOM_RECEIVE_ID: WECOM_TEST.corpId } });
  }, 30_000);

  /** Sends a text through the app (1:1) and waits for the app's answer to the sender. */
  async function appSay(userId: string, text: string, expected: string): Promise<DeliveredMessage> {
    expect((await post(wecomAppCallback({ msgId: String(7_000_000_000 + ++seq), userId, text }), appServer)).status).toBe(200);
    const [answer] = await double.waitForMessages(1, (m) => m.via === 'wecom-app' && m.to === `user:${userId}` && m.text.includes(expected));
    return answer!;
  }

  it('sends the tier-2 message to a leader as a card whose [督办] click supervises the ticket and greys the card out', async () => {
    const created = await appSay(CHEN, '报告 【督办卡】工地电缆被偷了', '【督办卡】');
    const no = ticketNumbers(created.text)[0]!;
    await appSay(WANG, `认领 #${no}`, `#${no} 已认领`);
    // A day past the resolve deadline: tier 2, queued by `lianbao jobs run escalate` as the schedule would.
    const [t] = queryDb<{ resolve_deadline: number }>(appServer.databasePath, 'SELECT resolve_deadline FROM tickets WHERE no = ?', no);
    const at = new Date(t!.resolve_deadline + 25 * 3_600_000).toISOString();
    const env = { ...wecomEnv(double.base), WECOM_RECEIVE_ID: WECOM_TEST.corpId, DATABASE_PATH: appServer.databasePath, LOG_LEVEL: 'silent' };
    expect(await runCli(['jobs', 'run', 'escalate', '--now', at], env, () => undefined, () => undefined)).toBe(0);

    const [card] = await double.waitForMessages(1, (m) => m.via === 'wecom-app' && m.to === 'user:lij' && m.card !== undefined && m.text.includes(`#${no}`));
    expect(card!.text).toContain('督促（二级）');
    expect(buttonKeys(card!.card!.data)).toEqual([`督办 #${no}`]);

    const click = wecomAppCallback({
      msgId: '',
      userId: 'lij',
      msgType: 'event',
      fields: { Event: 'template_card_event', EventKey: `督办 #${no}`, TaskId: card!.card!.id, CardType: 'button_interaction', ResponseCode: `rc-${no}-${seq}` },
    });
    expect((await post(click, appServer)).status).toBe(200);
    const [update] = await double.waitForMessages(1, (m) => m.via === 'wecom-card-update' && m.card?.id === card!.card!.id);
    expect(update!.to).toBe('user:lij');
    expect(update!.request.body).toMatchObject({ response_code: `rc-${no}-${seq}`, agentid: Number(WECOM_TEST.agentId) });
    expect(update!.card?.data).toMatchObject({ replace_text: '已处理', main_title: { desc: expect.stringMatching(/^已由 李局长 挂牌督办 \d\d:\d\d$/) } });
    expect(queryDb(appServer.databasePath, 'SELECT supervised FROM tickets WHERE no = ?', no)).toEqual([{ supervised: 1 }]);
  }, 60_000);
});
