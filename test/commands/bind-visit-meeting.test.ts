import { describe, it, expect } from 'vitest';
import { expectRefused, lastMsgId, ok, setup, stored, ticket, ticketIn } from '../support/tickets.js';

describe('绑定', () => {
  it('binds a new group to a project, so that strangers there report as that project', () => {
    const h = setup();
    const said = ok(h, 'zhou', 'new-group', '绑定 XM002');
    expect(said.reply).toContain('本群已绑定为项目群');
    expect(said.reply).toContain('XM002 城东快速路二期工程');
    expect(said.reply).toContain('报告');
    expect(h.repos.roster.chat('playground', 'new-group')).toMatchObject({ kind: 'project', projectCode: 'XM002' });
    const audit = h.db.prepare("SELECT * FROM audit_log WHERE action = 'bind'").all();
    expect(audit).toMatchObject([{ ticket_no: null, actor_id: 'zhou', msg_id: lastMsgId(h) }]);
    const report = h.send({ senderId: 'stranger', senderName: '项目部小刘', chatId: 'new-group', text: '报告 货车被拦' });
    expect(ticket(h, h.ticketNo(report)).projectCode).toBe('XM002');
    expect(ok(h, 'zhao', 'new-group', '台账').reply).toContain('XM002');
  });

  it('reads the project code in any case', () => {
    const h = setup();
    expect(ok(h, 'wu', 'new-group', 'bind xm003').reply).toContain('XM003 高铁新城安置小区');
    expect(h.repos.roster.chat('playground', 'new-group')?.projectCode).toBe('XM003');
  });

  it('rebinds a group to another project, saying what it was', () => {
    const h = setup();
    ok(h, 'zhou', 'new-group', '绑定 XM002');
    const said = ok(h, 'zhou', 'new-group', '绑定 XM003');
    expect(said.reply).toContain('XM003');
    expect(said.reply).toContain('原为XM002');
    const report = h.send({ senderId: 'stranger', chatId: 'new-group', text: '报告 有人偷钢筋' });
    expect(ticket(h, h.ticketNo(report)).projectCode).toBe('XM003');
    expectRefused(h, 'zhou', 'new-group', '绑定 XM003', '本群已经是XM003');
  });

  it('refuses an unknown project, listing the ones there are, and a missing code', () => {
    const h = setup();
    expectRefused(h, 'zhou', 'new-group', '绑定 XM999', '没有编号为“XM999”的项目', 'XM001、XM002、XM003');
    expectRefused(h, 'zhou', 'new-group', '绑定', '请写明项目编号', '绑定 XM001');
  });

  it('refuses the coordinators’ group and private chats', () => {
    const h = setup();
    expectRefused(h, 'zhou', 'coordinators', '绑定 XM001', '护企办群');
    const before = stored(h);
    const said = h.send({ senderId: 'zhou', chatId: 'zhou-private', chatType: 'single', text: '绑定 XM001' });
    expect(said.reply).toContain('只能在群聊中绑定');
    expect(stored(h)).toEqual(before);
  });

  it('refuses anyone but a coordinator', () => {
    const h = setup();
    expectRefused(h, 'wang', 'new-group', '绑定 XM001', '“绑定”只能由护企办使用');
    expectRefused(h, 'li', 'new-group', '绑定 XM001', '“绑定”只能由护企办使用');
    expectRefused(h, 'chen', 'XM001', '绑定 XM002', '“绑定”只能由护企办使用');
    const before = stored(h);
    expect(h.send({ senderId: 'stranger', chatId: 'new-group', text: '绑定 XM001' }).reply).toContain('不在人员名册中');
    expect(stored(h)).toEqual(before);
  });
});

