import { describe, it, expect } from 'vitest';
import { expectRefused, lastAudit, lastMsgId, ok, setup, ticket, ticketIn } from '../support/tickets.js';

describe('满意', () => {
  it('closes the ticket (销号) with the default rating of 5', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved');
    h.clock.advance(3_600_000);
    const said = ok(h, 'chen', 'XM001', `满意 #${no}`);
    expect(said.reply).toContain(`#${no} 已销号`);
    expect(said.reply).toContain('5分');
    expect(ticket(h, no)).toMatchObject({
      state: 'closed',
      closeKind: 'confirmed',
      rating: 5,
      ratingComment: null,
      closedAt: h.clock.now().getTime(),
    });
    expect(lastAudit(h, no)).toMatchObject({
      action: 'accept',
      actorId: 'chen',
      fromState: 'resolved',
      toState: 'closed',
      detail: { rating: 5 },
      msgId: lastMsgId(h),
    });
  });

  const ratings: [string, number, string | null][] = [
    ['4 处置及时', 4, '处置及时'],
    ['1', 1, null],
    ['3分 还行吧', 3, '还行吧'],
    ['3分处置一般', 3, '处置一般'],
    ['２ 来得太慢', 2, '来得太慢'],
    ['处置及时，感谢', 5, '处置及时，感谢'],
    ['5楼的问题也解决了', 5, '5楼的问题也解决了'],
  ];
  for (const [words, rating, comment] of ratings) {
    it(`reads “满意 #N ${words}” as ${rating}分${comment ? `，${comment}` : ''}`, () => {
      const h = setup();
      const no = ticketIn(h, 'resolved');
      const said = ok(h, 'chen', 'XM001', `满意 #${no} ${words}`);
      expect(said.reply).toContain(`${rating}分`);
      if (comment) expect(said.reply).toContain(comment);
      expect(ticket(h, no)).toMatchObject({ state: 'closed', rating, ratingComment: comment });
    });
  }

  it('refuses a rating outside 1–5 or not a whole number', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved');
    for (const bad of ['0', '6', '10 非常满意', '3.5', '4.5分 不错']) {
      expectRefused(h, 'chen', 'XM001', `满意 #${no} ${bad}`, '评分请用1到5的整数', '满意 #12 5');
    }
    expect(ticket(h, no).state).toBe('resolved');
  });

  it('lets another contact of the project, or someone outside the roster in its group, confirm', () => {
    const h = setup();
    ok(h, 'huang', 'XM001', `满意 #${ticketIn(h, 'resolved')}`);
    const s = h.send({ senderId: 'stranger', chatId: 'XM001', text: `满意 #${ticketIn(h, 'resolved')} 4` });
    expect(s.reply).toContain('已销号');
  });

  it('is the enterprise’s word alone: a coordinator is refused and pointed to 回访 (SPEC §2)', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved');
    expectRefused(h, 'zhou', 'coordinators', `满意 #${no}`, '“满意”只能由企业使用', '您的身份是护企办');
    expectRefused(h, 'wu', 'coordinators', `满意 #${no} 5`, '“满意”只能由企业使用');
    expect(ticket(h, no).state).toBe('resolved');
  });

  it('refuses officers, and enterprise contacts of another project', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved');
    expectRefused(h, 'wang', 'XM001', `满意 #${no}`, '“满意”只能由', '企业');
    expectRefused(h, 'liu', 'XM002', `满意 #${no}`, `#${no} 不在您的查看范围内`);
  });

  it('refuses a ticket that is not waiting for evaluation', () => {
    const h = setup();
    expectRefused(h, 'chen', 'XM001', `满意 #${ticketIn(h, 'open')}`, '「待认领」');
    expectRefused(h, 'chen', 'XM001', `满意 #${ticketIn(h, 'claimed')}`, '「办理中」', '办结');
    expectRefused(h, 'chen', 'XM001', `满意 #${ticketIn(h, 'closed')} 5`, '「已销号」');
    expectRefused(h, 'chen', 'XM001', `满意 #${ticketIn(h, 'withdrawn')}`, '「已撤回」');
  });
});

describe('不满意', () => {
  it('sends the ticket back to the assignee (重办) with a new resolve deadline', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved');
    h.clock.set(new Date('2026-11-03T09:00:00+08:00'));
    const said = ok(h, 'chen', 'XM001', `不满意 #${no} 只追回一半电缆`);
    expect(said.reply).toContain(`#${no} 退回重办`);
    expect(said.reply).toContain('第1次');
    expect(said.reply).toContain('只追回一半电缆');
    expect(said.reply).toContain('王警官');
    expect(said.reply).toContain('办结时限：2026-11-10 18:00');
    expect(said.out[0]!.mentions).toContain('wang');
    expect(ticket(h, no)).toMatchObject({
      state: 'claimed',
      assigneeId: 'wang',
      reopenCount: 1,
      resolution: null,
      confirmDeadline: null,
      resolveDeadline: new Date('2026-11-10T18:00:00+08:00').getTime(),
    });
    expect(lastAudit(h, no)).toMatchObject({
      action: 'reject',
      actorId: 'chen',
      fromState: 'resolved',
      toState: 'claimed',
      detail: { reason: '只追回一半电缆', reopenCount: 1 },
      msgId: lastMsgId(h),
    });
  });

  it('counts each reopening', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved');
    ok(h, 'chen', 'XM001', `不满意 #${no} 没解决`);
    ok(h, 'wang', 'XM001', `办结 #${no} 再次处理`);
    const said = ok(h, 'huang', 'XM001', `重办 #${no} 还是没解决`);
    expect(said.reply).toContain('第2次');
    expect(ticket(h, no).reopenCount).toBe(2);
  });

  it('refuses without a reason', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved');
    expectRefused(h, 'chen', 'XM001', `不满意 #${no}`, '请写明不满意的原因');
  });

  it('refuses officers, coordinators and enterprise contacts of another project', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved');
    expectRefused(h, 'wang', 'XM001', `不满意 #${no} 不行`, '“不满意”只能由企业使用');
    expectRefused(h, 'zhou', 'coordinators', `不满意 #${no} 不行`, '“不满意”只能由企业使用');
    expectRefused(h, 'liu', 'XM002', `不满意 #${no} 不行`, `#${no} 不在您的查看范围内`);
  });

  it('refuses a ticket that is not waiting for evaluation', () => {
    const h = setup();
    expectRefused(h, 'chen', 'XM001', `不满意 #${ticketIn(h, 'open')} 没人管`, '「待认领」');
    expectRefused(h, 'chen', 'XM001', `不满意 #${ticketIn(h, 'claimed')} 太慢`, '「办理中」');
    expectRefused(h, 'chen', 'XM001', `不满意 #${ticketIn(h, 'closed')} 又出事了`, '「已销号」', '重新“报告”');
    expectRefused(h, 'chen', 'XM001', `不满意 #${ticketIn(h, 'withdrawn')} 又出事了`, '「已撤回」');
  });
});
