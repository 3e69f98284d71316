import { durationToString, parseDuration, type Duration } from './duration.js';
import { dueStage, REMIND, tierOfStage, type Stage } from './escalation.js';
import type { Emitted, TicketEvent } from './events.js';
import type { Category, DeadlineKind, EscalationMark, Ticket, TicketState, Urgency, WorkKind } from './model.js';

/**
 * The ticket's lifecycle (SPEC §2, §3, §4) as pure functions: each takes the ticket as it is, who
 * acts and when, and returns the ticket as it becomes with the events to record. Commands parse,
 * authorise and call them; jobs call them too; nothing else assigns a state.
 */

/** Every step a ticket can take. */
export type Step =
  | 'claim'
  | 'transferToPerson'
  | 'transferToDepartment'
  | 'resolve'
  | 'accept'
  | 'reject'
  | 'awaitFollowup'
  | 'followupSatisfied'
  | 'followupDissatisfied'
  | 'withdraw'
  | 'extend'
  | 'requestExtension'
  | 'approveExtension'
  | 'rejectExtension'
  | 'supervise'
  | 'raise'
  | 'lower'
  | 'reclassify'
  | 'reclassifyToConduct'
  | 'reclassifyFromConduct'
  | 'progress'
  | 'note'
  | 'summon'
  | 'checkin'
  | 'escalate';

/**
 * The one table of legal moves: for each step, the states it may start from and the state it
 * leads to. A step that is not listed for a state is refused.
 */
export const TRANSITIONS: Readonly<Record<Step, Readonly<Partial<Record<TicketState, TicketState>>>>> = {
  claim: { open: 'claimed' },
  // To a person: they have it now, whether anyone had it before.
  transferToPerson: { open: 'claimed', claimed: 'claimed' },
  // To a department: back to 待认领, for that department.
  transferToDepartment: { open: 'open', claimed: 'open' },
  resolve: { claimed: 'resolved' },
  // The enterprise's own answer, also after its deadline passed (待回访).
  accept: { resolved: 'closed', followup: 'closed' },
  reject: { resolved: 'claimed', followup: 'claimed' },
  // The confirm deadline passed with no answer: a coordinator phones (回访); nothing closes by itself.
  awaitFollowup: { resolved: 'followup' },
  followupSatisfied: { followup: 'closed' },
  followupDissatisfied: { followup: 'claimed' },
  withdraw: { open: 'withdrawn', claimed: 'withdrawn' },
  extend: { open: 'open', claimed: 'claimed', resolved: 'resolved' },
  requestExtension: { claimed: 'claimed' },
  approveExtension: { claimed: 'claimed' },
  rejectExtension: { claimed: 'claimed' },
  supervise: { open: 'open', claimed: 'claimed', resolved: 'resolved' },
  // 提级 and 回退 (SPEC §11) move who supervises a ticket still being worked on, not its state.
  raise: { open: 'open', claimed: 'claimed', resolved: 'resolved', followup: 'followup' },
  lower: { open: 'open', claimed: 'claimed', resolved: 'resolved', followup: 'followup' },
  reclassify: { open: 'open', claimed: 'claimed' },
  // To 执法投诉: away from the officers, unassigned, for the coordinators to claim.
  reclassifyToConduct: { open: 'open', claimed: 'open' },
  // From 执法投诉: to the project officer.
  reclassifyFromConduct: { open: 'open', claimed: 'claimed' },
  progress: { claimed: 'claimed' },
  note: { open: 'open', claimed: 'claimed', resolved: 'resolved', followup: 'followup' },
  summon: { open: 'open', claimed: 'claimed' },
  checkin: { open: 'open', claimed: 'claimed' },
  escalate: { open: 'open', claimed: 'claimed' },
};

export function canStep(step: Step, state: TicketState): boolean {
  return TRANSITIONS[step][state] !== undefined;
}

/** A step the table does not allow from the ticket's state: a caller that checked first never sees it. */
export class IllegalStep extends Error {
  override name = 'IllegalStep';
  constructor(
    readonly step: Step,
    readonly state: TicketState,
  ) {
    super(`step ${step} is not allowed from state ${state}`);
  }
}

function target(step: Step, t: Ticket): TicketState {
  const to = TRANSITIONS[step][t.state];
  if (to === undefined) throw new IllegalStep(step, t.state);
  return to;
}

