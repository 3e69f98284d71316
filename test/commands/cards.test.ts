/**
 * Cards (SPEC §7a) through the dispatcher: the messages that ask someone to act carry buttons, and a
 * click is the command its button carries — checked like the typed command (who, the ticket's
 * state), in the same transaction with its audit row, deduplicated by the click's own id. Driven
 * through the playground platform, whose cards update at any time.
 */
import { describe, expect, it } from 'vitest';
import type { OutgoingCard } from '../../src/chat/types.js';
import type { Said } from '../support/harness.js';
import { harness } from '../support/harness.js';
import { auditOf, ok, setup, stored, ticket, ticketIn, type Harness } from '../support/tickets.js';
import { escalate } from '../../src/jobs/escalate.js';
import { runJob } from '../../src/jobs/runner.js';
import { createLogger } from '../../src/log.js';
import { createWecomAdapter } from '../../src/platforms/wecom/client.js';

let clicks = 0;

/** A click on a button of `card` as `person` in `chat`, with the click's own id (a new one unless given). */
function click(h: Harness, person: string, chat: string, card: OutgoingCard, label: string, extra: { choice?: string; msgId?: string } = {}): Said {
  const button = card.buttons.find((b) => b.label === label);
  if (!button) throw new Error(`no [${label}] on card ${card.title}: ${card.buttons.map((b) => b.label).join(', ')}`);
  return h.send({
    senderId: person,
    chatId: chat,
    text: button.command,
    msgId: extra.msgId ?? `click-${++clicks}`,
    click: { cardId: card.id, ...(extra.choice ? { choice: extra.choice } : {}) },
  });
}

/** The card the message to `to` carries. */
function cardTo(said: Said, kind: 'reply' | 'group' | 'person', to?: string): OutgoingCard {
  const m = said.out.find((o) => o.kind === kind && o.card && !o.cardUpdate && (to === undefined || o.to === to));
  if (!m?.card) throw new Error(`no card to ${kind} ${to ?? ''}: ${said.out.map((o) => `${o.kind}:${o.to}${o.card ? '+card' : ''}`).join(', ')}`);
  return m.card;
}

/** The card updates a message queued. */
function updates(said: Said): OutgoingCard[] {
  return said.out.filter((o) => o.cardUpdate).map((o) => o.card!);
}

function outcome(h: Harness): string {
  return (h.db.prepare('SELECT outcome FROM inbound_messages ORDER BY rowid DESC LIMIT 1').get() as { outcome: string }).outcome;
}

