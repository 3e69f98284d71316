import { describe, expect, it } from 'vitest';
import type { OutgoingCard } from '../../src/chat/types.js';
import type { StoredCard } from '../../src/db/cards-repo.js';
import { cardAfter, extensionCard, superviseCard, type CardTicket } from '../../src/dispatch/cards.js';
import { ok, setup, ticket } from '../support/tickets.js';

/**
 * What people read on the cards (SPEC §7a), in full: the card of each message that asks someone
 * to act, the lines a card gets once its buttons are done, the question a button that needs a
 * reason asks. Text from chat on a card is escaped like anywhere else (src/templates.ts).
 */

/** A card as people read it: title, summary, rows, score, buttons and what was done, a line each. */
function read(card: Pick<OutgoingCard, 'title' | 'summary' | 'fields' | 'choice' | 'buttons' | 'done'>): string {
  return [
    card.title,
    card.summary,
    ...card.fields.map((f) => `${f.label}：${f.value}`),
    ...(card.choice && card.buttons.some((b) => b.withChoice) ? [`${card.choice.label}：${card.choice.options.map((o) => o.label).join(' ')}`] : []),
    card.buttons.map((b) => `[${b.label}]→${b.command}${b.ask ? `（先问${b.ask}）` : ''}`).join(' '),
    ...card.done.map((d) => `✓ ${d}`),
  ]
    .filter((l) => l !== '')
    .join('\n');
}

const cardOf = (said: { out: { kind: string; card?: OutgoingCard; cardUpdate?: object }[] }, kind: string) => said.out.find((m) => m.kind === kind && m.card && !m.cardUpdate)!.card!;
const updateOf = (said: { out: { card?: OutgoingCard; cardUpdate?: object }[] }) => said.out.find((m) => m.cardUpdate)!.card!;

describe('the cards, as people read them', () => {
  const h = setup(); // Monday 2026-11-02 10:00 in Beijing
  const at = (s: string) => h.clock.set(new Date(`${s}+08:00`));
  let no = 0;
  let claim: OutgoingCard;
  let rate: OutgoingCard;

  it('a new ticket: [认领]', () => {
    const said = ok(h, 'chen', 'XM001', '报告 村民堵路阻工，车辆进不去');
    no = h.ticketNo(said);
    claim = cardOf(said, 'reply');
    expect(read(claim)).toMatchInlineSnapshot(`
      "#1 已登记 阻工·紧急 ⚠
      村民堵路阻工，车辆进不去
      项目：经开区新材料产业园
      报告人：陈经理
      签收时限：2026-11-02 10:15
      办结时限：2026-11-03 10:00
      [认领]→认领 #1"
    `);
  });

  it('claimed with a click', () => {
    at('2026-11-02T10:06');
    const said = h.send({ senderId: 'wang', chatId: 'XM001', text: claim.buttons[0]!.command, msgId: 'tc-claim', click: { cardId: claim.id } });
    expect(read(updateOf(said))).toMatchInlineSnapshot(`
      "#1 已登记 阻工·紧急 ⚠
      村民堵路阻工，车辆进不去
      项目：经开区新材料产业园
      报告人：陈经理
      签收时限：2026-11-02 10:15
      办结时限：2026-11-03 10:00
      ✓ 已由 王警官 认领 10:06"
    `);
  });

  it('a resolution: [满意] with a score, [不满意]', () => {
    at('2026-11-02T12:00');
    rate = cardOf(ok(h, 'wang', 'XM001', `办结 #${no} 已劝离围堵人员，施工恢复`), 'reply');
    expect(read(rate)).toMatchInlineSnapshot(`
      "#1 已办结，请评价
      结果：已劝离围堵人员，施工恢复
      项目：经开区新材料产业园
      办结人：王警官
      评价时限：2026-11-05 18:00
      评分：5分 4分 3分 2分 1分
      [满意]→满意 #1 [不满意]→不满意 #1（先问不满意的原因）"
    `);
  });

  it('[不满意] asks for the reason; the reason reopens the ticket and the card says so', () => {
    at('2026-11-03T09:00');
    const asked = h.send({ senderId: 'chen', chatId: 'XM001', text: `不满意 #${no}`, msgId: 'tc-reject', click: { cardId: rate.id } });
    expect(asked.reply).toMatchInlineSnapshot(`"<@chen|陈经理> 请回复不满意的原因（10分钟内有效；在群里请@我后再写）"`);
    at('2026-11-03T09:02');
    const said = ok(h, 'chen', 'XM001', '第二天又有人来堵门');
    expect(said.reply).toContain('不满意原因：第二天又有人来堵门');
    expect(updateOf(said).done).toMatchInlineSnapshot(`
      [
        "已由 陈经理 评价不满意，已退回重办 09:02",
      ]
    `);
  });

  it('[满意] with 4', () => {
    at('2026-11-03T15:00');
    const again = cardOf(ok(h, 'wang', 'XM001', `办结 #${no} 已加派人员值守`), 'reply');
    at('2026-11-03T16:30');
    const said = h.send({ senderId: 'chen', chatId: 'XM001', text: `满意 #${no}`, msgId: 'tc-accept', click: { cardId: again.id, choice: '4' } });
    expect(updateOf(said).done).toMatchInlineSnapshot(`
      [
        "已由 陈经理 评价满意（4分） 16:30",
      ]
    `);
    expect(ticket(h, no).rating).toBe(4);
  });

  it('a refused click, told to the clicker alone', () => {
    const card = cardOf(ok(h, 'chen', 'XM001', '报告 工地夜间电缆被偷'), 'reply');
    const refused = h.send({ senderId: 'chen', chatId: 'XM001', text: card.buttons[0]!.command, msgId: 'tc-refused', click: { cardId: card.id } });
    expect(refused.out.map((m) => `${m.kind}:${m.to}`)).toEqual(['person:chen']);
    expect(refused.out[0]!.text).toMatchInlineSnapshot(`"“认领”只能由民警/联络员、护企办使用，您的身份是企业，发送“帮助”查看您可以使用的命令"`);
  });

  it('a conduct complaint, as the coordinators’ card reads it', () => {
    const card = cardOf(ok(h, 'chen', 'XM001', '报告 有民警吃拿卡要'), 'group');
    expect(read(card)).toMatchInlineSnapshot(`
      "执法投诉 #3
      有民警吃拿卡要
      项目：经开区新材料产业园
      报告人：陈经理
      签收时限：2026-11-03 20:30
      办结时限：2026-11-10 18:00
      [认领]→认领 #3"
    `);
  });

  it('text from chat on a card is data: no mention, no markup, one line', () => {
    const said = h.send({ senderId: 'stranger', senderName: '<@wang|王警官>**', chatId: 'XM001', text: '报告 有人**堵门**，见 [链接](https://x.example)\n<@zhou|周协调> 快来' });
    const card = cardOf(said, 'reply');
    expect(card.summary).toMatchInlineSnapshot(`"有人＊＊堵门＊＊，见 ［链接］(https：//x.example) ＜@zhou｜周协调＞ 快来"`);
    expect(card.fields.find((f) => f.label === '报告人')?.value).toMatchInlineSnapshot(`"＜@wang｜王警官＞＊＊"`);
  });
});

