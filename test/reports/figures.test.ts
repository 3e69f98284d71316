import { describe, it, expect } from 'vitest';
import { createLogger } from '../../src/log.js';
import { wireServer } from '../../src/wiring.js';
import { escalate } from '../../src/jobs/escalate.js';
import { monthlyReport } from '../../src/jobs/monthly-report.js';
import { runJob } from '../../src/jobs/runner.js';
import { collectMonth, FIGURE_HEADERS, figureRows, TICKET_HEADERS } from '../../src/reports/export.js';
import { monthPeriod } from '../../src/reports/figures.js';
import { figureRowView } from '../../src/reports/view.js';
import { harness } from '../support/harness.js';
import { ok, ticket, THEFT, type Harness } from '../support/tickets.js';
import { lastOutboxId, queued, textFor } from '../support/outbox.js';
import { signInCookie } from '../support/dashboard.js';

const at = (beijing: string) => new Date(`${beijing}+08:00`);
const MIN = 60_000;
const HOUR = 60 * MIN;
const TOKEN = 'figuresAgreeS3cr3tR8nT5vQ1xx';

type Name = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I';

/**
 * November 2026: nine normal-urgency theft reports, all on Monday 2 November at 10:00 (claim by
 * 14:00, resolve within 5 working days: 11-09 18:00, confirm within 3 working days), worked as a
 * coordinator would find them:
 *   A XM001 claimed 10:30; resolved 11-03, 不满意, resolved again 11-04, 满意         claim ✓ resolve ✓
 *   B XM001 claimed 15:00 (late); resolved 11-05; never answered → 待回访            claim ✗ resolve ✓
 *   C XM001 withdrawn at 11:00, before anyone claimed it                            not due
 *   D XM001 never claimed                                                          claim ✗ resolve ✗
 *   E XM002 claimed 11:00; resolved 11-20 (late); 满意 4                             claim ✓ resolve ✗
 *   F XM002 claimed 10:20; resolved 11-03; 满意                                      claim ✓ resolve ✓
 *   G XM001 claimed 10:10 by 王警官, 转办 to 赵警官 on 11-04; resolved 11-10 — after the
 *     deadline, which the transfer did not move; unanswered, 回访 满意 (代评)           claim ✓ resolve ✗
 *   H XM002 claimed 10:10; 申请延期 2wd on 11-09, approved before the deadline; resolved
 *     11-11 within the extension; 满意 5                                            claim ✓ resolve ✓
 *   I XM002 claimed 10:10; 延期 granted on 11-10, after the deadline had passed; resolved
 *     11-11; unanswered, 回访 不满意 → 重办, still open at the month's end            claim ✓ resolve ✗
 */