/** Who takes a step: a roster person (null for an enterprise contact outside the roster) and their department. */
export interface Actor {
  personId: string | null;
  departmentId: string | null;
}

/** The deadlines of the roster's `sla` section and the working-day calendar, as the lifecycle needs them. */
export interface DeadlineRules {
  /** The deadline of `kind` for a ticket of this category, urgency and project, counted from `from`. */
  deadline(t: Pick<Ticket, 'category' | 'urgency' | 'projectCode'>, kind: DeadlineKind, from: number): number;
  /** The instant `d` after `from`. */
  add(from: number, d: Duration): number;
}

/** What a step returns: the ticket as it is after it, and the events to record, in order. */
export interface Outcome {
  ticket: Ticket;
  events: Emitted[];
}

function step(s: Step, t: Ticket, now: number, changes: Partial<Ticket>, ...events: TicketEvent[]): Outcome {
  const to = target(s, t);
  const ticket: Ticket = { ...t, ...changes, state: to, updatedAt: now };
  return { ticket, events: events.map((event) => ({ from: t.state, to, event })) };
}

/**
 * The deadline the figures judge a step by, after its deadline moved to `to` at `now`: the new
 * one while the old had not passed; once it had, the step is late and stays judged by the old one,
 * so that an extension granted afterwards does not make it on time (SPEC §6).
 */
export function judgedBy(current: number | null, to: number, now: number): number {
  return current !== null && current < now ? current : to;
}

/** A mark of tiers sent for `from`, carried to the deadline `to` (改类: tiers already sent stay sent). */
function carried(mark: EscalationMark, from: number | null, to: number | null): EscalationMark {
  return mark.deadline !== null && mark.deadline === from ? { deadline: to, stage: mark.stage } : mark;
}

// ── creation ────────────────────────────────────────────────────────────────

export interface ReportInput {
  projectCode: string;
  category: Category;
  urgency: Urgency;
  description: string;
  reporter: { platform: string; userId: string; personId: string | null; name: string };
  source: { platform: string; chatId: string };
  /** the project officer's department, which an ordinary report is with until someone claims it */
  officerDepartmentId: string | null;
}

/** 报告: a new ticket, 待认领, with its claim and resolve deadlines counted from now. */
export function report(input: ReportInput, rules: DeadlineRules, now: number): { ticket: Omit<Ticket, 'no'>; events: Emitted[] } {
  const conduct = input.category === '执法投诉';
  const base = { category: input.category, urgency: input.urgency, projectCode: input.projectCode };
  const claimDeadline = rules.deadline(base, 'claim', now);
  const resolveDeadline = rules.deadline(base, 'resolve', now);
  const none: EscalationMark = { deadline: null, stage: 0 };
  const ticket: Omit<Ticket, 'no'> = {
    ...base,
    description: input.description,
    state: 'open',
    // A complaint about officers' conduct goes to the coordinators, never to the project's own officer.
    routing: conduct ? 'coordinators' : 'department',
    reporterPlatform: input.reporter.platform,
    reporterUserId: input.reporter.userId,
    reporterPersonId: input.reporter.personId,
    reporterName: input.reporter.name,
    assigneeId: null,
    departmentId: conduct ? null : input.officerDepartmentId,
    awaitingDepartment: false,
    supervised: false,
    claimDeadline,
    resolveDeadline,
    confirmDeadline: null,
    claimFrom: now,
    roundFrom: now,
    windowStart: now,
    claimExtensions: [],
    resolveExtensions: [],
    firstClaimedAt: null,
    claimTarget: claimDeadline,
    resolveTarget: resolveDeadline,
    lateRounds: 0,
    resolution: null,
    rating: null,
    ratingComment: null,
    closeKind: null,
    reopenCount: 0,
    createdAt: now,
    claimedAt: null,
    resolvedAt: null,
    closedAt: null,
    withdrawnAt: null,
    updatedAt: now,
    sourcePlatform: input.source.platform,
    sourceChatId: input.source.chatId,
    claimEscalation: none,
    resolveEscalation: none,
    raisedUnit: null,
    raisedEver: false,
  };
  const event: TicketEvent = { action: 'report', detail: { category: input.category, urgency: input.urgency, text: input.description } };
  return { ticket, events: [{ from: null, to: 'open', event }] };
}