describe('走访', () => {
  it('adds an entry to the project’s visit log', () => {
    const h = setup();
    const said = ok(h, 'wang', 'XM001', '走访 XM001 到工地了解施工进度，企业反映夜间有人偷电缆');
    expect(said.reply).toContain('已记入走访日志');
    expect(said.reply).toContain('XM001 经开区新材料产业园');
    expect(said.reply).toContain('王警官');
    expect(said.reply).toContain('2026-11-02 10:00');
    expect(h.repos.logs.visits('XM001')).toMatchObject([
      { personId: 'wang', authorName: '王警官', text: '到工地了解施工进度，企业反映夜间有人偷电缆', at: h.clock.now().getTime() },
    ]);
    expect(h.db.prepare('SELECT msg_id FROM visits').get()).toEqual({ msg_id: lastMsgId(h) });
  });

  it('takes the project from the code, not from the chat, in any case', () => {
    const h = setup();
    ok(h, 'zhao', 'XM001', '走访 xm002 检查便道');
    ok(h, 'sun', 'XM001', 'visit XM003 与安置户座谈');
    expect(h.repos.logs.visits('XM002')).toHaveLength(1);
    expect(h.repos.logs.visits('XM003')).toMatchObject([{ personId: 'sun', text: '与安置户座谈' }]);
  });

  it('refuses an unknown project, a missing code and a missing record', () => {
    const h = setup();
    expectRefused(h, 'wang', 'XM001', '走访 XM404 到工地', '没有编号为“XM404”的项目');
    expectRefused(h, 'wang', 'XM001', '走访', '请写明项目编号和走访记录');
    expectRefused(h, 'wang', 'XM001', '走访 XM001', '请写明走访记录');
  });

  it('refuses enterprise contacts, leaders and coordinators: it is the officers’ log (SPEC §3)', () => {
    const h = setup();
    expectRefused(h, 'chen', 'XM001', '走访 XM001 来看看', '“走访”只能由', '您的身份是企业');
    expectRefused(h, 'li', 'XM001', '走访 XM001 来看看', '“走访”只能由');
    expectRefused(h, 'zhou', 'coordinators', '走访 XM001 来看看', '“走访”只能由民警/联络员使用');
  });
});

describe('会商', () => {
  it('shows the next meeting with the project’s agenda in a project group', () => {
    const h = setup();
    const open = ticketIn(h, 'open');
    const reply = ok(h, 'chen', 'XM001', '会商').reply;
    expect(reply).toContain('月度会商');
    expect(reply).toContain('时间：2026-11-25 15:00');
    expect(reply).toContain('地点：市公安局三楼会议室');
    expect(reply).toContain('项目业主、施工单位');
    expect(reply).toContain('XM001 经开区新材料产业园');
    expect(reply).toContain(`待认领：#${open}（盗窃）`);
    expect(reply).not.toContain('XM002');
  });

  it('shows every project in the coordinators’ group', () => {
    const h = setup();
    const reply = ok(h, 'zhou', 'coordinators', '会商').reply;
    expect(reply).toContain('XM001');
    expect(reply).toContain('XM002');
    expect(reply).toContain('XM003');
  });

  it('moves on to next month’s meeting once this month’s has passed', () => {
    const h = setup('2026-11-26T02:00:00Z');
    expect(ok(h, 'chen', 'XM001', '会商').reply).toContain('时间：2026-12-25 15:00');
  });

  it('puts reopened, supervised and overdue tickets on the agenda', () => {
    const h = setup();
    const reopened = ticketIn(h, 'resolved');
    ok(h, 'chen', 'XM001', `不满意 #${reopened} 没解决`);
    const supervised = ticketIn(h, 'claimed');
    ok(h, 'zhou', 'coordinators', `督办 #${supervised}`);
    const overdue = ticketIn(h, 'open');
    h.clock.set(new Date('2026-11-02T15:00:00+08:00'));
    const reply = ok(h, 'wang', 'XM001', '会商').reply;
    expect(reply).toContain(`重办：#${reopened}（王警官）`);
    expect(reply).toContain(`督办：#${supervised}（王警官）`);
    expect(reply).toContain(`超期：#${overdue}（待王警官认领）`);
  });

  it('lets an officer add an agenda item, which then shows on the agenda', () => {
    const h = setup();
    const said = ok(h, 'wang', 'XM001', '会商 议题 协调解决进场道路问题');
    expect(said.reply).toContain('已添加会商议题');
    expect(said.reply).toContain('经开区新材料产业园');
    expect(said.reply).toContain('2026-11-25 15:00');
    expect(said.reply).toContain('协调解决进场道路问题');
    expect(h.db.prepare('SELECT project_code, person_id, text, msg_id FROM agenda_items').all()).toEqual([
      { project_code: 'XM001', person_id: 'wang', text: '协调解决进场道路问题', msg_id: lastMsgId(h) },
    ]);
    expect(ok(h, 'chen', 'XM001', '会商').reply).toContain('议题：协调解决进场道路问题（王警官）');
  });

  it('refuses an agenda item from an enterprise contact, pointing to 报告', () => {
    const h = setup();
    expectRefused(h, 'chen', 'XM001', '会商 议题 希望解决道路问题', '会商议题由民警或护企办添加', '报告');
  });

  it('refuses an empty agenda item and words it does not understand', () => {
    const h = setup();
    expectRefused(h, 'wang', 'XM001', '会商 议题', '请写明议题内容');
    expectRefused(h, 'wang', 'XM001', '会商 明天开吗', '“会商”后面只能跟“议题 内容”');
  });
});
