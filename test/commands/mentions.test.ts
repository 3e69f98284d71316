import { describe, expect, it } from 'vitest';
import { expectRefused, setup, ticket, ticketIn } from '../support/tickets.js';

/**
 * `@` words in 转办 and 吹哨 name people by the mentions the platform resolved (DingTalk's
 * atUsers[].staffId: SPEC §7) before any name matching: the name shown in chat is whatever its
 * owner chose, not necessarily the roster's. Here on the playground, whose user ids are roster ids.
 */
describe('people named by the mentions the platform resolved', () => {
  it('transfers to the person mentioned, whatever name the chat shows for them', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const said = h.send({ senderId: 'wang', chatId: 'XM001', text: `转办 #${no} @赵队 涉及货车通行`, mentions: [{ userId: 'zhao' }] });
    expect(said.reply).toContain(`#${no} 已转办**：由 王警官 转给 <@zhao|赵警官>`);
    expect(ticket(h, no)).toMatchObject({ assigneeId: 'zhao', departmentId: 'jiaojing' });
  });

  it('matches several mentions to the @ words in the order they are written', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    h.send({ senderId: 'wang', chatId: 'XM001', text: `转办 #${no} @孙所 请@赵队 一并协助`, mentions: [{ userId: 'sun' }, { userId: 'zhao' }] });
    expect(ticket(h, no).assigneeId).toBe('sun');
  });

  it('still finds people by their roster name when the platform resolved no mention', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    h.send({ senderId: 'wang', chatId: 'XM001', text: `转办 #${no} @赵警官 涉及货车通行` });
    expect(ticket(h, no).assigneeId).toBe('zhao');
    const other = ticketIn(h, 'claimed');
    expectRefused(h, 'wang', 'XM001', `转办 #${other} @赵队 涉及货车通行`, '找不到“@赵队”');
  });

  it('summons the department of the contact mentioned in 吹哨', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    const said = h.send({ senderId: 'wang', chatId: 'XM001', text: `吹哨 #${no} @老郑 涉及欠薪`, mentions: [{ userId: 'zheng' }] });
    expect(said.reply).toContain('请人社局协同办理（涉及欠薪）');
    expect(h.db.prepare('SELECT department_id FROM ticket_departments WHERE ticket_no = ?').all(no)).toEqual([{ department_id: 'renshe' }]);
  });

  it('refuses a 吹哨 of someone it cannot find, or who has no department, saying what would work', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    expectRefused(h, 'wang', 'XM001', `吹哨 #${no} @没这人 请协助`, '找不到“@没这人”', '或“@联络员”');
    expectRefused(h, 'wang', 'XM001', `吹哨 #${no} @李局长 请协助`, '李局长不属于任何部门');
  });
});
