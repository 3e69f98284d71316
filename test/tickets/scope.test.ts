/** What a person may see by unit (SPEC §11): the one rule chat commands and the dashboard share. */
import { describe, expect, it } from 'vitest';
import { EVERYTHING, inScope, scopeOf, scopeUnits, subtreeScope } from '../../src/tickets/scope.js';
import type { Unit } from '../../src/tickets/model.js';

// 市 → 东县 → 城关镇; 市 → 西县
const UNITS: Unit[] = [
  { id: 'city', name: '市护企办', parentId: null },
  { id: 'dong', name: '东县', parentId: 'city' },
  { id: 'xi', name: '西县', parentId: 'city' },
  { id: 'town', name: '城关镇', parentId: 'dong' },
];
const tree = { units: () => UNITS };

describe('scopeOf', () => {
  it('a county coordinator: the county and the units below it, nothing else', () => {
    const scope = scopeOf({ roles: ['coordinator'], unitId: 'dong' }, tree);
    expect(scopeUnits(scope)?.sort()).toEqual(['dong', 'town']);
    expect(inScope(scope, { unitId: 'town' })).toBe(true);
    expect(inScope(scope, { unitId: 'xi' })).toBe(false);
    // A project of the root itself (unit null) is the city's.
    expect(inScope(scope, { unitId: null })).toBe(false);
  });

  it('the root’s coordinators and leaders, officers and enterprise contacts: everything by unit', () => {
    expect(scopeOf({ roles: ['leader'], unitId: null }, tree)).toEqual(EVERYTHING);
    expect(scopeOf({ roles: ['coordinator'], unitId: 'city' }, tree)).toEqual(EVERYTHING);
    expect(scopeOf({ roles: ['officer'], unitId: 'xi' }, tree)).toEqual(EVERYTHING);
    expect(scopeOf({ roles: ['enterprise'], unitId: null }, tree)).toEqual(EVERYTHING);
  });

  it('a roster without units: everyone everything', () => {
    expect(scopeOf({ roles: ['coordinator'], unitId: null }, { units: () => [] })).toEqual(EVERYTHING);
    expect(subtreeScope([], 'gone')).toEqual(EVERYTHING);
  });
});
