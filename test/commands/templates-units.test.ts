import { describe } from 'vitest';
import { dailyDigest } from '../../src/jobs/daily-digest.js';
import { escalate } from '../../src/jobs/escalate.js';
import { monthlyReport } from '../../src/jobs/monthly-report.js';
import { runJob } from '../../src/jobs/runner.js';
import { lastOutboxId, queued } from '../support/outbox.js';
import { story } from '../support/story.js';
import { ok, setup } from '../support/tickets.js';

/**
 * What people read, in full, for a city and its counties (SPEC §11): 提级 and 回退, a tier 3
 * going up to the city, a county's 统计 and digest, and the city's monthly report ranking its
 * counties. Text from chat stays data (escaped) in each.
 */
describe('unit messages, as people read them', () => {
  // Each step's test replays the steps before it on a harness of its own.
  const { step } = story(() => {
    const h = setup(); // Monday 2026-11-02 10:00 in Beijing
    const at = (s: string) => h.clock.set(new Date(`${s}+08:00`));
    const sweep = async (s: string) => {
      const before = lastOutboxId(h);
      await runJob(h.jobs, escalate, new Date(`${s}+08:00`));
      return queued(h, before).filter((m) => m.to.startsWith('coordinators')).map((m) => `→ ${m.to}\n${m.text}`);
    };
    const dong = h.ticketNo(ok(h, 'dxqy', 'DX001', '报告 物流园门口被*货车*堵住'));
    const xi = h.ticketNo(ok(h, 'xxqy', 'XX001', '报告 电站工地电缆被偷'));
    return { h, at, sweep, dong, xi };
  });

  step('提级, as the county and the city read it', ({ h, dong }, expect) => {
    const said = ok(h, 'dxxt', 'coordinators:dongxian', `提级 #${dong} 涉及<@外县>运输企业`);
    expect(said.out.map((m) => `→ ${m.kind}:${m.to}\n${m.text}`)).toMatchInlineSnapshot(`
      [
        "→ reply:coordinators:dongxian
      **⬆️ 提级督办 #1**（东县物流园）
      由东县护企办提级到市护企办督办，提级人：东县蒋协调
      阻工·紧急：物流园门口被＊货车＊堵住
      当前状态：待认领，承办人：待东县冯警官认领，签收时限：2026-11-02 10:15
      提级原因：涉及＜@外县＞运输企业",
        "→ group:coordinators
      **⬆️ 提级督办 #1**（东县物流园）
      由东县护企办提级到市护企办督办，提级人：东县蒋协调
      阻工·紧急：物流园门口被＊货车＊堵住
      当前状态：待认领，承办人：待东县冯警官认领，签收时限：2026-11-02 10:15
      提级原因：涉及＜@外县＞运输企业",
      ]
    `);
  });

  step('回退, as the city and the county read it', ({ h, at, dong }, expect) => {
    at('2026-11-02T11:00');
    const said = ok(h, 'zhou', 'coordinators', `回退 #${dong} 已明确责任单位`);
    expect(said.out.map((m) => `→ ${m.kind}:${m.to}\n${m.text}`)).toMatchInlineSnapshot(`
      [
        "→ reply:coordinators
      **⬇️ 回退 #1**（东县物流园）
      由市护企办回退到东县护企办督办，回退人：周协调
      阻工·紧急：物流园门口被＊货车＊堵住
      当前状态：待认领，承办人：待东县冯警官认领，签收时限：2026-11-02 10:15
      回退原因：已明确责任单位",
        "→ group:coordinators:dongxian
      **⬇️ 回退 #1**（东县物流园）
      由市护企办回退到东县护企办督办，回退人：周协调
      阻工·紧急：物流园门口被＊货车＊堵住
      当前状态：待认领，承办人：待东县冯警官认领，签收时限：2026-11-02 10:15
      回退原因：已明确责任单位",
      ]
    `);
  });

  step('tier 3 of a county’s ticket, to the county and up to the city', async ({ sweep }, expect) => {
    await sweep('2026-11-02T14:05');
    await sweep('2026-11-03T14:05');
    expect(await sweep('2026-11-05T14:05')).toMatchInlineSnapshot(`
      [
        "→ coordinators:xixian
      **预警单**（三级预警）
      ———— 预警 #2 ————
      项目：XX001 西县光伏电站（重点项目）
      问题：盗窃，电站工地电缆被偷
      报告：尤经理，11-02 10:00
      状态：待认领，承办：待西县杨警官认领
      签收时限：11-02 14:00，已超3天
      已挂牌督办，请包联领导过问、护企办跟踪",
        "→ coordinators
      **预警单**（三级预警）
      ———— 预警 #2 ————
      项目：XX001 西县光伏电站（重点项目）
      问题：盗窃，电站工地电缆被偷
      报告：尤经理，11-02 10:00
      状态：待认领，承办：待西县杨警官认领
      签收时限：11-02 14:00，已超3天
      已挂牌督办，请包联领导过问、护企办跟踪",
      ]
    `);
  });

  step('a county’s 统计', ({ h, at }, expect) => {
    at('2026-11-30T10:00');
    expect(ok(h, 'dxxt', 'coordinators:dongxian', '统计').reply).toMatchInlineSnapshot(`
      "**2026年11月 工作统计**（东县护企办及下级单位）
      收到1件（其中提级1件）；签收及时率0.0%（0/1），按时办结率0.0%（0/1）；办结0件，销号0件
      企业自评满意率—（0/0）；回访代评0件；待回访0件；重办0件
      签收用时中位数—，办结用时中位数—
      当前超期1件（截至2026-11-30 10:00，含以前月份收到、仍在办理的工单）
      按部门：
      · 东县城关派出所：收到1，签收及时率0.0%（0/1），按时办结率0.0%（0/1），满意率—（0/0），当前超期1
      按项目：
      · 东县物流园：收到1，办结0，销号0，当前超期1
      注：比率后括号内为“达标数/应计数”；应签收、应办结指已签收、已办结或已过时限的工单，时限未到即撤回的不计，无应计工单的记“—”。"
    `);
  });

  step('a county’s daily digest', async ({ h }, expect) => {
    const before = lastOutboxId(h);
    await runJob(h.jobs, dailyDigest, new Date('2026-12-01T08:30+08:00'));
    expect(queued(h, before).filter((m) => m.to === 'coordinators:xixian').map((m) => m.text)).toMatchInlineSnapshot(`
      [
        "**🗓 联保日报 2026-12-01**（西县护企办及下级单位）
      **新收工单**（昨日 11-30，0件）
      · 无
      **待认领**（1件）
      · #2 XX001 盗窃 11-02 10:00报告，待西县杨警官认领，签收时限11-02 14:00 ⚠已超28天18小时
      **超期工单**（1件）
      · #2 XX001 盗窃，签收时限11-02 14:00，已超28天18小时，承办：待西县杨警官认领（督办）
      **延期申请待答复**（0件）
      · 无
      **待回访**（0件）
      · 无
      以上截至2026-12-01 08:30。",
      ]
    `);
  });

  step('the city’s monthly report, ranking its counties', async ({ h }, expect) => {
    const before = lastOutboxId(h);
    await runJob(h.jobs, monthlyReport, new Date('2026-12-01T09:00+08:00'));
    expect(queued(h, before).find((m) => m.kind === 'group' && m.to === 'coordinators')?.text).toMatchInlineSnapshot(`
      "**📊 2026年11月 联保工作月报**
      收到诉求2件（其中提级1件），签收及时率0.0%（0/2），按时办结率0.0%（0/2），办结0件，销号0件
      企业自评满意率—（0/0）；回访代评0件；待回访0件；重办0件；当前超期2件
      签收用时中位数—，办结用时中位数—
      **各单位排名**（按按时办结率、签收及时率、满意率依次比较；本月无应签收、应办结工单的单位不参与排名）
      1. 东县护企办：收到1，按时办结率0.0%（0/1），签收及时率0.0%（0/1），满意率—（0/0），提级1，当前超期1
      1. 西县护企办：收到1，按时办结率0.0%（0/1），签收及时率0.0%（0/1），满意率—（0/0），提级0，当前超期1
      **按部门**
      · 东县城关派出所：收到1，签收及时率0.0%（0/1），按时办结率0.0%（0/1），满意率—（0/0），当前超期1
      · 西县城南派出所：收到1，签收及时率0.0%（0/1），按时办结率0.0%（0/1），满意率—（0/0），当前超期1
      **按责任人**
      · 东县冯警官：负责1，签收及时率0.0%（0/1），按时办结率0.0%（0/1），满意率—（0/0），当前超期1
      · 西县杨警官：负责1，签收及时率0.0%（0/1），按时办结率0.0%（0/1），满意率—（0/0），当前超期1
      **按项目**
      · 东县物流园：收到1，办结0，销号0，满意率—（0/0），当前超期1
      · 西县光伏电站：收到1，办结0，销号0，满意率—（0/0），当前超期1
      注：统计2026年11月收到的工单截至2026-12-01 09:00的办理情况。比率后括号内为“达标数/应计数”：应签收、应办结指已签收、已办结或已过时限的工单（时限未到即撤回的不计），无应计工单的记“—”；无人认领的工单计入当时的责任人（项目警官或转办到的部门）。满意率只计企业自己的评价，护企办回访代评单列；当前超期指截至2026-12-01 09:00已过签收或办结时限的在办工单（含以前月份收到的）。"
    `);
  });
});
