import { describe, it, expect } from 'vitest';
import { dailyDigest } from '../../src/jobs/daily-digest.js';
import { escalate } from '../../src/jobs/escalate.js';
import { runJob } from '../../src/jobs/runner.js';
import { ok, setup, THEFT, type Harness } from '../support/tickets.js';
import { destinations, lastOutboxId, queued, textFor } from '../support/outbox.js';

const at = (beijing: string) => new Date(`${beijing}+08:00`);

async function digest(h: Harness, date: string) {
  const before = lastOutboxId(h);
  h.clock.set(at(`${date}T08:30`));
  const r = await runJob(h.jobs, dailyDigest, h.clock.now());
  expect(r).toMatchObject({ status: 'done', periodKey: date });
  return { summary: r.status === 'done' ? r.summary : '', sent: queued(h, before) };
}

describe('daily-digest', () => {
  it('lists yesterday’s new tickets, those waiting to be claimed and the overdue ones, to the coordinators only', async () => {
    const h = setup('2026-11-02T02:00:00Z'); // Monday 10:00
    const unclaimed = h.ticketNo(ok(h, 'chen', 'XM001', THEFT));
    const claimed = h.ticketNo(ok(h, 'liu', 'XM002', '报告 工地夜间钢筋被盗'));
    ok(h, 'zhao', 'XM002', `认领 #${claimed}`);
    h.clock.set(at('2026-11-03T08:00'));
    const today = h.ticketNo(ok(h, 'ma', 'XM003', '报告 有人在工地门口造谣'));

    const { sent } = await digest(h, '2026-11-03');
    expect(destinations(sent)).toEqual(['group:coordinators']);
    const text = textFor(sent, 'group', 'coordinators');
    const [news, waiting, overdue] = text.split(/\*\*待认领\*\*|\*\*超期工单\*\*/) as [string, string, string];
    expect(news).toContain('昨日 11-02，2件');
    expect(news).toContain(`#${unclaimed} XM001 盗窃 待认领，承办：待王警官认领`);
    expect(news).toContain(`#${claimed} XM002 盗窃 办理中，承办：赵警官`);
    expect(news).not.toContain(`#${today} `); // received this morning: tomorrow's digest
    expect(waiting).toContain('（2件）');
    expect(waiting).toContain(`#${unclaimed} XM001`);
    expect(waiting).toContain(`#${today} XM003`);
    expect(waiting).not.toContain(`#${claimed} `);
    expect(overdue).toContain('（1件）');
    expect(overdue).toContain(`#${unclaimed} XM001 盗窃，签收时限11-02 14:00，已超18小时30分，承办：待王警官认领`);
  });

  it('sends nothing on a day off, and after a weekend covers the days since the last digest', async () => {
    const h = setup('2026-11-06T02:00:00Z'); // Friday
    const friday = h.ticketNo(ok(h, 'huang', 'XM001', '报告 工地夜间钢筋被盗'));
    h.clock.set(at('2026-11-07T10:00')); // Saturday
    const saturday = h.ticketNo(ok(h, 'chen', 'XM001', THEFT));
    const off = await digest(h, '2026-11-07');
    expect(off.summary).toContain('不是工作日，不发日报');
    expect(off.sent).toEqual([]);
    expect((await digest(h, '2026-11-08')).sent).toEqual([]);

    h.clock.set(at('2026-11-08T20:00'));
    const sunday = h.ticketNo(ok(h, 'liu', 'XM002', '报告 工地夜间钢筋被盗'));
    const monday = await digest(h, '2026-11-09');
    const text = textFor(monday.sent, 'group', 'coordinators');
    expect(text).toContain('11-06至11-08，3件');
    expect(text).toContain(`#${friday} XM001`);
    expect(text).toContain(`#${saturday} XM001`);
    expect(text).toContain(`#${sunday} XM002`);
  });

  it('lists the extension requests waiting for an answer and the resolutions waiting for 回访 (SPEC §6)', async () => {
    const h = setup('2026-11-02T02:00:00Z'); // Monday 10:00
    const asking = h.ticketNo(ok(h, 'chen', 'XM001', THEFT));
    ok(h, 'wang', 'XM001', `认领 #${asking}`);
    ok(h, 'wang', 'XM001', `申请延期 #${asking} 2wd 等待鉴定结果`);
    const unanswered = h.ticketNo(ok(h, 'liu', 'XM002', '报告 工地夜间钢筋被盗'));
    ok(h, 'zhao', 'XM002', `认领 #${unanswered}`);
    ok(h, 'zhao', 'XM002', `办结 #${unanswered} 已追回`);
    // Its confirm deadline (3 working days) passes on Thursday at 18:00; the sweep makes it 待回访.
    await runJob(h.jobs, escalate, at('2026-11-06T08:00'));
    const { sent, summary } = await digest(h, '2026-11-06');
    const text = textFor(sent, 'group', 'coordinators');
    expect(text).toContain('**延期申请待答复**（1件）');
    expect(text).toContain(`· #${asking} XM001 盗窃，王警官11-02 10:00申请延后2个工作日，办结时限2026-11-09 18:00：等待鉴定结果`);
    expect(text).toContain('**待回访**（1件）');
    expect(text).toContain(`· #${unanswered} XM002 盗窃，报告人：刘经理，承办：赵警官，评价时限11-05 18:00已过`);
    expect(summary).toContain('延期申请 1 件，待回访 1 件');
  });

  it('says so when there is nothing to report', async () => {
    const h = setup('2026-11-03T00:30:00Z');
    const { sent } = await digest(h, '2026-11-03');
    expect(textFor(sent, 'group', 'coordinators')).toMatchInlineSnapshot(`
      "**🗓 联保日报 2026-11-03**
      **新收工单**（昨日 11-02，0件）
      · 无
      **待认领**（0件）
      · 无
      **超期工单**（0件）
      · 无
      **延期申请待答复**（0件）
      · 无
      **待回访**（0件）
      · 无
      以上截至2026-11-03 08:30。"
    `);
  });
});