function november(env: Record<string, string> = {}): { h: Harness; no: Record<Name, number> } {
  const h = harness('2026-11-02T02:00:00Z', { RATE_SENDER_PER_MINUTE: '1000', ...env });
  const report = (who: string, chat: string) => h.ticketNo(ok(h, who, chat, THEFT));
  const no = {
    A: report('chen', 'XM001'),
    B: report('chen', 'XM001'),
    C: report('chen', 'XM001'),
    D: report('chen', 'XM001'),
    E: report('liu', 'XM002'),
    F: report('liu', 'XM002'),
    G: report('chen', 'XM001'),
    H: report('liu', 'XM002'),
    I: report('liu', 'XM002'),
  };
  const step = (when: string, who: string, chat: string, text: string) => {
    h.clock.set(at(when));
    ok(h, who, chat, text);
  };
  step('2026-11-02T10:10', 'wang', 'XM001', `认领 #${no.G}`);
  step('2026-11-02T10:10', 'zhao', 'XM002', `认领 #${no.H}`);
  step('2026-11-02T10:10', 'zhao', 'XM002', `认领 #${no.I}`);
  step('2026-11-02T10:20', 'zhao', 'XM002', `认领 #${no.F}`);
  step('2026-11-02T10:30', 'wang', 'XM001', `认领 #${no.A}`);
  step('2026-11-02T11:00', 'zhao', 'XM002', `认领 #${no.E}`);
  step('2026-11-02T11:00', 'chen', 'XM001', `撤回 #${no.C} 已自行解决`);
  step('2026-11-02T15:00', 'wang', 'XM001', `认领 #${no.B}`);
  step('2026-11-03T10:00', 'wang', 'XM001', `办结 #${no.A} 已追回`);
  step('2026-11-03T10:00', 'zhao', 'XM002', `办结 #${no.F} 已追回`);
  step('2026-11-03T11:00', 'chen', 'XM001', `不满意 #${no.A} 只追回一半`);
  step('2026-11-03T12:00', 'liu', 'XM002', `满意 #${no.F}`);
  step('2026-11-04T10:00', 'wang', 'XM001', `办结 #${no.A} 已全部追回`);
  step('2026-11-04T10:00', 'wang', 'XM001', `转办 #${no.G} @赵警官 涉及交通，请交警接手`);
  step('2026-11-04T11:00', 'chen', 'XM001', `满意 #${no.A}`);
  step('2026-11-05T10:00', 'wang', 'XM001', `办结 #${no.B} 已追回`);
  step('2026-11-09T10:00', 'zhao', 'XM002', `申请延期 #${no.H} 2wd 等待鉴定结果`);
  step('2026-11-09T11:00', 'he', 'XM002', `批准延期 #${no.H}`);
  step('2026-11-10T09:00', 'zhou', 'coordinators', `延期 #${no.I} 3wd 补办手续`);
  step('2026-11-10T10:00', 'zhao', 'XM001', `办结 #${no.G} 已追回`);
  return { h, no };
}

/** The rest of the month, with the sweeps that make the unanswered ones 待回访. */
async function throughNovember(h: Harness, no: Record<Name, number>): Promise<void> {
  const sweep = async (when: string) => expect((await runJob(h.jobs, escalate, at(when))).status).toBe('done');
  const step = (when: string, who: string, chat: string, text: string) => {
    h.clock.set(at(when));
    ok(h, who, chat, text);
  };
  await sweep('2026-11-11T09:00');
  step('2026-11-11T10:00', 'zhao', 'XM002', `办结 #${no.H} 已追回`);
  step('2026-11-11T10:00', 'zhao', 'XM002', `办结 #${no.I} 已追回`);
  step('2026-11-11T11:00', 'liu', 'XM002', `满意 #${no.H} 5`);
  await sweep('2026-11-16T09:00');
  step('2026-11-16T10:00', 'zhou', 'coordinators', `回访 #${no.G} 满意 电话回访，企业认可`);
  await sweep('2026-11-17T09:00');
  step('2026-11-17T10:00', 'zhou', 'coordinators', `回访 #${no.I} 不满意 还有遗留问题`);
  step('2026-11-20T10:00', 'zhao', 'XM002', `办结 #${no.E} 已追回`);
  step('2026-11-20T11:00', 'liu', 'XM002', `满意 #${no.E} 4 慢了点`);
}

const NOVEMBER = monthPeriod('2026-11')!;
const DECEMBER_1ST = at('2026-12-01T09:00');

