import { describe } from 'vitest';
import { story } from '../support/story.js';
import { ok, setup, textTo } from '../support/tickets.js';

/**
 * What people read, in full, for the main messages of the loop. Mentions are shown in the
 * adapter-level form `<@id|名字>`; each platform turns them into its own.
 */
describe('the main messages, as people read them', () => {
  // The loop of one report: each step's test replays the steps before it on a harness of its own.
  const { step } = story(() => {
    const h = setup(); // Monday 2026-11-02 10:00 in Beijing
    return { h, at: (s: string) => h.clock.set(new Date(`${s}+08:00`)), no: 1 };
  });

  step('ticket created (挂号)', ({ h, no }, expect) => {
    const said = ok(h, 'chen', 'XM001', '报告 村民堵路阻工，车辆进不去');
    expect(h.ticketNo(said)).toBe(no);
    expect(said.reply).toMatchInlineSnapshot(`
      "**#1 已登记（挂号）** 阻工·紧急 ⚠
      项目：经开区新材料产业园
      报告人：陈经理
      内容：村民堵路阻工，车辆进不去
      签收时限：2026-11-02 10:15
      办结时限：2026-11-03 10:00
      请 <@wang|王警官> 认领：发送“认领 #1”
      如遇人身安全危险或违法犯罪正在发生，请立即拨打110。"
    `);
  });

  step('办结 before anyone claimed it, and a greeting', ({ h, no }, expect) => {
    expect(h.say('wang', 'XM001', `办结 #${no} 已劝离`).reply).toMatchInlineSnapshot(`"#1 当前状态为「待认领」，请先发送“认领 #1”认领此工单，再办结"`);
    expect(h.say('chen', 'XM001', '你好🙂').reply).toMatchInlineSnapshot(`"您好，我是联保助手：遇到阻工、强揽、盗窃等问题，请发送“报告 问题描述”登记；发送“帮助”查看全部命令"`);
  });

  step('claimed', ({ h, at, no }, expect) => {
    at('2026-11-02T10:06');
    expect(ok(h, 'wang', 'XM001', `认领 #${no}`).reply).toMatchInlineSnapshot(`
      "**#1 已认领**，承办人：<@wang|王警官>（治安大队）
      办结时限：2026-11-03 10:00"
    `);
  });

  step('progress', ({ h, at, no }, expect) => {
    at('2026-11-02T10:40');
    expect(ok(h, 'wang', 'XM001', `进展 #${no} 已到现场协调，村民已散开`).reply).toMatchInlineSnapshot(`
      "**#1 办理进展**（王警官）
      已到现场协调，村民已散开"
    `);
  });

  step('resolved', ({ h, at, no }, expect) => {
    at('2026-11-02T12:00');
    expect(ok(h, 'wang', 'XM001', `办结 #${no} 已劝离围堵人员，施工恢复`).reply).toMatchInlineSnapshot(`
      "**#1 已办结**（王警官）
      结果：已劝离围堵人员，施工恢复
      请 <@chen|陈经理> 评价：满意请回复“满意 #1”（可加1-5分和评语），不满意请回复“不满意 #1 原因”
      评价时限：2026-11-05 18:00，逾期未评价的由护企办电话回访"
    `);
  });

  step('reopened (不满意)', ({ h, at, no }, expect) => {
    at('2026-11-03T09:00');
    expect(ok(h, 'chen', 'XM001', `不满意 #${no} 第二天又有人来堵门`).reply).toMatchInlineSnapshot(`
      "**#1 退回重办**（第1次）
      不满意原因：第二天又有人来堵门
      请 <@wang|王警官> 重新办理，办结时限：2026-11-04 09:00"
    `);
  });

  step('closed (销号)', ({ h, at, no }, expect) => {
    at('2026-11-03T16:00');
    ok(h, 'wang', 'XM001', `办结 #${no} 已与村委会签订协议`);
    at('2026-11-04T09:30');
    expect(ok(h, 'chen', 'XM001', `满意 #${no} 5 处置及时`).reply).toMatchInlineSnapshot(`
      "**#1 已销号** ✅ 评价：5分，处置及时
      感谢陈经理的评价"
    `);
  });

  step('the detail view', ({ h, no }, expect) => {
    expect(ok(h, 'chen', 'XM001', `查询 #${no}`).reply).toMatchInlineSnapshot(`
      "**#1** 状态：已销号
      项目：XM001 经开区新材料产业园
      类别：阻工·紧急
      内容：村民堵路阻工，车辆进不去
      报告人：陈经理　承办：王警官（治安大队）
      办理结果：已与村委会签订协议
      评价：5分，处置及时
      重办次数：1
      办理经过：
      11-02 10:00 陈经理 报告挂号：村民堵路阻工，车辆进不去
      11-02 10:06 王警官 认领（待认领→办理中）
      11-02 10:40 王警官 进展：已到现场协调，村民已散开
      11-02 12:00 王警官 办结（办理中→待评价）：已劝离围堵人员，施工恢复
      11-03 09:00 陈经理 不满意，退回重办（待评价→办理中）：第二天又有人来堵门
      11-03 16:00 王警官 办结（办理中→待评价）：已与村委会签订协议
      11-04 09:30 陈经理 满意，销号（待评价→已销号）：5分，处置及时"
    `);
  });

  step('a conduct complaint, as the coordinators’ group reads it', ({ h }, expect) => {
    const said = ok(h, 'huang', 'XM001', '报告 检查人员吃拿卡要');
    expect(said.reply).toMatchInlineSnapshot(`"已收到您的反映（#2），将由护企办处理。此类问题下次可以直接私聊我反映。"`);
    expect(textTo(said, 'group', 'coordinators')).toMatchInlineSnapshot(`
      "**执法投诉 #2**（经开区新材料产业园）
      报告人：黄工
      内容：检查人员吃拿卡要
      签收时限：2026-11-04 13:30
      按规定不交项目警官办理，请护企办认领：发送“认领 #2”"
    `);
  });

  step('help for an enterprise contact', ({ h }, expect) => {
    expect(ok(h, 'chen', 'XM001', '帮助').reply).toMatchInlineSnapshot(`
      "**联保助手 · 可用命令**（陈经理，企业，XM001 经开区新材料产业园）
      · 报告 <描述>：登记（挂号）一个问题，自动识别类别和紧急程度。例：报告 村民堵路阻工，车辆进不去
      · 补充 <#N> <文字>：补充工单的情况。例：补充 #12 对方约二十人，拉了横幅
      · 满意 <#N> [1-5] [评语]：确认办理结果满意，工单销号（可打1-5分）。例：满意 #12 5 处置及时
      · 不满意 <#N> <原因>：对办理结果不满意，退回重办。例：不满意 #12 第二天又有人来堵门
      · 撤回 <#N> [原因]：撤回自己报告的工单。例：撤回 #12 已和村民协商解决
      · 查询 <#N>：查看工单详情和全部办理经过。例：查询 #12
      · 会商：查看下次会商的时间和议程。例：会商
      · 帮助：列出您可以使用的命令。例：帮助
      工单号可写成 #12 或 12"
    `);
  });

  step('a refusal', ({ h, no }, expect) => {
    expect(h.say('chen', 'XM001', `认领 #${no}`).reply).toMatchInlineSnapshot(`"“认领”只能由民警/联络员、护企办使用，您的身份是企业，发送“帮助”查看您可以使用的命令"`);
    expect(h.say('wang', 'XM001', `办结 #${no} 再办一次`).reply).toMatchInlineSnapshot(`"#1 当前状态为「已销号」，如有新情况请重新“报告”"`);
  });
});
