import type { RosterRepo } from '../db/roster-repo.js';
import { accountable, accountableKey } from '../tickets/accountable.js';
import type { Person, Ticket } from '../tickets/model.js';

/**
 * What a dashboard session may see. `all`: every ticket (the ADMIN_TOKEN sign-in; coordinators and
 * leaders, until units give them a scope of their own). `accountable`: the tickets whose accountable
 * (SPEC §2, src/tickets/accountable.ts) is one of `keys` — the officer, or the officers of their
 * department — which never includes a conduct complaint (执法投诉), accountable to 护企办 always.
 */
export type SessionScope = { kind: 'all' } | { kind: 'accountable'; personId: string; keys: readonly string[] };

const ALL: SessionScope = { kind: 'all' };

/**
 * What a person of the roster may see when signed in as themselves, as the roster says now;
 * undefined when they may not use the dashboard at all: no longer in the roster, without roles, or
 * only an enterprise contact.
 */
export function personScope(person: Person | undefined): SessionScope | undefined {
  if (!person) return undefined;
  if (person.roles.includes('coordinator') || person.roles.includes('leader')) return ALL;
  if (!person.roles.includes('officer')) return undefined;
  const keys = [accountableKey({ kind: 'person', personId: person.id })];
  if (person.departmentId) keys.push(accountableKey({ kind: 'department', departmentId: person.departmentId }));
  return { kind: 'accountable', personId: person.id, keys };
}

/**
 * The one place the dashboard decides what a session may see, read on every request against the
 * roster as it is now: the ADMIN_TOKEN sign-in sees everything; a person's session what
 * `personScope` gives them (undefined: nothing, the session no longer signs anyone in).
 */
export function sessionScope(session: { personId: string | null }, roster: Pick<RosterRepo, 'person'>): SessionScope | undefined {
  if (session.personId === null) return ALL;
  return personScope(roster.person(session.personId));
}

/** Whether a ticket is within a scope; `projectOfficerId` is its project's officer as the roster names them now. */
export function inScope(scope: SessionScope, t: Ticket, projectOfficerId: string | null): boolean {
  if (scope.kind === 'all') return true;
  if (t.routing === 'coordinators') return false;
  return scope.keys.includes(accountableKey(accountable(t, projectOfficerId)));
}

/** The accountable keys a scope limits the ledger, the figures and the exports to; undefined: no limit. */
export function scopeKeys(scope: SessionScope): readonly string[] | undefined {
  return scope.kind === 'all' ? undefined : scope.keys;
}
