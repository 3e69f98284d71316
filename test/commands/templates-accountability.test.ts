import { describe } from 'vitest';
import { story } from '../support/story.js';
import { dailyDigest } from '../../src/jobs/daily-digest.js';
import { escalate } from '../../src/jobs/escalate.js';
import { runJob } from '../../src/jobs/runner.js';
import { ok, setup, textTo } from '../support/tickets.js';
import { lastOutboxId, queued } from '../support/outbox.js';

/**
 * What people read, in full, for the messages of accountability (issue 15): the reminder before a
 * deadline, the direct tiers, extension requests and their answers, 回访, 改类 and the digest.
 */
describe('accountability messages, as people read them', () => {
  // Each step's test replays the steps before it on a harness of its own.
  const { step } = story(() => {
    const h = setup(); // Monday 2026-11-02 10:00 in Beijing
    const at = (s: string) => h.clock.set(new Date(`${s}+08:00`));
    const sweep = async (s: string) => {
      const before = lastOutboxId(h);
      await runJob(h.jobs, escalate, new Date(`${s}+08:00`));
      return queued(h, before).map((m) => `→ ${m.to}\n${m.text}`);
    };
    const theft = h.ticketNo(ok(h, 'chen', 'XM001', '报告 工地电缆被盗，损失约两万元'));
    const traffic = h.ticketNo(ok(h, 'liu', 'XM002', '报告 渣土车通行受阻'));
    /** the ticket reported in the 回访 step */
    const later = { other: 0 };
    return { h, at, sweep, theft, traffic, later };
  });

  step('the 临期提醒, directly to whoever is accountable', async ({ sweep }, expect) => {
    expect(await sweep('2026-11-02T13:00')).toMatchInlineSnapshot(`
      [
        "→ wang
      **⏳ 临期提醒** 以下工单的时限快到了，请抓紧：
      #1 经开区新材料产业园 盗窃 待认领，签收时限11-02 14:00（还剩1小时），请认领",
        "→ zhao
      **⏳ 临期提醒** 以下工单的时限快到了，请抓紧：
      #2 城东快速路二期工程 交通 待认领，签收时限11-02 14:00（还剩1小时），请认领",
      ]
    `);
  });

  step('tier 1 directly, and tier 2 to the department’s head', async ({ sweep }, expect) => {
    expect(await sweep('2026-11-02T14:30')).toMatchInlineSnapshot(`
      [
        "→ XM001
      **⏰ 超期提醒**（一级）经开区新材料产业园
      以下工单已超过时限，请尽快处理：
      #1 盗窃 签收时限11-02 14:00，已超30分钟，请 <@wang|王警官> 认领",
        "→ XM002
      **⏰ 超期提醒**（一级）城东快速路二期工程
      以下工单已超过时限，请尽快处理：
      #2 交通 签收时限11-02 14:00，已超30分钟，请 <@zhao|赵警官> 认领",
        "→ wang
      **⏰ 超期提醒**（一级）
      以下工单已超过时限，请尽快处理：
      #1 经开区新材料产业园 盗窃 签收时限11-02 14:00，已超30分钟，请 <@wang|王警官> 认领",
        "→ zhao
      **⏰ 超期提醒**（一级）
      以下工单已超过时限，请尽快处理：
      #2 城东快速路二期工程 交通 签收时限11-02 14:00，已超30分钟，请 <@zhao|赵警官> 认领",
      ]
    `);
    expect(await sweep('2026-11-03T14:30')).toMatchInlineSnapshot(`
      [
        "→ coordinators
      **督促**（二级）以下工单超期未办，请督促落实：
      #1 经开区新材料产业园 盗窃 待认领，签收时限11-02 14:00，已超1天，承办：待王警官认领
      #2 城东快速路二期工程 交通 待认领，签收时限11-02 14:00，已超1天，承办：待赵警官认领",
        "→ li
      **督促**（二级）以下工单超期未办，请督促落实：
      #1 经开区新材料产业园 盗窃 待认领，签收时限11-02 14:00，已超1天，承办：待王警官认领",
        "→ zhang
      **督促**（二级）以下工单超期未办，请督促落实：
      #1 经开区新材料产业园 盗窃 待认领，签收时限11-02 14:00，已超1天，承办：待王警官认领",
        "→ he
      **督促**（二级）以下工单超期未办，请督促落实：
      #2 城东快速路二期工程 交通 待认领，签收时限11-02 14:00，已超1天，承办：待赵警官认领",
        "→ wu
      **督促**（二级）以下工单超期未办，请督促落实：
      #2 城东快速路二期工程 交通 待认领，签收时限11-02 14:00，已超1天，承办：待赵警官认领",
      ]
    `);
  });

  step('an extension request, as the assignee and the coordinators read it, and its answers', ({ h, at, traffic }, expect) => {
    at('2026-11-03T15:00');
    ok(h, 'zhao', 'XM002', `认领 #${traffic}`);
    const asked = ok(h, 'zhao', 'XM002', `申请延期 #${traffic} 3wd 等待交警部门现场勘查`);
    expect(asked.reply).toMatchInlineSnapshot(`
      "已提交 #2 的延期申请，等待护企办或包联领导答复；答复前时限不变。
      **延期申请** #2（城东快速路二期工程） 申请人：赵警官
      交通·一般：渣土车通行受阻
      办结时限：2026-11-09 18:00，申请延后3个工作日
      原因：等待交警部门现场勘查"
    `);
    expect(textTo(asked, 'group', 'coordinators')).toMatchInlineSnapshot(`
      "**延期申请** #2（城东快速路二期工程） 申请人：赵警官
      交通·一般：渣土车通行受阻
      办结时限：2026-11-09 18:00，申请延后3个工作日
      原因：等待交警部门现场勘查
      同意请发送“批准延期 #2”，不同意请发送“驳回延期 #2 原因”"
    `);
    const approved = ok(h, 'wu', 'coordinators', `批准延期 #${traffic}`);
    expect(approved.reply).toMatchInlineSnapshot(`
      "**#2 已延期**（吴主任批准赵警官的申请）：办结时限延后3个工作日
      原时限：2026-11-09 18:00 → 新时限：2026-11-12 18:00
      原因：等待交警部门现场勘查"
    `);
    expect(textTo(approved, 'person', 'zhao')).toMatchInlineSnapshot(`"**#2 延期申请已批准**（吴主任）：办结时限延后3个工作日，新时限：2026-11-12 18:00"`);
    ok(h, 'zhao', 'XM002', `申请延期 #${traffic} 1wd 还需协调`);
    const rejected = ok(h, 'wu', 'coordinators', `驳回延期 #${traffic} 本周内必须办结`);
    expect(textTo(rejected, 'person', 'zhao')).toMatchInlineSnapshot(`
      "**#2 延期申请未获批准**（吴主任）：申请延后1个工作日，办结时限仍为2026-11-12 18:00
      原因：本周内必须办结"
    `);
  });

  step('改类, in the group and when it becomes a conduct complaint', ({ h, at, theft }, expect) => {
    at('2026-11-03T16:00');
    expect(ok(h, 'wang', 'XM001', `改类 #${theft} 纠纷`).reply).toMatchInlineSnapshot(`
      "**#1 已改类**（王警官）：盗窃·一般 → 纠纷·一般
      签收时限：2026-11-02 14:00（已超1天2小时），办结时限：2026-11-09 18:00
      当前状态：待认领，承办：待王警官认领"
    `);
    const moved = ok(h, 'wang', 'XM001', `改类 #${theft} 执法投诉`);
    expect(moved.reply).toMatchInlineSnapshot(`"#1 已转护企办处理"`);
    expect(textTo(moved, 'group', 'coordinators')).toMatchInlineSnapshot(`
      "**执法投诉 #1**（经开区新材料产业园）
      由王警官改类为执法投诉（原为纠纷·一般）
      报告人：陈经理
      内容：工地电缆被盗，损失约两万元
      签收时限：2026-11-03 20:00
      按规定不交项目警官办理，请护企办认领：发送“认领 #1”"
    `);
  });

  step('待回访 and 回访, both ways', async ({ h, at, sweep, traffic, later }, expect) => {
    at('2026-11-04T10:00');
    ok(h, 'zhao', 'XM002', `办结 #${traffic} 已疏导，恢复通行`);
    later.other = h.ticketNo(ok(h, 'liu', 'XM002', '报告 工地夜间钢筋被盗'));
    ok(h, 'zhao', 'XM002', `认领 #${later.other}`);
    ok(h, 'zhao', 'XM002', `办结 #${later.other} 已追回`);
    // Confirm by 11-09 18:00, 3 working days later; nobody answers.
    expect(await sweep('2026-11-10T09:00')).toMatchInlineSnapshot(`
      [
        "→ coordinators
      **预警单**（三级预警）
      ———— 预警 #1 ————
      项目：XM001 经开区新材料产业园（重大项目）
      问题：执法投诉，工地电缆被盗，损失约两万元
      报告：陈经理，11-02 10:00
      状态：待认领，承办：待护企办认领
      签收时限：11-03 20:00，已超6天13小时
      已挂牌督办，请包联领导过问、护企办跟踪",
        "→ coordinators
      **待回访**：以下工单评价时限已过，报告企业未评价，请电话回访后发送“回访 #N 满意”或“回访 #N 不满意 说明”
      · #2 城东快速路二期工程 交通，报告人：刘经理，承办：赵警官，评价时限11-09 18:00
      · #3 城东快速路二期工程 盗窃，报告人：刘经理，承办：赵警官，评价时限11-09 18:00",
      ]
    `);
    at('2026-11-10T10:00');
    expect(ok(h, 'zhou', 'coordinators', `回访 #${traffic} 满意 4 电话回访项目经理`).reply).toMatchInlineSnapshot(`
      "**#2 已销号** ✅ 回访（代评）：满意，4分，电话回访项目经理
      周协调电话回访了报告企业"
    `);
    expect(ok(h, 'zhou', 'coordinators', `回访 #${later.other} 不满意 企业说只追回一半`).reply).toMatchInlineSnapshot(`
      "**#3 退回重办**（第1次）
      回访（代评）不满意：企业说只追回一半（周协调）
      请 <@zhao|赵警官> 重新办理，办结时限：2026-11-17 18:00"
    `);
  });

  step('the daily digest with what waits for the coordinators', async ({ h, at, later }, expect) => {
    at('2026-11-10T11:00');
    ok(h, 'zhao', 'XM002', `申请延期 #${later.other} 2d 等待鉴定`);
    const before = lastOutboxId(h);
    await runJob(h.jobs, dailyDigest, new Date('2026-11-11T08:30:00+08:00'));
    expect(queued(h, before).map((m) => m.text)).toMatchInlineSnapshot(`
      [
        "**🗓 联保日报 2026-11-11**
      **新收工单**（昨日 11-10，0件）
      · 无
      **待认领**（1件）
      · #1 XM001 执法投诉 11-02 10:00报告，待护企办认领，签收时限11-03 20:00 ⚠已超7天12小时
      **超期工单**（1件）
      · #1 XM001 执法投诉，签收时限11-03 20:00，已超7天12小时，承办：待护企办认领（督办）
      **延期申请待答复**（1件）
      · #3 XM002 盗窃，赵警官11-10 11:00申请延后2天，办结时限2026-11-17 18:00：等待鉴定
      **待回访**（0件）
      · 无
      以上截至2026-11-11 08:30。",
      ]
    `);
  });
});