// ── taking, handing over, resolving ─────────────────────────────────────────

/** The changes of taking an unclaimed ticket: the first take is the one the claim is judged by. */
function taken(t: Ticket, personId: string | null, departmentId: string | null, now: number): Partial<Ticket> {
  return {
    assigneeId: personId,
    departmentId: t.routing === 'coordinators' ? t.departmentId : (departmentId ?? t.departmentId),
    awaitingDepartment: false,
    claimedAt: now,
    firstClaimedAt: t.firstClaimedAt ?? now,
    // The resolve window's reminder counts from the claim.
    windowStart: now,
  };
}

/** 认领: the sender takes it. */
export function claim(t: Ticket, actor: Actor, now: number): Outcome {
  return step('claim', t, now, taken(t, actor.personId, actor.departmentId, now), { action: 'claim', detail: {} });
}

/**
 * 转办 to a person: they have it, 办理中. The clock belongs to the ticket: the resolve deadline
 * stays where it is (SPEC §4).
 */
export function transferToPerson(t: Ticket, _actor: Actor, now: number, to: { id: string; departmentId: string | null }, reason: string): Outcome {
  const changes: Partial<Ticket> =
    t.state === 'open'
      ? taken(t, to.id, to.departmentId, now)
      : { assigneeId: to.id, departmentId: to.departmentId ?? t.departmentId, awaitingDepartment: false, claimedAt: now };
  return step('transferToPerson', t, now, changes, { action: 'transfer', detail: { to: { person: to.id }, reason } });
}

/**
 * 转办 to a department: 待认领 for its officers, with a new claim deadline and nothing more; the
 * resolve deadline stays where it is (SPEC §4).
 */
export function transferToDepartment(t: Ticket, _actor: Actor, now: number, departmentId: string, reason: string, rules: DeadlineRules): Outcome {
  const claimDeadline = rules.deadline(t, 'claim', now);
  return step(
    'transferToDepartment',
    t,
    now,
    {
      assigneeId: null,
      departmentId,
      awaitingDepartment: true,
      claimedAt: null,
      claimDeadline,
      claimFrom: now,
      claimExtensions: [],
      // The claim target stays: the claim is judged once, by the first claim against the first
      // claim deadline (SPEC §6), whoever the ticket goes to after.
      windowStart: now,
    },
    { action: 'transfer', detail: { to: { department: departmentId }, reason, claimDeadline } },
  );
}

/** 办结: the enterprise is asked to answer by the confirm deadline. */
export function resolve(t: Ticket, _actor: Actor, now: number, text: string, rules: DeadlineRules): Outcome {
  return step(
    'resolve',
    t,
    now,
    { resolution: text, resolvedAt: now, confirmDeadline: rules.deadline(t, 'confirm', now) },
    { action: 'resolve', detail: { text } },
  );
}

/** The changes of a 重办: a new round with a new resolve deadline; a late round is remembered. */
function reopened(t: Ticket, now: number, rules: DeadlineRules): Partial<Ticket> {
  const lateRound = t.resolvedAt !== null && t.resolveTarget !== null && t.resolvedAt > t.resolveTarget;
  const resolveDeadline = rules.deadline(t, 'resolve', now);
  return {
    reopenCount: t.reopenCount + 1,
    lateRounds: t.lateRounds + (lateRound ? 1 : 0),
    // No longer resolved: the figures count it as resolved again only when it is (the log keeps the old 办结).
    resolvedAt: null,
    resolution: null,
    confirmDeadline: null,
    resolveDeadline,
    resolveTarget: resolveDeadline,
    roundFrom: now,
    windowStart: now,
    resolveExtensions: [],
  };
}

/** 满意: the enterprise's own answer closes the ticket (销号). */
export function accept(t: Ticket, _actor: Actor, now: number, rating: number, comment: string): Outcome {
  return step(
    'accept',
    t,
    now,
    { closeKind: 'confirmed', rating, ratingComment: comment || null, closedAt: now },
    { action: 'accept', detail: { rating, comment } },
  );
}

