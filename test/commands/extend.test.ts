import { describe, it, expect } from 'vitest';
import { OBSTRUCTION, expectRefused, lastAudit, lastMsgId, ok, sentTo, setup, ticket, ticketIn } from '../support/tickets.js';

const beijing = (s: string) => new Date(`${s}:00+08:00`).getTime();

describe('延期', () => {
  it('moves the claim deadline of an open ticket', () => {
    const h = setup();
    const no = ticketIn(h, 'open'); // claim by 2026-11-02 14:00
    const said = ok(h, 'zhou', 'coordinators', `延期 #${no} 2h 等待企业提供监控`);
    expect(said.reply).toContain(`#${no} 已延期`);
    expect(said.reply).toContain('签收时限延后2小时');
    expect(said.reply).toContain('原时限：2026-11-02 14:00 → 新时限：2026-11-02 16:00');
    expect(said.reply).toContain('等待企业提供监控');
    expect(ticket(h, no).claimDeadline).toBe(beijing('2026-11-02T16:00'));
    expect(lastAudit(h, no)).toMatchObject({
      action: 'extend',
      actorId: 'zhou',
      fromState: 'open',
      toState: 'open',
      detail: { kind: 'claim', from: beijing('2026-11-02T14:00'), to: beijing('2026-11-02T16:00'), duration: '2h', reason: '等待企业提供监控' },
      msgId: lastMsgId(h),
    });
    expect(sentTo(said, 'group')).toEqual(['XM001']);
  });

  it('moves the resolve deadline of a ticket in hand by working days', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed'); // resolve by 2026-11-09 18:00
    const said = ok(h, 'li', 'XM001', `延期 #${no} 3wd 需等待国土部门出具意见`);
    expect(said.reply).toContain('办结时限延后3个工作日');
    expect(said.reply).toContain('新时限：2026-11-12 18:00');
    expect(ticket(h, no)).toMatchObject({ resolveDeadline: beijing('2026-11-12T18:00'), claimDeadline: beijing('2026-11-02T14:00') });
  });

  it('moves the confirm deadline of a ticket waiting for evaluation', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved'); // confirm by 2026-11-05 18:00
    const said = ok(h, 'wu', 'coordinators', `延期 #${no} 2d 企业负责人出差`);
    expect(said.reply).toContain('评价时限延后2天');
    expect(ticket(h, no).confirmDeadline).toBe(beijing('2026-11-07T18:00'));
  });

  it('reads minutes and Chinese units', () => {
    const h = setup();
    const no = ticketIn(h, 'open', OBSTRUCTION); // claim by 10:15
    ok(h, 'zhou', 'coordinators', `延期 #${no} 30m 民警在路上`);
    expect(ticket(h, no).claimDeadline).toBe(beijing('2026-11-02T10:45'));
    ok(h, 'zhou', 'coordinators', `延期 #${no} 1小时 路上堵车`);
    expect(ticket(h, no).claimDeadline).toBe(beijing('2026-11-02T11:45'));
  });

  it('refuses a duration it cannot read, saying how to write one', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    for (const bad of ['0d', '-1d', '1.5d', '三天', '3w', 'abc']) {
      expectRefused(h, 'zhou', 'coordinators', `延期 #${no} ${bad} 等待材料`, `看不懂时长“${bad}”`, '3wd');
    }
  });

  it('refuses a duration longer than about a year, saying the longest in that unit', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const before = ticket(h, no).resolveDeadline;
    for (const [bad, longest] of [['500d', '366天'], ['500天', '366天'], ['300wd', '250个工作日'], ['99999999h', '8784小时']]) {
      expectRefused(h, 'zhou', 'coordinators', `延期 #${no} ${bad} 等待材料`, `延期时长“${bad}”太长，一次最多延期${longest}（约一年）`);
    }
    // Full-width digits are read as half-width, as everywhere else.
    expectRefused(h, 'zhou', 'coordinators', `延期 #${no} ５００ｄ 等待材料`, '一次最多延期366天');
    expect(ticket(h, no).resolveDeadline).toBe(before);
  });

  it('refuses an extension without a duration or a reason', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'zhou', 'coordinators', `延期 #${no}`, '请写明延期多久', '延期 #12 3wd');
    expectRefused(h, 'zhou', 'coordinators', `延期 #${no} 3wd`, '请写明延期原因');
  });

  it('refuses a finished ticket', () => {
    const h = setup();
    expectRefused(h, 'zhou', 'coordinators', `延期 #${ticketIn(h, 'closed')} 1d 补材料`, '「已销号」', '没有可以延期的时限');
    expectRefused(h, 'zhou', 'coordinators', `延期 #${ticketIn(h, 'withdrawn')} 1d 补材料`, '「已撤回」');
  });

  it('refuses officers and enterprise contacts', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'wang', 'XM001', `延期 #${no} 1d 来不及`, '“延期”只能由护企办、包联领导使用');
    expectRefused(h, 'chen', 'XM001', `延期 #${no} 1d 来不及`, '“延期”只能由');
  });
});
