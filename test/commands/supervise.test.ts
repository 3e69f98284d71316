import { describe, it, expect } from 'vitest';
import { expectRefused, lastAudit, lastMsgId, ok, sentTo, setup, textTo, ticket, ticketIn } from '../support/tickets.js';

describe('督办', () => {
  it('marks the ticket supervised and tells the project’s leader directly and the project group', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const said = ok(h, 'zhou', 'coordinators', `督办 #${no} 本周内必须解决`);
    expect(said.reply).toContain(`挂牌督办 #${no}`);
    expect(said.reply).toContain('本周内必须解决');
    expect(said.reply).toContain('周协调');
    expect(ticket(h, no).supervised).toBe(true);
    expect(lastAudit(h, no)).toMatchObject({
      action: 'supervise',
      actorId: 'zhou',
      fromState: 'claimed',
      toState: 'claimed',
      detail: { note: '本周内必须解决' },
      msgId: lastMsgId(h),
    });
    // The coordinators' group already has the reply; the leader gets a direct message.
    expect(sentTo(said, 'reply')).toEqual(['coordinators']);
    expect(sentTo(said, 'person')).toEqual(['li']);
    expect(textTo(said, 'person', 'li')).toContain(`挂牌督办 #${no}`);
    expect(sentTo(said, 'group')).toEqual(['XM001']);
  });

  it('from a leader in the project group: posts to the coordinators’ group, and does not message the leader himself', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    const said = ok(h, 'li', 'XM001', `督办 #${no}`);
    expect(sentTo(said, 'reply')).toEqual(['XM001']);
    expect(sentTo(said, 'group')).toEqual(['coordinators']);
    expect(textTo(said, 'group', 'coordinators')).toContain(`挂牌督办 #${no}`);
    expect(textTo(said, 'group', 'coordinators')).toContain('李局长');
    expect(sentTo(said, 'person')).toEqual([]);
    expect(ticket(h, no).supervised).toBe(true);
  });

  it('messages every leader of the project', () => {
    const h = setup();
    const no = h.ticketNo(ok(h, 'liu', 'XM002', '报告 货车进出被拦'));
    const said = ok(h, 'zhou', 'coordinators', `督办 #${no}`);
    expect(sentTo(said, 'person').sort()).toEqual(['he', 'wu']);
  });

  it('can be set while waiting for evaluation', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved');
    ok(h, 'wu', 'coordinators', `督办 #${no} 跟踪评价`);
    expect(ticket(h, no)).toMatchObject({ state: 'resolved', supervised: true });
  });

  it('shows in the detail view and the list', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    ok(h, 'zhou', 'coordinators', `督办 #${no}`);
    expect(ok(h, 'chen', 'XM001', `查询 #${no}`).reply.split('\n')[0]).toContain('挂牌督办');
    expect(ok(h, 'zhou', 'coordinators', '台账').reply).toMatch(new RegExp(`#${no} .*督办`));
  });

  it('refuses a ticket already supervised', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    ok(h, 'zhou', 'coordinators', `督办 #${no}`);
    expectRefused(h, 'li', 'XM001', `督办 #${no}`, `#${no} 已在挂牌督办中`);
  });

  it('refuses a finished ticket', () => {
    const h = setup();
    expectRefused(h, 'zhou', 'coordinators', `督办 #${ticketIn(h, 'closed')}`, '「已销号」', '不需要督办');
    expectRefused(h, 'zhou', 'coordinators', `督办 #${ticketIn(h, 'withdrawn')}`, '「已撤回」');
  });

  it('refuses officers and enterprise contacts', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'wang', 'XM001', `督办 #${no}`, '“督办”只能由护企办、包联领导使用');
    expectRefused(h, 'chen', 'XM001', `督办 #${no}`, '“督办”只能由', '您的身份是企业');
    expectRefused(h, 'zhou', 'coordinators', '督办 #31', '没有找到工单 #31');
    expectRefused(h, 'zhou', 'coordinators', '督办', '请写明工单号');
  });
});
