import { describe, it, expect } from 'vitest';
import { MAX_TEXT_CHARS as MAX_REPORT_CHARS } from '../../src/dispatch/helpers.js';
import { expectRefused, lastAudit, lastMsgId, ok, sentTo, setup, stored, textTo, ticket, ticketCount } from '../support/tickets.js';

describe('报告: category and urgency', () => {
  const cases: [string, string, '紧急' | '一般'][] = [
    ['村民堵路阻工，车辆进不去', '阻工', '紧急'],
    ['有人上门收保护费，不给就不让进场', '强揽', '紧急'],
    ['工地夜间电缆被偷', '盗窃', '一般'],
    ['几十名农民工来讨要拖欠工资', '纠纷', '一般'],
    ['外籍技术人员急需办理出入境手续', '证照', '一般'],
    ['渣土车限行，材料货车进不来', '交通', '一般'],
    ['网上有人造谣说工地出了人命', '网络', '一般'],
    ['有人冒充项目部诈骗材料款', '经济', '一般'],
    ['检查人员吃拿卡要，乱罚款', '执法投诉', '一般'],
    ['项目部门口的路灯坏了', '其他', '一般'],
  ];
  for (const [text, category, urgency] of cases) {
    it(`reads “${text}” as ${category}·${urgency}`, () => {
      const h = setup();
      // In a private chat, where the reply repeats the report (in a project group a conduct complaint is not repeated).
      const said = h.send({ senderId: 'chen', chatId: 'chenjl-private', chatType: 'single', text: `报告 ${text}` });
      expect(said.reply).toContain(`${category}·${urgency}`);
      const t = ticket(h, h.ticketNo(said));
      expect(t.category).toBe(category);
      expect(t.urgency).toBe(urgency === '紧急' ? 'urgent' : 'normal');
      expect(t.description).toBe(text);
    });
  }

  it('makes any report urgent when it says 紧急', () => {
    const h = setup();
    const said = ok(h, 'chen', 'XM001', '报告 紧急：工地电缆被偷，明天无法浇筑');
    expect(said.reply).toContain('盗窃·紧急');
    // An urgent ticket gets the urgent claim deadline: 30 minutes.
    expect(said.reply).toContain('签收时限：2026-11-02 10:30');
    expect(said.reply).toContain('办结时限：2026-11-03 10:00');
  });

  it('makes a report that starts with ! urgent, and drops the !', () => {
    const h = setup();
    for (const bang of ['!', '！']) {
      const said = ok(h, 'chen', 'XM001', `报告 ${bang}工地电缆被偷`);
      expect(said.reply).toContain('盗窃·紧急');
      expect(ticket(h, h.ticketNo(said)).description).toBe('工地电缆被偷');
    }
  });

  it('takes the category from an explicit #tag, and leaves the tag out of the description', () => {
    const h = setup();
    const said = ok(h, 'chen', 'XM001', '报告 #盗窃 仓库里的钢筋少了一吨');
    expect(said.reply).toContain('盗窃·一般');
    const t = ticket(h, h.ticketNo(said));
    expect(t.category).toBe('盗窃');
    expect(t.description).toBe('仓库里的钢筋少了一吨');
  });

  it('lets an explicit #tag win over the keywords', () => {
    const h = setup();
    const said = ok(h, 'chen', 'XM001', '报告 #纠纷 拆迁户说电缆从他家地里过，要补偿');
    expect(ticket(h, h.ticketNo(said)).category).toBe('纠纷');
  });
});

