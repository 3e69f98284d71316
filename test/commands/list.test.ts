import { describe, it, expect } from 'vitest';
import { expectRefused, ok, setup, ticketIn, type Harness } from '../support/tickets.js';

/** Tickets in every state in XM001, and two in XM002. */
function board(h: Harness) {
  const open = ticketIn(h, 'open');
  const claimed = ticketIn(h, 'claimed');
  const resolved = ticketIn(h, 'resolved');
  const closed = ticketIn(h, 'closed');
  const withdrawn = ticketIn(h, 'withdrawn');
  const otherOpen = h.ticketNo(ok(h, 'liu', 'XM002', '报告 渣土车被拦，货车进不来'));
  const otherClaimed = h.ticketNo(ok(h, 'liu', 'XM002', '报告 网上有人造谣工地出事'));
  ok(h, 'zhao', 'XM002', `认领 #${otherClaimed}`);
  return { open, claimed, resolved, closed, withdrawn, otherOpen, otherClaimed };
}

/** The ticket numbers a list shows, in order. */
function listed(reply: string): number[] {
  return reply
    .split('\n')
    .slice(1)
    .map((l) => /^#(\d+) /.exec(l)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}

describe('台账', () => {
  it('lists the tickets in progress of the project whose group it is, newest first', () => {
    const h = setup();
    const b = board(h);
    const reply = ok(h, 'wang', 'XM001', '台账').reply;
    expect(reply.split('\n')[0]).toContain('XM001 经开区新材料产业园');
    expect(reply.split('\n')[0]).toContain('在办');
    expect(reply.split('\n')[0]).toContain('共3件');
    expect(listed(reply)).toEqual([b.resolved, b.claimed, b.open]);
    expect(reply).toContain(`#${b.claimed} 盗窃 办理中 王警官`);
    // An unclaimed ticket names whom it waits for (SPEC §2), never an owner called “未认领”.
    expect(reply).toContain(`#${b.open} 盗窃 待认领 待王警官认领`);
  });

  it('filters by state', () => {
    const h = setup();
    const b = board(h);
    expect(listed(ok(h, 'wang', 'XM001', '台账 待认领').reply)).toEqual([b.open]);
    expect(listed(ok(h, 'wang', 'XM001', '台账 办理中').reply)).toEqual([b.claimed]);
    expect(listed(ok(h, 'wang', 'XM001', '台账 待评价').reply)).toEqual([b.resolved]);
    expect(listed(ok(h, 'wang', 'XM001', '台账 全部').reply)).toEqual([b.withdrawn, b.closed, b.resolved, b.claimed, b.open]);
    expect(listed(ok(h, 'wang', 'XM001', '列表 待認領').reply)).toEqual([b.open]);
  });

  it('lists the sender’s own tickets with 我的', () => {
    const h = setup();
    const b = board(h);
    expect(listed(ok(h, 'wang', 'XM001', '台账 我的').reply)).toEqual([b.resolved, b.claimed]);
    expect(listed(ok(h, 'zhao', 'XM002', '台账 我的').reply)).toEqual([b.otherClaimed]);
    const none = ok(h, 'zhao', 'XM001', '台账 我的').reply;
    expect(none).toContain('没有符合条件的工单');
  });

  it('lists overdue tickets with 超期, and flags them', () => {
    const h = setup();
    const b = board(h);
    expect(listed(ok(h, 'wang', 'XM001', '台账 超期').reply)).toEqual([]);
    h.clock.set(new Date('2026-11-02T15:00:00+08:00')); // past the 4-hour claim deadline
    const reply = ok(h, 'wang', 'XM001', '台账 超期').reply;
    expect(listed(reply)).toEqual([b.open]);
    expect(reply).toMatch(new RegExp(`#${b.open} .*⚠超期`));
  });

  it('lists every project in the coordinators’ group, naming the project of each ticket', () => {
    const h = setup();
    const b = board(h);
    const reply = ok(h, 'zhou', 'coordinators', '台账').reply;
    expect(reply.split('\n')[0]).toContain('全部项目');
    expect(listed(reply)).toEqual([b.otherClaimed, b.otherOpen, b.resolved, b.claimed, b.open]);
    expect(reply).toContain(`#${b.otherOpen} [XM002]`);
    expect(listed(ok(h, 'zhou', 'coordinators', '台账 待认领').reply)).toEqual([b.otherOpen, b.open]);
  });

  it('keeps to the project in a project group, even for coordinators and leaders', () => {
    const h = setup();
    const b = board(h);
    expect(listed(ok(h, 'zhou', 'XM002', '台账').reply)).toEqual([b.otherClaimed, b.otherOpen]);
    expect(listed(ok(h, 'li', 'XM001', 'list').reply)).toEqual([b.resolved, b.claimed, b.open]);
  });

  it('shows the first 30 and says how many more there are', () => {
    const h = setup();
    for (let i = 0; i < 32; i++) ok(h, 'chen', 'XM001', `报告 第${i + 1}处电缆被偷`);
    const reply = ok(h, 'wang', 'XM001', '台账').reply;
    expect(listed(reply)).toHaveLength(30);
    expect(reply).toContain('共32件');
    expect(reply).toContain('另有2件未列出');
  });

  it('says so when nothing matches', () => {
    const h = setup();
    expect(ok(h, 'sun', 'XM003', '台账').reply).toContain('没有符合条件的工单');
  });

  it('refuses an unknown filter, naming the ones there are', () => {
    const h = setup();
    expectRefused(h, 'wang', 'XM001', '台账 紧急的', '没有“紧急的”这个筛选条件', '待认领', '超期', '全部');
  });

  it('refuses enterprise contacts', () => {
    const h = setup();
    expectRefused(h, 'chen', 'XM001', '台账', '“台账”只能由', '您的身份是企业');
  });
});
