import { describe, it, expect } from 'vitest';
import { expectRefused, lastAudit, lastMsgId, ok, sentTo, setup, textTo, ticket, ticketIn } from '../support/tickets.js';

describe('进展', () => {
  it('lets the assignee post progress, kept in the log and shown to the project group', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const before = ticket(h, no);
    const said = ok(h, 'wang', 'XM001', `进展 #${no} 已调取监控，锁定两名嫌疑人`);
    expect(said.reply).toContain(`#${no} 办理进展`);
    expect(said.reply).toContain('王警官');
    expect(said.reply).toContain('已调取监控，锁定两名嫌疑人');
    expect(ticket(h, no)).toMatchObject({ state: 'claimed', assigneeId: 'wang', resolveDeadline: before.resolveDeadline });
    expect(lastAudit(h, no)).toMatchObject({
      action: 'progress',
      actorId: 'wang',
      fromState: 'claimed',
      toState: 'claimed',
      detail: { text: '已调取监控，锁定两名嫌疑人' },
      msgId: lastMsgId(h),
    });
  });

  it('reaches the project group when posted from the coordinators’ group', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const said = ok(h, 'zhou', 'coordinators', `进展 #${no} 已协调供电公司恢复供电`);
    expect(sentTo(said, 'reply')).toEqual(['coordinators']);
    expect(sentTo(said, 'group')).toEqual(['XM001']);
    expect(textTo(said, 'group', 'XM001')).toContain('已协调供电公司恢复供电');
  });

  it('lets the project officer post progress on a ticket someone else handles', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    ok(h, 'wang', 'XM001', `转办 #${no} @赵警官 涉及货车，请交警处理`);
    expect(ticket(h, no).assigneeId).toBe('zhao');
    ok(h, 'wang', 'XM001', `进展 #${no} 交警已到场`);
    ok(h, 'zhao', 'XM001', `进展 #${no} 已疏导车辆`);
  });

  it('refuses an officer who neither handles the ticket nor is its project officer', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'zhao', 'XM001', `进展 #${no} 我来看看`, `#${no}`, '承办人', '项目警官', '护企办');
  });

  it('refuses enterprise contacts and leaders', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'chen', 'XM001', `进展 #${no} 还没人来`, '“进展”只能由', '您的身份是企业');
    expectRefused(h, 'li', 'XM001', `进展 #${no} 抓紧`, '“进展”只能由');
  });

  it('refuses a ticket that is not being handled, saying what would work', () => {
    const h = setup();
    expectRefused(h, 'wang', 'XM001', `进展 #${ticketIn(h, 'open')} 已到现场`, '「待认领」', '请先发送“认领');
    expectRefused(h, 'wang', 'XM001', `进展 #${ticketIn(h, 'resolved')} 已到现场`, '「待评价」', '不能再通报进展');
    expectRefused(h, 'wang', 'XM001', `进展 #${ticketIn(h, 'closed')} 已到现场`, '「已销号」');
  });

  it('refuses a progress note without text, and an unknown ticket', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'wang', 'XM001', `进展 #${no}`, '请写明进展内容', `进展 #12`);
    expectRefused(h, 'wang', 'XM001', '进展 #404 已到现场', '没有找到工单 #404');
  });
});

describe('补充', () => {
  it('lets the reporter add information, kept in the log and shown to the project', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const said = ok(h, 'chen', 'XM001', `补充 #${no} 监控拍到一辆白色面包车`);
    expect(said.reply).toContain(`#${no} 补充情况`);
    expect(said.reply).toContain('陈经理');
    expect(said.reply).toContain('监控拍到一辆白色面包车');
    // The person handling it is asked to look.
    expect(said.reply).toMatch(/请 .*王警官.* 关注/);
    expect(ticket(h, no).state).toBe('claimed');
    expect(lastAudit(h, no)).toMatchObject({ action: 'note', actorId: 'chen', detail: { text: '监控拍到一辆白色面包车' }, msgId: lastMsgId(h) });
  });

  it('lets another contact of the same project, someone outside the roster in its group, and officers add information', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    ok(h, 'huang', 'XM001', `补充 #${no} 被偷的是三号楼的电缆`);
    const s = h.send({ senderId: 'stranger', senderName: '门卫老李', chatId: 'XM001', text: `补充 #${no} 凌晨两点听到动静` });
    expect(s.reply).toContain('门卫老李');
    ok(h, 'zhao', 'XM001', `补充 #${no} 交警卡口有该车记录`);
    ok(h, 'li', 'XM001', `补充 #${no} 请尽快处理`);
    expect(h.repos.tickets.timeline(no).filter((r) => r.action === 'note')).toHaveLength(4);
  });

  it('allows information while waiting for evaluation', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved');
    ok(h, 'chen', 'XM001', `补充 #${no} 电缆已经拿回来了`);
    expect(ticket(h, no).state).toBe('resolved');
  });

  it('refuses an enterprise contact of another project', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    expectRefused(h, 'liu', 'XM002', `补充 #${no} 我们也被偷了`, `#${no} 不在您的查看范围内`);
    expectRefused(h, 'liu', 'XM001', `补充 #${no} 我们也被偷了`, `#${no} 不在您的查看范围内`);
  });

  it('refuses information on a closed or withdrawn ticket, suggesting a new report', () => {
    const h = setup();
    expectRefused(h, 'chen', 'XM001', `补充 #${ticketIn(h, 'closed')} 又被偷了`, '「已销号」', '重新“报告”');
    expectRefused(h, 'chen', 'XM001', `补充 #${ticketIn(h, 'withdrawn')} 又被偷了`, '「已撤回」', '重新“报告”');
  });

  it('refuses a note without text', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    expectRefused(h, 'chen', 'XM001', `补充 #${no}`, '请写明补充的内容');
    expectRefused(h, 'chen', 'XM001', '补充', '请写明工单号');
  });
});
