import { describe, expect, it } from 'vitest';
import { accountable } from '../../src/tickets/accountable.js';
import type { Duration } from '../../src/tickets/duration.js';
import {
  accept,
  approveExtension,
  awaitFollowup,
  checkin,
  claim,
  escalate,
  extend,
  followup,
  IllegalStep,
  judgedBy,
  lower,
  note,
  progress,
  raise,
  reclassify,
  reject,
  report,
  requestExtension,
  rejectExtension,
  resolve,
  summon,
  supervise,
  transferToDepartment,
  transferToPerson,
  TRANSITIONS,
  withdraw,
  type Actor,
  type DeadlineRules,
  type Outcome,
  type Step,
} from '../../src/tickets/lifecycle.js';
import { STATES, type Category, type Ticket, type TicketState } from '../../src/tickets/model.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-02T02:00:00Z');
const UNIT: Record<Duration['unit'], number> = { m: MINUTE, h: HOUR, d: DAY, wd: DAY };
const LENGTH = { claim: 4 * HOUR, resolve: 5 * DAY, confirm: 3 * DAY };

/** Plain wall-clock rules: claim 4 h, resolve 5 d, confirm 3 d; a quarter of each when urgent. */
const rules: DeadlineRules = {
  deadline: (t, kind, from) => from + LENGTH[kind] * (t.urgency === 'urgent' ? 0.25 : 1),
  add: (from, d) => from + d.amount * UNIT[d.unit],
};
const wang: Actor = { personId: 'wang', departmentId: 'zhian' };
const zhou: Actor = { personId: 'zhou', departmentId: null };

function reported(category: Category = '盗窃', at = T0): Ticket {
  const { ticket } = report(
    {
      projectCode: 'XM001',
      category,
      urgency: 'normal',
      description: '工地电缆被偷',
      reporter: { platform: 'playground', userId: 'chen', personId: 'chen', name: '陈经理' },
      source: { platform: 'playground', chatId: 'XM001' },
      officerDepartmentId: 'zhian',
    },
    rules,
    at,
  );
  return { ...ticket, no: 1 };
}

/** A ticket in `state`, brought there by the lifecycle's own steps. */
function inState(state: TicketState, category: Category = '盗窃'): Ticket {
  let t = reported(category);
  const at = (h: number) => T0 + h * HOUR;
  if (state === 'open') return t;
  if (state === 'withdrawn') return withdraw(t, zhou, at(1), '').ticket;
  t = claim(t, category === '执法投诉' ? zhou : wang, at(1)).ticket;
  if (state === 'claimed') return t;
  t = resolve(t, wang, at(2), '已处理', rules).ticket;
  if (state === 'resolved') return t;
  if (state === 'closed') return accept(t, zhou, at(3), 5, '').ticket;
  return awaitFollowup(t, at(2) + LENGTH.confirm).ticket;
}

const NOW = T0 + 10 * HOUR;
const d3 = { amount: 3, unit: 'd' } as const;

/** Each step, taken at NOW by someone allowed to take it. */
const TAKE: Record<Exclude<Step, 'escalate'>, (t: Ticket) => Outcome> = {
  claim: (t) => claim(t, wang, NOW),
  transferToPerson: (t) => transferToPerson(t, wang, NOW, { id: 'zhao', departmentId: 'jiaojing' }, '交通'),
  transferToDepartment: (t) => transferToDepartment(t, wang, NOW, 'jiaojing', '交通', rules),
  resolve: (t) => resolve(t, wang, NOW, '已处理', rules),
  accept: (t) => accept(t, zhou, NOW, 5, '好'),
  reject: (t) => reject(t, zhou, NOW, '没好', rules),
  awaitFollowup: (t) => awaitFollowup(t, NOW),
  followupSatisfied: (t) => followup(t, zhou, NOW, { satisfied: true, rating: 4, comment: '电话' }, rules),
  followupDissatisfied: (t) => followup(t, zhou, NOW, { satisfied: false, rating: null, comment: '电话' }, rules),
  withdraw: (t) => withdraw(t, zhou, NOW, '不用了'),
  extend: (t) => extend(t, zhou, NOW, d3, '等鉴定', rules),
  requestExtension: (t) => requestExtension(t, wang, NOW, d3, '等鉴定'),
  approveExtension: (t) => approveExtension(t, zhou, NOW, { duration: d3, reason: '等鉴定' }, rules),
  rejectExtension: (t) => rejectExtension(t, zhou, NOW, { duration: d3 }, '不行'),
  supervise: (t) => supervise(t, zhou, NOW, ''),
  reclassify: (t) => reclassify(t, wang, NOW, { category: '阻工', urgency: 'urgent' }, rules, { id: 'wang', departmentId: 'zhian' }),
  reclassifyToConduct: (t) => reclassify(t, wang, NOW, { category: '执法投诉', urgency: 'normal' }, rules, { id: 'wang', departmentId: 'zhian' }),
  reclassifyFromConduct: (t) => reclassify(t, zhou, NOW, { category: '盗窃', urgency: 'normal' }, rules, { id: 'wang', departmentId: 'zhian' }),
  progress: (t) => progress(t, wang, NOW, '在办'),
  note: (t) => note(t, zhou, NOW, '补充'),
  summon: (t) => summon(t, wang, NOW, 'renshe', ''),
  checkin: (t) => checkin(t, { personId: 'zheng', departmentId: 'renshe' }, NOW, 'renshe'),
  raise: (t) => raise(t, zhou, NOW, { from: 'dongxian', to: 'city' }, '跨县'),
  lower: (t) => lower(t, zhou, NOW, { from: 'city', to: 'dongxian', raisedUnit: null }, '县里办'),
};

