import type { RosterRepo } from '../db/roster-repo.js';
import { accountable, accountableKey } from '../tickets/accountable.js';
import type { Person, Ticket, Unit } from '../tickets/model.js';
import { EVERYTHING, inScope, scopeOf, scopeUnits, type Scope, type UnitTree } from '../tickets/scope.js';

/**
 * Who a dashboard request is from, and so what it may see — the one place the dashboard decides it,
 * read on every request against the roster as it is now:
 * - the ADMIN_TOKEN operator sees everything;
 * - a coordinator or leader signed in as themselves (SPEC §11) sees their unit and the units below
 *   it (`scopeOf`, as in chat), conduct complaints included;
 * - an officer sees only the tickets they are accountable for (SPEC §2, src/tickets/accountable.ts:
 *   theirs, or their department's while it waits for it), never a conduct complaint (执法投诉),
 *   which is always 护企办's.
 */
export interface Viewer {
  /** null: the ADMIN_TOKEN operator */
  personId: string | null;
  /** the units whose projects' tickets they see */
  scope: Scope;
  /** may know of conduct complaints: coordinators, leaders and the operator */
  conduct: boolean;
  /** the unit whose meeting and figures are theirs (null: the root) */
  unitId: string | null;
  /** an officer's own dashboard: only the tickets accountable to one of these keys */
  accountable?: readonly string[];
}

const OPERATOR: Viewer = Object.freeze({ personId: null, scope: EVERYTHING, conduct: true, unitId: null });

/** The highest unit of a scope, whose figures cover it all; null for everything. */
export function topUnit(units: readonly Unit[], scope: Scope): string | null {
  if (scope.kind === 'all') return null;
  return units.find((u) => scope.units.has(u.id) && (u.parentId === null || !scope.units.has(u.parentId)))?.id ?? null;
}

/**
 * What a person of the roster sees when signed in as themselves; undefined when they may not use
 * the dashboard at all: no longer in the roster, without roles, or only an enterprise contact.
 */
export function viewerFor(person: Person | undefined, roster: UnitTree): Viewer | undefined {
  if (!person) return undefined;
  if (person.roles.includes('coordinator') || person.roles.includes('leader')) {
    const scope = scopeOf(person, roster);
    return { personId: person.id, scope, conduct: true, unitId: topUnit(roster.units(), scope) };
  }
  if (!person.roles.includes('officer')) return undefined;
  const keys = [accountableKey({ kind: 'person', personId: person.id })];
  if (person.departmentId) keys.push(accountableKey({ kind: 'department', departmentId: person.departmentId }));
  return { personId: person.id, scope: EVERYTHING, conduct: false, unitId: null, accountable: keys };
}

/** Who a session signs in: the operator, or the person it was opened for as the roster says now. */
export function sessionViewer(session: { personId: string | null }, roster: Pick<RosterRepo, 'person'> & UnitTree): Viewer | undefined {
  if (session.personId === null) return OPERATOR;
  return viewerFor(roster.person(session.personId), roster);
}

/** Whether a viewer may see a ticket; `project` is its project as the roster names it now. */
export function mayView(v: Viewer, t: Ticket, project: { unitId: string | null; officerId: string | null } | undefined): boolean {
  if (!v.conduct && t.routing === 'coordinators') return false;
  if (!inScope(v.scope, { unitId: project?.unitId ?? null })) return false;
  return !v.accountable || v.accountable.includes(accountableKey(accountable(t, project?.officerId ?? null)));
}

/**
 * Whether a viewer may open a project's own pages (its visit log): within their scope, and for an
 * officer's own dashboard, only the projects they are the officer of.
 */
export function mayViewProject(v: Viewer, project: { unitId: string | null; officerId: string | null }): boolean {
  if (!inScope(v.scope, project)) return false;
  return !v.accountable || (v.personId !== null && project.officerId === v.personId);
}

/** The ledger's and the exports' filter for what a viewer sees. */
export function viewerFilter(v: Viewer): { units: string[] | null; excludeConduct: boolean; accountable?: readonly string[] } {
  const filter = { units: scopeUnits(v.scope), excludeConduct: !v.conduct };
  return v.accountable ? { ...filter, accountable: v.accountable } : filter;
}
