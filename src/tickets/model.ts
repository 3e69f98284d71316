/** The ticket domain's vocabulary (SPEC §1, §2). No I/O here. */
import type { PlatformAddresses } from '../chat/types.js';

export type Role = 'enterprise' | 'officer' | 'coordinator' | 'leader';
export const ROLE_NAMES: Record<Role, string> = {
  enterprise: '企业',
  officer: '民警/联络员',
  coordinator: '护企办',
  leader: '包联领导',
};

export type TicketState = 'open' | 'claimed' | 'resolved' | 'followup' | 'closed' | 'withdrawn';
export const STATES: readonly TicketState[] = ['open', 'claimed', 'resolved', 'followup', 'closed', 'withdrawn'];
export const STATE_NAMES: Record<TicketState, string> = {
  open: '待认领',
  claimed: '办理中',
  resolved: '待评价',
  // The enterprise did not answer by the confirm deadline: a coordinator phones it (回访).
  followup: '待回访',
  closed: '已销号',
  withdrawn: '已撤回',
};

export type Urgency = 'urgent' | 'normal';
export const URGENCY_NAMES: Record<Urgency, string> = { urgent: '紧急', normal: '一般' };

export const CATEGORIES = ['阻工', '强揽', '盗窃', '纠纷', '证照', '交通', '网络', '经济', '执法投诉', '其他'] as const;
export type Category = (typeof CATEGORIES)[number];

export type ProjectLevel = '重大' | '重点' | '难点';

export type DeadlineKind = 'claim' | 'resolve' | 'confirm';
/** The deadlines someone works against (the confirm deadline waits for the enterprise). */
export type WorkKind = 'claim' | 'resolve';
export const DEADLINE_NAMES: Record<DeadlineKind, string> = { claim: '签收', resolve: '办结', confirm: '评价' };

/** How a ticket reached 已销号: the enterprise's own 满意, a coordinator's 回访 (代评), or (only in
 *  databases of the earlier version) closed automatically when nobody answered (未评价). */
export type CloseKind = 'confirmed' | 'followup' | 'auto';

/**
 * The escalation sent so far for one kind of deadline: `stage` 0 = nothing, 1 = the 临期提醒
 * before it, 2–4 = tiers 1–3 after it; `deadline` is the deadline they were sent for (a new
 * deadline starts again from nothing).
 */
export interface EscalationMark {
  deadline: number | null;
  stage: number;
}

export interface Ticket {
  no: number;
  projectCode: string;
  category: Category;
  urgency: Urgency;
  description: string;
  state: TicketState;
  /** 执法投诉 goes to the coordinators, never to the project's own officer. */
  routing: 'department' | 'coordinators';
  reporterPlatform: string;
  reporterUserId: string;
  reporterPersonId: string | null;
  reporterName: string;
  assigneeId: string | null;
  departmentId: string | null;
  /** unclaimed after a 转办 to a department: that department's officers are accountable (SPEC §2) */
  awaitingDepartment: boolean;
  supervised: boolean;
  claimDeadline: number | null;
  resolveDeadline: number | null;
  confirmDeadline: number | null;
  /** when the current claim window began: the report, or the last 转办 to a department */
  claimFrom: number;
  /** when the current resolve round began: the report, or the last 重办 */
  roundFrom: number;
  /** when the window the current claim or resolve deadline closes began, for the 临期提醒 (SPEC §4) */
  windowStart: number;
  /** durations (`3wd`) granted on the current claim window and resolve round, for 改类 to add again */
  claimExtensions: string[];
  resolveExtensions: string[];
  /** the first 认领 (or 转办 to a person while unclaimed): the claim is judged once, by it */
  firstClaimedAt: number | null;
  /**
   * The deadlines the figures judge the first claim and the current round's 办结 by: the deadlines
   * in force, except that a deadline moved after it had passed stays where it was (SPEC §6).
   */
  claimTarget: number | null;
  resolveTarget: number | null;
  /** earlier rounds (before a 重办) that were resolved after their deadline */
  lateRounds: number;
  resolution: string | null;
  rating: number | null;
  ratingComment: string | null;
  closeKind: CloseKind | null;
  reopenCount: number;
  createdAt: number;
  claimedAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
  withdrawnAt: number | null;
  updatedAt: number;
  sourcePlatform: string;
  sourceChatId: string;
  /**
   * 提级 (SPEC §11): the unit whose coordinators supervise the ticket now, above its project's
   * own; null when its project's unit does. `raisedEver`: it was 提级 at some time (the figures).
   */
  raisedUnit: string | null;
  raisedEver: boolean;
  /** what the escalation sweep has sent for the claim deadline and for the resolve deadline */
  claimEscalation: EscalationMark;
  resolveEscalation: EscalationMark;
}

export interface Person {
  id: string;
  name: string;
  roles: Role[];
  departmentId: string | null;
  projectCode: string | null;
  /** the unit whose coordinator or leader they are (SPEC §11); null: the root */
  unitId: string | null;
  /** the person's user id on each platform they use */
  addresses: PlatformAddresses;
}

export interface Department {
  id: string;
  name: string;
  /** the person at its head (roster `departments[].head`): gets tier 2 for the department's tickets */
  headId: string | null;
  /** the unit it belongs to; null: the root */
  unitId: string | null;
  /** where the department's group messages go, on each platform it has a group on */
  addresses: PlatformAddresses;
}

export interface Project {
  code: string;
  name: string;
  level: ProjectLevel;
  officerId: string | null;
  leaderIds: string[];
  /** the unit whose coordinators supervise it (SPEC §11); null: the root */
  unitId: string | null;
  /** where the project group's messages go, on each platform it has a group on */
  addresses: PlatformAddresses;
}

/** A unit of the installation (SPEC §11): the city's 护企办, a county's … */
export interface Unit {
  id: string;
  name: string;
  /** null for the root */
  parentId: string | null;
}
