import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { escalate } from '../../src/jobs/escalate.js';
import { runJob } from '../../src/jobs/runner.js';
import { importRoster } from '../../src/roster/import.js';
import { parseRoster } from '../../src/roster/parse.js';
import { auditOf, expectRefused, lastAudit, ok, sentTo, setup, textTo, ticket, ticketIn, THEFT, type Harness } from '../support/tickets.js';

const HOUR = 3_600_000;

/** A resolved ticket whose confirm deadline has passed with no answer: 待回访. */
async function inFollowup(h: Harness): Promise<number> {
  const no = ticketIn(h, 'resolved');
  const at = ticket(h, no).confirmDeadline!;
  await runJob(h.jobs, escalate, new Date(at));
  h.clock.set(at + HOUR);
  expect(ticket(h, no).state).toBe('followup');
  return no;
}

describe('申请延期, 批准延期, 驳回延期 (SPEC §3)', () => {
  it('asks the coordinators and the project’s leaders; nothing moves until it is answered', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const before = ticket(h, no);
    const said = ok(h, 'wang', 'XM001', `申请延期 #${no} 3wd 需等待鉴定结果`);
    expect(said.reply).toContain(`已提交 #${no} 的延期申请`);
    expect(said.reply).toContain('答复前时限不变');
    expect(sentTo(said, 'group')).toEqual(['coordinators']);
    expect(sentTo(said, 'person')).toEqual(['li']);
    const asked = textTo(said, 'group', 'coordinators');
    expect(asked).toContain('申请延后3个工作日');
    expect(asked).toContain('原因：需等待鉴定结果');
    expect(asked).toContain(`批准延期 #${no}`);
    expect(ticket(h, no)).toMatchObject({ resolveDeadline: before.resolveDeadline, resolveTarget: before.resolveTarget });
    expect(lastAudit(h, no)).toMatchObject({ action: 'request_extension', actorId: 'wang', detail: { kind: 'resolve', duration: '3wd', reason: '需等待鉴定结果' } });
  });

  it('is the assignee’s: others are refused, and a coordinator is pointed to 延期', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'zhao', 'XM001', `申请延期 #${no} 2d 忙不过来`, `只有 #${no} 的承办人可以申请延期`);
    expectRefused(h, 'zhou', 'coordinators', `申请延期 #${no} 2d 忙不过来`, `延期 #${no}`);
    expectRefused(h, 'chen', 'XM001', `申请延期 #${no} 2d 忙不过来`, '“申请延期”只能由');
    expectRefused(h, 'wang', 'XM001', `申请延期 #${no} 很久 忙不过来`, '看不懂时长“很久”');
    expectRefused(h, 'wang', 'XM001', `申请延期 #${no} 2d`, '请写明延期原因');
    const open = ticketIn(h, 'open');
    expectRefused(h, 'zhou', 'coordinators', `批准延期 #${open}`, `#${open} 没有待答复的延期申请`);
  });

  it('approved: the deadline moves by the requested duration, and the assignee hears', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const before = ticket(h, no).resolveDeadline!; // 2026-11-09 18:00
    ok(h, 'wang', 'XM001', `申请延期 #${no} 2d 需等待鉴定结果`);
    const said = ok(h, 'li', 'XM001', `批准延期 #${no}`);
    expect(ticket(h, no)).toMatchObject({ resolveDeadline: before + 48 * HOUR, resolveTarget: before + 48 * HOUR });
    expect(said.reply).toContain(`#${no} 已延期**（李局长批准王警官的申请）`);
    expect(said.reply).toContain('新时限：2026-11-11 18:00');
    expect(textTo(said, 'person', 'wang')).toContain('延期申请已批准');
    expect(lastAudit(h, no)).toMatchObject({ action: 'approve_extension', actorId: 'li', detail: { from: before, to: before + 48 * HOUR, duration: '2d' } });
    expectRefused(h, 'zhou', 'coordinators', `批准延期 #${no}`, '没有待答复的延期申请');
  });

  it('a new request replaces an open one; rejected: nothing moves and the assignee is told why', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const before = ticket(h, no).resolveDeadline;
    ok(h, 'wang', 'XM001', `申请延期 #${no} 5wd 太忙`);
    expect(ok(h, 'wang', 'XM001', `申请延期 #${no} 2d 等鉴定`).reply).toContain('替代之前未答复的申请');
    expectRefused(h, 'li', 'XM001', `驳回延期 #${no}`, '请写明驳回的原因');
    expectRefused(h, 'wang', 'XM001', `驳回延期 #${no} 不批`, '“驳回延期”只能由');
    const said = ok(h, 'zhou', 'coordinators', `驳回延期 #${no} 本周内必须办结`);
    expect(ticket(h, no).resolveDeadline).toBe(before);
    const told = textTo(said, 'person', 'wang');
    expect(told).toContain('延期申请未获批准');
    expect(told).toContain('原因：本周内必须办结');
    expect(told).toContain('2天'); // the request that was answered: the newer one
    expect(h.db.prepare('SELECT status FROM extension_requests ORDER BY id').all()).toEqual([{ status: 'replaced' }, { status: 'rejected' }]);
  });
});

