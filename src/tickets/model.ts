/** The ticket domain's vocabulary (SPEC §1, §2). No I/O here. */
import type { PlatformAddresses } from '../chat/types.js';

export type Role = 'enterprise' | 'officer' | 'coordinator' | 'leader';
export const ROLES: readonly Role[] = ['enterprise', 'officer', 'coordinator', 'leader'];
export const ROLE_NAMES: Record<Role, string> = {
  enterprise: '企业',
  officer: '民警/联络员',
  coordinator: '护企办',
  leader: '包联领导',
};

export type TicketState = 'open' | 'claimed' | 'resolved' | 'closed' | 'withdrawn';
export const STATE_NAMES: Record<TicketState, string> = {
  open: '待认领',
  claimed: '办理中',
  resolved: '待评价',
  closed: '已销号',
  withdrawn: '已撤回',
};

export type Urgency = 'urgent' | 'normal';
export const URGENCY_NAMES: Record<Urgency, string> = { urgent: '紧急', normal: '一般' };

export const CATEGORIES = ['阻工', '强揽', '盗窃', '纠纷', '证照', '交通', '网络', '经济', '执法投诉', '其他'] as const;
export type Category = (typeof CATEGORIES)[number];

export type ProjectLevel = '重大' | '重点' | '难点';

export type DeadlineKind = 'claim' | 'resolve' | 'confirm';
export const DEADLINE_NAMES: Record<DeadlineKind, string> = { claim: '签收', resolve: '办结', confirm: '评价' };

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
  supervised: boolean;
  claimDeadline: number | null;
  resolveDeadline: number | null;
  confirmDeadline: number | null;
  resolution: string | null;
  rating: number | null;
  ratingComment: string | null;
  closeKind: 'confirmed' | 'auto' | null;
  reopenCount: number;
  createdAt: number;
  claimedAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
  withdrawnAt: number | null;
  updatedAt: number;
  sourcePlatform: string;
  sourceChatId: string;
  /** the deadline the escalation tiers sent so far refer to */
  escDeadline: number | null;
  /** the highest escalation tier sent for escDeadline (0 = none) */
  escTier: number;
}

export interface Person {
  id: string;
  name: string;
  roles: Role[];
  departmentId: string | null;
  projectCode: string | null;
  /** the person's user id on each platform they use */
  addresses: PlatformAddresses;
}

export interface Department {
  id: string;
  name: string;
  /** where the department's group messages go, on each platform it has a group on */
  addresses: PlatformAddresses;
}

export interface Project {
  code: string;
  name: string;
  level: ProjectLevel;
  officerId: string | null;
  leaderIds: string[];
  /** where the project group's messages go, on each platform it has a group on */
  addresses: PlatformAddresses;
}

/** The allowed moves between states (SPEC §2). */
const TRANSITIONS: Record<TicketState, readonly TicketState[]> = {
  open: ['claimed', 'withdrawn', 'open'],
  claimed: ['resolved', 'withdrawn', 'open', 'claimed'],
  resolved: ['closed', 'claimed'],
  closed: [],
  withdrawn: [],
};

export function canTransition(from: TicketState, to: TicketState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function formatNo(no: number): string {
  return `#${no}`;
}