/** SPEC §2 and §3: every legal step, from where to where. Anything not listed is refused. */
const LEGAL: [Step, TicketState, TicketState][] = [
  ['claim', 'open', 'claimed'],
  ['transferToPerson', 'open', 'claimed'],
  ['transferToPerson', 'claimed', 'claimed'],
  ['transferToDepartment', 'open', 'open'],
  ['transferToDepartment', 'claimed', 'open'],
  ['resolve', 'claimed', 'resolved'],
  ['accept', 'resolved', 'closed'],
  ['accept', 'followup', 'closed'],
  ['reject', 'resolved', 'claimed'],
  ['reject', 'followup', 'claimed'],
  ['awaitFollowup', 'resolved', 'followup'],
  ['followupSatisfied', 'followup', 'closed'],
  ['followupDissatisfied', 'followup', 'claimed'],
  ['withdraw', 'open', 'withdrawn'],
  ['withdraw', 'claimed', 'withdrawn'],
  ['extend', 'open', 'open'],
  ['extend', 'claimed', 'claimed'],
  ['extend', 'resolved', 'resolved'],
  ['requestExtension', 'claimed', 'claimed'],
  ['approveExtension', 'claimed', 'claimed'],
  ['rejectExtension', 'claimed', 'claimed'],
  ['supervise', 'open', 'open'],
  ['supervise', 'claimed', 'claimed'],
  ['supervise', 'resolved', 'resolved'],
  ['reclassify', 'open', 'open'],
  ['reclassify', 'claimed', 'claimed'],
  ['reclassifyToConduct', 'open', 'open'],
  ['reclassifyToConduct', 'claimed', 'open'],
  ['reclassifyFromConduct', 'open', 'open'],
  ['reclassifyFromConduct', 'claimed', 'claimed'],
  ['progress', 'claimed', 'claimed'],
  ['note', 'open', 'open'],
  ['note', 'claimed', 'claimed'],
  ['note', 'resolved', 'resolved'],
  ['note', 'followup', 'followup'],
  ['summon', 'open', 'open'],
  ['summon', 'claimed', 'claimed'],
  ['checkin', 'open', 'open'],
  ['checkin', 'claimed', 'claimed'],
  ['escalate', 'open', 'open'],
  ['escalate', 'claimed', 'claimed'],
  // SPEC §11: 提级 and 回退 move who supervises a ticket still being worked on, not its state.
  ...(['raise', 'lower'] as const).flatMap((step) =>
    (['open', 'claimed', 'resolved', 'followup'] as const).map((s): [Step, TicketState, TicketState] => [step, s, s]),
  ),
];

describe('the transitions table', () => {
  it('is exactly the legal steps of SPEC §2 and §3', () => {
    const table = Object.entries(TRANSITIONS).flatMap(([step, moves]) => Object.entries(moves).map(([from, to]) => [step, from, to]));
    expect(table.sort()).toEqual([...LEGAL].sort());
  });
});

describe('every legal step', () => {
  for (const [step, from, to] of LEGAL) {
    if (step === 'escalate') continue;
    it(`${step}: ${from} → ${to}, with its event`, () => {
      const t = inState(from, step === 'reclassifyFromConduct' ? '执法投诉' : '盗窃');
      const out = TAKE[step](t);
      expect(out.ticket.state).toBe(to);
      expect(out.events.length).toBeGreaterThan(0);
      for (const e of out.events) expect(e).toMatchObject({ from, to });
      expect(out.ticket.updatedAt).toBe(step === 'awaitFollowup' ? t.updatedAt : NOW);
      // The ticket given is never changed: a step returns a new one.
      expect(t.state).toBe(from);
    });
  }
});

