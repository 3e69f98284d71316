import { describe, it, expect } from 'vitest';
import { expectRefused, ok, setup, ticketIn } from '../support/tickets.js';

describe('统计', () => {
  it('shows this month’s figures by default', () => {
    const h = setup();
    ticketIn(h, 'closed');
    ticketIn(h, 'open');
    const reply = ok(h, 'zhou', 'coordinators', '统计').reply;
    expect(reply.split('\n')[0]).toContain('2026年11月 工作统计');
    expect(reply).toContain('收到2件');
    expect(reply).toContain('销号1件');
    expect(reply).toContain('企业自评满意率100.0%（1/1）');
    expect(reply).toContain('治安大队');
    expect(reply).toContain('经开区新材料产业园');
    // SPEC §6: which tickets “当前超期” covers, and as of when.
    expect(reply).toContain('当前超期0件（截至2026-11-02 10:00，含以前月份收到、仍在办理的工单）');
  });

  it('shows every rate with what it counts, and — when nothing was due, never 100%', () => {
    const h = setup();
    ticketIn(h, 'open'); // claim deadline 14:00, not yet passed
    const reply = ok(h, 'zhou', 'coordinators', '统计').reply;
    expect(reply).toContain('签收及时率—（0/0），按时办结率—（0/0）');
    h.clock.set(new Date('2026-11-02T15:00:00+08:00'));
    // Now past its claim deadline with nobody claiming it: due, and late.
    expect(ok(h, 'zhou', 'coordinators', '统计').reply).toContain('签收及时率0.0%（0/1）');
  });

  it('shows a given month, written in the ways people write it', () => {
    const h = setup('2026-10-15T02:00:00Z');
    ticketIn(h, 'open');
    h.clock.set(new Date('2026-11-03T10:00:00+08:00'));
    for (const month of ['2026-10', '2026年10月', '2026/10', '２０２６－１０']) {
      const reply = ok(h, 'li', 'XM001', `统计 ${month}`).reply;
      expect(reply.split('\n')[0], month).toContain('2026年10月');
      expect(reply, month).toContain('收到1件');
    }
    expect(ok(h, 'li', 'XM001', '统计').reply).toContain('收到0件');
  });

  it('refuses a month it cannot read, saying how to write one', () => {
    const h = setup();
    for (const bad of ['2026-13', '2026-0', '十月', '26-10', '2026-10-01', '上个月']) {
      expectRefused(h, 'zhou', 'coordinators', `统计 ${bad}`, `看不懂月份“${bad}”`, '统计 2026-10');
    }
    // The example is always last month, across a year's end too.
    h.clock.set('2027-01-05T02:00:00Z');
    expectRefused(h, 'zhou', 'coordinators', '统计 上个月', '例如：统计 2026-12');
  });

  it('refuses officers and enterprise contacts', () => {
    const h = setup();
    expectRefused(h, 'wang', 'XM001', '统计', '“统计”只能由护企办、包联领导使用');
    expectRefused(h, 'chen', 'XM001', '统计 2026-10', '“统计”只能由');
  });
});
