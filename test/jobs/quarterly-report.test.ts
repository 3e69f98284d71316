import { describe, it, expect } from 'vitest';
import { emptyRow, type FigureRow } from '../../src/reports/figures.js';
import { quarterlyReport, rankDepartments } from '../../src/jobs/quarterly-report.js';
import { runJob } from '../../src/jobs/runner.js';
import { ok, setup, THEFT } from '../support/tickets.js';
import { destinations, lastOutboxId, queued, textFor } from '../support/outbox.js';

const at = (beijing: string) => new Date(`${beijing}+08:00`);

function row(key: string, name: string, f: Partial<FigureRow>): FigureRow {
  return { ...emptyRow(key, name), ...f };
}

describe('the ranking of departments', () => {
  it('goes by 按时办结率, then 签收及时率, then 满意率; equal departments share a place; nothing due, no place (SPEC §6)', () => {
    const ranked = rankDepartments([
      row('a', '甲', { received: 5, resolveDue: 4, resolvedOnTime: 2, claimDue: 4, claimedOnTime: 4, satisfied: 2 }), // 50%, 100%
      row('b', '乙', { received: 3, resolveDue: 2, resolvedOnTime: 2, claimDue: 2, claimedOnTime: 1, satisfied: 1, dissatisfied: 1 }), // 100%
      row('c', '丙', { received: 9, resolveDue: 4, resolvedOnTime: 2, claimDue: 4, claimedOnTime: 2, satisfied: 2 }), // 50%, 50%, 100%
      row('d', '丁', { received: 4, resolveDue: 2, resolvedOnTime: 1, claimDue: 2, claimedOnTime: 1, satisfied: 1, dissatisfied: 1 }), // 50%, 50%, 50%
      row('e', '戊', { received: 8, resolveDue: 4, resolvedOnTime: 2, claimDue: 4, claimedOnTime: 2, satisfied: 3, dissatisfied: 3 }), // ties with 丁
      row('f', '己', { received: 7, claimDue: 3 }), // nothing resolved or due to be: its 按时办结率 is “—”, last
      row('g', '庚', { received: 5 }), // nothing due yet: not ranked at all
      row(':none', '（未分派）', { received: 20, resolveDue: 20, resolvedOnTime: 20 }),
      row(':coordinators', '护企办', { received: 1, resolveDue: 1, resolvedOnTime: 1 }),
    ]);
    expect(ranked.map((r) => `${r.rank} ${r.row.name}`)).toEqual(['1 乙', '2 甲', '3 丙', '4 丁', '4 戊', '6 己']);
  });
});