describe('报告: the ticket and what people read', () => {
  it('registers the ticket in the chat’s project, with its number, category, urgency and deadlines', () => {
    const h = setup();
    const said = ok(h, 'chen', 'XM001', '报告 村民堵路阻工，车辆进不去');
    const no = h.ticketNo(said);
    expect(said.reply).toContain(`#${no} 已登记`);
    expect(said.reply).toContain('阻工·紧急');
    expect(said.reply).toContain('经开区新材料产业园');
    // 阻工 claim is 15m in the example roster's sla section; urgent resolve is 24h.
    expect(said.reply).toContain('签收时限：2026-11-02 10:15');
    expect(said.reply).toContain('办结时限：2026-11-03 10:00');
    expect(said.reply).toContain(`认领 #${no}`);
    expect(said.reply).toMatch(/请 .*王警官.* 认领/);
    const t = ticket(h, no);
    expect(t).toMatchObject({ projectCode: 'XM001', state: 'open', reporterPersonId: 'chen', reporterName: '陈经理', departmentId: 'zhian' });
    expect(t.assigneeId).toBeNull();
    const audit = lastAudit(h, no);
    expect(audit).toMatchObject({ action: 'report', actorId: 'chen', actorName: '陈经理', toState: 'open', msgId: lastMsgId(h) });
    expect(audit.detail).toMatchObject({ text: '村民堵路阻工，车辆进不去' });
  });

  it('gives a normal report 4 hours to claim and 5 working days to resolve', () => {
    const h = setup(); // Monday 2026-11-02 10:00 in Beijing
    const said = ok(h, 'chen', 'XM001', '报告 工地夜间电缆被偷');
    expect(said.reply).toContain('签收时限：2026-11-02 14:00');
    expect(said.reply).toContain('办结时限：2026-11-09 18:00');
  });

  it('counts working days across the National Day holiday and its make-up Saturday', () => {
    const h = setup('2026-09-30T02:00:00Z'); // 2026-09-30 10:00 Beijing, the day before the holiday
    const said = ok(h, 'chen', 'XM001', '报告 工地夜间电缆被偷');
    // Oct 1–7 off; Oct 8, 9, 10 (调休 Saturday), 12, 13 are the five working days.
    expect(said.reply).toContain('办结时限：2026-10-13 18:00');
  });

  it('numbers tickets in order across projects', () => {
    const h = setup();
    const a = h.ticketNo(ok(h, 'chen', 'XM001', '报告 工地电缆被偷'));
    const b = h.ticketNo(ok(h, 'liu', 'XM002', '报告 货车进不来'));
    expect(b).toBe(a + 1);
    expect(ticket(h, b).projectCode).toBe('XM002');
  });

  it('treats someone outside the roster in a project group as an enterprise contact of that project', () => {
    const h = setup();
    const said = h.send({ senderId: 'stranger', senderName: '张师傅', chatId: 'XM002', text: '报告 工地门口有人堵门' });
    const no = h.ticketNo(said);
    expect(said.reply).toContain('报告人：张师傅');
    const t = ticket(h, no);
    expect(t).toMatchObject({ projectCode: 'XM002', reporterPersonId: null, reporterUserId: 'stranger', reporterName: '张师傅', category: '阻工' });
    expect(lastAudit(h, no)).toMatchObject({ action: 'report', actorId: null, actorName: '张师傅' });
    // The same stranger may follow the ticket up.
    expect(h.send({ senderId: 'stranger', chatId: 'XM002', text: `查询 #${no}` }).reply).toContain('状态：待认领');
  });

  it('marks a stranger who goes by a roster person’s name, so that nobody takes the report for theirs', () => {
    const h = setup();
    for (const [senderName, shown] of [['周协调', '周协调（非名册人员）'], ['周 协调', '周 协调（非名册人员）'], ['周协调员', '周协调员']]) {
      const said = h.send({ senderId: `stranger-${senderName}`, senderName, chatId: 'XM002', text: '报告 工地门口有人堵门' });
      expect(said.reply).toContain(`报告人：${shown}`);
      expect(ticket(h, h.ticketNo(said)).reporterName).toBe(shown);
    }
  });

  it('explains itself to someone outside the roster in the coordinators’ chat and stores nothing', () => {
    const h = setup();
    const before = stored(h);
    const said = h.send({ senderId: 'stranger', chatId: 'coordinators', text: '报告 工地门口有人堵门' });
    expect(said.out.map((m) => m.kind)).toEqual(['reply']);
    expect(said.reply).toContain('不在人员名册中');
    expect(said.reply).toContain('项目群里发送“报告');
    // Binding the coordinators' group is not possible, so it is not suggested there.
    expect(said.reply).not.toContain('绑定');
    expect(stored(h)).toEqual(before);
    expect(ticketCount(h)).toBe(0);
  });

  it('explains itself to someone outside the roster in an unknown chat', () => {
    const h = setup();
    const said = h.send({ senderId: 'stranger', chatId: 'some-other-group', text: '帮助' });
    expect(said.reply).toContain('绑定 项目编号');
    expect(ticketCount(h)).toBe(0);
  });

  it('files an enterprise contact’s report under their own project, even from a private chat', () => {
    const h = setup();
    const said = h.send({ senderId: 'chen', chatId: 'chen-private', chatType: 'single', text: '报告 工地电缆被偷' });
    const no = h.ticketNo(said);
    expect(ticket(h, no).projectCode).toBe('XM001');
    // The project group hears of it too, since the report was not made there.
    expect(sentTo(said, 'group')).toEqual(['XM001']);
    expect(textTo(said, 'group', 'XM001')).toContain(`#${no} 已登记`);
  });

  it('refuses a report without a description', () => {
    const h = setup();
    expectRefused(h, 'chen', 'XM001', '报告', '请写明遇到的问题', '例如：报告 ');
    expectRefused(h, 'chen', 'XM001', '报告 ！', '请写明遇到的问题');
    expectRefused(h, 'chen', 'XM001', '报告 #盗窃', '请写明遇到的问题');
    expectRefused(h, 'chen', 'XM001', '报告 @王警官', '请写明遇到的问题');
  });

  it('refuses a 10,000-character report and stores nothing', () => {
    const h = setup();
    const reply = expectRefused(h, 'chen', 'XM001', `报告 ${'村民堵路'.repeat(2500)}`, '10000字', `${MAX_REPORT_CHARS}字`, '补充');
    expect(reply.length).toBeLessThan(200);
    expect(ticketCount(h)).toBe(0);
  });

  it('accepts a report of exactly the longest length', () => {
    const h = setup();
    const text = '堵'.repeat(MAX_REPORT_CHARS);
    const no = h.ticketNo(ok(h, 'chen', 'XM001', `报告 ${text}`));
    expect(ticket(h, no).description).toBe(text);
  });

  it('stores a SQL-looking report verbatim', () => {
    const h = setup();
    const text = "工地电缆被偷'); DROP TABLE tickets; -- \" OR 1=1";
    const no = h.ticketNo(ok(h, 'chen', 'XM001', `报告 ${text}`));
    expect(ticket(h, no).description).toBe(text);
    expect(ticketCount(h)).toBe(1);
    expect(ok(h, 'chen', 'XM001', `查询 #${no}`).reply).toContain(text);
  });

  it('does not let a report forge a mention of someone', () => {
    const h = setup();
    const said = ok(h, 'chen', 'XM001', '报告 <@li|李局长> 工地电缆被偷');
    expect(said.out[0]!.mentions).not.toContain('li');
    expect(said.reply).not.toContain('<@li|');
  });

  it('refuses a report in a chat with no project, from someone with no project', () => {
    const h = setup();
    expectRefused(h, 'zhou', 'coordinators', '报告 工地电缆被偷', '没有绑定项目', '绑定');
  });
});

