import { describe, it, expect } from 'vitest';
import { meetingNotice } from '../../src/jobs/meeting-notice.js';
import { runJob } from '../../src/jobs/runner.js';
import { ok, setup, THEFT, type Harness } from '../support/tickets.js';
import { destinations, lastOutboxId, queued, textFor } from '../support/outbox.js';

const at = (beijing: string) => new Date(`${beijing}+08:00`);
const ALL_GROUPS = ['group:XM001', 'group:XM002', 'group:XM003', 'group:coordinators'];

/** Runs the 09:00 firing of a day with the clock at that time; returns what it queued. */
async function nineOClock(h: Harness, date: string) {
  const before = lastOutboxId(h);
  h.clock.set(at(`${date}T09:00`));
  const r = await runJob(h.jobs, meetingNotice, h.clock.now());
  expect(r.status).toBe('done');
  return { summary: r.status === 'done' ? r.summary : '', sent: queued(h, before) };
}

/**
 * November 2026: the meeting is on Wednesday the 25th at 15:00 (roster: day 25, notice 3 working
 * days before, so on Friday the 20th). XM001 has an unclaimed report and one being worked that a
 * coordinator supervises, and an agenda item; XM002 has a reopened one; XM003 has nothing.
 */
function november() {
  const h = setup('2026-11-02T02:00:00Z');
  const unclaimed = h.ticketNo(ok(h, 'chen', 'XM001', THEFT));
  const supervised = h.ticketNo(ok(h, 'chen', 'XM001', '报告 工地围挡被人推倒'));
  const reopened = h.ticketNo(ok(h, 'liu', 'XM002', '报告 拖欠工资引发纠纷'));
  ok(h, 'wang', 'XM001', `认领 #${supervised}`);
  ok(h, 'zhou', 'XM001', `督办 #${supervised} 请加快办理`);
  ok(h, 'zhao', 'XM002', `认领 #${reopened}`);
  ok(h, 'zhao', 'XM002', `办结 #${reopened} 已协调支付`);
  ok(h, 'liu', 'XM002', `不满意 #${reopened} 只付了一半`);
  ok(h, 'wang', 'XM001', '会商 议题 协调解决进场道路问题');
  return { h, unclaimed, supervised, reopened };
}

describe('meeting-notice', () => {
  it('sends each project group its own agenda and the coordinators all of them, on the notice day only', async () => {
    const { h, unclaimed, supervised, reopened } = november();
    expect((await nineOClock(h, '2026-11-19')).sent).toEqual([]);

    const { sent } = await nineOClock(h, '2026-11-20');
    expect(destinations(sent).sort()).toEqual(ALL_GROUPS);
    const xm001 = textFor(sent, 'group', 'XM001');
    expect(xm001).toContain('月度会商');
    expect(xm001).toContain('时间：2026-11-25 15:00');
    expect(xm001).toContain('地点：市公安局三楼会议室');
    expect(xm001).toContain('项目业主、施工单位');
    expect(xm001).toContain(`#${unclaimed}（待王警官认领）`); // overdue since its claim deadline
    expect(xm001).toContain(`#${supervised}（王警官）`);
    expect(xm001).toContain('议题：协调解决进场道路问题（王警官）');
    expect(xm001).not.toContain('XM002');
    const xm002 = textFor(sent, 'group', 'XM002');
    expect(xm002).toContain(`重办：#${reopened}（赵警官）`);
    expect(xm002).not.toContain('协调解决进场道路问题');
    expect(textFor(sent, 'group', 'XM003')).toContain('暂无待议事项');
    const all = textFor(sent, 'group', 'coordinators');
    for (const part of ['XM001', 'XM002', 'XM003', `#${unclaimed}`, `#${reopened}`, '协调解决进场道路问题']) expect(all).toContain(part);

    // The agenda is the one `会商` shows in the project's group.
    expect(h.say('chen', 'XM001', '会商').reply).toBe(xm001);

    for (const quiet of ['2026-11-21', '2026-11-23', '2026-11-24', '2026-11-26']) {
      expect((await nineOClock(h, quiet)).sent, quiet).toEqual([]);
    }
  });

  it('sends a reminder on the meeting day', async () => {
    const { h } = november();
    const { sent } = await nineOClock(h, '2026-11-25');
    expect(destinations(sent).sort()).toEqual(ALL_GROUPS);
    expect(textFor(sent, 'group', 'XM001')).toMatch(/^\*\*今日会商提醒\*\*\n时间：2026-11-25 15:00/);
  });

  it('moves a meeting on a Sunday to the Friday before, and counts the notice from there', async () => {
    const h = setup('2026-10-19T02:00:00Z');
    // 2026-10-25 is a Sunday: the meeting is on Friday the 23rd, the notice three working days before.
    expect((await nineOClock(h, '2026-10-19')).sent).toEqual([]);
    const notice = await nineOClock(h, '2026-10-20');
    expect(destinations(notice.sent).sort()).toEqual(ALL_GROUPS);
    expect(textFor(notice.sent, 'group', 'coordinators')).toContain('时间：2026-10-23 15:00');
    expect((await nineOClock(h, '2026-10-22')).sent).toEqual([]);
    const reminder = await nineOClock(h, '2026-10-23');
    expect(textFor(reminder.sent, 'group', 'XM002')).toContain('今日会商提醒');
    expect((await nineOClock(h, '2026-10-25')).sent).toEqual([]);
    expect((await nineOClock(h, '2026-10-26')).summary).toContain('2026-11-25');
  });

  it('runs once per day, and a run made up after the meeting is over sends nothing', async () => {
    const { h } = november();
    await nineOClock(h, '2026-11-20');
    const before = lastOutboxId(h);
    expect(await runJob(h.jobs, meetingNotice, at('2026-11-20T09:00'))).toMatchObject({ status: 'skipped', periodKey: '2026-11-20' });

    // The server was down on the meeting day until 16:00: the 09:00 reminder is not sent late.
    h.clock.set(at('2026-11-25T16:00'));
    const late = await runJob(h.jobs, meetingNotice, at('2026-11-25T09:00'));
    expect(late.status === 'done' && late.summary).toContain('的会商已经结束');
    expect(queued(h, before)).toEqual([]);
  });

  it('reads like this', async () => {
    const { h } = november();
    const { sent } = await nineOClock(h, '2026-11-20');
    expect(textFor(sent, 'group', 'XM001')).toMatchInlineSnapshot(`
      "**月度会商（三方联席会议）**
      时间：2026-11-25 15:00
      地点：市公安局三楼会议室
      参加：项目责任单位、项目业主、施工单位（三方），护企办
      议程：
      **XM001 经开区新材料产业园**
      · 超期：#2（王警官） #1（待王警官认领）
      · 待认领：#1（盗窃）
      · 督办：#2（王警官）
      · 议题：协调解决进场道路问题（王警官）"
    `);
  });
});
