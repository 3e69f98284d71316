import { describe, it, expect } from 'vitest';
import { expectRefused, lastAudit, lastMsgId, ok, sentTo, setup, textTo, ticket, ticketIn } from '../support/tickets.js';

describe('吹哨', () => {
  it('adds a co-handling department, tells the project, and asks the department’s officers to check in', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const said = ok(h, 'wang', 'XM001', `吹哨 #${no} 人社局 涉及欠薪，请派员协同`);
    expect(said.reply).toContain(`#${no} 吹哨`);
    expect(said.reply).toContain('人社局');
    expect(said.reply).toContain(`报到 #${no}`);
    expect(h.repos.tickets.summonedDepartments(no)).toMatchObject([{ departmentId: 'renshe', checkedInAt: null }]);
    expect(ticket(h, no)).toMatchObject({ state: 'claimed', assigneeId: 'wang', departmentId: 'zhian' });
    expect(lastAudit(h, no)).toMatchObject({
      action: 'summon',
      actorId: 'wang',
      detail: { department: 'renshe', note: '涉及欠薪，请派员协同' },
      msgId: lastMsgId(h),
    });
    expect(sentTo(said, 'person')).toEqual(['zheng']);
    const request = textTo(said, 'person', 'zheng');
    expect(request).toContain('吹哨协同请求');
    expect(request).toContain('涉及欠薪，请派员协同');
    expect(request).toContain(`报到 #${no}`);
  });

  it('lets a coordinator summon for an open ticket, without a note', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    const said = ok(h, 'zhou', 'coordinators', `吹哨 #${no} 交警大队`);
    expect(sentTo(said, 'group')).toEqual(['XM001']);
    expect(sentTo(said, 'person')).toEqual(['zhao']);
    expect(ticket(h, no).state).toBe('open');
  });

  it('refuses a department twice, the handling department itself, and an unknown one', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    ok(h, 'wang', 'XM001', `吹哨 #${no} 人社局`);
    expectRefused(h, 'wang', 'XM001', `吹哨 #${no} 人社局 再催一下`, '人社局已被吹哨协同', '报到');
    expectRefused(h, 'wang', 'XM001', `吹哨 #${no} 治安大队`, `治安大队已是 #${no} 的承办部门`);
    expectRefused(h, 'wang', 'XM001', `吹哨 #${no} 城管局 占道`, '没有“城管局”这个部门', '人社局', '交警大队');
    expectRefused(h, 'wang', 'XM001', `吹哨 #${no}`, '请写明请哪个部门协同');
  });

  it('refuses anyone but the assignee and the coordinators', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'zhao', 'XM001', `吹哨 #${no} 人社局`, `只有 #${no} 的承办人或护企办可以吹哨`);
    expectRefused(h, 'chen', 'XM001', `吹哨 #${no} 人社局`, '“吹哨”只能由');
  });

  it('tells an officer to claim an open ticket before summoning for it', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    expectRefused(h, 'wang', 'XM001', `吹哨 #${no} 人社局`, `只有 #${no} 的承办人或护企办可以吹哨`, `认领 #${no}`);
  });

  it('refuses a ticket that is finished', () => {
    const h = setup();
    expectRefused(h, 'wang', 'XM001', `吹哨 #${ticketIn(h, 'resolved')} 人社局`, '「待评价」', '不能再吹哨');
    expectRefused(h, 'zhou', 'coordinators', `吹哨 #${ticketIn(h, 'closed')} 人社局`, '「已销号」');
  });
});

describe('报到', () => {
  it('records that the summoned department has joined, and the detail view shows it', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    ok(h, 'wang', 'XM001', `吹哨 #${no} 人社局 涉及欠薪`);
    h.clock.advance(30 * 60_000);
    const said = ok(h, 'zheng', 'XM001', `报到 #${no}`);
    expect(said.reply).toContain(`#${no}`);
    expect(said.reply).toContain('人社局已报到');
    expect(said.reply).toContain('郑科长');
    expect(h.repos.tickets.summonedDepartments(no)).toMatchObject([
      { departmentId: 'renshe', checkedInAt: h.clock.now().getTime(), checkedInBy: 'zheng' },
    ]);
    expect(lastAudit(h, no)).toMatchObject({ action: 'checkin', actorId: 'zheng', detail: { department: 'renshe' }, msgId: lastMsgId(h) });
    const detail = ok(h, 'chen', 'XM001', `查询 #${no}`).reply;
    expect(detail).toContain('协同部门：人社局（11-02 10:30已报到）');
    expect(detail).toContain('郑科长 报到：人社局');
  });

  it('can be sent from a private chat, and still tells the project group', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    ok(h, 'wang', 'XM001', `吹哨 #${no} 交警大队`);
    const said = h.send({ senderId: 'zhao', chatId: 'zhao-private', chatType: 'single', text: `报到 ${no}` });
    expect(said.reply).toContain('交警大队已报到');
    expect(sentTo(said, 'group')).toEqual(['XM001']);
  });

  it('shows a summoned department that has not checked in yet', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    ok(h, 'wang', 'XM001', `吹哨 #${no} 人社局`);
    expect(ok(h, 'wang', 'XM001', `查询 #${no}`).reply).toContain('人社局（未报到）');
  });

  it('refuses an officer whose department was not summoned, and a second check-in', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'zheng', 'XM001', `报到 #${no}`, `没有被吹哨协同 #${no}`);
    ok(h, 'wang', 'XM001', `吹哨 #${no} 人社局`);
    expectRefused(h, 'qian', 'XM001', `报到 #${no}`, `没有被吹哨协同 #${no}`);
    ok(h, 'zheng', 'XM001', `报到 #${no}`);
    expectRefused(h, 'zheng', 'XM001', `报到 #${no}`, `已经报到过 #${no}`);
  });

  it('refuses anyone who is not an officer', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    ok(h, 'wang', 'XM001', `吹哨 #${no} 人社局`);
    expectRefused(h, 'chen', 'XM001', `报到 #${no}`, '“报到”只能由', '您的身份是企业');
    expectRefused(h, 'zhou', 'coordinators', `报到 #${no}`, '“报到”只能由');
  });

  it('refuses a check-in once the ticket is finished', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    ok(h, 'wang', 'XM001', `吹哨 #${no} 人社局`);
    ok(h, 'wang', 'XM001', `办结 #${no} 已协调发放工资`);
    expectRefused(h, 'zheng', 'XM001', `报到 #${no}`, '「待评价」', '不需要再报到');
  });
});