describe('报告: 执法投诉 (a complaint about officers’ conduct)', () => {
  it('goes to the coordinators’ group, not to the project officer', () => {
    const h = setup();
    const said = ok(h, 'chen', 'XM001', '报告 派出所民警吃拿卡要，乱罚款');
    const no = h.ticketNo(said);
    // SPEC §2: in the project group, the reply neither repeats the complaint nor names its
    // category; it says 护企办 has it and suggests a private chat next time.
    expect(said.reply).toBe(`已收到您的反映（#${no}），将由护企办处理。此类问题下次可以直接私聊我反映。`);
    expect(said.reply).not.toContain('吃拿卡要');
    expect(said.reply).not.toContain('王警官');
    expect(sentTo(said, 'group')).toEqual(['coordinators']);
    const coord = textTo(said, 'group', 'coordinators');
    expect(coord).toContain(`执法投诉 #${no}`);
    expect(coord).toContain(`认领 #${no}`);
    expect(sentTo(said, 'person')).toEqual([]);
    expect(ticket(h, no)).toMatchObject({ routing: 'coordinators', departmentId: null, category: '执法投诉' });
  });

  it('cannot be claimed by the project’s own officer, nor by another officer; a coordinator claims it', () => {
    const h = setup();
    const no = h.ticketNo(ok(h, 'chen', 'XM001', '报告 检查人员吃拿卡要'));
    // Officers are not told what the ticket is (SPEC §9): only that it is not theirs.
    expectRefused(h, 'wang', 'XM001', `认领 #${no}`, `#${no}`, '不在您的办理范围内', '护企办');
    expectRefused(h, 'zhao', 'XM001', `认领 #${no}`, '不在您的办理范围内');
    const said = ok(h, 'zhou', 'coordinators', `认领 #${no}`);
    expect(said.reply).toContain(`#${no} 已认领`);
    expect(ticket(h, no)).toMatchObject({ state: 'claimed', assigneeId: 'zhou' });
  });

  it('cannot be worked by the project’s own officer once a coordinator has it', () => {
    const h = setup();
    const no = h.ticketNo(ok(h, 'chen', 'XM001', '报告 检查人员乱收费'));
    ok(h, 'zhou', 'coordinators', `认领 #${no}`);
    expectRefused(h, 'wang', 'XM001', `进展 #${no} 我来解释一下`, `#${no} 不在您的办理范围内`, '护企办');
    expectRefused(h, 'wang', 'XM001', `办结 #${no} 没有这回事`, `#${no}`);
    expectRefused(h, 'wang', 'XM001', `转办 #${no} @王警官 我来办`, `#${no}`);
  });

  it('is followed in the coordinators’ group and by the reporter, never in the project group', () => {
    const h = setup();
    const dm = (text: string) => h.send({ senderId: 'chen', chatId: 'chen-private', chatType: 'single', text });
    const reported = dm('报告 检查人员吃拿卡要');
    const no = h.ticketNo(reported);
    expect(sentTo(reported, 'reply')).toEqual(['chen-private']);
    expect(sentTo(reported, 'group')).toEqual(['coordinators']);

    const claimed = ok(h, 'zhou', 'coordinators', `认领 #${no}`);
    expect(sentTo(claimed, 'group')).toEqual([]);
    expect(sentTo(claimed, 'person')).toEqual(['chen']);

    const supervised = ok(h, 'zhou', 'coordinators', `督办 #${no}`);
    expect(supervised.out.filter((m) => m.to === 'coordinators')).toHaveLength(1);
    expect(sentTo(supervised, 'group')).toEqual([]);
    expect(sentTo(supervised, 'person').sort()).toEqual(['chen', 'li']);

    const resolved = ok(h, 'zhou', 'coordinators', `办结 #${no} 已约谈相关人员`);
    expect(sentTo(resolved, 'group')).toEqual([]);
    expect(textTo(resolved, 'person', 'chen')).toContain(`满意 #${no}`);

    const closed = dm(`满意 #${no} 4`);
    expect(closed.reply).toContain('已销号');
    expect(sentTo(closed, 'group')).toEqual(['coordinators']);
    expect(sentTo(closed, 'person')).toEqual([]);
  });

  it('from someone outside the roster is followed in the project group where they reported', () => {
    const h = setup();
    const no = h.ticketNo(h.send({ senderId: 'stranger', chatId: 'XM001', text: '报告 执法人员乱罚款' }));
    const claimed = ok(h, 'zhou', 'coordinators', `认领 #${no}`);
    expect(sentTo(claimed, 'group')).toEqual(['XM001']);
  });
});