describe('every illegal step is refused, and changes nothing', () => {
  for (const step of Object.keys(TAKE) as (keyof typeof TAKE)[]) {
    for (const from of STATES) {
      if (LEGAL.some(([s, f]) => s === step && f === from)) continue;
      it(`${step} from ${from}`, () => {
        const t = inState(from, step === 'reclassifyFromConduct' ? '执法投诉' : '盗窃');
        const copy = structuredClone(t);
        expect(() => TAKE[step](t)).toThrow(IllegalStep);
        expect(t).toEqual(copy);
      });
    }
  }

  it('the sweep sends nothing for a ticket that is not being worked on', () => {
    for (const from of ['resolved', 'followup', 'closed', 'withdrawn'] as const) {
      const out = escalate(inState(from), T0 + 100 * DAY);
      expect(out).toMatchObject({ events: [], sent: null });
    }
  });
});

describe('the clock belongs to the ticket (SPEC §4)', () => {
  it('a transfer to a person leaves every deadline where it was', () => {
    const t = inState('claimed');
    const out = transferToPerson(t, wang, NOW, { id: 'zhao', departmentId: 'jiaojing' }, '交通');
    expect(out.ticket).toMatchObject({ assigneeId: 'zhao', departmentId: 'jiaojing', resolveDeadline: t.resolveDeadline, claimDeadline: t.claimDeadline, windowStart: t.windowStart });
  });

  it('a transfer to a department gives it a new claim deadline and nothing more', () => {
    const t = inState('claimed');
    const out = transferToDepartment(t, wang, NOW, 'jiaojing', '交通', rules);
    expect(out.ticket).toMatchObject({
      state: 'open',
      assigneeId: null,
      awaitingDepartment: true,
      claimDeadline: NOW + 4 * HOUR,
      claimFrom: NOW,
      resolveDeadline: t.resolveDeadline,
      resolveTarget: t.resolveTarget,
      // The claim was judged once, by the first one.
      firstClaimedAt: t.firstClaimedAt,
      claimTarget: t.claimTarget,
    });
    expect(out.events[0]!.event).toEqual({ action: 'transfer', detail: { to: { department: 'jiaojing' }, reason: '交通', claimDeadline: NOW + 4 * HOUR } });
  });

  it('a 重办 starts a new round, remembering whether the last one was late', () => {
    const t = inState('claimed');
    const late = resolve(t, wang, t.resolveDeadline! + HOUR, '晚了', rules).ticket;
    const again = reject(late, zhou, t.resolveDeadline! + 2 * HOUR, '没好', rules).ticket;
    expect(again).toMatchObject({ state: 'claimed', reopenCount: 1, lateRounds: 1, resolvedAt: null, roundFrom: t.resolveDeadline! + 2 * HOUR });
    expect(again.resolveDeadline).toBe(t.resolveDeadline! + 2 * HOUR + LENGTH.resolve);
    const onTime = reject(resolve(t, wang, T0 + 5 * HOUR, '好了', rules).ticket, zhou, T0 + 6 * HOUR, '没好', rules).ticket;
    expect(onTime.lateRounds).toBe(0);
  });
});

describe('what the figures judge by (SPEC §6)', () => {
  it('an extension granted before the deadline moves it; one granted after does not make a late step on time', () => {
    const t = inState('claimed');
    const before = extend(t, zhou, t.resolveDeadline! - HOUR, d3, '等鉴定', rules).ticket;
    expect(before.resolveTarget).toBe(t.resolveDeadline! + 3 * DAY);
    const after = extend(t, zhou, t.resolveDeadline! + HOUR, d3, '等鉴定', rules).ticket;
    expect(after.resolveDeadline).toBe(t.resolveDeadline! + 3 * DAY);
    expect(after.resolveTarget).toBe(t.resolveDeadline);
    expect(judgedBy(100, 500, 200)).toBe(100);
    expect(judgedBy(300, 500, 200)).toBe(500);
  });

  it('an extension of the claim deadline after a 转办 to a department moves the first claim deadline by as much', () => {
    const moved = transferToDepartment(inState('open'), wang, T0 + HOUR, 'jiaojing', '交通', rules).ticket;
    expect(moved).toMatchObject({ claimDeadline: T0 + 5 * HOUR, claimTarget: T0 + 4 * HOUR });
    const extended = extend(moved, zhou, T0 + 2 * HOUR, { amount: 2, unit: 'h' }, '等', rules).ticket;
    expect(extended).toMatchObject({ claimDeadline: T0 + 7 * HOUR, claimTarget: T0 + 6 * HOUR });
  });

  it('the claim is judged once, by the first claim', () => {
    const first = claim(inState('open'), wang, T0 + HOUR).ticket;
    const back = transferToDepartment(first, wang, T0 + 2 * HOUR, 'jiaojing', '交通', rules).ticket;
    const second = claim(back, { personId: 'zhao', departmentId: 'jiaojing' }, T0 + 20 * HOUR).ticket;
    expect(second).toMatchObject({ firstClaimedAt: T0 + HOUR, claimTarget: T0 + 4 * HOUR, claimedAt: T0 + 20 * HOUR });
  });
});