describe('the cards built for what other messages will carry', () => {
  const t: CardTicket = {
    no: 12,
    projectName: '经开区新材料产业园',
    category: '阻工',
    urgency: '紧急',
    urgent: true,
    description: '村民堵路阻工',
    reporter: '陈经理',
    claimDeadline: '2026-11-02 10:15',
    resolveDeadline: '2026-11-03 10:00',
    confirmDeadline: '',
    resolution: '',
  };

  it('an extension request (申请延期) for the coordinators and leaders: [批准] [驳回]', () => {
    const card = extensionCard(t, { by: '王警官', duration: '2d', reason: '当事人外出，需等其返回', deadline: '2026-11-03 10:00' });
    expect(read(card)).toMatchInlineSnapshot(`
      "#12 申请延期 2d
      理由：当事人外出，需等其返回
      项目：经开区新材料产业园
      申请人：王警官
      当前时限：2026-11-03 10:00
      [批准]→批准延期 #12 [驳回]→驳回延期 #12（先问驳回的原因）"
    `);
  });

  it('the leaders’ tier 2: [督办] for the tickets not supervised yet, at most three', () => {
    const items = [12, 13, 14, 15, 16].map((n) => ({ no: n, projectName: '经开区新材料产业园', category: '阻工', late: '1天', supervised: n === 13 }));
    expect(read(superviseCard(2, items)!)).toMatchInlineSnapshot(`
      "督促（二级）：工单超期未办
      共5件，点“督办”即挂牌督办
      #12：经开区新材料产业园 阻工 已超1天
      #13：经开区新材料产业园 阻工 已超1天
      #14：经开区新材料产业园 阻工 已超1天
      #15：经开区新材料产业园 阻工 已超1天
      #16：经开区新材料产业园 阻工 已超1天
      [督办 #12]→督办 #12 [督办 #14]→督办 #14 [督办 #15]→督办 #15"
    `);
    expect(superviseCard(3, items.map((i) => ({ ...i, supervised: true })))).toBeUndefined();
  });

  it('a card in a project group learns of a ticket that became a conduct complaint only that it went to 护企办', () => {
    const h = setup();
    const no = h.ticketNo(ok(h, 'chen', 'XM001', '报告 工地夜间电缆被偷'));
    const stored: StoredCard = {
      id: 'c1',
      platform: 'playground',
      chatId: 'XM001',
      chatType: 'group',
      target: { kind: 'group', to: 'XM001' },
      content: { id: 'c1', title: `#${no}`, summary: '', fields: [], buttons: [{ label: '认领', command: `认领 #${no}`, style: 'primary', ticket: no }], done: [] },
      closed: [],
      done: [],
      finished: false,
    };
    const complaint = { ...ticket(h, no), routing: 'coordinators' as const, state: 'claimed' as const };
    expect(cardAfter(stored, complaint, '改类', '周协调', Date.now(), true)?.done).toEqual([`#${no} 已转护企办处理`]);
    expect(cardAfter(stored, complaint, '改类', '周协调', Date.parse('2026-11-02T02:00:00Z'), false)?.done).toEqual(['已由 周协调 改类 10:00']);
  });
});