/** 不满意: back to the assignee (重办), with a new resolve deadline. */
export function reject(t: Ticket, _actor: Actor, now: number, reason: string, rules: DeadlineRules): Outcome {
  const changes = reopened(t, now, rules);
  return step('reject', t, now, changes, { action: 'reject', detail: { reason, reopenCount: changes.reopenCount ?? t.reopenCount } });
}

/** The confirm deadline passed with no answer: 待回访. Nothing closes by itself (SPEC §2). */
export function awaitFollowup(t: Ticket, now: number): Outcome {
  const out = step('awaitFollowup', t, now, {}, { action: 'await_followup', detail: { deadline: t.confirmDeadline ?? now } });
  // Not a person's step: the ticket's own time of last change stays that of the last person.
  return { ...out, ticket: { ...out.ticket, updatedAt: t.updatedAt } };
}

/**
 * 回访: a coordinator records what the enterprise said on the phone (代评). 满意 closes it;
 * 不满意 is a 重办, as the enterprise's own would be.
 */
export function followup(
  t: Ticket,
  _actor: Actor,
  now: number,
  answer: { satisfied: boolean; rating: number | null; comment: string },
  rules: DeadlineRules,
): Outcome {
  if (answer.satisfied) {
    return step(
      'followupSatisfied',
      t,
      now,
      { closeKind: 'followup', rating: answer.rating, ratingComment: answer.comment || null, closedAt: now },
      { action: 'followup', detail: { satisfied: true, rating: answer.rating, comment: answer.comment } },
    );
  }
  const changes = reopened(t, now, rules);
  return step('followupDissatisfied', t, now, changes, {
    action: 'followup',
    detail: { satisfied: false, rating: answer.rating, comment: answer.comment, reopenCount: changes.reopenCount ?? t.reopenCount },
  });
}

/** 撤回 by the reporter. */
export function withdraw(t: Ticket, _actor: Actor, now: number, reason: string): Outcome {
  return step('withdraw', t, now, { withdrawnAt: now }, { action: 'withdraw', detail: { reason } });
}

// ── deadlines ───────────────────────────────────────────────────────────────

/** The deadline a ticket in this state works against: claim, resolve, or confirm. */
export function currentDeadline(t: Pick<Ticket, 'state' | 'claimDeadline' | 'resolveDeadline' | 'confirmDeadline'>): { kind: DeadlineKind; at: number } | null {
  if (t.state === 'open' && t.claimDeadline !== null) return { kind: 'claim', at: t.claimDeadline };
  if (t.state === 'claimed' && t.resolveDeadline !== null) return { kind: 'resolve', at: t.resolveDeadline };
  if (t.state === 'resolved' && t.confirmDeadline !== null) return { kind: 'confirm', at: t.confirmDeadline };
  return null;
}

/** The changes of moving the current deadline by `d`, and where it was and goes. */
function moved(t: Ticket, now: number, d: Duration, rules: DeadlineRules): { changes: Partial<Ticket>; kind: DeadlineKind; from: number; to: number } {
  const current = currentDeadline(t);
  if (!current) throw new Error(`#${t.no} has no deadline in state ${t.state}`);
  const to = rules.add(current.at, d);
  const written = durationToString(d);
  // The window of the 临期提醒 starts again with a granted extension (SPEC §4).
  const changes: Partial<Ticket> =
    current.kind === 'claim'
      ? {
          claimDeadline: to,
          claimExtensions: [...t.claimExtensions, written],
          // The first claim deadline moves with it (after a 转办 to a department the two differ).
          claimTarget: t.firstClaimedAt === null ? judgedBy(t.claimTarget, t.claimTarget === null ? to : rules.add(t.claimTarget, d), now) : t.claimTarget,
          windowStart: now,
        }
      : current.kind === 'resolve'
        ? { resolveDeadline: to, resolveExtensions: [...t.resolveExtensions, written], resolveTarget: judgedBy(t.resolveTarget, to, now), windowStart: now }
        : { confirmDeadline: to };
  return { changes, kind: current.kind, from: current.at, to };
}

/** 延期 by a coordinator or leader: the current deadline moves by `d`. */
export function extend(t: Ticket, _actor: Actor, now: number, d: Duration, reason: string, rules: DeadlineRules): Outcome {
  target('extend', t);
  const m = moved(t, now, d, rules);
  return step('extend', t, now, m.changes, {
    action: 'extend',
    detail: { kind: m.kind, from: m.from, to: m.to, duration: durationToString(d), reason },
  });
}

