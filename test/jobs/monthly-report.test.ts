import { describe, it, expect } from 'vitest';
import { monthlyReport } from '../../src/jobs/monthly-report.js';
import { runJob } from '../../src/jobs/runner.js';
import { missedRuns, runHere, startScheduler } from '../../src/jobs/scheduler.js';
import { findJob, JOBS } from '../../src/jobs/index.js';
import { ok, setup, THEFT, type Harness } from '../support/tickets.js';
import { destinations, lastOutboxId, queued, textFor } from '../support/outbox.js';

const at = (beijing: string) => new Date(`${beijing}+08:00`);

/** October 2026 with three reports: one closed, one still being worked, one never claimed. */
function october(): Harness {
  const h = setup('2026-10-12T02:00:00Z'); // Monday 12 October, 10:00 in Beijing
  const a = h.ticketNo(ok(h, 'chen', 'XM001', THEFT));
  const b = h.ticketNo(ok(h, 'chen', 'XM001', '报告 村民堵路阻工，车辆进不去'));
  h.ticketNo(ok(h, 'liu', 'XM002', '报告 拖欠工资引发纠纷'));
  h.clock.set(at('2026-10-12T10:10'));
  ok(h, 'wang', 'XM001', `认领 #${a}`);
  ok(h, 'wang', 'XM001', `认领 #${b}`);
  h.clock.set(at('2026-10-13T16:00'));
  ok(h, 'wang', 'XM001', `办结 #${a} 已追回被盗电缆`);
  ok(h, 'chen', 'XM001', `满意 #${a} 5 处置及时`);
  return h;
}

const LEADERS = ['person:he', 'person:li', 'person:wu'];

