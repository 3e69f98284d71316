import type { Ticket } from './model.js';

/**
 * Who is accountable for a ticket at a given moment (SPEC §2): a person, the officers of a
 * department, or the coordinators (护企办).
 */
export type Accountable =
  | { kind: 'person'; personId: string }
  | { kind: 'department'; departmentId: string }
  | { kind: 'coordinators' };

export type AccountableFields = Pick<Ticket, 'routing' | 'state' | 'assigneeId' | 'awaitingDepartment' | 'departmentId'>;

/**
 * The one rule, used by reminders, tiers, figures, the ledger and exports: a conduct complaint
 * (执法投诉) is the coordinators', always; a ticket someone has taken is its assignee's (also once
 * resolved, closed or withdrawn: who had it last); an unclaimed one is the department's it was
 * transferred to, else the project officer's. `projectOfficerId` is the project's officer as the
 * roster names them now. The figures group by the same rule in SQL (`ACCOUNTABLE_SQL` in
 * src/db/figures-repo.ts), and a test holds the two together.
 */
export function accountable(t: AccountableFields, projectOfficerId: string | null): Accountable {
  if (t.routing === 'coordinators') return { kind: 'coordinators' };
  if (t.assigneeId !== null && t.state !== 'open') return { kind: 'person', personId: t.assigneeId };
  if (t.awaitingDepartment && t.departmentId !== null) return { kind: 'department', departmentId: t.departmentId };
  if (projectOfficerId !== null) return { kind: 'person', personId: projectOfficerId };
  if (t.departmentId !== null) return { kind: 'department', departmentId: t.departmentId };
  // A project without an officer in the roster: nobody else can act, so 护企办 must.
  return { kind: 'coordinators' };
}

/** The key the figures group a ticket under, per accountable: a person id, `dept:<id>`, or `:coordinators`. */
export function accountableKey(a: Accountable): string {
  if (a.kind === 'person') return a.personId;
  if (a.kind === 'department') return `dept:${a.departmentId}`;
  return ':coordinators';
}
