import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRoster, readRosterFile, RosterError, type RosterProblem } from '../../src/roster/parse.js';
import { ROOT } from '../../src/paths.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'roster');
const fixture = (name: string): string => join(FIXTURES, name);
const VALID = readFileSync(fixture('valid.yaml'), 'utf8');

/** The problems a roster has; fails the test when it parses. */
function allProblemsOf(read: () => unknown): RosterProblem[] {
  try {
    read();
  } catch (e) {
    if (e instanceof RosterError) return e.problems;
    throw e;
  }
  throw new Error('expected a RosterError');
}

/** The sections every roster must have, as a missing one is reported. */
const MISSING_SECTION = /；应有 settings、departments、people 和 projects$/;

/**
 * The problems of a fragment of a roster: most tests here write only the section they are about, so
 * the missing sections (tested on their own below) are left out.
 */
function problemsOf(read: () => unknown): RosterProblem[] {
  return allProblemsOf(read).filter((p) => !MISSING_SECTION.test(p.message));
}

/** VALID with its `settings` section replaced by `settings` (YAML, without the key). */
function withSettings(settings: string): string {
  return VALID.replace(/^settings:\n(?:  .*\n)+/, `settings:\n${settings}`);
}

function problemAt(problems: RosterProblem[], path: string): RosterProblem {
  const p = problems.find((x) => x.path === path);
  if (!p) throw new Error(`no problem at ${path}; got ${JSON.stringify(problems)}`);
  return p;
}

describe('parseRoster: valid files', () => {
  it('reads the SPEC example with its people, projects and settings', () => {
    const roster = readRosterFile(fixture('valid.yaml'));
    expect(roster.people.map((p) => p.id)).toEqual(['wang', 'li', 'zhou', 'chen']);
    expect(roster.people[0]).toEqual({
      id: 'wang',
      name: '王警官',
      roles: ['officer'],
      department: 'zhian',
      wecom: 'wangjg',
      dingtalk: 'staff-wang',
    });
    expect(roster.projects).toEqual([
      {
        code: 'XM001',
        name: '经开区新材料产业园',
        level: '重大',
        officer: 'wang',
        leaders: ['li'],
        wecom: { chatId: 'wrXM001', webhookKey: 'KEY-XM001' },
        dingtalk: { openConversationId: 'cidXM001' },
      },
    ]);
    expect(roster.settings.meeting).toEqual({ day: 25, time: '15:00', place: '市公安局三楼会议室', noticeDaysBefore: 3 });
    expect(roster.settings.coordinators.dingtalk).toEqual({ openConversationId: 'cidCOORD' });
    expect(roster.sla).toEqual({ 阻工: { claim: '15m' } });
    expect(roster.calendar).toEqual({ holidays: ['2027-01-01'], workdays: ['2027-02-07'] });
  });

  it('reads the same roster written as JSON', () => {
    expect(readRosterFile(fixture('valid.json'))).toEqual(readRosterFile(fixture('valid.yaml')));
  });

  it('reads the repository example roster, keeping the ids other parts rely on', () => {
    const roster = readRosterFile(join(ROOT, 'roster.example.yaml'));
    const person = (id: string) => roster.people.find((p) => p.id === id);
    expect(person('wang')).toMatchObject({ roles: ['officer'], department: 'zhian', wecom: 'wangjg', dingtalk: 'staff-wang' });
    expect(person('li')?.roles).toContain('leader');
    expect(person('zhou')?.roles).toContain('coordinator');
    expect(person('chen')).toMatchObject({ roles: ['enterprise'], project: 'XM001' });
    expect(person('liu')).toMatchObject({ roles: ['enterprise'], project: 'XM002' });
    expect(person('zhao')).toMatchObject({ roles: ['officer'], department: 'jiaojing' });
    expect(roster.projects.map((p) => [p.code, p.level, p.officer])).toEqual([
      ['XM001', '重大', 'wang'],
      ['XM002', '重点', 'zhao'],
      ['XM003', '难点', 'sun'],
      // The two counties' projects (SPEC §11).
      ['DX001', '重点', 'dxjg'],
      ['XX001', '重点', 'xxjg'],
    ]);
    expect(roster.departments.map((d) => d.id)).toEqual(
      expect.arrayContaining(['zhian', 'xingzhen', 'jingzhen', 'jiaojing', 'churujing', 'huzheng', 'wangan', 'kfq', 'renshe', 'ziran']),
    );
    // The 2027 dates are commented out until the year's notice is published: no invented holidays.
    expect(roster.calendar).toEqual({ holidays: [], workdays: [] });
    // 治安大队's head gets tier 2 for its tickets; the 110 line is the SPEC's, commented out in the file.
    expect(roster.departments.find((d) => d.id === 'zhian')?.head).toBe('zhang');
    expect(person('zhang')).toMatchObject({ roles: ['officer'], department: 'zhian' });
    expect(roster.settings.urgentNotice).toBe('如遇人身安全危险或违法犯罪正在发生，请立即拨打110。');
  });

  it('reads settings.urgentNotice, the line an urgent report’s reply ends with', () => {
    expect(parseRoster(withSettings('  urgentNotice: "请立即拨打110或值班电话。"\n')).settings.urgentNotice).toBe('请立即拨打110或值班电话。');
    const problems = problemsOf(() => parseRoster(`settings:\n  urgentNotice: "${'很长'.repeat(101)}"\n`));
    expect(problemAt(problems, 'settings.urgentNotice')).toMatchObject({ line: 2, message: expect.stringContaining('at most 200 characters') });
  });

  it('fills in the meeting defaults for whatever the file leaves out', () => {
    expect(parseRoster(withSettings('')).settings.meeting).toEqual({ day: 25, time: '15:00', place: '待定', noticeDaysBefore: 3 });
    const roster = parseRoster(withSettings('  meeting: { place: 二楼会议室, time: "9:30" }\n'));
    expect(roster.settings.meeting).toEqual({ day: 25, time: '09:30', place: '二楼会议室', noticeDaysBefore: 3 });
  });

  it('treats a section whose lines are all commented out as absent', () => {
    const roster = parseRoster(VALID.replace(/^sla:[\s\S]*$/m, 'sla:\n  # 阻工: { claim: 15m }\ncalendar:\n'));
    expect(roster.sla).toEqual({});
    expect(roster.calendar).toEqual({ holidays: [], workdays: [] });
  });

  it('accepts a file saved with a byte-order mark', () => {
    expect(parseRoster(`\uFEFF${VALID}`).people).toHaveLength(4);
  });
});

