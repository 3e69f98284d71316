import { describe, expect, it } from 'vitest';
import { escalate } from '../../src/jobs/escalate.js';
import { runJob } from '../../src/jobs/runner.js';
import type { OutboxItem } from '../../src/db/outbox-repo.js';
import { harness } from '../support/harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Runs the sweep as of `at` and returns what it queued. */
async function sweep(h: ReturnType<typeof harness>, at: number | string): Promise<OutboxItem[]> {
  const before = (h.db.prepare('SELECT coalesce(max(id), 0) AS id FROM outbox').get() as { id: number }).id;
  const r = await runJob(h.jobs, escalate, new Date(at));
  expect(r.status).toBe('done');
  return (h.db.prepare('SELECT id FROM outbox WHERE id > ? ORDER BY id').all(before) as { id: number }[]).map((x) => h.outbox.get(x.id)!);
}

const to = (items: OutboxItem[], kind: string, dest: string) => items.filter((m) => m.kind === kind && m.to === dest);
const where = (items: OutboxItem[]) => items.map((m) => `${m.kind}:${m.to}`);

// Monday 2026-11-02 10:00 Beijing time.
const start = Date.parse('2026-11-02T02:00:00Z');
const DISPUTE = '报告 施工方与村民因补偿款发生纠纷'; // 纠纷, normal: claim within 4 h

