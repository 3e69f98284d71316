import { describe, expect, it } from 'vitest';
import { escalate } from '../../src/jobs/escalate.js';
import { meetingNotice } from '../../src/jobs/meeting-notice.js';
import { runJob } from '../../src/jobs/runner.js';
import { expectRefused, ok, setup } from '../support/tickets.js';

/** Everyone in a project group reads the bot's answers there. */
describe('what a project group may read', () => {
  it('discusses only its own project’s tickets, whoever asks', () => {
    const h = setup();
    const no = h.ticketNo(ok(h, 'chen', 'XM001', '报告 工地电缆被盗，嫌疑人是附近村民张某'));
    for (const who of ['chen', 'wang', 'zhou', 'li']) {
      const reply = expectRefused(h, who, 'XM002', `查询 #${no}`, '不是本群项目（XM002）的工单');
      expect(reply).not.toContain('电缆');
    }
    // In its own group, or in the coordinators' group, it is answered.
    expect(ok(h, 'wang', 'XM001', `查询 #${no}`).reply).toContain('电缆');
    expect(ok(h, 'zhou', 'coordinators', `查询 #${no}`).reply).toContain('电缆');
  });

  it('does not take a report from another project’s contact in its group', () => {
    const h = setup();
    expectRefused(h, 'chen', 'XM002', '报告 工地门口有人堵路', '请在XM001的项目群里报告');
  });

  it('keeps conduct complaints out of the group: lists, queries, agendas and reminders', async () => {
    const h = setup();
    const conduct = h.ticketNo(ok(h, 'liu', 'XM002', '报告 有民警吃拿卡要，乱罚款'));
    const other = h.ticketNo(ok(h, 'liu', 'XM002', '报告 渣土车通行受阻'));

    const list = ok(h, 'zhao', 'XM002', '台账 全部').reply;
    expect(list).toContain(`#${other} `);
    expect(list).not.toContain(`#${conduct} `);
    expect(ok(h, 'zhou', 'coordinators', '台账 全部').reply).toContain(`#${conduct} `);

    expectRefused(h, 'zhao', 'XM002', `查询 #${conduct}`, '不在您的办理范围内');
    expectRefused(h, 'zhou', 'XM002', `查询 #${conduct}`, '执法投诉'); // a coordinator knows, but not in the group
    expect(ok(h, 'liu', 'XM002', `查询 #${conduct}`).reply).toContain('吃拿卡要'); // the reporter, where they reported it

    expect(ok(h, 'zhao', 'XM002', '会商').reply).not.toContain(`#${conduct}（`);
    expect(ok(h, 'zhou', 'coordinators', '会商').reply).toContain(`#${conduct}（`);

    // The claim deadline passes: the reminder goes to the coordinators, not the project group; the
    // other ticket's goes to its group and to its project officer directly (SPEC §4 tier 1).
    const before = (h.db.prepare('SELECT coalesce(max(id), 0) AS id FROM outbox').get() as { id: number }).id;
    await runJob(h.jobs, escalate, new Date(h.clock.now().getTime() + 5 * 3_600_000));
    const sent = h.db.prepare('SELECT destination, body FROM outbox WHERE id > ?').all(before) as { destination: string; body: string }[];
    expect(sent.filter((m) => m.body.includes(`#${conduct} `)).map((m) => m.destination)).toEqual(['coordinators']);
    expect(sent.filter((m) => m.body.includes(`#${other} `)).map((m) => m.destination)).toEqual(['XM002', 'zhao']);
  });

  it('sends each project group a meeting notice without conduct complaints', async () => {
    const h = setup('2026-11-16T02:00:00Z');
    const conduct = h.ticketNo(ok(h, 'liu', 'XM002', '报告 有民警吃拿卡要，乱罚款'));
    const before = (h.db.prepare('SELECT coalesce(max(id), 0) AS id FROM outbox').get() as { id: number }).id;
    // The meeting is on Wednesday 25 November; the notice goes out three working days before, on the 20th.
    expect((await runJob(h.jobs, meetingNotice, new Date('2026-11-20T01:00:00Z'))).status).toBe('done');
    const sent = h.db.prepare('SELECT destination, body FROM outbox WHERE id > ?').all(before) as { destination: string; body: string }[];
    expect(sent.find((m) => m.destination === 'XM002')!.body).not.toContain(`#${conduct}（`);
    expect(sent.find((m) => m.destination === 'coordinators')!.body).toContain(`#${conduct}（`);
  });
});

describe('small things people read', () => {
  it('thanks whoever confirmed the resolution', () => {
    const h = setup();
    const no = h.ticketNo(ok(h, 'huang', 'XM001', '报告 工地电缆被盗'));
    ok(h, 'wang', 'XM001', `认领 #${no}`);
    ok(h, 'wang', 'XM001', `办结 #${no} 已追回`);
    expect(ok(h, 'chen', 'XM001', `满意 #${no} 5`).reply).toContain('感谢陈经理的评价');
  });

  it('shows the usage of 转办 with plain brackets in 帮助', () => {
    const h = setup();
    expect(ok(h, 'wang', 'XM001', '帮助').reply).toContain('转办 <#N> <@人 或 部门名> <原因>');
  });
});
