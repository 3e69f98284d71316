import { describe, it, expect } from 'vitest';
import { story } from '../support/story.js';
import { escalate } from '../../src/jobs/escalate.js';
import { runJob } from '../../src/jobs/runner.js';
import { ok, setup } from '../support/tickets.js';
import { harness } from '../support/harness.js';

/**
 * The rest of what people read, in full: the notices around transfers, summons, supervision and
 * deadlines, the lists, and the escalation tiers.
 */
describe('more messages, as people read them', () => {
  // Each step's test replays the steps before it on a harness of its own.
  const { step } = story(() => {
    const h = setup(); // Monday 2026-11-02 10:00 in Beijing
    const at = (s: string) => h.clock.set(new Date(`${s}+08:00`));
    const no = h.ticketNo(ok(h, 'chen', 'XM001', '报告 工地电缆被盗，损失约两万元'));
    const other = h.ticketNo(ok(h, 'liu', 'XM002', '报告 渣土车通行受阻'));
    return { h, at, no, other };
  });

  step('note added', ({ h, no }, expect) => {
    expect(ok(h, 'chen', 'XM001', `补充 #${no} 监控拍到一辆白色面包车`).reply).toMatchInlineSnapshot(`
      "**#1 补充情况**（陈经理）
      监控拍到一辆白色面包车"
    `);
  });

  step('transferred, and the notice the new department reads', ({ h, at, no }, expect) => {
    at('2026-11-02T10:30');
    const said = ok(h, 'zhou', 'coordinators', `转办 #${no} 刑侦大队 涉嫌盗窃，请刑侦处理`);
    expect(said.reply).toMatchInlineSnapshot(`
      "**#1 已转办**：由 周协调 转给 刑侦大队
      原因：涉嫌盗窃，请刑侦处理
      当前状态：待认领，签收时限：2026-11-02 14:30
      办结时限：2026-11-09 18:00（转办不改变办结时限）
      提示：名册中刑侦大队没有群，也没有联络人，系统无法通知该部门，请电话告知；可在名册中为该部门添加联络人或群"
    `);
    expect(said.out.find((m) => m.kind === 'reply' && m.text.includes('提示'))?.text).toMatchInlineSnapshot(`"提示：名册中刑侦大队没有群，也没有联络人，系统无法通知该部门，请电话告知；可在名册中为该部门添加联络人或群"`);
  });

  step('summoned, the request the department reads, and its check-in', ({ h, other }, expect) => {
    ok(h, 'zhao', 'XM002', `认领 #${other}`);
    const said = ok(h, 'zhao', 'XM002', `吹哨 #${other} 开发区派出所 请协助疏导`);
    expect(said.reply).toMatchInlineSnapshot(`
      "**#2 吹哨**：赵警官 请开发区派出所协同办理（请协助疏导）
      请开发区派出所民警发送“报到 #2”"
    `);
    expect(said.out.find((m) => m.kind === 'person')?.text).toMatchInlineSnapshot(`
      "**吹哨协同请求** #2（城东快速路二期工程）
      赵警官 请开发区派出所协同办理：请协助疏导
      问题：交通·一般，渣土车通行受阻
      承办人：赵警官，办结时限：2026-11-09 18:00
      请发送“报到 #2”加入办理"
    `);
    expect(ok(h, 'sun', 'XM002', `报到 #${other}`).reply).toMatchInlineSnapshot(`"**#2** 开发区派出所已报到（孙警官），协同办理"`);
  });

  step('supervised and extended', ({ h, no, other }, expect) => {
    expect(ok(h, 'li', 'XM001', `督办 #${no} 本周内破案`).reply).toMatchInlineSnapshot(`
      "**挂牌督办 #1**（经开区新材料产业园） 督办人：李局长
      盗窃·一般：工地电缆被盗，损失约两万元
      当前状态：待认领，承办人：待刑侦大队认领，签收时限：2026-11-02 14:30
      督办要求：本周内破案"
    `);
    expect(ok(h, 'zhou', 'coordinators', `延期 #${other} 3wd 等待交警部门现场勘查`).reply).toMatchInlineSnapshot(`
      "**#2 已延期**（周协调）：办结时限延后3个工作日
      原时限：2026-11-09 18:00 → 新时限：2026-11-12 18:00
      原因：等待交警部门现场勘查"
    `);
    expect(h.say('zhou', 'coordinators', `延期 #${other} 500d 等待交警部门现场勘查`).reply).toMatchInlineSnapshot(`"延期时长“500d”太长，一次最多延期366天（约一年），请写成 366d 或更短"`);
  });

  step('the ledger and the month’s figures', ({ h }, expect) => {
    expect(ok(h, 'zhou', 'coordinators', '台账').reply).toMatchInlineSnapshot(`
      "**台账 · 全部项目 · 在办**（共2件）
      #2 [XM002] 交通 办理中 赵警官 时限11-12 18:00：渣土车通行受阻
      #1 [XM001] 盗窃 待认领 待刑侦大队认领 时限11-02 14:30 督办：工地电缆被盗，损失约两万元"
    `);
    expect(ok(h, 'zhou', 'coordinators', '统计 2026-11').reply).toMatchInlineSnapshot(`
      "**2026年11月 工作统计**
      收到2件；签收及时率100.0%（1/1），按时办结率—（0/0）；办结0件，销号0件
      企业自评满意率—（0/0）；回访代评0件；待回访0件；重办0件
      签收用时中位数30分钟，办结用时中位数—
      当前超期0件（截至2026-11-02 10:30，含以前月份收到、仍在办理的工单）
      按部门：
      · 交警大队：收到1，签收及时率100.0%（1/1），按时办结率—（0/0），满意率—（0/0），当前超期0
      · 刑侦大队：收到1，签收及时率—（0/0），按时办结率—（0/0），满意率—（0/0），当前超期0
      按项目：
      · 经开区新材料产业园：收到1，办结0，销号0，当前超期0
      · 城东快速路二期工程：收到1，办结0，销号0，当前超期0
      注：比率后括号内为“达标数/应计数”；应签收、应办结指已签收、已办结或已过时限的工单，时限未到即撤回的不计，无应计工单的记“—”。"
    `);
  });

  step('bound, visit, agenda item, withdrawn', ({ h }, expect) => {
    expect(h.send({ senderId: 'zhou', chatId: 'new-group', text: '绑定 XM003' }).reply).toMatchInlineSnapshot(`
      "本群已绑定为项目群：**XM003 高铁新城安置小区**
      企业可直接发送“报告 问题描述”登记问题，发送“帮助”查看全部命令"
    `);
    expect(ok(h, 'wang', 'XM001', '走访 XM001 到工地了解夜间巡逻需求').reply).toMatchInlineSnapshot(`
      "已记入走访日志：XM001 经开区新材料产业园，2026-11-02 10:30，王警官
      到工地了解夜间巡逻需求"
    `);
    expect(ok(h, 'wang', 'XM001', '会商 议题 协调增设工地周边治安卡口').reply).toMatchInlineSnapshot(`
      "已添加会商议题（经开区新材料产业园），将列入2026-11-25 15:00的会商：
      协调增设工地周边治安卡口"
    `);
    const mine = h.ticketNo(ok(h, 'chen', 'XM001', '报告 有人在工地门口聚集'));
    expect(ok(h, 'chen', 'XM001', `撤回 #${mine} 已自行散去`).reply).toMatchInlineSnapshot(`"**#3 已撤回**（陈经理）：已自行散去"`);
  });
});