describe('quarterly-report', () => {
  it('reports the quarter before as YYYY-Qn', () => {
    expect(quarterlyReport.periodKey(at('2026-10-08T09:00'))).toBe('2026-Q3');
    expect(quarterlyReport.periodKey(at('2027-01-04T09:00'))).toBe('2026-Q4');
    expect(quarterlyReport.periodKey(at('2026-04-01T09:00'))).toBe('2026-Q1');
  });

  it('sends 季度通报 on the quarter’s first working day, with the ranking, the overdue and the supervised tickets', async () => {
    const h = setup('2026-08-03T02:00:00Z'); // Monday 3 August, 10:00
    const closed = h.ticketNo(ok(h, 'chen', 'XM001', THEFT));
    const unclaimed = h.ticketNo(ok(h, 'chen', 'XM001', '报告 工地围挡被人推倒'));
    const late = h.ticketNo(ok(h, 'liu', 'XM002', '报告 工地夜间钢筋被盗'));
    const stuck = h.ticketNo(ok(h, 'ma', 'XM003', '报告 材料堆场夜间被盗'));
    ok(h, 'wang', 'XM001', `认领 #${closed}`);
    ok(h, 'zhao', 'XM002', `认领 #${late}`);
    ok(h, 'sun', 'XM003', `认领 #${stuck}`);
    ok(h, 'zhou', 'XM003', `督办 #${stuck} 请加快办理`);
    h.clock.set(at('2026-08-04T10:00'));
    ok(h, 'wang', 'XM001', `办结 #${closed} 已追回`);
    ok(h, 'chen', 'XM001', `满意 #${closed}`);
    h.clock.set(at('2026-08-20T10:00'));
    ok(h, 'zhao', 'XM002', `办结 #${late} 已追回`);

    const before = lastOutboxId(h);
    // 1 October is National Day: the quarter's first working day is the 8th.
    h.clock.set(at('2026-10-01T09:00'));
    const holiday = await runJob(h.jobs, quarterlyReport, h.clock.now());
    expect(holiday.status === 'skipped' && holiday.reason).toContain('2026-10-08');
    expect(queued(h, before)).toEqual([]);
    expect(h.jobs.runs.wasRun('quarterly-report', '2026-Q3')).toBe(false);

    h.clock.set(at('2026-10-08T09:00'));
    expect(await runJob(h.jobs, quarterlyReport, h.clock.now())).toMatchObject({ status: 'done', periodKey: '2026-Q3' });
    const sent = queued(h, before);
    expect(destinations(sent).sort()).toEqual(['group:coordinators', 'person:he', 'person:li', 'person:wu']);
    const text = textFor(sent, 'group', 'coordinators');
    expect(text).toContain('2026年第3季度');
    const ranking = text.split('\n').filter((l) => /^\d+\. /.test(l)).map((l) => l.split('：')[0]);
    // 治安大队: #1 on time, #2 never claimed (late on both counts) → 1/2; 交警大队 and 开发区派出所:
    // resolved late or not at all, both claimed on time, no answers → equal, second.
    expect(ranking).toEqual(['1. 治安大队', '2. 交警大队', '2. 开发区派出所']);
    const overdue = text.slice(text.indexOf('三、超期工单'), text.indexOf('四、挂牌督办工单'));
    expect(overdue).toContain('共2件');
    expect(overdue).toContain(`#${unclaimed} XM001 经开区新材料产业园 盗窃，签收时限08-03 14:00，已超`);
    expect(overdue).toContain(`#${stuck} XM003 高铁新城安置小区 盗窃，办结时限08-10 18:00，已超`);
    expect(overdue).toContain('承办：孙警官（督办）');
    expect(overdue).not.toContain(`#${late} `);
    const supervised = text.slice(text.indexOf('四、挂牌督办工单'));
    expect(supervised).toContain('共1件');
    expect(supervised).toContain(`#${stuck} XM003 高铁新城安置小区 盗窃 办理中，承办：孙警官`);
    expect(text).toContain('排名规则：按“按时办结率”从高到低排列');
    expect(text).toMatchInlineSnapshot(`
      "**📋 2026年第3季度 联保工作通报**
      共收到诉求4件，签收及时率75.0%（3/4），按时办结率25.0%（1/4），办结2件，销号1件
      企业自评满意率100.0%（1/1）；回访代评0件；待回访0件；重办0件
      签收用时中位数0分钟，办结用时中位数9天
      **一、各部门情况及排名**
      1. 治安大队：收到2，按时办结率50.0%（1/2），签收及时率50.0%（1/2），满意率100.0%（1/1），重办0，当前超期1
      2. 交警大队：收到1，按时办结率0.0%（0/1），签收及时率100.0%（1/1），满意率—（0/0），重办0，当前超期0
      2. 开发区派出所：收到1，按时办结率0.0%（0/1），签收及时率100.0%（1/1），满意率—（0/0），重办0，当前超期1
      **二、各项目情况**
      · 经开区新材料产业园：收到2，签收及时率50.0%（1/2），按时办结率50.0%（1/2），销号1，满意率100.0%（1/1），当前超期1
      · 城东快速路二期工程：收到1，签收及时率100.0%（1/1），按时办结率0.0%（0/1），销号0，满意率—（0/0），当前超期0
      · 高铁新城安置小区：收到1，签收及时率100.0%（1/1），按时办结率0.0%（0/1），销号0，满意率—（0/0），当前超期1
      **三、超期工单**（截至2026-10-08 09:00，共2件）
      · #2 XM001 经开区新材料产业园 盗窃，签收时限08-03 14:00，已超65天19小时，承办：待王警官认领
      · #4 XM003 高铁新城安置小区 盗窃，办结时限08-10 18:00，已超58天15小时，承办：孙警官（督办）
      **四、挂牌督办工单**（共1件）
      · #4 XM003 高铁新城安置小区 盗窃 办理中，承办：孙警官，办结时限08-10 18:00（已超58天15小时）
      排名规则：按“按时办结率”从高到低排列；相同时比较“签收及时率”，再比较“满意率”；无应计工单的比率（“—”）计为最低；三项均相同的名次并列。本季度没有应签收、应办结工单的部门，以及未分派工单和护企办直办的执法投诉，不参与排名。
      统计口径：本季度收到的工单及其截至2026-10-08 09:00的办理情况；比率后括号内为“达标数/应计数”，应签收、应办结指已签收、已办结或已过时限的工单（时限未到即撤回的不计）；满意率＝企业自评满意÷（满意＋不满意），护企办回访代评单列，未评价不计入。"
    `);

    expect(await runJob(h.jobs, quarterlyReport, at('2026-10-09T09:00'))).toMatchObject({ status: 'skipped' });
  });
});