describe('the new-ticket card: [认领]', () => {
  it('goes with the report, and the officer’s click claims the ticket as 认领 would, updating the card', () => {
    const h = setup();
    const created = ok(h, 'chen', 'XM001', '报告 村民堵路阻工，车辆进不去');
    const no = h.ticketNo(created);
    const card = cardTo(created, 'reply');
    expect(card).toMatchObject({ title: `#${no} 已登记 阻工·紧急 ⚠`, summary: '村民堵路阻工，车辆进不去', done: [] });
    expect(card.buttons).toEqual([{ label: '认领', command: `认领 #${no}`, style: 'primary', ticket: no }]);
    // The text form beside it is the message as it always was.
    expect(created.reply).toContain(`请 <@wang|王警官> 认领：发送“认领 #${no}”`);

    h.clock.set('2026-11-02T01:12:00Z');
    const clicked = click(h, 'wang', 'XM001', card, '认领', { msgId: 'click-claim' });
    expect(outcome(h)).toBe('done');
    expect(ticket(h, no)).toMatchObject({ state: 'claimed', assigneeId: 'wang' });
    // The same audit row as a typed 认领, naming the click as the message that caused it.
    expect(auditOf(h, no).at(-1)).toMatchObject({ action: 'claim', actorId: 'wang', msgId: 'click-claim' });
    expect(clicked.reply).toContain(`#${no} 已认领`);
    // The card, for everyone: no button left, and who claimed it when.
    expect(updates(clicked)).toEqual([{ ...card, buttons: [], done: ['已由 王警官 认领 09:12'] }]);
  });

  it('refuses an enterprise’s click, telling the clicker alone, and changes nothing', () => {
    const h = setup();
    const created = ok(h, 'chen', 'XM001', '报告 村民堵路阻工，车辆进不去');
    const no = h.ticketNo(created);
    const before = stored(h);
    const refused = click(h, 'chen', 'XM001', cardTo(created, 'reply'), '认领');
    expect(outcome(h)).toBe('refused');
    expect(refused.out.map((m) => `${m.kind}:${m.to}`)).toEqual(['person:chen']);
    expect(refused.out[0]!.text).toContain('“认领”只能由民警/联络员、护企办使用');
    expect(stored(h)).toEqual(before);
    expect(ticket(h, no).state).toBe('open');
  });

  it('changes nothing on a replayed callback (the same click id) or a second click', () => {
    const h = setup();
    const created = ok(h, 'chen', 'XM001', '报告 工地夜间电缆被偷');
    const card = cardTo(created, 'reply');
    click(h, 'wang', 'XM001', card, '认领', { msgId: 'click-once' });
    const after = stored(h);
    const replayed = click(h, 'wang', 'XM001', card, '认领', { msgId: 'click-once' });
    expect(replayed.out).toEqual([]);
    expect(stored(h)).toEqual(after);
    // A second click is a second 认领: refused by the ticket's state, to the clicker, card untouched.
    const again = click(h, 'wang', 'XM001', card, '认领');
    expect(again.out.map((m) => `${m.kind}:${m.to}`)).toEqual(['person:wang']);
    expect(again.out[0]!.text).toContain('已由王警官认领');
    expect(stored(h)).toEqual(after);
  });

  it('is updated when the ticket is claimed by a typed command too', () => {
    const h = setup();
    const created = ok(h, 'chen', 'XM001', '报告 工地夜间电缆被偷');
    const no = h.ticketNo(created);
    const typed = ok(h, 'wang', 'XM001', `认领 #${no}`);
    expect(updates(typed)).toEqual([expect.objectContaining({ id: cardTo(created, 'reply').id, buttons: [], done: ['已由 王警官 认领 10:00'] })]);
  });

  it('goes to the coordinators for a conduct complaint, never to the project group', () => {
    const h = setup();
    const created = ok(h, 'chen', 'XM001', '报告 有民警吃拿卡要');
    const no = h.ticketNo(created);
    expect(created.out.filter((m) => m.card).map((m) => `${m.kind}:${m.to}`)).toEqual(['group:coordinators']);
    const card = cardTo(created, 'group', 'coordinators');
    expect(card.title).toBe(`执法投诉 #${no}`);
    click(h, 'zhou', 'coordinators', card, '认领');
    expect(ticket(h, no)).toMatchObject({ state: 'claimed', assigneeId: 'zhou' });
  });
});