describe('escalation, as people read it', () => {
  it('tier 1, tier 2 and the 预警单 of tier 3, and the automatic close', async () => {
    const h = harness('2026-11-02T02:00:00Z');
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 施工方与村民因补偿款发生纠纷'));
    const sweep = async (iso: string) => {
      const before = (h.db.prepare('SELECT coalesce(max(id), 0) AS id FROM outbox').get() as { id: number }).id;
      await runJob(h.jobs, escalate, new Date(iso));
      return (h.db.prepare('SELECT body, destination FROM outbox WHERE id > ? ORDER BY id').all(before) as { body: string; destination: string }[]).map(
        (r) => `→ ${r.destination}\n${r.body}`,
      );
    };
    expect(await sweep('2026-11-02T06:00:00Z')).toMatchInlineSnapshot(`
      [
        "→ XM001
      **⏰ 超期提醒**（一级）经开区新材料产业园
      以下工单已超过时限，请尽快处理：
      #1 纠纷 签收时限11-02 14:00，已超0分钟，请 <@wang|王警官> 认领",
        "→ wang
      **⏰ 超期提醒**（一级）
      以下工单已超过时限，请尽快处理：
      #1 经开区新材料产业园 纠纷 签收时限11-02 14:00，已超0分钟，请 <@wang|王警官> 认领",
      ]
    `);
    expect(await sweep('2026-11-03T06:00:00Z')).toMatchInlineSnapshot(`
      [
        "→ coordinators
      **督促**（二级）以下工单超期未办，请督促落实：
      #1 经开区新材料产业园 纠纷 待认领，签收时限11-02 14:00，已超1天，承办：待王警官认领",
        "→ li
      **督促**（二级）以下工单超期未办，请督促落实：
      #1 经开区新材料产业园 纠纷 待认领，签收时限11-02 14:00，已超1天，承办：待王警官认领",
        "→ zhang
      **督促**（二级）以下工单超期未办，请督促落实：
      #1 经开区新材料产业园 纠纷 待认领，签收时限11-02 14:00，已超1天，承办：待王警官认领",
      ]
    `);
    expect(await sweep('2026-11-05T06:00:00Z')).toMatchInlineSnapshot(`
      [
        "→ coordinators
      **预警单**（三级预警）
      ———— 预警 #1 ————
      项目：XM001 经开区新材料产业园（重大项目）
      问题：纠纷，施工方与村民因补偿款发生纠纷
      报告：陈经理，11-02 10:00
      状态：待认领，承办：待王警官认领
      签收时限：11-02 14:00，已超3天
      已挂牌督办，请包联领导过问、护企办跟踪",
        "→ li
      **预警单**（三级预警）
      ———— 预警 #1 ————
      项目：XM001 经开区新材料产业园（重大项目）
      问题：纠纷，施工方与村民因补偿款发生纠纷
      报告：陈经理，11-02 10:00
      状态：待认领，承办：待王警官认领
      签收时限：11-02 14:00，已超3天
      已挂牌督办，请包联领导过问、护企办跟踪",
      ]
    `);
    h.clock.set('2026-11-05T07:00:00Z');
    h.say('wang', 'XM001', `认领 #${no}`);
    h.say('wang', 'XM001', `办结 #${no} 已协调双方达成补偿协议`);
    expect(await sweep('2026-11-10T10:00:00Z')).toMatchInlineSnapshot(`
      [
        "→ coordinators
      **待回访**：以下工单评价时限已过，报告企业未评价，请电话回访后发送“回访 #N 满意”或“回访 #N 不满意 说明”
      · #1 经开区新材料产业园 纠纷，报告人：陈经理，承办：王警官，评价时限11-10 18:00",
      ]
    `);
  });

  it('the slow-down notice and the answer to a stranger in an unbound chat', () => {
    const h = harness();
    expect(h.send({ senderId: 'stranger', chatId: 'somewhere', text: '你好' }).reply).toMatchInlineSnapshot(`"您好，这里是联保助手。本群还没有绑定项目，您也不在人员名册中，所以无法受理。请在项目群里发送“报告 问题描述”，或请护企办在本群发送“绑定 项目编号”"`);
    let last = '';
    for (let i = 0; i < 21; i++) last = h.say('chen', 'XM001', '帮助').reply;
    expect(last).toMatchInlineSnapshot(`"您发送得太快了，一分钟内最多处理20条命令，请稍候再试"`);
  });
});
