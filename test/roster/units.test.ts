/**
 * The roster's `units` (SPEC §11): one tree with one root, its problems named by line and column
 * in Chinese, and `unit` on projects, people and departments.
 */
import { describe, expect, it } from 'vitest';
import { parseRoster, readRosterFile, RosterError, type RosterProblem } from '../../src/roster/parse.js';

function problemsOf(text: string): RosterProblem[] {
  try {
    parseRoster(text);
  } catch (e) {
    if (e instanceof RosterError) return e.problems;
    throw e;
  }
  throw new Error('expected a RosterError');
}

const BASE = `settings:
  coordinators: { wecom: { webhookKey: KEY-C } }
  meeting: { day: 25, time: "15:00", place: 市局, noticeDaysBefore: 3 }
people:
  - { id: wang, name: 王警官, roles: [officer], department: zhian }
departments:
  - { id: zhian, name: 治安大队 }
projects:
  - { code: XM001, name: 园区, level: 重点, officer: wang }
`;

describe('units in the roster', () => {
  it('reads the example: a city and two counties, meetings filled in from the parent', () => {
    const roster = readRosterFile('roster.example.yaml');
    expect(roster.units.map((u) => [u.id, u.parent ?? null])).toEqual([
      ['city', null],
      ['dongxian', 'city'],
      ['xixian', 'city'],
    ]);
    const [city, dong, xi] = roster.units;
    expect(city!.coordinators).toEqual(roster.settings.coordinators);
    expect(dong!.meeting).toEqual({ day: 10, time: '15:00', place: '东县公安局二楼会议室', noticeDaysBefore: 3 });
    expect(xi!.meeting).toEqual({ ...city!.meeting, day: 12 });
    expect(roster.projects.find((p) => p.code === 'DX001')?.unit).toBe('dongxian');
  });

  it('a roster without units has none (the one root is implicit)', () => {
    expect(parseRoster(BASE).units).toEqual([]);
  });

  it('an unknown parent is named with its line and column', () => {
    const problems = problemsOf(`${BASE}units:\n  - { id: city, name: 市 }\n  - { id: dx, name: 东县, parent: ctiy }\n`);
    expect(problems).toEqual([
      { line: 12, column: 33, path: 'units[1].parent', message: '名册里没有单位 "ctiy"，是不是 "city"？（单位写在 units 里）' },
    ]);
  });

  it('a second root is refused, pointing at the first', () => {
    const problems = problemsOf(`${BASE}units:\n  - { id: city, name: 市 }\n  - { id: dx, name: 东县 }\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 12, column: 11, path: 'units[1].id' });
    expect(problems[0]!.message).toBe('只能有一个根单位（不写 parent 的单位），第 11 行的 "city" 已是根单位；请给 "dx" 写上 parent');
  });

  it('a cycle is refused once, naming the units in it', () => {
    const problems = problemsOf(
      `${BASE}units:\n  - { id: city, name: 市 }\n  - { id: a, name: 甲, parent: b }\n  - { id: b, name: 乙, parent: a }\n`,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 12, column: 31, path: 'units[1].parent' });
    expect(problems[0]!.message).toBe('单位的上下级形成了循环：a → b → a；每个单位都应能逐级上溯到根单位');
  });

  it('units with no root at all are refused', () => {
    const problems = problemsOf(`${BASE}units:\n  - { id: a, name: 甲, parent: b }\n  - { id: b, name: 乙, parent: a }\n`);
    expect(problems.map((p) => p.message)).toContain('单位里没有根单位：最上一级（如市护企办）不写 parent');
  });

  it('a project, person or department in an unknown unit is refused at its line', () => {
    const text = `${BASE.replace('officer: wang }', 'officer: wang, unit: dongxain }')}units:\n  - { id: city, name: 市 }\n  - { id: dongxian, name: 东县, parent: city }\n`;
    expect(problemsOf(text)).toEqual([
      { line: 9, column: 62, path: 'projects[0].unit', message: '名册里没有单位 "dongxain"，是不是 "dongxian"？（单位写在 units 里）' },
    ]);
  });

  it('a unit named where the roster has no units says to list them first', () => {
    const problems = problemsOf(BASE.replace('department: zhian }', 'department: zhian, unit: dx }'));
    expect(problems[0]).toMatchObject({ path: 'people[0].unit', message: '写了单位 "dx"，但名册没有 units 一节；请先在 units 里列出各单位' });
  });

  it('a unit group may not be a project group too', () => {
    const text = `${BASE.replace('officer: wang }', 'officer: wang, wecom: { chatId: wrX, webhookKey: K1 } }')}units:\n  - { id: city, name: 市 }\n  - { id: dx, name: 东县, parent: city, coordinators: { wecom: { webhookKey: K2, chatId: wrX } } }\n`;
    expect(problemsOf(text).map((p) => p.path)).toEqual(['projects[0].wecom.chatId']);
  });
});

describe('importing units', () => {
  it('places projects, people and departments, maps each county’s group, and forgets units that leave the file', async () => {
    const { openDb } = await import('../../src/db/open.js');
    const { importRoster } = await import('../../src/roster/import.js');
    const { RosterRepo } = await import('../../src/db/roster-repo.js');
    const db = openDb(':memory:');
    importRoster(db, readRosterFile('roster.example.yaml'), 0);
    const roster = new RosterRepo(db);
    expect(roster.units().map((u) => [u.id, u.parentId])).toEqual([['city', null], ['dongxian', 'city'], ['xixian', 'city']]);
    expect(roster.project('DX001')?.unitId).toBe('dongxian');
    expect(roster.project('XM001')?.unitId).toBeNull(); // the root's
    expect(roster.person('dxxt')?.unitId).toBe('dongxian');
    expect(roster.department('xxpcs')?.unitId).toBe('xixian');
    expect(roster.coordinators('dongxian')).toEqual({ wecom: 'KEY-DX', dingtalk: 'cidDX', playground: 'coordinators:dongxian' });
    expect(roster.coordinators()).toMatchObject({ wecom: 'KEY-COORD', dingtalk: 'cidCOORD' });
    expect(roster.chat('wecom', 'wrDX')).toMatchObject({ kind: 'coordinators', unitId: 'dongxian' });
    expect(roster.meeting('dongxian')).toMatchObject({ day: 10, place: '东县公安局二楼会议室' });

    // The same city without units: one root again, everything in it, the counties' groups forgotten.
    const text = (await import('node:fs')).readFileSync('roster.example.yaml', 'utf8');
    const flat = text
      .replace(/\nunits:[\s\S]*?\n(?=# ── 部门)/, '\n')
      .replace(/, unit: (dongxian|xixian)/g, '')
      .replace(/\n    unit: (dongxian|xixian)/g, '');
    const summary = importRoster(db, parseRoster(flat), 1);
    expect(roster.units()).toEqual([]);
    // The import says what it took away and whose reach changed: the counties' coordinators and
    // leaders now see the whole city; each county's WeCom and DingTalk group is an ordinary chat.
    expect(summary.unitsRemoved.map((u) => u.id)).toEqual(['city', 'dongxian', 'xixian']);
    expect(summary.moved).toEqual([
      { id: 'dxxt', name: '东县蒋协调', from: '东县护企办', to: '本级' },
      { id: 'dxld', name: '东县韩县长', from: '东县护企办', to: '本级' },
      { id: 'xxxt', name: '西县朱协调', from: '西县护企办', to: '本级' },
    ]);
    expect(summary.groupsForgotten).toBe(4);
    expect(roster.chat('wecom', 'wrDX')).toBeUndefined();
    expect(roster.project('DX001')?.unitId).toBeNull();
    expect(roster.coordinators('dongxian')).toEqual({});
    db.close();
  });
});