describe('回访 (SPEC §2, §3)', () => {
  it('满意 closes the ticket as 代评, labelled in the timeline', async () => {
    const h = setup();
    const no = await inFollowup(h);
    const said = ok(h, 'zhou', 'coordinators', `回访 #${no} 满意 4 电话回访项目负责人`);
    expect(said.reply).toContain(`#${no} 已销号`);
    expect(said.reply).toContain('回访（代评）：满意，4分，电话回访项目负责人');
    expect(ticket(h, no)).toMatchObject({ state: 'closed', closeKind: 'followup', rating: 4 });
    expect(lastAudit(h, no)).toMatchObject({ action: 'followup', actorId: 'zhou', fromState: 'followup', toState: 'closed', detail: { satisfied: true, rating: 4 } });
    expect(ok(h, 'zhou', 'coordinators', `查询 #${no}`).reply).toContain('周协调 回访（代评）：满意，销号（待回访→已销号）：4分，电话回访项目负责人');
    expect(ok(h, 'zhou', 'coordinators', `查询 #${no}`).reply).toContain('评价：回访代评，4分，电话回访项目负责人');
  });

  it('不满意 sends it back to the assignee (重办) with a new resolve deadline', async () => {
    const h = setup();
    const no = await inFollowup(h);
    const said = ok(h, 'zhou', 'coordinators', `回访 #${no} 不满意 企业说电缆还缺一半`);
    expect(ticket(h, no)).toMatchObject({ state: 'claimed', reopenCount: 1, assigneeId: 'wang' });
    expect(said.reply).toContain('回访（代评）不满意：企业说电缆还缺一半（周协调）');
    expect(said.reply).toContain('请 <@wang|王警官> 重新办理');
  });

  it('is the coordinators’, and only for a ticket waiting for it', async () => {
    const h = setup();
    const resolved = ticketIn(h, 'resolved');
    expectRefused(h, 'zhou', 'coordinators', `回访 #${resolved} 满意`, '评价时限未到');
    const no = await inFollowup(h);
    expectRefused(h, 'li', 'XM001', `回访 #${no} 满意`, '“回访”只能由护企办使用');
    expectRefused(h, 'wang', 'XM001', `回访 #${no} 满意`, '“回访”只能由护企办使用');
    expectRefused(h, 'zhou', 'coordinators', `回访 #${no} 还行`, '请写明企业的意见是“满意”还是“不满意”');
    expectRefused(h, 'zhou', 'coordinators', `回访 #${no} 满意 9`, '评分请用1到5的整数');
  });

  it('lists the tickets waiting for it: 台账 待回访', async () => {
    const h = setup();
    const no = await inFollowup(h);
    const other = ticketIn(h, 'resolved');
    const reply = ok(h, 'zhou', 'coordinators', '台账 待回访').reply;
    expect(reply).toContain('待回访**（共1件）');
    expect(reply).toContain(`#${no} `);
    expect(reply).not.toContain(`#${other} `);
  });
});