describe('parseRoster: problems name the line', () => {
  it('reports an unknown key at the key, with the file name, line and column in the message', () => {
    const path = fixture('unknown-key.yaml');
    let error: unknown;
    try {
      readRosterFile(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RosterError);
    const { problems, message } = error as RosterError;
    expect(problems).toEqual([
      expect.objectContaining({ line: 9, column: 5, path: 'people[0].phone', message: expect.stringContaining('未知的键 "phone"') }),
    ]);
    expect(message).toBe(`${path}:9:5 people[0].phone: ${problems[0]?.message}`);
  });

  it('suggests the key that was probably meant', () => {
    const problems = problemsOf(() => parseRoster('people:\n  - { id: wang, name: 王警官, roles: [officer], departmnet: zhian }\n'));
    expect(problemAt(problems, 'people[0].departmnet').message).toBe('未知的键 "departmnet"，是不是 "department"？');
  });

  it('reports a role given as a string instead of a list, on its line', () => {
    const problems = problemsOf(() => readRosterFile(fixture('wrong-type.yaml')));
    expect(problemAt(problems, 'people[0].roles')).toEqual({
      line: 6,
      column: 12,
      path: 'people[0].roles',
      message: '应为列表，实际是文字 "officer"（请写成列表：[officer]）',
    });
  });

  it('tells the operator to quote a user id that YAML read as a number', () => {
    const problems = problemsOf(() => parseRoster('people:\n  - { id: li, name: 李局长, roles: [leader], wecom: 13800000000 }\n'));
    expect(problemAt(problems, 'people[0].wecom')).toMatchObject({ line: 2, message: '应为文字，实际是数字 13800000000（请给这个值加上引号）' });
  });

  it('reports an unknown role or project level with the allowed values', () => {
    const problems = problemsOf(() =>
      parseRoster(
        'people:\n  - { id: li, name: 李局长, roles: [leder] }\nprojects:\n  - { code: XM001, name: 甲, level: 重要, officer: li }\n',
      ),
    );
    expect(problemAt(problems, 'people[0].roles[0]')).toMatchObject({ line: 2, message: expect.stringContaining('是不是 "leader"') });
    expect(problemAt(problems, 'projects[0].level')).toMatchObject({ line: 4, message: '应为以下之一：重大、重点、难点，实际是文字 "重要"（是不是 "重大"？）' });
  });

  it('reports a missing required key on the line of its entry', () => {
    const problems = problemsOf(() => parseRoster('departments:\n  - { id: zhian, name: 治安大队 }\n  - id: xingzhen\n'));
    expect(problems).toEqual([{ line: 3, column: 5, path: 'departments[1].name', message: '必须填写' }]);
  });

  it('reports dangling department, project, officer and leader references, each on its line', () => {
    const problems = problemsOf(() => readRosterFile(fixture('dangling.yaml')));
    expect(problems.map((p) => [p.line, p.path, p.message])).toEqual([
      [4, 'people[0].department', '名册里没有部门 "zhian2"，是不是 "zhian"？'],
      [6, 'people[2].project', '名册里没有项目 "XM009"，是不是 "XM001"？'],
      [11, 'projects[0].officer', '名册里没有人员 "wangg"，是不是 "wang"？'],
      [12, 'projects[0].leaders[1]', '名册里没有人员 "zhang"'],
    ]);
  });

  it('reports duplicate ids, codes and platform ids, pointing back to the first use', () => {
    const problems = problemsOf(() => readRosterFile(fixture('duplicate.yaml')));
    expect(problems.map((p) => [p.line, p.path, p.message])).toEqual([
      [3, 'departments[1].id', '部门 id "zhian" 重复（第 2 行已用过）'],
      [6, 'people[1].id', '人员 id "wang" 重复（第 5 行已用过）'],
      [7, 'people[2].wecom', '企业微信 userid "wangjg" 已给了第 5 行的人员'],
      [10, 'projects[1].code', '项目编号重复（不分大小写，第 9 行已用过）'],
    ]);
  });

  it('requires roles to fit: the project officer is an officer, leaders are leaders, enterprises name a project', () => {
    const text = [
      'departments:',
      '  - { id: zhian, name: 治安大队 }',
      'people:',
      '  - { id: zhou, name: 周协调, roles: [coordinator] }',
      '  - { id: wang, name: 王警官, roles: [officer] }',
      '  - { id: chen, name: 陈经理, roles: [enterprise] }',
      'projects:',
      '  - { code: XM001, name: 甲, level: 重大, officer: zhou, leaders: [chen] }',
    ].join('\n');
    const problems = problemsOf(() => parseRoster(text));
    expect(problemAt(problems, 'people[1].department')).toMatchObject({ line: 5, message: '民警（officer）要写 "department"：所在部门的 id' });
    expect(problemAt(problems, 'people[2].project')).toMatchObject({ line: 6, message: '企业联系人（enterprise）要写 "project"：所在项目的编号' });
    expect(problemAt(problems, 'projects[0].officer')).toMatchObject({ line: 8, message: '项目警官 "zhou" 没有 officer 角色（现有角色：coordinator）' });
    expect(problemAt(problems, 'projects[0].leaders[0]')).toMatchObject({ line: 8, message: '包联领导 "chen" 没有 leader 角色（现有角色：enterprise）' });
  });

  it('checks a department’s head like the other references: a person of the file who works tickets', () => {
    const text = [
      'departments:',
      '  - { id: zhian, name: 治安大队, head: zhnag }',
      '  - { id: jiaojing, name: 交警大队, head: chen }',
      '  - { id: kfq, name: 开发区派出所, head: li }',
      'people:',
      '  - { id: zhang, name: 张大队长, roles: [officer], department: zhian }',
      '  - { id: li, name: 李局长, roles: [leader] }',
      '  - { id: chen, name: 陈经理, roles: [enterprise], project: XM001 }',
      'projects:',
      '  - { code: XM001, name: 甲, level: 重大, officer: zhang }',
    ].join('\n');
    const problems = problemsOf(() => parseRoster(text));
    expect(problems.map((p) => [p.line, p.column, p.path, p.message])).toEqual([
      [2, 36, 'departments[0].head', '名册里没有人员 "zhnag"，是不是 "zhang"？'],
      [3, 39, 'departments[1].head', '部门负责人 "chen" 既没有 officer 角色也没有 leader 角色（现有角色：enterprise）'],
    ]);
    expect(problemsOf(() => parseRoster(text)).map((p) => p.path)).not.toContain('departments[2].head');
  });

  it('does not let one group belong to two projects', () => {
    const text = VALID.replace('wecom: { webhookKey: "KEY-COORD" }', 'wecom: { webhookKey: "KEY-COORD", chatId: "wrXM001" }');
    const problems = problemsOf(() => parseRoster(text));
    expect(problemAt(problems, 'projects[0].wecom.chatId')).toMatchObject({ line: 20, message: '企业微信 chatId "wrXM001" 在第 3 行已用过；一个群只能属于一个项目' });
  });

  it('collects every problem of the file, not just the first', () => {
    const text = VALID.replace('department: zhian,', 'department: zhain,')
      .replace('level: 重大', 'level: 重要')
      .replace('阻工: { claim: 15m }', '阻工: { claim: 15x }');
    const problems = problemsOf(() => parseRoster(text));
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [10, 'people[0].department'],
      [17, 'projects[0].level'],
      [23, 'sla.阻工.claim'],
    ]);
  });

  it('checks calendar dates, ranges and a date listed both as holiday and workday', () => {
    const text = 'calendar:\n  holidays: ["2027-02-30", "2027-02-05..2027-02-11"]\n  workdays: ["2027-02-07"]\n';
    const problems = problemsOf(() => parseRoster(text));
    expect(problemAt(problems, 'calendar.holidays[0]')).toMatchObject({ line: 2, message: expect.stringContaining('"2027-02-30" 不是有效的日期') });
    expect(problemAt(problems, 'calendar.workdays[0]')).toMatchObject({ line: 3, message: '2027-02-07 既写成了放假（第 2 行）又写成了上班' });
  });

  it('reports YAML syntax errors with their line, in words an operator can act on', () => {
    const problems = problemsOf(() => parseRoster('people:\n  - id: wang\n   name: 王警官\n'));
    expect(problems[0]).toMatchObject({ line: 3, message: expect.stringMatching(/^YAML 格式错误：/) });
    expect(problemsOf(() => parseRoster('people: []\npeople: []\n'))[0]).toMatchObject({ line: 2, message: 'YAML 格式错误：同一个键写了两次' });
    expect(problemsOf(() => parseRoster('people:\n\t- id: wang\n'))[0]?.message).toBe('YAML 格式错误：缩进里有 Tab：请只用空格缩进');
  });

  it('reports a JSON syntax error with its line and column', () => {
    const problems = problemsOf(() => readRosterFile(fixture('bad-syntax.json')));
    expect(problems).toEqual([
      { line: 7, column: 3, path: '', message: '这里应有“,”后面的值（是不是多了一个逗号？），实际是 "]"' },
    ]);
  });

  it('rejects what YAML would accept but JSON does not, in a .json file', () => {
    const problems = problemsOf(() => parseRoster('{\n  "sla": {},\n  "people": tru\n}', 'roster.json'));
    expect(problems[0]).toMatchObject({ line: 3, column: 13 });
  });

  it('reports unknown keys and dangling references in JSON files on their lines', () => {
    const problems = problemsOf(() => readRosterFile(fixture('bad-schema.json')));
    expect(problems.map((p) => [p.line, p.path, p.message])).toEqual([
      [7, 'people[1].depratment', '未知的键 "depratment"，是不是 "department"？'],
      [10, 'projects[0].leaders[0]', '名册里没有人员 "lee"'],
    ]);
  });

  it('explains an empty file', () => {
    expect(allProblemsOf(() => parseRoster(''))[0]?.message).toBe('文件是空的；应有 settings、departments、people 和 projects');
  });

  // A file with only `people:` (half a file, a paste gone wrong) used to import and take every
  // other person's roles away.
  it('refuses a file without settings, departments, people or projects, naming each missing section', () => {
    const onlyPeople = 'people:\n  - { id: zhou, name: 周协调, roles: [coordinator] }\n';
    expect(allProblemsOf(() => parseRoster(onlyPeople)).map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`)).toEqual([
      '1:1 settings: 缺少 settings 这一节；应有 settings、departments、people 和 projects',
      '1:1 departments: 缺少 departments 这一节；应有 settings、departments、people 和 projects',
      '1:1 projects: 缺少 projects 这一节；应有 settings、departments、people 和 projects',
    ]);
    const noProjects = VALID.replace(/^projects:\n(?:  .*\n)+/m, 'projects: []\n');
    expect(allProblemsOf(() => parseRoster(noProjects)).map((p) => [p.line, p.path, p.message])).toContainEqual([
      14,
      'projects',
      'projects 是空的：至少要有一个项目；应有 settings、departments、people 和 projects',
    ]);
    const noPeople = VALID.replace(/^people:\n(?:  .*\n)+/m, 'people:\n  # 全部注释掉了\n');
    expect(allProblemsOf(() => parseRoster(noPeople)).map((p) => p.message)).toContain(
      'people 是空的：至少要有一个人员；应有 settings、departments、people 和 projects',
    );
    // `settings` may be empty, as long as it is there.
    expect(parseRoster(withSettings('')).people).toHaveLength(4);
  });

  it('refuses a file over 5 MB before reading it, naming the limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lianbao-roster-'));
    const big = join(dir, 'roster.yaml');
    writeFileSync(big, `${VALID}\n${'#'.repeat(5 * 1024 * 1024)}\n`);
    expect(() => readRosterFile(big)).toThrow(`名册文件 ${big} 有 5.0 MB，超过了 5 MB 的上限（一个城市的名册通常只有几十 KB）：请确认是不是选错了文件`);
  });

  it('says that a folder is not a roster file, and what to give instead', () => {
    expect(() => readRosterFile(FIXTURES)).toThrow(`${FIXTURES} 是一个文件夹，不是名册文件：请写出名册文件本身，例如 lianbao import ${join(FIXTURES, 'roster.yaml')}`);
  });

  it('refuses aliases that multiply (a "billion laughs" file) in Chinese, at the alias', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'people: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    expect(allProblemsOf(() => parseRoster(bomb))).toEqual([
      {
        line: 3,
        column: 8,
        path: '',
        message: '别名（*名称 引用）太多：层层引用后要展开 100 次以上，名册不会这样写；请把 *b 换成写出来的内容，或去掉多余的引用',
      },
    ]);
    // An alias or two, as YAML allows, still reads.
    expect(parseRoster(VALID.replace('leaders: [li]', 'leaders: &leaders [li]')).projects[0]?.leaders).toEqual(['li']);
  });

  it('says each YAML mistake once, not once for every token the parser stumbles over after it', () => {
    const problems = allProblemsOf(() => parseRoster('people:\n  - x\n  h: [\n  [1,\n'));
    const where = problems.map((p) => `${p.line} ${p.message}`);
    expect(where).toEqual([...new Set(where)]);
    expect(problems.filter((p) => p.line === 3)).toHaveLength(1);
  });

  it('says when the file does not exist', () => {
    expect(() => readRosterFile(fixture('missing.yaml'))).toThrow(/^找不到名册文件 .*missing\.yaml$/);
  });
});