describe('the resolution card: [满意] with a score, [不满意]', () => {
  it('closes the ticket with the score chosen on the card', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const resolved = ok(h, 'wang', 'XM001', `办结 #${no} 已追回被盗电缆`);
    const card = cardTo(resolved, 'reply');
    expect(card.choice?.options.map((o) => o.value)).toEqual(['5', '4', '3', '2', '1']);
    expect(card.buttons.map((b) => [b.label, b.command])).toEqual([
      ['满意', `满意 #${no}`],
      ['不满意', `不满意 #${no}`],
    ]);
    const accepted = click(h, 'chen', 'XM001', card, '满意', { choice: '4' });
    expect(ticket(h, no)).toMatchObject({ state: 'closed', rating: 4, closeKind: 'confirmed' });
    expect(accepted.reply).toContain('评价：4分');
    const [updated] = updates(accepted);
    expect(updated).toMatchObject({ buttons: [], done: ['已由 陈经理 评价满意（4分） 10:00'] });
    expect(updated!.choice).toBeUndefined();
  });

  it('gives 5 when the click brings no score, refuses a score the card does not offer, and an officer’s click', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const card = cardTo(ok(h, 'wang', 'XM001', `办结 #${no} 已追回`), 'reply');
    const refused = click(h, 'wang', 'XM001', card, '满意', { choice: '5' });
    expect(refused.out.map((m) => `${m.kind}:${m.to}`)).toEqual(['person:wang']);
    expect(ticket(h, no).state).toBe('resolved');
    // A forged score is refused to the clicker, never taken as some other score.
    const forged = click(h, 'chen', 'XM001', card, '满意', { choice: '9' });
    expect(forged.out.map((m) => `${m.kind}:${m.to}`)).toEqual(['person:chen']);
    expect(forged.out[0]!.text).toBe('卡片上没有“9”这个选项，请在卡片上重新选择后再点');
    expect(ticket(h, no).state).toBe('resolved');
    click(h, 'chen', 'XM001', card, '满意');
    expect(ticket(h, no)).toMatchObject({ state: 'closed', rating: 5 });
  });

  it('[不满意] asks for the reason, and the clicker’s next message in that chat reopens the ticket with it', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const card = cardTo(ok(h, 'wang', 'XM001', `办结 #${no} 已追回`), 'reply');
    const before = stored(h);
    const asked = click(h, 'chen', 'XM001', card, '不满意');
    expect(asked.reply).toBe('<@chen|陈经理> 请回复不满意的原因（10分钟内有效；在群里请@我后再写）');
    expect(asked.out.filter((m) => m.cardUpdate)).toEqual([]);
    // Asking changes nothing yet.
    expect(stored(h)).toEqual(before);

    h.clock.advance(5 * 60_000);
    const reopened = ok(h, 'chen', 'XM001', '第二天又有人来堵门');
    expect(ticket(h, no)).toMatchObject({ state: 'claimed', reopenCount: 1 });
    expect(auditOf(h, no).at(-1)).toMatchObject({ action: 'reject', detail: expect.objectContaining({ reason: '第二天又有人来堵门' }) });
    expect(reopened.reply).toContain('不满意原因：第二天又有人来堵门');
    expect(updates(reopened)).toEqual([expect.objectContaining({ buttons: [], done: ['已由 陈经理 评价不满意，已退回重办 10:05'] })]);
  });

  it('takes no reason after 10 minutes, nor from someone else, and another command cancels the question', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const card = cardTo(ok(h, 'wang', 'XM001', `办结 #${no} 已追回`), 'reply');
    click(h, 'chen', 'XM001', card, '不满意');
    // Someone else's words are theirs: the question is 陈经理's.
    h.say('huang', 'XM001', '我也觉得没解决');
    expect(ticket(h, no).state).toBe('resolved');
    h.clock.advance(10 * 60_000 + 1);
    h.say('chen', 'XM001', '晚上又来了');
    expect(ticket(h, no).state).toBe('resolved');

    click(h, 'chen', 'XM001', card, '不满意');
    ok(h, 'chen', 'XM001', `查询 #${no}`);
    h.say('chen', 'XM001', '晚上又来了');
    expect(ticket(h, no).state).toBe('resolved');
  });

  it('does not ask someone who may not give the answer: the refusal comes at once, to them alone', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const card = cardTo(ok(h, 'wang', 'XM001', `办结 #${no} 已追回`), 'reply');
    const before = stored(h);
    const refused = click(h, 'wang', 'XM001', card, '不满意');
    expect(refused.out.map((m) => `${m.kind}:${m.to}`)).toEqual(['person:wang']);
    expect(refused.out[0]!.text).toContain('“不满意”只能由企业使用');
    expect(stored(h)).toEqual(before);
    // No question was left open: the officer's next words are not a reason.
    h.say('wang', 'XM001', '已经处理好了');
    expect(ticket(h, no).state).toBe('resolved');
  });
});

