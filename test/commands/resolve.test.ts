import { describe, it, expect } from 'vitest';
import { expectRefused, lastAudit, lastMsgId, ok, sentTo, setup, textTo, ticket, ticketIn } from '../support/tickets.js';

describe('办结', () => {
  it('resolves a ticket in hand and asks the reporter to evaluate it within 3 working days', () => {
    const h = setup(); // Monday 10:00
    const no = ticketIn(h, 'claimed');
    const said = ok(h, 'wang', 'XM001', `办结 #${no} 已抓获嫌疑人，追回电缆200米`);
    expect(said.reply).toContain(`#${no} 已办结`);
    expect(said.reply).toContain('王警官');
    expect(said.reply).toContain('已抓获嫌疑人，追回电缆200米');
    expect(said.reply).toContain(`满意 #${no}`);
    expect(said.reply).toContain(`不满意 #${no}`);
    expect(said.reply).toContain('评价时限：2026-11-05 18:00');
    // The reporter is mentioned, so the platform notifies them.
    expect(said.out[0]!.mentions).toContain('chen');
    expect(ticket(h, no)).toMatchObject({
      state: 'resolved',
      resolution: '已抓获嫌疑人，追回电缆200米',
      resolvedAt: h.clock.now().getTime(),
      confirmDeadline: new Date('2026-11-05T18:00:00+08:00').getTime(),
    });
    expect(lastAudit(h, no)).toMatchObject({
      action: 'resolve',
      actorId: 'wang',
      fromState: 'claimed',
      toState: 'resolved',
      detail: { text: '已抓获嫌疑人，追回电缆200米' },
      msgId: lastMsgId(h),
    });
  });

  it('mentions a reporter from outside the roster too', () => {
    const h = setup();
    const no = h.ticketNo(h.send({ senderId: 'stranger', senderName: '张师傅', chatId: 'XM001', text: '报告 工地电缆被偷' }));
    ok(h, 'wang', 'XM001', `认领 #${no}`);
    const said = ok(h, 'wang', 'XM001', `办结 #${no} 已追回`);
    expect(said.reply).toContain('张师傅');
    expect(said.out[0]!.mentions).toContain('stranger');
  });

  it('lets a coordinator resolve, and the project group hears of it', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const said = ok(h, 'zhou', 'coordinators', `办结 #${no} 经协调已解决`);
    expect(sentTo(said, 'group')).toEqual(['XM001']);
    expect(textTo(said, 'group', 'XM001')).toContain(`满意 #${no}`);
  });

  it('refuses an open ticket, telling whoever may claim it to claim it first', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    // The project officer is the 民警 who would claim it: he is told to, not to wait for one.
    const claimFirst = `#${no} 当前状态为「待认领」，请先发送“认领 #${no}”认领此工单，再办结`;
    expect(expectRefused(h, 'wang', 'XM001', `办结 #${no} 已处理`)).toBe(claimFirst);
    expect(expectRefused(h, 'zhou', 'coordinators', `办结 #${no} 已处理`)).toBe(claimFirst);
    // An officer of another department may not claim it: the ticket waits for its own 民警.
    expect(expectRefused(h, 'zhao', 'XM001', `办结 #${no} 已处理`)).toBe(`#${no} 当前状态为「待认领」，需先由民警发送“认领 #${no}”`);
    expect(ticket(h, no).state).toBe('open');
  });

  it('refuses a ticket waiting for evaluation with the sentence the SPEC gives', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved');
    const reply = expectRefused(h, 'wang', 'XM001', `办结 #${no} 再办结一次`);
    expect(reply).toBe(`#${no} 当前状态为「待评价」，只能由报告企业回复“满意”或“不满意”`);
  });

  it('refuses a closed or withdrawn ticket', () => {
    const h = setup();
    expectRefused(h, 'wang', 'XM001', `办结 #${ticketIn(h, 'closed')} 已处理`, '「已销号」');
    expectRefused(h, 'wang', 'XM001', `办结 #${ticketIn(h, 'withdrawn')} 已处理`, '「已撤回」');
  });

  it('refuses anyone but the assignee and the coordinators, even the project officer', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'zhao', 'XM001', `办结 #${no} 已处理`, `只有 #${no} 的承办人或护企办可以办结`);
    ok(h, 'wang', 'XM001', `转办 #${no} @孙警官 派出所处理`);
    expectRefused(h, 'wang', 'XM001', `办结 #${no} 已处理`, `只有 #${no} 的承办人或护企办可以办结`);
    expectRefused(h, 'chen', 'XM001', `办结 #${no} 自己解决了`, '“办结”只能由', '您的身份是企业');
    expectRefused(h, 'li', 'XM001', `办结 #${no} 已处理`, '“办结”只能由');
  });

  it('refuses a resolution without a result', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'wang', 'XM001', `办结 #${no}`, '请写明办理结果', `办结 #12`);
    expectRefused(h, 'wang', 'XM001', '办结 #5000 已处理', '没有找到工单 #5000');
  });
});