describe('改类 (SPEC §3)', () => {
  it('counts the deadlines again from the window’s start with the extensions granted, keeping tiers sent', () => {
    const open = inState('open');
    const extended = extend(open, zhou, T0 + HOUR, { amount: 2, unit: 'h' }, '等', rules).ticket;
    const tiered = { ...extended, claimEscalation: { deadline: extended.claimDeadline, stage: 2 } };
    const out = reclassify(tiered, wang, T0 + 2 * HOUR, { category: '阻工', urgency: 'urgent' }, rules, { id: 'wang', departmentId: 'zhian' });
    // Urgent: a quarter of 4 h from the report, plus the 2 h granted.
    expect(out.ticket.claimDeadline).toBe(T0 + HOUR + 2 * HOUR);
    expect(out.ticket.resolveDeadline).toBe(T0 + LENGTH.resolve / 4);
    expect(out.ticket.claimEscalation).toEqual({ deadline: T0 + 3 * HOUR, stage: 2 });
    expect(out.events[0]!.event).toMatchObject({ action: 'reclassify', detail: { from: { category: '盗窃', urgency: 'normal' }, to: { category: '阻工', urgency: 'urgent' } } });
  });

  it('to 执法投诉: away from the officers, unassigned, for the coordinators; back: to the project officer', () => {
    const claimed = inState('claimed');
    const toConduct = reclassify(claimed, wang, NOW, { category: '执法投诉', urgency: 'normal' }, rules, { id: 'wang', departmentId: 'zhian' }).ticket;
    expect(toConduct).toMatchObject({ state: 'open', routing: 'coordinators', assigneeId: null, departmentId: null, claimDeadline: NOW + 4 * HOUR });
    expect(accountable(toConduct, 'wang')).toEqual({ kind: 'coordinators' });
    const taken = claim(toConduct, zhou, NOW + HOUR).ticket;
    const back = reclassify(taken, zhou, NOW + 2 * HOUR, { category: '盗窃', urgency: 'normal' }, rules, { id: 'wang', departmentId: 'zhian' }).ticket;
    expect(back).toMatchObject({ state: 'claimed', routing: 'department', assigneeId: 'wang', departmentId: 'zhian' });
  });
});

describe('who is accountable (SPEC §2)', () => {
  const t = inState('open');
  it.each([
    ['the project officer while unclaimed', t, { kind: 'person', personId: 'wang' }],
    ['the assignee while claimed', claim(t, { personId: 'zhao', departmentId: 'jiaojing' }, NOW).ticket, { kind: 'person', personId: 'zhao' }],
    ['the department it was transferred to, while unclaimed', transferToDepartment(t, wang, NOW, 'jiaojing', '交通', rules).ticket, { kind: 'department', departmentId: 'jiaojing' }],
    ['the coordinators, always, for a conduct complaint', claim(inState('open', '执法投诉'), zhou, NOW).ticket, { kind: 'coordinators' }],
    ['who had it last, once resolved', inState('resolved'), { kind: 'person', personId: 'wang' }],
  ] as const)('%s', (_name, ticket, expected) => {
    expect(accountable(ticket, 'wang')).toEqual(expected);
  });
});

describe('the sweep (SPEC §4)', () => {
  it('reminds at three quarters of the window, then sends the tiers; tier 3 supervises', () => {
    const t = inState('open');
    expect(escalate(t, T0 + 3 * HOUR - 1).sent).toBeNull();
    const r = escalate(t, T0 + 3 * HOUR);
    expect(r.sent).toEqual({ stage: 1, kind: 'claim', deadline: T0 + 4 * HOUR });
    expect(r.events.map((e) => e.event.action)).toEqual(['remind']);
    const tier3 = escalate(r.ticket, T0 + 4 * HOUR + 72 * HOUR);
    expect(tier3.sent?.stage).toBe(4);
    expect(tier3.ticket.supervised).toBe(true);
    expect(tier3.events.map((e) => e.event.action)).toEqual(['supervise', 'escalate']);
    expect(escalate(tier3.ticket, T0 + 1000 * HOUR).sent).toBeNull();
  });
});
