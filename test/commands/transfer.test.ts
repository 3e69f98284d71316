import { describe, it, expect } from 'vitest';
import { expectRefused, lastAudit, lastMsgId, ok, sentTo, setup, textTo, ticket, ticketIn } from '../support/tickets.js';

const HOUR = 3_600_000;

describe('转办 to a person', () => {
  it('keeps the ticket in hand with the new assignee, leaves the resolve deadline where it was, and tells that person', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    h.clock.advance(2 * 24 * HOUR); // Wednesday 10:00
    const said = ok(h, 'wang', 'XM001', `转办 #${no} @赵警官 涉及渣土车通行，请交警处理`);
    expect(said.reply).toContain(`#${no} 已转办`);
    expect(said.reply).toContain('赵警官');
    expect(said.reply).toContain('涉及渣土车通行，请交警处理');
    expect(said.reply).toContain('办理中');
    expect(ticket(h, no)).toMatchObject({
      state: 'claimed',
      assigneeId: 'zhao',
      departmentId: 'jiaojing',
      claimedAt: h.clock.now().getTime(),
      // The clock belongs to the ticket (SPEC §4): still 5 working days from the report on Monday 2026-11-02.
      resolveDeadline: new Date('2026-11-09T18:00:00+08:00').getTime(),
    });
    expect(lastAudit(h, no)).toMatchObject({
      action: 'transfer',
      actorId: 'wang',
      fromState: 'claimed',
      toState: 'claimed',
      detail: { to: { person: 'zhao' }, reason: '涉及渣土车通行，请交警处理' },
      msgId: lastMsgId(h),
    });
    expect(sentTo(said, 'person')).toEqual(['zhao']);
    const notice = textTo(said, 'person', 'zhao');
    // Who passed it on, so the receiver knows whom to ask.
    expect(notice.split('\n')[0]).toBe(`**转办通知** #${no}（经开区新材料产业园）由 王警官 转给赵警官`);
    expect(notice).toContain('工地夜间电缆被偷');
    expect(notice).toContain('办结时限：2026-11-09 18:00');
  });

  it('finds the person by name without @, and lets a coordinator transfer an open ticket straight to someone', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    ok(h, 'zhou', 'coordinators', `转办 #${no} 孙警官 派出所离得近`);
    expect(ticket(h, no)).toMatchObject({ state: 'claimed', assigneeId: 'sun', departmentId: 'kfq' });
    expect(lastAudit(h, no)).toMatchObject({ fromState: 'open', toState: 'claimed' });
  });

  it('refuses a person who cannot handle tickets, and the person who already has it', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'wang', 'XM001', `转办 #${no} @陈经理 请企业自己处理`, '陈经理不是民警或联络员');
    expectRefused(h, 'wang', 'XM001', `转办 #${no} @李局长 请领导处理`, '李局长不是民警或联络员');
    expectRefused(h, 'wang', 'XM001', `转办 #${no} @王警官 还是我来`, `#${no} 已经由王警官承办`);
  });
});

describe('转办 to a department', () => {
  it('puts the ticket back to 待认领 for that department with a new claim deadline only, and tells its officers', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    h.clock.advance(HOUR); // 11:00
    const said = ok(h, 'wang', 'XM001', `转办 #${no} 交警大队 涉及货车通行`);
    expect(said.reply).toContain(`#${no} 已转办`);
    expect(said.reply).toContain('交警大队');
    expect(said.reply).toContain('待认领');
    expect(said.reply).toContain('签收时限：2026-11-02 15:00');
    expect(said.reply).toContain('办结时限：2026-11-09 18:00（转办不改变办结时限）');
    expect(ticket(h, no)).toMatchObject({
      state: 'open',
      assigneeId: null,
      departmentId: 'jiaojing',
      awaitingDepartment: true,
      claimedAt: null,
      claimDeadline: new Date('2026-11-02T15:00:00+08:00').getTime(),
      // The resolve deadline set at the report stays (SPEC §4).
      resolveDeadline: new Date('2026-11-09T18:00:00+08:00').getTime(),
    });
    expect(lastAudit(h, no)).toMatchObject({ action: 'transfer', fromState: 'claimed', toState: 'open', detail: { to: { department: 'jiaojing' } } });
    // The department has no group on the playground, so its officer hears directly.
    expect(textTo(said, 'person', 'zhao')).toMatch(new RegExp(`转办通知.*#${no}`));
  });

  it('lets the coordinators move an open ticket to another department', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    const said = ok(h, 'zhou', 'coordinators', `转办 #${no} 人社局 属于欠薪纠纷`);
    expect(ticket(h, no)).toMatchObject({ state: 'open', departmentId: 'renshe' });
    expect(sentTo(said, 'group')).toEqual(['XM001']);
    expect(sentTo(said, 'person')).toEqual(['zheng']);
  });

  it('refuses moving an open ticket to the department it is already with', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    expectRefused(h, 'zhou', 'coordinators', `转办 #${no} 治安大队 重新分派`, `#${no} 已经分派给治安大队`);
  });

  it('refuses an unknown target, listing departments', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'wang', 'XM001', `转办 #${no} 消防大队 着火了`, '找不到“消防大队”', '治安大队', '自然资源局', '@姓名');
  });
});