describe('the figures of a month, counted by hand (SPEC §6)', () => {
  it('judge every claim and resolution that was due, and only those', async () => {
    const { h, no } = november();
    await throughNovember(h, no);
    expect(ticket(h, no.B)).toMatchObject({ state: 'followup', closeKind: null });
    expect(ticket(h, no.G)).toMatchObject({ state: 'closed', closeKind: 'followup' });
    expect(ticket(h, no.I)).toMatchObject({ state: 'claimed', reopenCount: 1, lateRounds: 1 });
    // The transfer left G's resolve deadline where the report put it.
    expect(ticket(h, no.G).resolveDeadline).toBe(at('2026-11-09T18:00').getTime());

    const f = h.figures.compute(NOVEMBER, DECEMBER_1ST.getTime());
    expect(f.overall).toMatchObject({
      received: 9,
      claimDue: 8, // all but C, withdrawn before its deadline
      claimed: 7,
      claimedOnTime: 6, // B was claimed an hour late, D never
      resolveDue: 8,
      resolved: 6, // A B E F G H; I went back for 重办
      resolvedOnTime: 4, // A B F H: D never, E late, G late after its transfer, I late before its extension
      closed: 5, // A E F H, and G by 回访
      satisfied: 4, // A F H E, the enterprise's own
      dissatisfied: 1, // A's first answer
      proxySatisfied: 1, // G by phone
      proxyDissatisfied: 1, // I by phone
      awaitingFollowup: 1, // B
      unrated: 0,
      reopened: 2, // A, I
      overdue: 2, // D (claim), I (its second round)
    });
    expect(figureRowView(f.overall)).toMatchObject({
      claimRateFull: '75.0%（6/8）',
      resolveRateFull: '50.0%（4/8）',
      satisfactionRateFull: '80.0%（4/5）',
      proxyRateFull: '50.0%（1/2）',
    });

    const dept = Object.fromEntries(f.byDepartment.map((r) => [r.name, figureRowView(r)]));
    expect(dept['治安大队']).toMatchObject({ received: 4, claimRateFull: '33.3%（1/3）', resolveRateFull: '66.7%（2/3）', satisfactionRateFull: '50.0%（1/2）', awaitingFollowup: 1, overdue: 1 });
    expect(dept['交警大队']).toMatchObject({ received: 5, claimRateFull: '100.0%（5/5）', resolveRateFull: '40.0%（2/5）', satisfactionRateFull: '100.0%（3/3）', proxyRateFull: '50.0%（1/2）', overdue: 1 });
    // Unclaimed and withdrawn tickets count against the project officer, who answered for them.
    expect(Object.fromEntries(f.byOfficer.map((r) => [r.name, r.received]))).toEqual({ 王警官: 4, 赵警官: 5 });
    expect(Object.fromEntries(f.byProject.map((r) => [r.key, r.received]))).toEqual({ XM001: 5, XM002: 4 });
  });

  it('show — for a group with nothing due, never 100%', () => {
    const h = harness('2026-11-02T02:00:00Z');
    h.say('chen', 'XM001', THEFT);
    const row = figureRowView(h.figures.compute(NOVEMBER, at('2026-11-02T13:00').getTime()).overall);
    expect(row).toMatchObject({ claimRateFull: '—（0/0）', resolveRateFull: '—（0/0）', satisfactionRateFull: '—（0/0）' });
    // Past the claim deadline with nobody claiming it: late, not missing.
    expect(figureRowView(h.figures.compute(NOVEMBER, at('2026-11-02T14:01').getTime()).overall).claimRateFull).toBe('0.0%（0/1）');
  });

  it('count a ticket overdue only while it is past its deadline at the time asked', () => {
    const { h } = november();
    // D is the only ticket still waiting to be claimed; its claim deadline is 14:00 on the day it came in.
    expect(h.figures.compute(NOVEMBER, at('2026-11-02T13:59').getTime()).overall.overdue).toBe(0);
    expect(h.figures.compute(NOVEMBER, at('2026-11-02T14:01').getTime()).overall.overdue).toBe(1);
  });

  it('leave out tickets received in other months', () => {
    const { h } = november();
    expect(h.figures.compute(monthPeriod('2026-10')!, DECEMBER_1ST.getTime()).overall.received).toBe(0);
    expect(h.figures.compute(monthPeriod('2026-12')!, DECEMBER_1ST.getTime()).overall.received).toBe(0);
  });
});

