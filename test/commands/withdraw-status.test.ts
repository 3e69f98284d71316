import { describe, it, expect } from 'vitest';
import { OBSTRUCTION, expectRefused, lastAudit, lastMsgId, ok, sentTo, setup, ticket, ticketIn } from '../support/tickets.js';

describe('撤回', () => {
  it('lets the reporter withdraw an open ticket', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    const said = ok(h, 'chen', 'XM001', `撤回 #${no} 已和村民协商解决`);
    expect(said.reply).toContain(`#${no} 已撤回`);
    expect(said.reply).toContain('已和村民协商解决');
    expect(ticket(h, no)).toMatchObject({ state: 'withdrawn', withdrawnAt: h.clock.now().getTime() });
    expect(lastAudit(h, no)).toMatchObject({
      action: 'withdraw',
      actorId: 'chen',
      fromState: 'open',
      toState: 'withdrawn',
      detail: { reason: '已和村民协商解决' },
      msgId: lastMsgId(h),
    });
  });

  it('lets the reporter withdraw a ticket in hand, without a reason, and the project group hears of it', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const said = h.send({ senderId: 'chen', chatId: 'chen-private', chatType: 'single', text: `撤回 #${no}` });
    expect(said.reply).toContain(`#${no} 已撤回`);
    expect(sentTo(said, 'group')).toEqual(['XM001']);
    expect(ticket(h, no)).toMatchObject({ state: 'withdrawn', assigneeId: 'wang' });
    expect(lastAudit(h, no)).toMatchObject({ fromState: 'claimed', toState: 'withdrawn' });
  });

  it('lets a reporter from outside the roster withdraw their own report, and nobody else’s', () => {
    const h = setup();
    const no = h.ticketNo(h.send({ senderId: 'stranger', senderName: '张师傅', chatId: 'XM001', text: '报告 工地电缆被偷' }));
    const before = ticket(h, no);
    const other = h.send({ senderId: 'stranger-2', chatId: 'XM001', text: `撤回 #${no}` });
    expect(other.reply).toContain(`#${no} 只能由报告人张师傅撤回`);
    expect(ticket(h, no)).toEqual(before);
    expect(h.send({ senderId: 'stranger', chatId: 'XM001', text: `撤回 #${no}` }).reply).toContain('已撤回');
  });

  it('refuses anyone but the reporter', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    expectRefused(h, 'huang', 'XM001', `撤回 #${no}`, `#${no} 只能由报告人陈经理撤回`);
    expectRefused(h, 'wang', 'XM001', `撤回 #${no}`, `#${no} 只能由报告人陈经理撤回`);
    expectRefused(h, 'zhou', 'coordinators', `撤回 #${no}`, '只能由报告人陈经理撤回');
    expectRefused(h, 'liu', 'XM002', `撤回 #${no}`, `#${no} 不在您的查看范围内`);
  });

  it('refuses once the ticket is resolved, closed or withdrawn', () => {
    const h = setup();
    expectRefused(h, 'chen', 'XM001', `撤回 #${ticketIn(h, 'resolved')}`, '「待评价」', '请回复“满意”或“不满意”');
    expectRefused(h, 'chen', 'XM001', `撤回 #${ticketIn(h, 'closed')}`, '「已销号」', '不能撤回');
    expectRefused(h, 'chen', 'XM001', `撤回 #${ticketIn(h, 'withdrawn')}`, '「已撤回」', '不能撤回');
    expectRefused(h, 'chen', 'XM001', '撤回', '请写明工单号');
  });
});

describe('查询', () => {
  it('shows an open ticket: state, project, category, reporter, deadline and timeline', () => {
    const h = setup();
    const no = ticketIn(h, 'open', OBSTRUCTION);
    const said = ok(h, 'chen', 'XM001', `查询 #${no}`);
    const lines = said.reply.split('\n');
    expect(lines[0]).toContain(`#${no}`);
    expect(lines[0]).toContain('状态：待认领');
    expect(said.reply).toContain('XM001 经开区新材料产业园');
    expect(said.reply).toContain('阻工·紧急');
    expect(said.reply).toContain('报告人：陈经理');
    expect(said.reply).toContain('承办：待王警官认领');
    expect(said.reply).toContain('签收时限：2026-11-02 10:15');
    expect(said.reply).toContain('11-02 10:00 陈经理 报告挂号：村民堵路阻工，车辆进不去');
    // Reading a ticket changes nothing and is not in its log.
    expect(h.repos.tickets.timeline(no)).toHaveLength(1);
    expect(sentTo(said, 'group')).toEqual([]);
  });

  it('flags a ticket whose deadline has passed', () => {
    const h = setup();
    const no = ticketIn(h, 'open', OBSTRUCTION);
    h.clock.advance(20 * 60_000);
    expect(ok(h, 'chen', 'XM001', `查询 #${no}`).reply.split('\n')[0]).toContain('已超期');
  });

  it('shows transfers, extensions and supervision in the timeline, with who and why', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    ok(h, 'wang', 'XM001', `转办 #${no} 交警大队 涉及货车通行`);
    ok(h, 'zhou', 'coordinators', `延期 #${no} 1d 交警在外地`);
    ok(h, 'li', 'XM001', `督办 #${no} 尽快`);
    const reply = ok(h, 'chen', 'XM001', `详情 #${no}`).reply;
    expect(reply).toContain('王警官 转办（办理中→待认领）：转给交警大队，涉及货车通行');
    expect(reply).toContain('周协调 延期：签收时限延至2026-11-03 14:00，交警在外地');
    expect(reply).toContain('李局长 督办：尽快');
  });

  it('lets everyone who may see the ticket look at it', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    ok(h, 'huang', 'XM001', `查询 #${no}`);
    ok(h, 'zhao', 'XM001', `status ${no}`);
    ok(h, 'li', 'XM001', `查询 #${no}`);
    ok(h, 'zhou', 'coordinators', `查询 #${no}`);
    expect(h.send({ senderId: 'stranger', chatId: 'XM001', text: `查询 #${no}` }).reply).toContain('状态：待认领');
  });

  it('refuses enterprise contacts of other projects, including strangers in their groups', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    expectRefused(h, 'liu', 'XM002', `查询 #${no}`, `#${no} 不在您的查看范围内`);
    expectRefused(h, 'ma', 'XM003', `查询 #${no}`, `#${no} 不在您的查看范围内`);
    const said = h.send({ senderId: 'stranger', chatId: 'XM002', text: `查询 #${no}` });
    expect(said.reply).toContain('不在您的查看范围内');
    expect(said.reply).not.toContain('电缆');
  });

  it('refuses an unknown ticket and a missing number', () => {
    const h = setup();
    expectRefused(h, 'chen', 'XM001', '查询 #8', '没有找到工单 #8');
    expectRefused(h, 'chen', 'XM001', '查询', '请写明工单号', '查询 #12');
  });
});
