import { describe, it, expect } from 'vitest';
import { OBSTRUCTION, expectRefused, lastAudit, lastMsgId, ok, sentTo, setup, textTo, ticket, ticketIn } from '../support/tickets.js';

describe('认领', () => {
  it('lets the project officer claim an open ticket', () => {
    const h = setup();
    const no = ticketIn(h, 'open', OBSTRUCTION);
    h.clock.advance(5 * 60_000);
    const said = ok(h, 'wang', 'XM001', `认领 #${no}`);
    expect(said.reply).toContain(`#${no} 已认领`);
    expect(said.reply).toContain('王警官');
    expect(said.reply).toContain('办结时限：2026-11-03 10:00');
    expect(ticket(h, no)).toMatchObject({ state: 'claimed', assigneeId: 'wang', departmentId: 'zhian', claimedAt: h.clock.now().getTime() });
    expect(lastAudit(h, no)).toMatchObject({ action: 'claim', actorId: 'wang', fromState: 'open', toState: 'claimed', msgId: lastMsgId(h) });
  });

  it('tells the project group when the claim is sent from elsewhere', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    const said = h.send({ senderId: 'wang', chatId: 'wang-private', chatType: 'single', text: `认领 #${no}` });
    expect(said.reply).toContain(`#${no} 已认领`);
    expect(sentTo(said, 'group')).toEqual(['XM001']);
    expect(textTo(said, 'group', 'XM001')).toContain(`#${no} 已认领`);
  });

  it('lets a coordinator claim any ticket, and a coordinator who is also a leader', () => {
    const h = setup();
    const a = ticketIn(h, 'open');
    const b = ticketIn(h, 'open');
    ok(h, 'zhou', 'coordinators', `认领 #${a}`);
    ok(h, 'wu', 'coordinators', `认领 #${b}`);
    expect(ticket(h, a).assigneeId).toBe('zhou');
    expect(ticket(h, b).assigneeId).toBe('wu');
  });

  it('lets an officer of the department the ticket was transferred to claim it', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    expectRefused(h, 'zhao', 'XM001', `认领 #${no}`, '治安大队', '转办');
    ok(h, 'zhou', 'coordinators', `转办 #${no} 交警大队 涉及货车通行`);
    ok(h, 'zhao', 'XM001', `认领 #${no}`);
    expect(ticket(h, no)).toMatchObject({ state: 'claimed', assigneeId: 'zhao', departmentId: 'jiaojing' });
  });

  it('refuses an enterprise contact and a leader, saying who may', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    expectRefused(h, 'chen', 'XM001', `认领 #${no}`, '“认领”只能由', '民警', '您的身份是企业');
    expectRefused(h, 'li', 'XM001', `认领 #${no}`, '“认领”只能由', '包联领导');
  });

  it('refuses an officer of another department who is not the project officer', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    expectRefused(h, 'sun', 'XM001', `认领 #${no}`, `#${no}`, '已分派给「治安大队」');
  });

  it('refuses a ticket someone has already claimed, naming who', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'zhou', 'coordinators', `认领 #${no}`, `#${no} 已由王警官认领`);
    expectRefused(h, 'wang', 'XM001', `认领 #${no}`, '已由王警官认领');
  });

  it('refuses a ticket that is waiting for evaluation, closed or withdrawn, saying what would work', () => {
    const h = setup();
    expectRefused(h, 'wang', 'XM001', `认领 #${ticketIn(h, 'resolved')}`, '「待评价」', '满意');
    expectRefused(h, 'wang', 'XM001', `认领 #${ticketIn(h, 'closed')}`, '「已销号」', '重新“报告”');
    expectRefused(h, 'wang', 'XM001', `认领 #${ticketIn(h, 'withdrawn')}`, '「已撤回」', '重新“报告”');
  });

  it('refuses an unknown ticket and a missing or unreadable number', () => {
    const h = setup();
    expectRefused(h, 'wang', 'XM001', '认领 #99', '没有找到工单 #99', '台账');
    expectRefused(h, 'wang', 'XM001', '认领', '请写明工单号', '认领 #12');
    expectRefused(h, 'wang', 'XM001', '认领 第一个', '没有看懂工单号', '认领 #12');
  });
});