describe('one computation: the chat, the monthly report, the dashboard and the export agree', () => {
  it('says the same numbers everywhere', async () => {
    const { h, no } = november({ ADMIN_TOKEN: TOKEN });
    await throughNovember(h, no);
    h.clock.set(DECEMBER_1ST);
    const SAME = ['签收及时率75.0%（6/8）', '按时办结率50.0%（4/8）', '企业自评满意率80.0%（4/5）', '回访代评2件，代评满意率50.0%（1/2）', '待回访1件', '当前超期2件'];

    const chat = ok(h, 'zhou', 'coordinators', '统计 2026-11').reply;
    for (const s of SAME) expect(chat).toContain(s);
    expect(chat).toContain('当前超期2件（截至2026-12-01 09:00，含以前月份收到、仍在办理的工单）');
    expect(chat).not.toContain('未认领');

    const before = lastOutboxId(h);
    expect((await runJob(h.jobs, monthlyReport, DECEMBER_1ST)).status).toBe('done');
    const monthly = textFor(queued(h, before), 'group', 'coordinators');
    for (const s of SAME) expect(monthly).toContain(s);
    expect(monthly).toContain('· 王警官：负责4，签收及时率33.3%（1/3），按时办结率66.7%（2/3）');
    expect(monthly).not.toContain('未认领');

    const { app } = await wireServer(h.config, createLogger('silent'), { clock: h.clock, db: h.db });
    const cookie = await signInCookie(app, TOKEN);
    const api = (await app.inject({ method: 'GET', url: '/dashboard/api/figures?month=2026-11', headers: { cookie } })).json();
    expect(api.overall).toMatchObject({ claimRateFull: '75.0%（6/8）', resolveRateFull: '50.0%（4/8）', satisfactionRateFull: '80.0%（4/5）', proxyRateFull: '50.0%（1/2）', awaitingFollowup: 1, overdue: 2 });
    const page = (await app.inject({ method: 'GET', url: '/dashboard/figures?month=2026-11', headers: { cookie } })).body;
    for (const s of ['75.0%', '及时6 / 应签收8件', '50.0%', '按时4 / 应办结8件', '80.0%', '33.3%（1/3）', '40.0%（2/5）']) expect(page).toContain(s);
    const csv = (await app.inject({ method: 'GET', url: '/dashboard/export/figures.csv?month=2026-11', headers: { cookie } })).body;
    expect(csv).toContain('合计,合计,9,8,7,6,75.0%,8,6,4,50.0%,5,4,1,80.0%,1,1,50.0%,1,0,2,2');
    // The dashboard's filter lists what waits for 回访.
    const followups = (await app.inject({ method: 'GET', url: '/dashboard?state=followup', headers: { cookie } })).body;
    expect(followups).toContain(`data-no="${no.B}"`);
    expect(followups.match(/data-no="/g)).toHaveLength(1);
    await app.close();

    const exported = collectMonth(h, NOVEMBER, DECEMBER_1ST.getTime());
    const overall = figureRows(exported.figures)[0]!;
    const cell = (name: string) => overall[FIGURE_HEADERS.indexOf(name as (typeof FIGURE_HEADERS)[number])];
    expect([cell('应签收'), cell('签收及时'), cell('签收及时率'), cell('应办结'), cell('按时办结'), cell('按时办结率'), cell('满意率'), cell('回访满意率（代评）'), cell('待回访'), cell('当前超期')]).toEqual([
      8, 6, '75.0%', 8, 4, '50.0%', '80.0%', '50.0%', 1, 2,
    ]);
    // The ticket rows say who answers for each and whether it is late now.
    const rows = new Map(exported.tickets.map((r) => [r[0], Object.fromEntries(TICKET_HEADERS.map((h, i) => [h, r[i]]))]));
    expect(rows.get(no.D)).toMatchObject({ 状态: '待认领', 责任人: '王警官', 是否超期: '是' });
    expect(rows.get(no.I)).toMatchObject({ 状态: '办理中', 责任人: '赵警官', 是否超期: '是', 超期时长: (DECEMBER_1ST.getTime() - at('2026-11-24T18:00').getTime()) / HOUR });
    expect(rows.get(no.G)).toMatchObject({ 状态: '已销号', 责任人: '赵警官', 是否超期: '否', 评价: '回访满意（代评）' });
    expect(rows.get(no.B)).toMatchObject({ 状态: '待回访', 评价: '待回访' });
  });
});
