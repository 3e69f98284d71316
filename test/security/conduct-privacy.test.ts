/**
 * SPEC §9: conduct complaints (执法投诉) are for coordinators only (and leaders, and the person who
 * reported it). The project's own officer may be the one complained about: in a private chat with
 * the bot, where nobody else reads along, they must still not read the complaint, find it in a
 * list or an agenda, learn who made it, or reach the complainant through it.
 */
import { describe, expect, it } from 'vitest';
import { expectRefused, ok, setup } from '../support/tickets.js';

const COMPLAINT = '报告 派出所民警吃拿卡要，乱罚款，还暗示要宴请';

function withComplaint() {
  const h = setup();
  const no = h.ticketNo(ok(h, 'chen', 'XM001', COMPLAINT));
  const other = h.ticketNo(ok(h, 'chen', 'XM001', '报告 工地电缆被偷'));
  return { h, no, other };
}

describe('a conduct complaint, seen from a private chat with the bot', () => {
  it('is not shown to any officer, the project officer included, nor to the project’s other contacts', () => {
    const { h, no, other } = withComplaint();
    for (const officer of ['wang', 'zhao', 'sun']) {
      const reply = expectRefused(h, officer, officer, `查询 #${no}`, '不在您的办理范围内');
      expect(reply).not.toMatch(/吃拿卡要|陈经理|执法投诉/);
    }
    // Another enterprise contact of the same project is not its reporter: told what another
    // project's contact is told of any ticket, so the answer says nothing of what this one is.
    const refusal = expectRefused(h, 'huang', 'XM001', `补充 #${no} 我也看看`);
    expect(refusal).toBe(`#${no} 不在您的查看范围内：您只能查看本项目的工单和自己报告的工单`);
    expect(expectRefused(h, 'liu', 'XM002', `补充 #${other} 我也看看`)).toBe(refusal.replace(`#${no}`, `#${other}`));
    expect(expectRefused(h, 'huang', 'huang', `查询 #${no}`)).not.toContain('吃拿卡要');
  });

  it('is not listed for officers, whatever the filter, and is for coordinators and leaders', () => {
    const { h, no, other } = withComplaint();
    for (const filter of ['', '全部', '待认领', '超期', '我的']) {
      const reply = ok(h, 'wang', 'wang', `台账 ${filter}`).reply;
      expect(reply).not.toContain(`#${no} `);
      expect(reply).not.toContain('吃拿卡要');
    }
    expect(ok(h, 'wang', 'wang', '台账 全部').reply).toContain(`#${other} `);
    expect(ok(h, 'zhou', 'zhou', '台账 全部').reply).toContain(`#${no} `);
    expect(ok(h, 'li', 'li', '台账 全部').reply).toContain(`#${no} `);
  });

  it('is not on the meeting agenda an officer asks for', () => {
    const { h, no } = withComplaint();
    expect(ok(h, 'wang', 'wang', '会商').reply).not.toContain(`#${no}`);
    expect(ok(h, 'zhou', 'zhou', '会商').reply).toContain(`#${no}`);
  });

  it('cannot be added to by an officer, so nothing reaches the complainant', () => {
    const { h, no } = withComplaint();
    const reply = expectRefused(h, 'wang', 'wang', `补充 #${no} 我来看看是谁举报的`, '不在您的办理范围内');
    expect(reply).not.toContain('陈经理');
    for (const command of [`进展 #${no} 已核实`, `认领 #${no}`, `办结 #${no} 无此事`, `转办 #${no} @赵警官 不归我管`]) {
      expectRefused(h, 'wang', 'wang', command);
    }
  });

  it('is open to its reporter, the coordinators and the leaders', () => {
    const { h, no } = withComplaint();
    expect(ok(h, 'chen', 'chen', `查询 #${no}`).reply).toContain('吃拿卡要');
    expect(ok(h, 'zhou', 'zhou', `查询 #${no}`).reply).toContain('吃拿卡要');
    expect(ok(h, 'li', 'li', `查询 #${no}`).reply).toContain('吃拿卡要');
    const note = ok(h, 'zhou', 'zhou', `补充 #${no} 已电话联系报告人`);
    expect(note.out.some((m) => m.kind === 'person' && m.to === 'chen')).toBe(true);
  });
});

describe('a conduct complaint made in a project group', () => {
  it('is acknowledged there without its words or its category, and later steps show only that there is news', () => {
    const h = setup();
    const said = ok(h, 'visitor', 'XM001', '报告 执法人员乱罚款，还扣了我们的车');
    expect(said.reply).toMatchInlineSnapshot(`"已收到您的反映（#1），将由护企办处理。此类问题下次可以直接私聊我反映。"`);
    // Someone outside the roster has no other address than the group: it hears that there is news.
    const progress = ok(h, 'zhou', 'coordinators', '认领 #1');
    const toGroup = progress.out.filter((m) => m.to === 'XM001');
    expect(toGroup.map((m) => m.text)).toEqual(['#1 有新的办理情况，由护企办与报告人联系。']);
  });
});

describe('a conduct complaint, asked for by a coordinator in a group bound to nothing', () => {
  it('is not listed, put on the agenda or shown there: anyone may read along', () => {
    const { h, no, other } = withComplaint();
    const listed = ok(h, 'zhou', 'newgroup', '台账 全部').reply;
    expect(listed).toContain(`#${other} `);
    expect(listed).not.toContain(`#${no} `);
    expect(ok(h, 'zhou', 'newgroup', '会商').reply).not.toContain(`#${no}`);
    const refused = expectRefused(h, 'li', 'newgroup', `查询 #${no}`, '是执法投诉，请在护企办群或私聊中办理');
    expect(refused).not.toContain('吃拿卡要');
    // In the coordinators' group it is.
    expect(ok(h, 'zhou', 'coordinators', '台账 全部').reply).toContain(`#${no} `);
  });
});
