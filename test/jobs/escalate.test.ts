import { describe, expect, it } from 'vitest';
import { escalate } from '../../src/jobs/escalate.js';
import { runJob } from '../../src/jobs/runner.js';
import type { OutboxItem } from '../../src/db/outbox-repo.js';
import { harness } from '../helpers/harness.js';

const HOUR = 3_600_000;

/** Runs the sweep as of `at` and returns what it queued. */
async function sweep(h: ReturnType<typeof harness>, at: number | string): Promise<OutboxItem[]> {
  const before = (h.db.prepare('SELECT coalesce(max(id), 0) AS id FROM outbox').get() as { id: number }).id;
  const r = await runJob(h.core, escalate, new Date(at));
  expect(r.status).toBe('done');
  return (h.db.prepare('SELECT id FROM outbox WHERE id > ? ORDER BY id').all(before) as { id: number }[]).map((x) => h.core.outbox.get(x.id)!);
}

const to = (items: OutboxItem[], kind: string, dest: string) => items.filter((m) => m.kind === kind && m.to === dest);

describe('escalate: the three tiers of a missed deadline', () => {
  // Monday 2026-11-02 10:00 Beijing time.
  const start = Date.parse('2026-11-02T02:00:00Z');

  it('sends tier 1 at the deadline, tier 2 a day later, tier 3 three days later, each once', async () => {
    const h = harness(new Date(start).toISOString());
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 施工方与村民因补偿款发生纠纷'));
    const t = h.core.repos.tickets.get(no)!;
    expect(t.urgency).toBe('normal');
    expect(t.claimDeadline).toBe(start + 4 * HOUR);

    expect(await sweep(h, start + 4 * HOUR - 60_000)).toEqual([]);

    const tier1 = await sweep(h, start + 4 * HOUR);
    expect(tier1).toHaveLength(1);
    expect(tier1[0]!.kind).toBe('group');
    expect(tier1[0]!.to).toBe('XM001');
    expect(tier1[0]!.text).toContain('超期提醒');
    expect(tier1[0]!.text).toContain(`#${no}`);
    expect(tier1[0]!.text).toContain('<@wang|王警官>'); // the project officer, while unclaimed
    expect(await sweep(h, start + 4 * HOUR + 60_000)).toEqual([]);

    expect(await sweep(h, start + 28 * HOUR - 60_000)).toEqual([]);
    const tier2 = await sweep(h, start + 28 * HOUR);
    expect(to(tier2, 'person', 'li')).toHaveLength(1); // XM001's leader
    expect(to(tier2, 'group', 'coordinators')).toHaveLength(1);
    expect(to(tier2, 'person', 'li')[0]!.text).toContain('督促');
    expect(h.core.repos.tickets.get(no)!.supervised).toBe(false);

    const tier3 = await sweep(h, start + 76 * HOUR);
    expect(to(tier3, 'group', 'coordinators')[0]!.text).toContain('预警单');
    expect(to(tier3, 'person', 'li')[0]!.text).toContain(`#${no}`);
    expect(h.core.repos.tickets.get(no)!.supervised).toBe(true);
    expect(await sweep(h, start + 200 * HOUR)).toEqual([]);

    const actions = h.core.repos.tickets.timeline(no).map((r) => r.action);
    expect(actions.filter((a) => a === 'escalate')).toHaveLength(3);
    expect(actions).toContain('supervise');
  });

  it('uses a quarter of the delays for urgent tickets', async () => {
    const h = harness(new Date(start).toISOString());
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵路阻工，车辆进不去'));
    const t = h.core.repos.tickets.get(no)!;
    expect(t.urgency).toBe('urgent');
    const d = t.claimDeadline!; // 15 minutes in the example roster's sla
    expect(d).toBe(start + 15 * 60_000);
    expect((await sweep(h, d))[0]!.text).toContain('超期提醒');
    expect(await sweep(h, d + 6 * HOUR - 60_000)).toEqual([]);
    expect(to(await sweep(h, d + 6 * HOUR), 'group', 'coordinators')[0]!.text).toContain('督促');
    expect(to(await sweep(h, d + 18 * HOUR), 'group', 'coordinators')[0]!.text).toContain('预警单');
  });

  it('sends a supervised ticket straight to tier 2 at its deadline', async () => {
    const h = harness(new Date(start).toISOString());
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    h.say('zhou', 'coordinators', `督办 #${no}`);
    const out = await sweep(h, h.core.repos.tickets.get(no)!.claimDeadline!);
    expect(out.some((m) => m.text.includes('超期提醒'))).toBe(false);
    expect(to(out, 'group', 'coordinators')[0]!.text).toContain('督促');
  });

  it('starts the tiers again after 延期, and mentions the assignee once claimed', async () => {
    const h = harness(new Date(start).toISOString());
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    h.say('wang', 'XM001', `认领 #${no}`);
    const resolveBy = h.core.repos.tickets.get(no)!.resolveDeadline!;
    const first = await sweep(h, resolveBy);
    expect(first[0]!.text).toContain('<@wang|王警官>');
    expect(first[0]!.text).toContain('办结');

    h.clock.set(resolveBy + HOUR);
    expect(h.say('zhou', 'coordinators', `延期 #${no} 2d 等待鉴定结果`).reply).toContain('已延期');
    const extended = h.core.repos.tickets.get(no)!.resolveDeadline!;
    expect(extended).toBe(resolveBy + 48 * HOUR);
    expect(await sweep(h, extended - 60_000)).toEqual([]);
    const again = await sweep(h, extended);
    expect(again).toHaveLength(1);
    expect(again[0]!.text).toContain('超期提醒');
  });

  it('closes a resolution nobody confirmed as 未评价, telling the group', async () => {
    const h = harness(new Date(start).toISOString());
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    h.say('wang', 'XM001', `认领 #${no}`);
    h.say('wang', 'XM001', `办结 #${no} 已抓获嫌疑人`);
    const confirmBy = h.core.repos.tickets.get(no)!.confirmDeadline!;
    expect(await sweep(h, confirmBy - 60_000)).toEqual([]);
    const out = await sweep(h, confirmBy);
    expect(to(out, 'group', 'XM001')[0]!.text).toContain('未评价');
    const t = h.core.repos.tickets.get(no)!;
    expect(t.state).toBe('closed');
    expect(t.closeKind).toBe('auto');
    expect(t.rating).toBeNull();
  });

  it('combines thirty overdue tickets of one group into one nudge', async () => {
    const h = harness(new Date(start).toISOString());
    const nos: number[] = [];
    for (let i = 0; i < 30; i++) {
      h.clock.set(start + i * 1000);
      nos.push(h.ticketNo(h.send({ senderId: `visitor${i}`, chatId: 'XM002', text: `报告 第${i}号 货车通行受阻` })));
    }
    const out = await sweep(h, start + 5 * HOUR);
    const group = to(out, 'group', 'XM002');
    expect(group).toHaveLength(1);
    for (const no of nos) expect(group[0]!.text).toContain(`#${no} `);
  });

  it('runs once per period', async () => {
    const h = harness(new Date(start).toISOString());
    h.say('chen', 'XM001', '报告 工地电缆被盗');
    const at = new Date(start + 5 * HOUR);
    expect((await runJob(h.core, escalate, at)).status).toBe('done');
    expect((await runJob(h.core, escalate, at)).status).toBe('skipped');
  });
});