describe('escalate: the reminder and the three tiers of a deadline (SPEC §4)', () => {
  it('reminds whoever is accountable at ¾ of the window, then sends tier 1, 2 and 3, each once, to the people named', async () => {
    const h = harness(new Date(start).toISOString());
    const no = h.ticketNo(h.say('chen', 'XM001', DISPUTE));
    const t = h.repos.tickets.get(no)!;
    expect(t.urgency).toBe('normal');
    expect(t.claimDeadline).toBe(start + 4 * HOUR);

    expect(await sweep(h, start + 3 * HOUR - MINUTE)).toEqual([]);
    // 临期提醒: three quarters of the four hours have passed; one direct message to the project
    // officer, who is accountable while nobody has claimed it.
    const reminder = await sweep(h, start + 3 * HOUR);
    expect(where(reminder)).toEqual(['person:wang']);
    expect(reminder[0]!.text).toContain('临期提醒');
    expect(reminder[0]!.text).toContain(`#${no} `);
    expect(reminder[0]!.text).toContain('签收时限11-02 14:00（还剩1小时）');
    expect(await sweep(h, start + 3 * HOUR + MINUTE)).toEqual([]);

    // Tier 1 at the deadline: the project group, mentioning him, and a direct message to him.
    const tier1 = await sweep(h, start + 4 * HOUR);
    expect(where(tier1)).toEqual(['group:XM001', 'person:wang']);
    expect(tier1[0]!.text).toContain('超期提醒');
    expect(tier1[0]!.text).toContain('<@wang|王警官>');
    expect(tier1[1]!.text).toContain(`#${no} 经开区新材料产业园`);
    expect(await sweep(h, start + 4 * HOUR + MINUTE)).toEqual([]);

    // Tier 2 a day later: the project's leader, the head of the department (治安大队: 张大队长) and
    // the coordinators' group.
    expect(await sweep(h, start + 28 * HOUR - MINUTE)).toEqual([]);
    const tier2 = await sweep(h, start + 28 * HOUR);
    expect(where(tier2).sort()).toEqual(['group:coordinators', 'person:li', 'person:zhang']);
    for (const m of tier2) expect(m.text).toContain('督促');
    expect(h.repos.tickets.get(no)!.supervised).toBe(false);

    // Tier 3 three days after the deadline: a 预警单 to the coordinators and every leader of the project.
    const tier3 = await sweep(h, start + 76 * HOUR);
    expect(where(tier3).sort()).toEqual(['group:coordinators', 'person:li']);
    expect(to(tier3, 'group', 'coordinators')[0]!.text).toContain('预警单');
    expect(h.repos.tickets.get(no)!.supervised).toBe(true);
    expect(await sweep(h, start + 200 * HOUR)).toEqual([]);

    const actions = h.repos.tickets.timeline(no).map((r) => r.action);
    expect(actions.filter((a) => a === 'remind')).toHaveLength(1);
    expect(actions.filter((a) => a === 'escalate')).toHaveLength(3);
    expect(actions).toContain('supervise');
  });

  it('sends only the highest stage due when it missed several: no reminder for a deadline already passed', async () => {
    const h = harness(new Date(start).toISOString());
    h.say('chen', 'XM001', DISPUTE);
    const out = await sweep(h, start + 5 * HOUR);
    expect(where(out)).toEqual(['group:XM001', 'person:wang']);
    expect(out.some((m) => m.text.includes('临期提醒'))).toBe(false);
  });

  it('uses a quarter of the delays for urgent tickets', async () => {
    const h = harness(new Date(start).toISOString());
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵路阻工，车辆进不去'));
    const t = h.repos.tickets.get(no)!;
    expect(t.urgency).toBe('urgent');
    const d = t.claimDeadline!; // 15 minutes in the example roster's sla
    expect(d).toBe(start + 15 * MINUTE);
    expect((await sweep(h, d))[0]!.text).toContain('超期提醒');
    expect(await sweep(h, d + 6 * HOUR - MINUTE)).toEqual([]);
    expect(to(await sweep(h, d + 6 * HOUR), 'group', 'coordinators')[0]!.text).toContain('督促');
    expect(to(await sweep(h, d + 18 * HOUR), 'group', 'coordinators')[0]!.text).toContain('预警单');
  });

  it('sends a supervised ticket straight to tier 2 at its deadline', async () => {
    const h = harness(new Date(start).toISOString());
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    h.say('zhou', 'coordinators', `督办 #${no}`);
    const out = await sweep(h, h.repos.tickets.get(no)!.claimDeadline!);
    expect(out.some((m) => m.text.includes('超期提醒'))).toBe(false);
    expect(to(out, 'group', 'coordinators')[0]!.text).toContain('督促');
  });

  it('starts again after 延期: a reminder for the new window, then the tiers; and mentions the assignee once claimed', async () => {
    const h = harness(new Date(start).toISOString());
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    h.say('wang', 'XM001', `认领 #${no}`);
    const resolveBy = h.repos.tickets.get(no)!.resolveDeadline!;
    const first = await sweep(h, resolveBy);
    expect(where(first)).toEqual(['group:XM001', 'person:wang']);
    expect(first[0]!.text).toContain('<@wang|王警官>');
    expect(first[0]!.text).toContain('办结');

    h.clock.set(resolveBy + HOUR);
    expect(h.say('zhou', 'coordinators', `延期 #${no} 2d 等待鉴定结果`).reply).toContain('已延期');
    const extended = h.repos.tickets.get(no)!.resolveDeadline!;
    expect(extended).toBe(resolveBy + 48 * HOUR);
    // The new window runs from the extension: ¾ of its 47 hours.
    const remindAt = resolveBy + HOUR + (47 * HOUR * 3) / 4;
    expect(await sweep(h, remindAt - MINUTE)).toEqual([]);
    expect(where(await sweep(h, remindAt))).toEqual(['person:wang']);
    const again = await sweep(h, extended);
    expect(where(again)).toEqual(['group:XM001', 'person:wang']);
    expect(again[0]!.text).toContain('超期提醒');
  });

  it('gives a department a new claim deadline after 转办, reminding its officers; the resolve deadline’s tiers are not sent twice', async () => {
    const h = harness(new Date(start).toISOString());
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    h.say('wang', 'XM001', `认领 #${no}`);
    const resolveBy = h.repos.tickets.get(no)!.resolveDeadline!;
    expect(where(await sweep(h, resolveBy))).toEqual(['group:XM001', 'person:wang']);

    h.clock.set(resolveBy + HOUR);
    h.say('wang', 'XM001', `转办 #${no} 交警大队 涉及货车通行`);
    const claimBy = h.repos.tickets.get(no)!.claimDeadline!;
    expect(claimBy).toBe(resolveBy + 5 * HOUR);
    // The department's officers are accountable until one of them claims it.
    const reminder = await sweep(h, resolveBy + 4 * HOUR);
    expect(where(reminder)).toEqual(['person:zhao']);
    const tier1 = await sweep(h, claimBy);
    expect(where(tier1)).toEqual(['group:XM001', 'person:zhao']);
    expect(tier1[0]!.text).toContain('请 交警大队 认领');

    h.clock.set(claimBy + HOUR);
    h.say('zhao', 'XM001', `认领 #${no}`);
    expect(h.repos.tickets.get(no)!.resolveDeadline).toBe(resolveBy);
    // Tier 1 for this resolve deadline went out already; tier 2 follows a day after it.
    expect(await sweep(h, claimBy + 2 * HOUR)).toEqual([]);
    const tier2 = await sweep(h, resolveBy + 24 * HOUR);
    expect(where(tier2).sort()).toEqual(['group:coordinators', 'person:li']);
    expect(tier2[0]!.text).toContain('赵警官');
  });

  it('sends everything about a conduct complaint to the coordinators only', async () => {
    const h = harness(new Date(start).toISOString());
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 检查人员吃拿卡要'));
    const t = h.repos.tickets.get(no)!;
    const sent: OutboxItem[] = [];
    for (const at of [t.windowStart + ((t.claimDeadline! - t.windowStart) * 3) / 4, t.claimDeadline!, t.claimDeadline! + 24 * HOUR, t.claimDeadline! + 72 * HOUR]) {
      sent.push(...(await sweep(h, at)));
    }
    expect(sent.map((m) => m.text.split('\n')[0])).toEqual([
      '**⏳ 临期提醒** 以下工单的时限快到了，请抓紧：',
      '**⏰ 超期提醒**（一级）',
      '**督促**（二级）以下工单超期未办，请督促落实：',
      '**预警单**（三级预警）',
    ]);
    expect(new Set(where(sent))).toEqual(new Set(['group:coordinators']));
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
    expect(to(out, 'person', 'zhao')).toHaveLength(1);
  });

  it('handles every ticket due in one run, a few at a time, each once', async () => {
    const h = harness(new Date(start).toISOString(), { RATE_SENDER_PER_MINUTE: '1000' });
    const nos: number[] = [];
    for (let i = 0; i < 120; i++) nos.push(h.ticketNo(h.send({ senderId: 'visitor', chatId: 'XM002', text: `报告 第${i}号 货车通行受阻` })));
    const out = await sweep(h, start + 5 * HOUR);
    const lines = to(out, 'group', 'XM002').flatMap((m) => m.text.split('\n').filter((l) => /^#\d+ /.test(l)));
    expect(lines.map((l) => Number(/^#(\d+)/.exec(l)![1])).sort((a, b) => a - b)).toEqual(nos);
    expect(await sweep(h, start + 5 * HOUR + MINUTE)).toEqual([]);
  });

  it('runs once per period', async () => {
    const h = harness(new Date(start).toISOString());
    h.say('chen', 'XM001', '报告 工地电缆被盗');
    const at = new Date(start + 5 * HOUR);
    expect((await runJob(h.jobs, escalate, at)).status).toBe('done');
    expect((await runJob(h.jobs, escalate, at)).status).toBe('skipped');
  });
});

describe('escalate: a resolution nobody answers (SPEC §2, §4)', () => {
  it('becomes 待回访, listed for the coordinators; it is not closed', async () => {
    const h = harness(new Date(start).toISOString());
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    h.say('wang', 'XM001', `认领 #${no}`);
    h.say('wang', 'XM001', `办结 #${no} 已抓获嫌疑人`);
    const confirmBy = h.repos.tickets.get(no)!.confirmDeadline!;
    expect(await sweep(h, confirmBy - MINUTE)).toEqual([]);
    const out = await sweep(h, confirmBy);
    expect(where(out)).toEqual(['group:coordinators']);
    expect(out[0]!.text).toContain('待回访');
    expect(out[0]!.text).toContain(`#${no} 经开区新材料产业园`);
    expect(out[0]!.text).toContain(`回访 #N 满意`);
    const t = h.repos.tickets.get(no)!;
    expect(t).toMatchObject({ state: 'followup', closeKind: null, closedAt: null, rating: null });
    expect(h.repos.tickets.timeline(no).at(-1)).toMatchObject({ action: 'await_followup', actorName: '系统', fromState: 'resolved', toState: 'followup' });
    // Nothing more happens by itself, however long nobody calls.
    expect(await sweep(h, confirmBy + 100 * 24 * HOUR)).toEqual([]);
    expect(h.repos.tickets.get(no)!.state).toBe('followup');
  });

  it('still takes the enterprise’s own answer afterwards, as its own', async () => {
    const h = harness(new Date(start).toISOString());
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    h.say('wang', 'XM001', `认领 #${no}`);
    h.say('wang', 'XM001', `办结 #${no} 已抓获嫌疑人`);
    await sweep(h, h.repos.tickets.get(no)!.confirmDeadline!);
    h.clock.set(h.repos.tickets.get(no)!.confirmDeadline! + HOUR);
    expect(h.say('chen', 'XM001', `满意 #${no} 4`).reply).toContain('已销号');
    expect(h.repos.tickets.get(no)).toMatchObject({ state: 'closed', closeKind: 'confirmed', rating: 4 });
  });
});
