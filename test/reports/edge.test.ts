import { describe, expect, it } from 'vitest';
import { monthPeriod } from '../../src/reports/figures.js';
import { buildAgenda, nextMeeting, previousMeeting } from '../../src/reports/agenda.js';
import { setup, ok } from '../support/tickets.js';

describe('figures at the edges of the loop', () => {
  it('counts a ticket handed straight to a person (转办 while unclaimed) as claimed', () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    h.clock.advance(60_000);
    ok(h, 'zhou', 'coordinators', `转办 #${no} @赵警官 交警大队更熟悉情况`);
    const f = h.figures.compute(monthPeriod('2026-11')!, h.clock.now().getTime());
    expect(f.overall.claimed).toBe(1);
    expect(f.overall.claimedOnTime).toBe(1);
    expect(f.overall.medianClaimMs).toBe(60_000);
  });

  it('does not count a reopened ticket as resolved until it is resolved again', () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    ok(h, 'wang', 'XM001', `认领 #${no}`);
    ok(h, 'wang', 'XM001', `办结 #${no} 已追回`);
    ok(h, 'chen', 'XM001', `不满意 #${no} 只追回一半`);
    const f = h.figures.compute(monthPeriod('2026-11')!, h.clock.now().getTime());
    expect(f.overall.resolved).toBe(0);
    expect(f.overall.reopened).toBe(1);
    expect(f.overall.dissatisfied).toBe(1);
  });
});

describe('meeting agenda', () => {
  it('lists an item raised in the coordinators’ group once, in the full agenda only', () => {
    const h = setup();
    ok(h, 'zhou', 'coordinators', '会商 议题 通报本月各项目治安形势');
    ok(h, 'wang', 'XM001', '会商 议题 协调XM001进场道路');
    const s = h.repos.roster.meeting();
    const cal = h.calendar();
    const m = nextMeeting(s, cal, h.clock.now().getTime());
    const full = buildAgenda(h.repos, m, previousMeeting(m, s, cal), h.clock.now().getTime());
    const withItem = full.filter((a) => a.items.some((i) => i.text.includes('治安形势')));
    expect(withItem.map((a) => a.name)).toEqual(['综合议题']);
    expect(full.find((a) => a.code === 'XM001')!.items.map((i) => i.text)).toEqual(['协调XM001进场道路']);
    const xm002 = buildAgenda(h.repos, m, previousMeeting(m, s, cal), h.clock.now().getTime(), ['XM002']);
    expect(xm002.flatMap((a) => a.items)).toEqual([]);
    expect(h.say('zhou', 'coordinators', '会商').reply).toContain('**综合议题**');
  });
});