describe('the leaders’ tier-2 message: [督办]', () => {
  it('carries a button per ticket not yet supervised, and the leader’s click supervises it', async () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    // 5 working days and 24 hours later the resolve deadline is a day past: tier 2.
    h.clock.set('2026-11-10T12:00:00Z');
    const before = (h.db.prepare('SELECT max(id) AS id FROM outbox').get() as { id: number }).id;
    await runJob(h.jobs, escalate, h.clock.now());
    const toLeader = h.outbox.list('pending', 100).find((m) => m.id > before && m.kind === 'person' && m.to === 'li');
    expect(toLeader?.text).toContain('督促');
    const card = toLeader!.card!;
    expect(card.buttons.map((b) => b.command)).toEqual([`督办 #${no}`]);
    const clicked = click(h, 'li', 'li', card, `督办 #${no}`);
    expect(ticket(h, no).supervised).toBe(true);
    expect(updates(clicked)).toEqual([expect.objectContaining({ id: card.id, buttons: [], done: ['已由 李局长 挂牌督办 20:00'] })]);
  });
});

describe('clicks that stand for nothing, and CARDS=0', () => {
  it('does nothing for a button without a command, and refuses a command that is not on the card', () => {
    const h = setup();
    const card = cardTo(ok(h, 'chen', 'XM001', '报告 工地夜间电缆被偷'), 'reply');
    const before = stored(h);
    expect(h.send({ senderId: 'wang', chatId: 'XM001', text: 'lianbao:finished', click: { cardId: card.id } }).out).toEqual([]);
    // A click carries one of its card's buttons: anything else (a forged callback) is refused to
    // the clicker, even a command they could type, and changes nothing.
    for (const text of ['核准 #1', '台账 全部', '进展 #1 点卡片写的进展']) {
      const forged = h.send({ senderId: 'zhou', chatId: 'XM001', text, click: { cardId: card.id } });
      expect(forged.out.map((m) => `${m.kind}:${m.to}`)).toEqual(['person:zhou']);
      expect(forged.out[0]!.text).toBe('卡片上没有这个按钮，请直接发送命令，发送“帮助”查看可用的命令');
    }
    const nowhere = h.send({ senderId: 'wang', chatId: 'XM001', text: '认领 #1', click: { cardId: 'no-such-card' } });
    expect(nowhere.out.map((m) => `${m.kind}:${m.to}`)).toEqual(['person:wang']);
    expect(nowhere.out[0]!.text).toContain('找不到这张卡片');
    expect(ticket(h, 1).state).toBe('open');
    expect(stored(h)).toEqual(before);
  });

  it('sends the text forms only when CARDS=0', () => {
    const h = harness('2026-11-02T02:00:00Z', { RATE_SENDER_PER_MINUTE: '1000', CARDS: '0' });
    const created = h.say('chen', 'XM001', '报告 村民堵路阻工，车辆进不去');
    expect(created.out.length).toBeGreaterThan(0);
    expect(created.out.filter((m) => m.card)).toEqual([]);
    expect(h.db.prepare('SELECT count(*) AS n FROM cards').get()).toEqual({ n: 0 });
  });
});