describe('转办 refusals', () => {
  it('refuses anyone but the assignee and the coordinators', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'zhao', 'XM001', `转办 #${no} 交警大队 我来接`, `只有 #${no} 的承办人或护企办可以转办`);
    expectRefused(h, 'chen', 'XM001', `转办 #${no} 交警大队 换人`, '“转办”只能由', '您的身份是企业');
    expectRefused(h, 'li', 'XM001', `转办 #${no} 交警大队 换人`, '“转办”只能由');
  });

  it('tells an officer to claim an open ticket before transferring it', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    expectRefused(h, 'wang', 'XM001', `转办 #${no} 交警大队 涉及货车`, `只有 #${no} 的承办人或护企办可以转办`, `认领 #${no}`);
  });

  it('refuses a ticket that is resolved, closed or withdrawn', () => {
    const h = setup();
    expectRefused(h, 'wang', 'XM001', `转办 #${ticketIn(h, 'resolved')} 交警大队 换人`, '「待评价」', '不能再转办');
    expectRefused(h, 'zhou', 'coordinators', `转办 #${ticketIn(h, 'closed')} 交警大队 换人`, '「已销号」');
    expectRefused(h, 'zhou', 'coordinators', `转办 #${ticketIn(h, 'withdrawn')} 交警大队 换人`, '「已撤回」');
  });

  it('refuses a transfer without a target or a reason', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'wang', 'XM001', `转办 #${no}`, '请写明转给谁');
    expectRefused(h, 'wang', 'XM001', `转办 #${no} 交警大队`, '请写明转办原因');
    expectRefused(h, 'wang', 'XM001', '转办 #77 交警大队 换人', '没有找到工单 #77');
  });
});

describe('转办 cannot buy time', () => {
  it('leaves the resolve deadline where it was however often the ticket is passed on', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const resolveBy = ticket(h, no).resolveDeadline;
    h.clock.advance(3 * 24 * HOUR);
    ok(h, 'wang', 'XM001', `转办 #${no} @赵警官 请交警处理`);
    h.clock.advance(HOUR);
    ok(h, 'zhao', 'XM001', `转办 #${no} 开发区派出所 属地处理`);
    h.clock.advance(HOUR);
    ok(h, 'sun', 'XM001', `认领 #${no}`);
    expect(ticket(h, no)).toMatchObject({ state: 'claimed', assigneeId: 'sun', resolveDeadline: resolveBy });
  });

  it('keeps a conduct complaint with the coordinators: no department, no officer', () => {
    const h = setup();
    const no = h.ticketNo(ok(h, 'chen', 'XM001', '报告 检查人员吃拿卡要'));
    ok(h, 'zhou', 'coordinators', `认领 #${no}`);
    expectRefused(h, 'zhou', 'coordinators', `转办 #${no} 治安大队 请核查`, '执法投诉', '改类');
    expectRefused(h, 'zhou', 'coordinators', `转办 #${no} @王警官 请核查`, '执法投诉', '只能转给护企办的人');
    ok(h, 'zhou', 'coordinators', `转办 #${no} @吴主任 请主任处理`);
    expect(ticket(h, no)).toMatchObject({ assigneeId: 'wu', routing: 'coordinators' });
  });
});
