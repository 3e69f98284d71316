import type { EscalationMark, Ticket, WorkKind } from './model.js';

/** The three tiers of 三级包干 (SPEC §4). */
export type Tier = 1 | 2 | 3;
export const TIER_NAMES: Record<Tier, string> = { 1: '提醒', 2: '督促', 3: '预警' };

/**
 * What the sweep sends about one deadline, in order: the 临期提醒 when three quarters of the
 * window have passed (stage 1), then tier 1, 2 and 3 after it (stages 2–4). A mark's `stage` is
 * the highest one sent.
 */
export type Stage = 1 | 2 | 3 | 4;
export const REMIND: Stage = 1;
export const stageOfTier = (tier: Tier): Stage => (tier + 1) as Stage;
export const tierOfStage = (stage: Stage): Tier | null => (stage === REMIND ? null : ((stage - 1) as Tier));

const HOUR = 3_600_000;
/** Delay of each tier after the missed deadline; urgent tickets use a quarter of them. */
const DELAYS: Record<Tier, number> = { 1: 0, 2: 24 * HOUR, 3: 72 * HOUR };
/** The share of a window after which the 临期提醒 goes. */
const REMIND_AT = 0.75;

export interface EscalationPlan {
  kind: WorkKind;
  deadline: number;
  steps: { stage: Stage; at: number }[];
}

type EscalationFields = Pick<
  Ticket,
  'state' | 'claimDeadline' | 'resolveDeadline' | 'confirmDeadline' | 'urgency' | 'supervised' | 'windowStart' | 'claimEscalation' | 'resolveEscalation'
>;

/** The claim or resolve deadline a ticket in this state works against, or null. */
export function workDeadline(t: Pick<Ticket, 'state' | 'claimDeadline' | 'resolveDeadline'>): { kind: WorkKind; at: number } | null {
  if (t.state === 'open' && t.claimDeadline !== null) return { kind: 'claim', at: t.claimDeadline };
  if (t.state === 'claimed' && t.resolveDeadline !== null) return { kind: 'resolve', at: t.resolveDeadline };
  return null;
}

export function markOf(t: Pick<Ticket, 'claimEscalation' | 'resolveEscalation'>, kind: WorkKind): EscalationMark {
  return kind === 'claim' ? t.claimEscalation : t.resolveEscalation;
}

/** When each stage falls due for the deadline the ticket is working against now. */
export function escalationPlan(t: EscalationFields): EscalationPlan | null {
  const work = workDeadline(t);
  if (!work) return null;
  const { kind, at: deadline } = work;
  const scale = t.urgency === 'urgent' ? 0.25 : 1;
  const tierAt = (tier: Tier) => deadline + DELAYS[tier] * scale;
  const steps: { stage: Stage; at: number }[] = [];
  // The reminder needs a window to be three quarters through: none when the deadline was already
  // behind the window's start (a ticket claimed after its resolve deadline).
  if (deadline > t.windowStart) steps.push({ stage: REMIND, at: Math.floor(t.windowStart + (deadline - t.windowStart) * REMIND_AT) });
  // A supervised ticket goes straight to tier 2 at its deadline.
  if (t.supervised) steps.push({ stage: stageOfTier(2), at: deadline }, { stage: stageOfTier(3), at: tierAt(3) });
  else for (const tier of [1, 2, 3] as Tier[]) steps.push({ stage: stageOfTier(tier), at: tierAt(tier) });
  return { kind, deadline, steps };
}

/** The highest stage already sent for the plan's deadline (stages sent for an older deadline do not count). */
export function sentStage(t: Pick<Ticket, 'claimEscalation' | 'resolveEscalation'>, plan: EscalationPlan): number {
  const mark = markOf(t, plan.kind);
  return mark.deadline === plan.deadline ? mark.stage : 0;
}

/** When the escalation sweep next has work for this ticket, or null. */
export function nextEscalationAt(t: EscalationFields): number | null {
  // An unanswered resolution becomes 待回访 at its confirm deadline.
  if (t.state === 'resolved') return t.confirmDeadline;
  const plan = escalationPlan(t);
  if (!plan) return null;
  const sent = sentStage(t, plan);
  return plan.steps.find((x) => x.stage > sent)?.at ?? null;
}

/**
 * The stage to send now: the highest one due that was not sent yet. When the server was down
 * across several, only the highest is sent, so people get one message, not three; a reminder
 * whose deadline has already passed is not sent at all.
 */
export function dueStage(t: EscalationFields, now: number): { stage: Stage; plan: EscalationPlan } | null {
  const plan = escalationPlan(t);
  if (!plan) return null;
  const sent = sentStage(t, plan);
  const due = plan.steps.filter((x) => x.at <= now && x.stage > sent).pop();
  return due ? { stage: due.stage, plan } : null;
}
