import type { Person, Role, Unit } from './model.js';

/**
 * What a person may see and act on by unit (SPEC §11): everything (the root unit's coordinators
 * and leaders, officers, enterprise contacts — these last two are limited by their own rules, not
 * by unit), or the tickets of projects in a set of units: their own unit and every unit below it.
 * The one place this is decided: chat commands, lists, reports and the dashboard's sessions all ask
 * `scopeOf`.
 */
export type Scope = { kind: 'all' } | { kind: 'units'; units: ReadonlySet<string> };

export const EVERYTHING: Scope = Object.freeze({ kind: 'all' });

/** The unit tree as the roster gives it: each unit with its parent (the root's is null). */
export interface UnitTree {
  units(): readonly Unit[];
}

/** The roles whose reach is a unit's: coordinators and leaders (SPEC §11). */
const UNIT_ROLES: readonly Role[] = ['coordinator', 'leader'];

/** The id of the tree's root; null when the roster has no units (its one root is implicit). */
export function rootOf(units: readonly Unit[]): string | null {
  return units.find((u) => u.parentId === null)?.id ?? null;
}

/** A unit and every unit below it. A unit the tree does not know (or null) is the root's: everything. */
export function subtreeScope(units: readonly Unit[], unitId: string | null): Scope {
  if (unitId === null || unitId === rootOf(units) || !units.some((u) => u.id === unitId)) return EVERYTHING;
  const children = new Map<string, string[]>();
  for (const u of units) {
    if (u.parentId === null) continue;
    children.set(u.parentId, [...(children.get(u.parentId) ?? []), u.id]);
  }
  const ids = new Set<string>();
  const stack = [unitId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (ids.has(id)) continue;
    ids.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return { kind: 'units', units: ids };
}

/**
 * What `person` may see by unit: a coordinator or leader of a unit below the root, that unit and
 * the units below it; everyone else, everything (officers are unaffected by units, and enterprise
 * contacts are limited to their project elsewhere). A person with no roles sees nothing of a unit's.
 */
export function scopeOf(person: Pick<Person, 'roles' | 'unitId'>, roster: UnitTree): Scope {
  if (!person.roles.some((r) => UNIT_ROLES.includes(r))) return EVERYTHING;
  return subtreeScope(roster.units(), person.unitId);
}

/**
 * Whether a conduct complaint (执法投诉) may be shown in a chat: a private chat or a coordinators'
 * group. Anywhere else (a project's or a department's group, a group bound to nothing) anyone may
 * be reading along, the officer complained about included. The one place this is decided: command
 * answers and the evidence worker's answers both ask.
 */
export function chatMayShowConduct(chatType: 'group' | 'single', chatKind: string | undefined): boolean {
  return chatType === 'single' || chatKind === 'coordinators';
}

/** Whether a ticket or project (by the unit of its project; null: the root) is within the scope. */
export function inScope(scope: Scope, of: { unitId: string | null }): boolean {
  if (scope.kind === 'all') return true;
  return of.unitId !== null && scope.units.has(of.unitId);
}

/** The scope's unit ids for a SQL filter (`json_each`), or null for everything. */
export function scopeUnits(scope: Scope): string[] | null {
  return scope.kind === 'all' ? null : [...scope.units];
}