/** 申请延期 by the assignee: recorded; nothing moves until a coordinator or leader answers. */
export function requestExtension(t: Ticket, _actor: Actor, now: number, d: Duration, reason: string): Outcome {
  target('requestExtension', t);
  const kind: WorkKind = 'resolve';
  return step('requestExtension', t, now, {}, {
    action: 'request_extension',
    detail: { kind, deadline: t.resolveDeadline ?? now, duration: durationToString(d), reason },
  });
}

/** 批准延期: the resolve deadline moves by the requested duration. */
export function approveExtension(t: Ticket, _actor: Actor, now: number, request: { duration: Duration; reason: string }, rules: DeadlineRules): Outcome {
  target('approveExtension', t);
  const m = moved(t, now, request.duration, rules);
  return step('approveExtension', t, now, m.changes, {
    action: 'approve_extension',
    detail: { kind: 'resolve', from: m.from, to: m.to, duration: durationToString(request.duration), reason: request.reason },
  });
}

/** 驳回延期: nothing moves; the assignee is told why. */
export function rejectExtension(t: Ticket, _actor: Actor, now: number, request: { duration: Duration }, reason: string): Outcome {
  return step('rejectExtension', t, now, {}, { action: 'reject_extension', detail: { duration: durationToString(request.duration), reason } });
}

/** 督办: the ticket is supervised (挂牌督办). */
export function supervise(t: Ticket, _actor: Actor, now: number, note: string): Outcome {
  return step('supervise', t, now, { supervised: true }, { action: 'supervise', detail: { note } });
}

/**
 * 提级 (SPEC §11): the coordinators of `to`, the unit above the one supervising the ticket now,
 * supervise it from here on; it stays 提级 in the figures whatever happens later.
 */
export function raise(t: Ticket, _actor: Actor, now: number, to: { from: string | null; to: string }, reason: string): Outcome {
  return step('raise', t, now, { raisedUnit: to.to, raisedEver: true }, { action: 'raise', detail: { from: to.from, to: to.to, reason } });
}

/**
 * 回退 (SPEC §11): supervision goes back to `to`, the unit below; `raisedUnit` is what the ticket
 * keeps (null once back at its project's own unit).
 */
export function lower(t: Ticket, _actor: Actor, now: number, to: { from: string; to: string | null; raisedUnit: string | null }, reason: string): Outcome {
  return step('lower', t, now, { raisedUnit: to.raisedUnit }, { action: 'lower', detail: { from: to.from, to: to.to, reason } });
}

/**
 * 改类: a corrected category and urgency. The deadlines are counted again from the start of the
 * current window (the report, the 重办, or the 转办 to a department) with the extensions granted
 * on it; tiers already sent stay sent, so a deadline now past escalates at the sweep's next run.
 * To 执法投诉, the ticket goes to the coordinators, unassigned; from it, to the project officer.
 */
