import { z } from 'zod';
import { CATEGORIES, type Category, type DeadlineKind, type TicketState, type Urgency, type WorkKind } from './model.js';

/**
 * What happened to a ticket, as one row of the append-only audit log records it: the action and
 * its details. A discriminated union, so that whoever reads the log (the timeline, 责任倒查) knows
 * each action's fields without casting.
 */
export type TicketEvent =
  | { action: 'report'; detail: { category: Category; urgency: Urgency; text: string } }
  | { action: 'claim'; detail: Record<string, never> }
  | { action: 'progress'; detail: { text: string } }
  | { action: 'note'; detail: { text: string } }
  | { action: 'transfer'; detail: { to: { person: string } | { department: string }; reason: string; claimDeadline?: number } }
  | { action: 'summon'; detail: { department: string; note: string } }
  | { action: 'checkin'; detail: { department: string } }
  | { action: 'resolve'; detail: { text: string } }
  /** the enterprise's own 满意 */
  | { action: 'accept'; detail: { rating: number; comment: string } }
  /** the enterprise's own 不满意: a 重办 */
  | { action: 'reject'; detail: { reason: string; reopenCount: number } }
  /** the confirm deadline passed with no answer: 待回访 */
  | { action: 'await_followup'; detail: { deadline: number } }
  /** a coordinator's 回访: the enterprise's answer by phone (代评) */
  | { action: 'followup'; detail: { satisfied: boolean; rating: number | null; comment: string; reopenCount?: number } }
  | { action: 'supervise'; detail: { note: string } }
  /** 提级: the coordinators of unit `to` supervise it from now on (`from`: the unit that did) */
  | { action: 'raise'; detail: { from: string | null; to: string; reason: string } }
  /** 回退: supervision goes back down to unit `to` */
  | { action: 'lower'; detail: { from: string; to: string | null; reason: string } }
  | { action: 'extend'; detail: { kind: DeadlineKind; from: number; to: number; duration: string; reason: string } }
  | { action: 'request_extension'; detail: { kind: WorkKind; deadline: number; duration: string; reason: string } }
  | { action: 'approve_extension'; detail: { kind: WorkKind; from: number; to: number; duration: string; reason: string } }
  | { action: 'reject_extension'; detail: { duration: string; reason: string } }
  | {
      action: 'reclassify';
      detail: { from: { category: Category; urgency: Urgency }; to: { category: Category; urgency: Urgency }; claimDeadline: number | null; resolveDeadline: number | null };
    }
  | { action: 'withdraw'; detail: { reason: string } }
  /** the 临期提醒: three quarters of the window had passed */
  | { action: 'remind'; detail: { kind: WorkKind; deadline: number } }
  | { action: 'escalate'; detail: { tier: 1 | 2 | 3; kind: WorkKind; deadline: number } }
  /** a picture, file or recording became evidence of the ticket (SPEC §7b) */
  | {
      action: 'attach';
      detail: { sha256: string; size: number; type: string; category: 'image' | 'audio' | 'video' | 'file'; name?: string; platformId: string };
    }
  /**
   * one that the platform never handed over, or that was not written because the disk was to keep
   * its reserve (`reason: 'disk_reserve'`): the ticket records that it was sent
   */
  | { action: 'attach_failed'; detail: { kind: string; name?: string; error: string; reason?: 'disk_reserve' } }
  /** written only by the earlier version, which closed unanswered resolutions by itself (未评价) */
  | { action: 'auto_close'; detail: { deadline: number | null } }
  /** a row this version cannot read (kept in the log, shown by its action name) */
  | { action: 'unreadable'; detail: { action: string } };

export type TicketAction = TicketEvent['action'];

/** An event a step of the lifecycle produced, with the state change it made (SPEC §2: before → after). */
export interface Emitted {
  from: TicketState | null;
  to: TicketState;
  event: TicketEvent;
}

// The detail of each action as stored. Old rows lack fields that were added later, so text
// defaults to '' rather than making the row unreadable.
const text = z.string().catch('');
const time = z.number();
const kind = z.enum(['claim', 'resolve']);
const classification = z.object({ category: z.enum(CATEGORIES), urgency: z.enum(['urgent', 'normal']) });

const DETAIL = {
  report: z.object({ category: z.enum(CATEGORIES), urgency: z.enum(['urgent', 'normal']), text }),
  claim: z.object({}).transform(() => ({}) as Record<string, never>),
  progress: z.object({ text }),
  note: z.object({ text }),
  transfer: z.object({
    to: z.union([z.object({ person: z.string() }), z.object({ department: z.string() })]),
    reason: text,
    claimDeadline: time.optional(),
  }),
  summon: z.object({ department: z.string(), note: text }),
  checkin: z.object({ department: z.string() }),
  resolve: z.object({ text }),
  accept: z.object({ rating: z.number(), comment: text }),
  reject: z.object({ reason: text, reopenCount: z.number().catch(0) }),
  await_followup: z.object({ deadline: time }),
  followup: z.object({ satisfied: z.boolean(), rating: z.number().nullable(), comment: text, reopenCount: z.number().optional() }),
  supervise: z.object({ note: text }),
  raise: z.object({ from: z.string().nullable(), to: z.string(), reason: text }),
  lower: z.object({ from: z.string(), to: z.string().nullable(), reason: text }),
  extend: z.object({ kind: z.enum(['claim', 'resolve', 'confirm']), from: time, to: time, duration: text, reason: text }),
  request_extension: z.object({ kind, deadline: time, duration: z.string(), reason: text }),
  approve_extension: z.object({ kind, from: time, to: time, duration: z.string(), reason: text }),
  reject_extension: z.object({ duration: z.string(), reason: text }),
  reclassify: z.object({ from: classification, to: classification, claimDeadline: time.nullable(), resolveDeadline: time.nullable() }),
  withdraw: z.object({ reason: text }),
  remind: z.object({ kind, deadline: time }),
  escalate: z.object({ tier: z.union([z.literal(1), z.literal(2), z.literal(3)]), kind, deadline: time }),
  auto_close: z.object({ deadline: time.nullable().catch(null) }),
  attach: z.object({
    sha256: z.string(),
    size: z.number(),
    type: z.string(),
    category: z.enum(['image', 'audio', 'video', 'file']),
    name: z.string().optional(),
    platformId: z.string(),
  }),
  attach_failed: z.object({ kind: z.string(), name: z.string().optional(), error: text, reason: z.literal('disk_reserve').optional() }),
} satisfies Record<Exclude<TicketAction, 'unreadable'>, z.ZodType>;

function isKnown(action: string): action is keyof typeof DETAIL {
  return Object.hasOwn(DETAIL, action);
}

/**
 * The event an audit row holds. A row this version does not know, or whose detail does not fit
 * its action, is still shown (as `unreadable`, with its action name): the log is never hidden.
 */
export function readEvent(action: string, detail: string | null): TicketEvent {
  if (!isKnown(action)) return { action: 'unreadable', detail: { action } };
  let raw: unknown = {};
  try {
    raw = detail ? JSON.parse(detail) : {};
  } catch {
    return { action: 'unreadable', detail: { action } };
  }
  const parsed = DETAIL[action].safeParse(raw);
  // The schema of each action gives that action's detail; TypeScript cannot follow the pairing
  // through the lookup, so it is asserted once, here.
  return parsed.success ? ({ action, detail: parsed.data } as TicketEvent) : { action: 'unreadable', detail: { action } };
}