describe('the extension-request card: [批准] [驳回]', () => {
  it('goes to the coordinators and the project’s leaders, and a click approves the request as 批准延期 would', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const asked = ok(h, 'wang', 'XM001', `申请延期 #${no} 3wd 需等待鉴定结果`);
    const card = cardTo(asked, 'group', 'coordinators');
    expect(card.buttons.map((b) => [b.label, b.command])).toEqual([
      ['批准', `批准延期 #${no}`],
      ['驳回', `驳回延期 #${no}`],
    ]);
    expect(cardTo(asked, 'person', 'li').buttons.map((b) => b.label)).toEqual(['批准', '驳回']);
    const before = ticket(h, no).resolveDeadline!;
    // An officer cannot answer it; a coordinator can, from the card.
    expect(click(h, 'wang', 'coordinators', card, '批准').out.map((m) => `${m.kind}:${m.to}`)).toEqual(['person:wang']);
    expect(ticket(h, no).resolveDeadline).toBe(before);
    click(h, 'zhou', 'coordinators', card, '批准');
    expect(outcome(h)).toBe('done');
    expect(ticket(h, no).resolveDeadline!).toBeGreaterThan(before);
    expect(auditOf(h, no).at(-1)).toMatchObject({ action: 'approve_extension' });
  });
});

describe('a platform that changes a card only in answer to a click on it (WeCom)', () => {
  /** The example roster on WeCom, whose adapter takes cards but updates one only when it is clicked. */
  function wecomHarness() {
    return harness(
      '2026-11-02T02:00:00Z',
      { RATE_SENDER_PER_MINUTE: '1000', WECOM_TOKEN: 'lianbaoToken2026', WECOM_ENCODING_AES_KEY: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR' },
      (config, clock) => ({ wecom: createWecomAdapter(config.wecom!, createLogger('silent'), clock) }),
    );
  }
  const wecom = (h: ReturnType<typeof wecomHarness>, userId: string, text: string, extra: Partial<Parameters<typeof h.send>[0]> = {}) =>
    h.send({ platform: 'wecom', senderId: userId, chatId: 'wrXM001', groupAddress: undefined, text, ...extra });

  it('updates the card clicked, in the answer to the click, and a stale card at its next click, saying why the click was refused', () => {
    const h = wecomHarness();
    const created = wecom(h, 'chenjl', '报告 工地夜间电缆被偷', { replyHandle: { url: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=R1', once: true } });
    const card = created.out.find((m) => m.platform === 'wecom' && m.card)!.card!;
    const no = Number(/#(\d+)/.exec(card.title)?.[1]);

    // Typed: the WeCom card cannot be changed now (nobody clicked it).
    const typed = wecom(h, 'wangjg', `认领 #${no}`);
    expect(ticket(h, no).state).toBe('claimed');
    expect(typed.out.filter((m) => m.platform === 'wecom' && m.cardUpdate)).toEqual([]);

    // The next click on it is refused by the ticket's state, and answered with the card as it is.
    const clicked = wecom(h, 'zhoux', `认领 #${no}`, {
      msgId: 'wecom-stale-click',
      click: { cardId: card.id, answerable: true },
      replyHandle: { url: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=R2', once: true },
    });
    expect(clicked.out.filter((m) => !m.cardUpdate).map((m) => `${m.kind}:${m.to}`)).toEqual(['person:zhoux']);
    expect(clicked.out.find((m) => !m.cardUpdate)!.text).toContain(`#${no} 已由王警官认领`);
    const [update] = clicked.out.filter((m) => m.cardUpdate);
    expect(update!.card).toMatchObject({ id: card.id, buttons: [], done: ['已由 王警官 认领 10:00'] });
    // Waiting for the answer to the click to carry it (WeCom takes it only there) before going its own way.
    const row = h.db.prepare('SELECT answer_to, next_attempt_at - created_at AS hold FROM outbox WHERE id = ?').get(update!.id);
    expect(row).toEqual({ answer_to: 'wecom-stale-click', hold: 4500 });

    // A refused click on a card nothing was done with leaves it as it is.
    const fresh = wecom(h, 'chenjl', '报告 工地围挡被推倒').out.find((m) => m.platform === 'wecom' && m.card)!.card!;
    const refused = wecom(h, 'chenjl', fresh.buttons[0]!.command, { click: { cardId: fresh.id, answerable: true } });
    expect(refused.out.filter((m) => m.cardUpdate)).toEqual([]);
  });
});