describe('改类 (SPEC §3)', () => {
  it('corrects category and urgency, counting the deadlines again from the report', () => {
    const h = setup();
    const no = ticketIn(h, 'open'); // 盗窃·一般: claim by 14:00, resolve by 11-09 18:00
    h.clock.advance(HOUR);
    const said = ok(h, 'wang', 'XM001', `改类 #${no} 阻工`);
    // 阻工 is urgent by itself; its claim deadline in the example roster is 15 minutes, from the report at 10:00.
    expect(ticket(h, no)).toMatchObject({ category: '阻工', urgency: 'urgent', claimDeadline: Date.parse('2026-11-02T10:15:00+08:00'), resolveDeadline: Date.parse('2026-11-03T10:00:00+08:00') });
    expect(said.reply).toContain(`#${no} 已改类**（王警官）：盗窃·一般 → 阻工·紧急`);
    expect(said.reply).toContain('已超45分钟');
    expect(lastAudit(h, no)).toMatchObject({ action: 'reclassify', detail: { from: { category: '盗窃', urgency: 'normal' }, to: { category: '阻工', urgency: 'urgent' } } });
    expect(ok(h, 'wang', 'XM001', `改类 #${no} 阻工 一般`).reply).toContain('阻工·紧急 → 阻工·一般');
  });

  it('is for the project officer, the assignee and coordinators, while it is being worked on', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    expectRefused(h, 'zhao', 'XM001', `改类 #${no} 交通`, `只有 #${no} 的项目警官、承办人或护企办可以改类`);
    expectRefused(h, 'chen', 'XM001', `改类 #${no} 交通`, '“改类”只能由');
    expectRefused(h, 'wang', 'XM001', `改类 #${no} 火灾`, '没有“火灾”这个类别', '阻工');
    expectRefused(h, 'wang', 'XM001', `改类 #${no} 盗窃`, `#${no} 已经是盗窃·一般`);
    expectRefused(h, 'wang', 'XM001', `改类 #${no} 交通 很急`, '紧急程度请写“紧急”或“一般”');
    expectRefused(h, 'wang', 'XM001', `改类 #${ticketIn(h, 'resolved')} 交通`, '只有待认领或办理中的工单可以改类');
    ok(h, 'zhou', 'coordinators', `改类 #${no} 交通`);
    ok(h, 'wang', 'XM001', `认领 #${no}`);
    ok(h, 'wang', 'XM001', `改类 #${no} 纠纷`);
  });

  it('to 执法投诉: the group learns only that 护企办 has it; the coordinators get all of it', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const said = ok(h, 'wang', 'XM001', `改类 #${no} 执法投诉`);
    expect(said.reply).toBe(`#${no} 已转护企办处理`);
    expect(sentTo(said, 'group')).toEqual(['coordinators']);
    const coordinators = textTo(said, 'group', 'coordinators');
    expect(coordinators).toContain(`执法投诉 #${no}`);
    expect(coordinators).toContain('由王警官改类为执法投诉（原为盗窃·一般）');
    expect(coordinators).toContain('工地夜间电缆被偷');
    expect(ticket(h, no)).toMatchObject({ state: 'open', routing: 'coordinators', assigneeId: null });
    // From now on the officers neither see it nor hear of it.
    expectRefused(h, 'wang', 'XM001', `查询 #${no}`, '不在您的办理范围内');
  });

  it('from 执法投诉: to the project officer', () => {
    const h = setup();
    const no = h.ticketNo(ok(h, 'chen', 'XM001', '报告 检查人员吃拿卡要'));
    const said = ok(h, 'zhou', 'coordinators', `改类 #${no} 纠纷`);
    expect(ticket(h, no)).toMatchObject({ routing: 'department', departmentId: 'zhian', state: 'open' });
    expect(sentTo(said, 'group')).toContain('XM001');
    expect(textTo(said, 'group', 'XM001')).toContain('承办：待王警官认领');
  });
});

describe('the 110 line on urgent reports (SPEC §2)', () => {
  it('ends the reply to an urgent report, on its own line; not an ordinary one', () => {
    const h = setup();
    const urgent = ok(h, 'chen', 'XM001', '报告 村民堵路阻工，车辆进不去').reply;
    expect(urgent.split('\n').at(-1)).toBe('如遇人身安全危险或违法犯罪正在发生，请立即拨打110。');
    expect(ok(h, 'chen', 'XM001', THEFT).reply).not.toContain('110');
    // The project group reads the same reply.
    expect(ok(h, 'chen', 'XM001', '报告 紧急！有人拿刀威胁工人').reply.split('\n').at(-1)).toContain('110');
  });

  it('says what the roster’s settings.urgentNotice says', () => {
    const h = setup();
    const example = readFileSync('roster.example.yaml', 'utf8');
    const roster = parseRoster(example.replace(/^settings:\n/m, 'settings:\n  urgentNotice: "情况危急请拨打110，或联系值班室0746-1234567。"\n'));
    importRoster(h.db, roster, h.clock.now().getTime());
    expect(ok(h, 'chen', 'XM001', '报告 村民堵路阻工').reply.split('\n').at(-1)).toBe('情况危急请拨打110，或联系值班室0746-1234567。');
  });
});

describe('every step is in the log', () => {
  it('records the new steps with who, when and the message', async () => {
    const h = setup();
    const no = await inFollowup(h);
    const actions = auditOf(h, no).map((r) => r.action);
    expect(actions).toEqual(['report', 'claim', 'resolve', 'await_followup']);
  });
});