export function reclassify(
  t: Ticket,
  _actor: Actor,
  now: number,
  to: { category: Category; urgency: Urgency },
  rules: DeadlineRules,
  projectOfficer: { id: string; departmentId: string | null } | null,
): Outcome {
  const toConduct = to.category === '执法投诉' && t.routing !== 'coordinators';
  const fromConduct = to.category !== '执法投诉' && t.routing === 'coordinators';
  const s: Step = toConduct ? 'reclassifyToConduct' : fromConduct ? 'reclassifyFromConduct' : 'reclassify';
  const after = target(s, t);
  const next = { ...t, category: to.category, urgency: to.urgency };
  const again = (kind: WorkKind, from: number, extensions: string[]): number =>
    extensions.reduce((at, written) => rules.add(at, parseWritten(written)), rules.deadline(next, kind, from));

  const changes: Partial<Ticket> = { category: to.category, urgency: to.urgency };
  // A ticket that goes to the coordinators is theirs to claim from now, as a 转办 to a department
  // would be: they get a claim deadline of their own.
  const freshClaim = toConduct;
  const claimDeadline = freshClaim ? rules.deadline(next, 'claim', now) : after === 'open' ? again('claim', t.claimFrom, t.claimExtensions) : t.claimDeadline;
  const resolveDeadline = again('resolve', t.roundFrom, t.resolveExtensions);
  Object.assign(changes, {
    claimDeadline,
    resolveDeadline,
    // The first claim deadline moves as the current one does; a claim deadline of the coordinators'
    // own (below) leaves it where it was, as a 转办 does.
    claimTarget:
      t.firstClaimedAt === null && !freshClaim && claimDeadline !== null && t.claimDeadline !== null && t.claimTarget !== null
        ? judgedBy(t.claimTarget, t.claimTarget + (claimDeadline - t.claimDeadline), now)
        : t.claimTarget,
    resolveTarget: judgedBy(t.resolveTarget, resolveDeadline, now),
    claimEscalation: carried(t.claimEscalation, t.claimDeadline, claimDeadline),
    resolveEscalation: carried(t.resolveEscalation, t.resolveDeadline, resolveDeadline),
  });
  if (freshClaim) Object.assign(changes, { claimFrom: now, claimExtensions: [], windowStart: now, claimEscalation: { deadline: null, stage: 0 } });
  if (toConduct) Object.assign(changes, { routing: 'coordinators', assigneeId: null, departmentId: null, awaitingDepartment: false, claimedAt: null });
  if (fromConduct) {
    Object.assign(changes, { routing: 'department', departmentId: projectOfficer?.departmentId ?? null, awaitingDepartment: false });
    if (after === 'claimed') Object.assign(changes, { assigneeId: projectOfficer?.id ?? t.assigneeId, claimedAt: now });
  }
  return step(s, t, now, changes, {
    action: 'reclassify',
    detail: { from: { category: t.category, urgency: t.urgency }, to, claimDeadline: after === 'open' ? claimDeadline : null, resolveDeadline },
  });
}

function parseWritten(written: string): Duration {
  const d = parseDuration(written);
  // Written by this module with durationToString, so anything else is a bug, not a user's typo.
  if (!d) throw new Error(`not a written duration: ${written}`);
  return d;
}

// ── what changes nothing but the record ─────────────────────────────────────

export function progress(t: Ticket, _actor: Actor, now: number, text: string): Outcome {
  return step('progress', t, now, {}, { action: 'progress', detail: { text } });
}

export function note(t: Ticket, _actor: Actor, now: number, text: string): Outcome {
  return step('note', t, now, {}, { action: 'note', detail: { text } });
}

export function summon(t: Ticket, _actor: Actor, now: number, departmentId: string, noteText: string): Outcome {
  return step('summon', t, now, {}, { action: 'summon', detail: { department: departmentId, note: noteText } });
}

export function checkin(t: Ticket, _actor: Actor, now: number, departmentId: string): Outcome {
  return step('checkin', t, now, {}, { action: 'checkin', detail: { department: departmentId } });
}

// ── the sweep ───────────────────────────────────────────────────────────────

/** What the sweep sent about a ticket: the reminder (stage 1) or a tier, for which deadline. */
export interface Sent {
  stage: Stage;
  kind: WorkKind;
  deadline: number;
}

/**
 * The reminder or tier due now for a ticket's claim or resolve deadline, if any (SPEC §4). Tier 3
 * also marks the ticket supervised. The ticket's time of last change is a person's, and stays.
 */
export function escalate(t: Ticket, now: number): Outcome & { sent: Sent | null } {
  const due = dueStage(t, now);
  if (!due || !canStep('escalate', t.state)) return { ticket: t, events: [], sent: null };
  const { kind, deadline } = due.plan;
  const mark: EscalationMark = { deadline, stage: due.stage };
  const ticket: Ticket = { ...t, [kind === 'claim' ? 'claimEscalation' : 'resolveEscalation']: mark };
  const events: Emitted[] = [];
  const tier = tierOfStage(due.stage);
  if (tier === 3 && !t.supervised) {
    ticket.supervised = true;
    events.push({ from: t.state, to: t.state, event: { action: 'supervise', detail: { note: '三级预警，自动挂牌督办' } } });
  }
  const event: TicketEvent = due.stage === REMIND || tier === null ? { action: 'remind', detail: { kind, deadline } } : { action: 'escalate', detail: { tier, kind, deadline } };
  events.push({ from: t.state, to: t.state, event });
  return { ticket, events, sent: { stage: due.stage, kind, deadline } };
}
