import type { Ticket } from './model.js';

/** The three tiers of 三级包干 (SPEC §4). */
export type Tier = 1 | 2 | 3;
export const TIER_NAMES: Record<Tier, string> = { 1: '提醒', 2: '督促', 3: '预警' };

const HOUR = 3_600_000;
/** Delay of each tier after the missed deadline; urgent tickets use a quarter of them. */
const DELAYS: Record<Tier, number> = { 1: 0, 2: 24 * HOUR, 3: 72 * HOUR };

export interface TierPlan {
  kind: 'claim' | 'resolve';
  deadline: number;
  tiers: { tier: Tier; at: number }[];
}

/** When each tier falls due for the deadline the ticket is working against now. */
export function tierPlan(t: Pick<Ticket, 'state' | 'claimDeadline' | 'resolveDeadline' | 'urgency' | 'supervised'>): TierPlan | null {
  const kind = t.state === 'open' ? 'claim' : t.state === 'claimed' ? 'resolve' : null;
  const deadline = kind === 'claim' ? t.claimDeadline : kind === 'resolve' ? t.resolveDeadline : null;
  if (!kind || deadline === null) return null;
  const scale = t.urgency === 'urgent' ? 0.25 : 1;
  const at = (tier: Tier) => deadline + DELAYS[tier] * scale;
  // A supervised ticket goes straight to tier 2 at its deadline.
  const tiers = t.supervised
    ? [
        { tier: 2 as Tier, at: deadline },
        { tier: 3 as Tier, at: at(3) },
      ]
    : ([1, 2, 3] as Tier[]).map((tier) => ({ tier, at: at(tier) }));
  return { kind, deadline, tiers };
}

type EscalationFields = Pick<
  Ticket,
  'state' | 'claimDeadline' | 'resolveDeadline' | 'confirmDeadline' | 'urgency' | 'supervised' | 'escDeadline' | 'escTier'
>;

/** The highest tier already sent for the current deadline (tiers sent for an older one do not count). */
export function sentTier(t: EscalationFields, plan: TierPlan): number {
  return t.escDeadline === plan.deadline ? t.escTier : 0;
}

/** When the escalation sweep next has work for this ticket, or null. */
export function nextEscalationAt(t: EscalationFields): number | null {
  if (t.state === 'resolved') return t.confirmDeadline;
  const plan = tierPlan(t);
  if (!plan) return null;
  const sent = sentTier(t, plan);
  return plan.tiers.find((x) => x.tier > sent)?.at ?? null;
}

/**
 * The tier to send now: the highest one due that was not sent yet. When the server was down
 * across several tiers, only the highest is sent, so people get one message, not three.
 */
export function dueTier(t: EscalationFields, now: number): { tier: Tier; plan: TierPlan } | null {
  const plan = tierPlan(t);
  if (!plan) return null;
  const sent = sentTier(t, plan);
  const due = plan.tiers.filter((x) => x.at <= now && x.tier > sent).pop();
  return due ? { tier: due.tier, plan } : null;
}
