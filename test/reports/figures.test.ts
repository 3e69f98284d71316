import { describe, it, expect } from 'vitest';
import { escalate } from '../../src/jobs/escalate.js';
import { runJob } from '../../src/jobs/runner.js';
import { monthPeriod } from '../../src/reports/figures.js';
import { figureRowView } from '../../src/reports/view.js';
import { ok, setup, ticket, THEFT, type Harness } from '../helpers/tickets.js';

const at = (beijing: string) => new Date(`${beijing}+08:00`);
const MIN = 60_000;
const HOUR = 60 * MIN;

/**
 * November 2026, six normal-urgency theft reports (claim within 4 h, resolve within 5 working
 * days, confirm within 3 working days), all received on Monday 2 November at 10:00:
 *   #A XM001 (治安大队): claimed 10:30, resolved 11-03, 不满意, resolved again 11-04 10:00, 满意
 *   #B XM001: claimed 15:00 (late), resolved 11-05 10:00, never rated → 待回访 after the confirm deadline
 *   #C XM001: withdrawn before anyone claimed it
 *   #D XM001: never claimed → overdue
 *   #E XM002 (交警大队): claimed 11:00, resolved 11-20 10:00 (late), 满意 4
 *   #F XM002: claimed 10:20, resolved 11-03 10:00, 满意
 */
function month(): { h: Harness; no: Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F', number> } {
  const h = setup('2026-11-02T02:00:00Z');
  const report = (who: string, chat: string) => h.ticketNo(ok(h, who, chat, THEFT));
  const no = { A: report('chen', 'XM001'), B: report('chen', 'XM001'), C: report('chen', 'XM001'), D: report('chen', 'XM001'), E: report('liu', 'XM002'), F: report('liu', 'XM002') };
  const step = (when: string, who: string, chat: string, text: string) => {
    h.clock.set(at(when));
    ok(h, who, chat, text);
  };
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
  step('2026-11-04T11:00', 'chen', 'XM001', `满意 #${no.A}`);
  step('2026-11-05T10:00', 'wang', 'XM001', `办结 #${no.B} 已追回`);
  step('2026-11-20T10:00', 'zhao', 'XM002', `办结 #${no.E} 已追回`);
  step('2026-11-20T11:00', 'liu', 'XM002', `满意 #${no.E} 4 慢了点`);
  return { h, no };
}

describe('the figures of a month', () => {
  it('match the values worked out by hand', async () => {
    const { h, no } = month();
    // #B's confirm deadline is 3 working days after 11-05: 11-10 18:00; after that it waits for 回访.
    h.clock.set(at('2026-11-11T09:00'));
    const sweep = await runJob(h.core, escalate, h.clock.now());
    expect(sweep.status).toBe('done');
    expect(ticket(h, no.B)).toMatchObject({ state: 'followup', closeKind: null });
    expect(ticket(h, no.D).state).toBe('open');

    const f = h.core.figures.compute(monthPeriod('2026-11')!, at('2026-12-01T09:00').getTime());
    expect(f.overall).toMatchObject({
      received: 6,
      claimed: 4, // A B E F
      claimedOnTime: 3, // B was claimed an hour after its 14:00 deadline
      resolved: 4,
      resolvedOnTime: 3, // E was resolved after 11-09 18:00
      closed: 3,
      satisfied: 3, // A E F
      dissatisfied: 1, // A's first answer
      unrated: 0, // B waits for 回访: nothing closes by itself
      reopened: 1,
      overdue: 1, // D
    });
    // claim times 20m 30m 1h 5h → (30m + 1h) / 2
    expect(f.overall.medianClaimMs).toBe(45 * MIN);
    // resolve times (to the last 办结) 24h 48h 72h 432h → (48h + 72h) / 2
    expect(f.overall.medianResolveMs).toBe(60 * HOUR);
    // 满意率 counts the rated answers only: 3 ÷ (3 + 1), B's silence is left out.
    expect(figureRowView(f.overall)).toMatchObject({
      claimRate: '75.0%',
      resolveRate: '75.0%',
      satisfactionRate: '75.0%',
      medianClaim: '45分钟',
      medianResolve: '2天12小时',
    });

    const dept = Object.fromEntries(f.byDepartment.map((r) => [r.name, r]));
    expect(dept['治安大队']).toMatchObject({
      received: 4,
      claimed: 2,
      claimedOnTime: 1,
      resolved: 2,
      resolvedOnTime: 2,
      closed: 1,
      satisfied: 1,
      dissatisfied: 1,
      unrated: 0,
      reopened: 1,
      overdue: 1,
      medianClaimMs: (30 * MIN + 5 * HOUR) / 2,
    });
    expect(dept['交警大队']).toMatchObject({
      received: 2,
      claimed: 2,
      claimedOnTime: 2,
      resolved: 2,
      resolvedOnTime: 1,
      satisfied: 2,
      dissatisfied: 0,
      overdue: 0,
      medianClaimMs: 40 * MIN,
    });
    expect(figureRowView(dept['治安大队']!).satisfactionRate).toBe('50.0%');
    expect(figureRowView(dept['交警大队']!).satisfactionRate).toBe('100.0%');

    const officer = Object.fromEntries(f.byOfficer.map((r) => [r.name, r.received]));
    expect(officer).toEqual({ 王警官: 2, 赵警官: 2, '（未认领）': 2 });
    const project = Object.fromEntries(f.byProject.map((r) => [r.key, [r.received, r.closed, r.overdue]]));
    expect(project).toEqual({ XM001: [4, 1, 1], XM002: [2, 2, 0] });
  });

  it('count a ticket overdue only while it is past its deadline at the time asked', () => {
    const { h } = month();
    const nov = monthPeriod('2026-11')!;
    // D is the only ticket still open; its claim deadline is 14:00 on the day it came in.
    expect(h.core.figures.compute(nov, at('2026-11-02T13:59').getTime()).overall.overdue).toBe(0);
    expect(h.core.figures.compute(nov, at('2026-11-02T14:01').getTime()).overall.overdue).toBe(1);
  });

  it('leave out tickets received in other months', () => {
    const { h } = month();
    expect(h.core.figures.compute(monthPeriod('2026-10')!, at('2026-12-01T09:00').getTime()).overall.received).toBe(0);
    expect(h.core.figures.compute(monthPeriod('2026-12')!, at('2026-12-01T09:00').getTime()).overall.received).toBe(0);
  });
});