describe('monthly-report', () => {
  it('is listed with the other jobs and runs on the days a first working day can fall on', () => {
    expect(JOBS.map((j) => j.name).slice(0, 5)).toEqual(['escalate', 'meeting-notice', 'daily-digest', 'monthly-report', 'quarterly-report']);
    expect(findJob('monthly-report')).toBe(monthlyReport);
    expect(monthlyReport.catchUp).toBe(true);
    // October's first working day is the 8th or 9th, after the National Day holiday.
    expect(missedRuns(monthlyReport, monthlyReport.schedule, at('2025-10-08T12:00').getTime(), at('2025-10-09T12:00').getTime())).toEqual([at('2025-10-09T09:00')]);
  });

  it('reports the month before, whatever day of the month it runs', () => {
    expect(monthlyReport.periodKey(at('2026-11-02T09:00'))).toBe('2026-10');
    expect(monthlyReport.periodKey(at('2026-11-30T23:59'))).toBe('2026-10');
    expect(monthlyReport.periodKey(at('2026-01-05T09:00'))).toBe('2025-12');
    // Midnight in Beijing is still the previous day in UTC.
    expect(monthlyReport.periodKey(new Date('2026-10-31T16:30:00Z'))).toBe('2026-10');
  });

  it('sends the previous month to the coordinators and every leader, once per month; --force sends again', async () => {
    const h = october();
    h.clock.set(at('2026-11-02T09:00'));
    const first = await runJob(h.jobs, monthlyReport, h.clock.now());
    expect(first).toMatchObject({ status: 'done', periodKey: '2026-10' });
    const sent = queued(h);
    const reports = sent.filter((m) => m.text.includes('联保工作月报'));
    expect(destinations(reports).sort()).toEqual(['group:coordinators', ...LEADERS]);
    expect(textFor(reports, 'person', 'li')).toBe(textFor(reports, 'group', 'coordinators'));

    const before = lastOutboxId(h);
    expect(await runJob(h.jobs, monthlyReport, at('2026-11-02T09:00'))).toMatchObject({ status: 'skipped', periodKey: '2026-10' });
    expect(await runJob(h.jobs, monthlyReport, at('2026-11-03T09:00'))).toMatchObject({ status: 'skipped' });
    expect(queued(h, before)).toEqual([]);

    const forced = await runJob(h.jobs, monthlyReport, at('2026-11-02T09:00'), { force: true });
    expect(forced.status).toBe('done');
    expect(destinations(queued(h, before)).sort()).toEqual(['group:coordinators', ...LEADERS]);
  });

  it('waits for the first working day: a firing on a Sunday the 1st sends nothing and leaves the month to the Monday', async () => {
    const h = october();
    const before = lastOutboxId(h);
    h.clock.set(at('2026-11-01T09:00')); // Sunday
    const sunday = await runJob(h.jobs, monthlyReport, h.clock.now());
    expect(sunday.status).toBe('skipped');
    expect(sunday.status === 'skipped' && sunday.reason).toContain('2026-11-02');
    expect(queued(h, before)).toEqual([]);
    expect(h.jobs.runs.wasRun('monthly-report', '2026-10')).toBe(false);

    h.clock.set(at('2026-11-02T09:00'));
    expect((await runJob(h.jobs, monthlyReport, h.clock.now())).status).toBe('done');
    expect(queued(h, before).filter((m) => m.kind === 'group').map((m) => m.to)).toEqual(['coordinators']);
    expect(h.jobs.runs.wasRun('monthly-report', '2026-10')).toBe(true);
  });

  it('is sent once when the server comes back after being down over the 1st', async () => {
    const h = october();
    // The server was last up on 31 October (its escalation sweep ran then) …
    h.clock.set(at('2026-10-31T18:00'));
    expect((await runJob(h.jobs, findJob('escalate')!, h.clock.now())).status).toBe('done');
    const before = lastOutboxId(h);
    // … and down until Wednesday 4 November 10:00: the firings of the 1st to the 4th were missed.
    h.clock.set(at('2026-11-04T10:00'));
    const missed = missedRuns(monthlyReport, monthlyReport.schedule, at('2026-10-28T10:00').getTime(), h.clock.now().getTime());
    expect(missed).toEqual([at('2026-11-04T09:00')]); // one run for the one missed period
    const scheduler = startScheduler(runHere(h.jobs), [monthlyReport], {});
    await scheduler.caughtUp;
    await scheduler.stop();
    const reports = queued(h, before).filter((m) => m.text.includes('2026年10月 联保工作月报'));
    expect(destinations(reports).sort()).toEqual(['group:coordinators', ...LEADERS]);

    // Started again the same day: nothing is sent twice.
    const again = startScheduler(runHere(h.jobs), [monthlyReport], {});
    await again.caughtUp;
    await again.stop();
    expect(queued(h, before)).toHaveLength(reports.length);
  });

  it('reads like this', async () => {
    const h = october();
    h.clock.set(at('2026-11-02T09:00'));
    await runJob(h.jobs, monthlyReport, h.clock.now());
    expect(textFor(queued(h), 'group', 'coordinators')).toMatchInlineSnapshot(`
      "**📊 2026年10月 联保工作月报**
      收到诉求3件，签收及时率66.7%（2/3），按时办结率33.3%（1/3），办结1件，销号1件
      企业自评满意率100.0%（1/1）；回访代评0件；待回访0件；重办0件；当前超期2件
      签收用时中位数10分钟，办结用时中位数1天6小时
      **按部门**
      · 治安大队：收到2，签收及时率100.0%（2/2），按时办结率50.0%（1/2），满意率100.0%（1/1），当前超期1
      · 交警大队：收到1，签收及时率0.0%（0/1），按时办结率0.0%（0/1），满意率—（0/0），当前超期1
      **按责任人**
      · 王警官：负责2，签收及时率100.0%（2/2），按时办结率50.0%（1/2），满意率100.0%（1/1），当前超期1
      · 赵警官：负责1，签收及时率0.0%（0/1），按时办结率0.0%（0/1），满意率—（0/0），当前超期1
      **按项目**
      · 经开区新材料产业园：收到2，办结1，销号1，满意率100.0%（1/1），当前超期1
      · 城东快速路二期工程：收到1，办结0，销号0，满意率—（0/0），当前超期1
      注：统计2026年10月收到的工单截至2026-11-02 09:00的办理情况。比率后括号内为“达标数/应计数”：应签收、应办结指已签收、已办结或已过时限的工单（时限未到即撤回的不计），无应计工单的记“—”；无人认领的工单计入当时的责任人（项目警官或转办到的部门）。满意率只计企业自己的评价，护企办回访代评单列；当前超期指截至2026-11-02 09:00已过签收或办结时限的在办工单（含以前月份收到的）。"
    `);
  });
});

describe('catching up at start-up', () => {
  it('makes up nothing on a database that has never run a job (a new installation)', async () => {
    const h = october();
    h.clock.set(at('2026-11-04T10:00'));
    const before = lastOutboxId(h);
    const scheduler = startScheduler(runHere(h.jobs), JOBS.filter((j) => j.catchUp), {});
    await scheduler.caughtUp;
    await scheduler.stop();
    expect(queued(h, before)).toEqual([]);
  });
});
