import { readFileSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type ErrorCode } from 'yaml';
import { z } from 'zod';
import { slaConfigIssues } from '../tickets/sla.js';
import { editDistance } from '../util/edit-distance.js';
import {
  calendarSchema,
  DEFAULT_MEETING,
  DEFAULT_URGENT_NOTICE,
  departmentSchema,
  personSchema,
  projectSchema,
  rootSchema,
  settingsSchema,
  type Roster,
} from './schema.js';

export type { Roster } from './schema.js';

/** One thing wrong with a roster file, and where it is (1-based line and column). */
export interface RosterProblem {
  line: number;
  column: number;
  /** Where in the document, e.g. `people[2].department`. */
  path: string;
  message: string;
}

/** A roster file that cannot be imported; `message` has one `file:line:column path: message` line per problem. */
export class RosterError extends Error {
  override name = 'RosterError';
  readonly problems: RosterProblem[];
  readonly fileName: string;

  constructor(problems: RosterProblem[], fileName: string) {
    const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
    super(sorted.map((p) => `${fileName}:${p.line}:${p.column} ${p.path || '(file)'}: ${p.message}`).join('\n'));
    this.problems = sorted;
    this.fileName = fileName;
  }
}

type Path = readonly (string | number)[];

function formatPath(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Maps document paths to line and column; a path that does not exist maps to its deepest existing parent. */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** `onKey`: point at the key of the last segment rather than its value (for unknown keys). */
  at(path: Path, onKey = false): { line: number; column: number } {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const [i, seg] of path.entries()) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) === String(seg) : p.key === seg));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        if (onKey && i === path.length - 1 && keyStart !== undefined) {
          offset = keyStart;
          break;
        }
        node = pair.value;
        offset = rangeStart(node) ?? keyStart ?? offset;
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
        if (node === undefined) break;
        offset = rangeStart(node) ?? offset;
      } else {
        break;
      }
    }
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: unknown }).range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}

/** Collects problems while a roster is checked. */
class Problems {
  readonly list: RosterProblem[] = [];

  constructor(private readonly locator: Locator) {}

  add(path: Path, message: string, onKey = false): void {
    this.list.push({ ...this.locator.at(path, onKey), path: formatPath(path), message });
  }

  /** Adds a problem unless the same node already has one (a bad value is not also a dangling reference). */
  addOnce(path: Path, message: string): void {
    const at = formatPath(path);
    if (!this.list.some((p) => p.path === at)) this.add(path, message);
  }

  /** The line a node starts on, for "first used on line N" hints. */
  line(path: Path): number {
    return this.locator.at(path).line;
  }

  /** Validates `value` (found at `path`) against `schema`; on failure records every issue and returns undefined. */
  check<S extends z.ZodType>(schema: S, value: unknown, path: Path): z.output<S> | undefined {
    // Messages the schema does not set itself come in Chinese too.
    const result = schema.safeParse(value, { error: ZH_CN.localeError });
    if (result.success) return result.data;
    for (const issue of result.error.issues) this.addIssue(issue, schema, value, path);
    return undefined;
  }

  private addIssue(issue: z.core.$ZodIssue, schema: z.ZodType, value: unknown, base: Path): void {
    const rel = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    const path = [...base, ...rel];
    const actual = valueAt(value, rel);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = objectKeysAt(schema, rel);
        for (const key of issue.keys) {
          const guess = closest(key, allowed);
          const hint = guess ? `，是不是 "${guess}"？` : allowed.length > 0 ? `，可用的键：${allowed.join('、')}` : '';
          this.add([...path, key], `未知的键 "${key}"${hint}`, true);
        }
        return;
      }
      case 'invalid_type':
        if (actual === undefined) this.add(path, '必须填写');
        else this.add(path, `应为${expectedName(issue.expected)}，实际是${describe(actual)}${typeHint(issue.expected, actual)}`);
        return;
      case 'invalid_value': {
        const values = issue.values.map(String);
        const guess = typeof actual === 'string' ? closest(actual, values) : undefined;
        this.add(path, `应为以下之一：${values.join('、')}，实际是${describe(actual)}${guess ? `（是不是 "${guess}"？）` : ''}`);
        return;
      }
      case 'too_small':
        if (issue.origin === 'number') this.add(path, `不能小于 ${String(issue.minimum)}，实际是${describe(actual)}`);
        else this.add(path, issue.message);
        return;
      case 'too_big':
        if (issue.origin === 'number') this.add(path, `不能大于 ${String(issue.maximum)}，实际是${describe(actual)}`);
        else this.add(path, issue.message);
        return;
      case 'invalid_format':
      case 'custom':
        this.add(path, `${issue.message}，实际是${describe(actual)}`);
        return;
      default:
        this.add(path, issue.message);
    }
  }
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let v = value;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** The keys an object schema allows at `path`, for "did you mean" hints. */
function objectKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let s: unknown = schema;
  for (const seg of [...path, null]) {
    while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap();
    if (seg === null) break;
    if (s instanceof z.ZodObject && typeof seg === 'string') s = (s.shape as Record<string, unknown>)[seg];
    else if (s instanceof z.ZodArray) s = s.element;
    else return [];
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

function expectedName(expected: string): string {
  const names: Record<string, string> = {
    string: '文字',
    number: '数字',
    int: '整数',
    array: '列表',
    object: '映射（键: 值）',
    boolean: ' true 或 false',
  };
  return names[expected] ?? expected;
}

function describe(v: unknown): string {
  if (v === undefined || v === null) return '空值';
  if (typeof v === 'string') return `文字 ${JSON.stringify(v)}`;
  if (typeof v === 'number') return `数字 ${String(v)}`;
  if (typeof v === 'boolean') return ` ${String(v)}`;
  if (Array.isArray(v)) return '列表';
  return '映射';
}

// YAML reads an unquoted 13800000000 or 0125 as a number (dropping the leading zero), which is
// never what a user id means; tell the operator how to write it instead of converting silently.
function typeHint(expected: string, actual: unknown): string {
  if (expected === 'string' && (typeof actual === 'number' || typeof actual === 'boolean')) return '（请给这个值加上引号）';
  if (expected === 'array' && typeof actual === 'string') return `（请写成列表：[${actual}]）`;
  return '';
}

/** The candidate a misspelt name most likely meant: one edit away, or one per three letters for longer names. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/**
 * The first syntax error of a JSON text. YAML accepts JSON, but also much that JSON does not
 * (`tru` reads as a string), and its messages speak of YAML; a JSON file gets JSON's rules.
 */
function jsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  let i = 0;
  const fail = (message: string): never => {
    throw Object.assign(new Error(message), { offset: i });
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++;
  };
  const expect = (what: string): never =>
    fail(i >= text.length ? `文件意外结束，这里应有${what}` : `这里应有${what}，实际是 ${JSON.stringify(text[i])}`);
  const str = (): void => {
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined) fail('字符串缺少结尾的双引号');
      else if (c === '"') {
        i++;
        return;
      } else if (c === '\\') {
        const e = text[i + 1] ?? '';
        if ('"\\/bfnrt'.includes(e) && e !== '') i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else fail('字符串里有无效的转义');
      } else if (c < ' ') fail('字符串里有换行或控制字符（换行请写成 \\n）');
      else i++;
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') expect(text[i] === '}' ? '“,”后面的键（是不是多了一个逗号？）' : '用双引号括起的键');
        str();
        space();
        if (text[i] !== ':') expect('键后面的“:”');
        i++;
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else expect('“,”或“}”');
      }
    } else if (c === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] === ']') expect('“,”后面的值（是不是多了一个逗号？）');
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else expect('“,”或“]”');
      }
    } else if (c === '"') {
      str();
    } else {
      const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
      m.lastIndex = i;
      if (m.exec(text)) i = m.lastIndex;
      else expect('一个值（双引号括起的字符串、数字、true、false、null、{ 或 [）');
    }
  };
  try {
    value();
    space();
    if (i < text.length) fail(`JSON 内容结束后还有多余的 ${JSON.stringify(text[i])}`);
    return undefined;
  } catch (e) {
    // Anything but our own failure (a stack overflow on absurd nesting) is reported where it stopped.
    const offset = (e as { offset?: unknown }).offset;
    return { offset: typeof offset === 'number' ? offset : i, message: (e as Error).message };
  }
}

const ZH_CN = z.locales.zhCN();

/** The usual YAML mistakes in words an operator can act on; the parser's own words for the rest. */
const YAML_PROBLEMS: Partial<Record<ErrorCode, string>> = {
  DUPLICATE_KEY: '同一个键写了两次',
  BAD_INDENT: '缩进不对：同一层的各项要从同一列开始',
  TAB_AS_INDENT: '缩进里有 Tab：请只用空格缩进',
  MISSING_CHAR: '缺少符号：列表项前的“- ”，或配对的引号、括号',
  MULTILINE_IMPLICIT_KEY: '键要写在一行里（是不是少了“:”，或缩进不对？）',
  BLOCK_AS_IMPLICIT_KEY: '一行里只能有一个“键: 值”（值里有“: ”时请加引号）',
  UNEXPECTED_TOKEN: '这里有多余的内容（是不是缩进不对，或少了“- ”？）',
  BAD_SCALAR_START: '值不能以这个符号开头：请给值加上引号',
  BAD_DQ_ESCAPE: '双引号里有无效的转义：“\\”要写成“\\\\”，或改用单引号',
  MULTIPLE_DOCS: '文件里只能有一份名册（去掉中间的“---”）',
};

function yamlProblem(code: ErrorCode, message: string): string {
  return `YAML 格式错误：${YAML_PROBLEMS[code] ?? message}`;
}

/** A top-level section left empty (`sla:` with every line commented out) reads as null: treat it as absent. */
function dropEmptySections(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null));
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function dayNumber(date: string): number | undefined {
  const m = DATE_RE.exec(date);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2027-02-30 over into March; the round trip catches that.
  return new Date(ms).toISOString().slice(0, 10) === date ? ms / DAY_MS : undefined;
}

/** `YYYY-MM-DD` or an inclusive range `YYYY-MM-DD..YYYY-MM-DD` (a holiday notice lists ranges). */
function expandDates(entry: string): string[] | string {
  const [from, to, ...rest] = entry.trim().split('..');
  const hint = '应为日期 YYYY-MM-DD 或日期范围 YYYY-MM-DD..YYYY-MM-DD';
  if (from === undefined || rest.length > 0) return hint;
  const a = dayNumber(from.trim());
  if (a === undefined) return `${JSON.stringify(from.trim())} 不是有效的日期（${hint}）`;
  if (to === undefined) return [from.trim()];
  const b = dayNumber(to.trim());
  if (b === undefined) return `${JSON.stringify(to.trim())} 不是有效的日期（${hint}）`;
  if (b < a) return '日期范围的结束早于开始';
  if (b - a > 366) return '日期范围超过一年';
  return Array.from({ length: b - a + 1 }, (_, k) => new Date((a + k) * DAY_MS).toISOString().slice(0, 10));
}

interface Indexed<T> {
  value: T;
  index: number;
}

/** Validates one list section entry by entry, so that every bad entry is reported. */
function checkList<S extends z.ZodType>(problems: Problems, schema: S, items: unknown[] | undefined, section: string): Indexed<z.output<S>>[] {
  const valid: Indexed<z.output<S>>[] = [];
  for (const [index, item] of (items ?? []).entries()) {
    const value = problems.check(schema, item, [section, index]);
    if (value !== undefined) valid.push({ value, index });
  }
  return valid;
}

function stringAt(item: unknown, path: readonly (string | number)[]): string | undefined {
  const v = valueAt(item, path);
  return typeof v === 'string' ? v.trim() : undefined;
}

/** The strings of a list field with their positions; entries of the wrong type were reported by the shape check. */
function stringsAt(item: unknown, key: string): { value: string; index: number }[] {
  const v = valueAt(item, [key]);
  if (!Array.isArray(v)) return [];
  return v.flatMap((value: unknown, index) => (typeof value === 'string' ? [{ value, index }] : []));
}

/** Reports the second and later entries that share a key, pointing back to the first. */
function checkUnique(
  problems: Problems,
  entries: readonly { path: Path; key: string | undefined }[],
  message: (key: string, firstLine: number) => string,
): void {
  const first = new Map<string, Path>();
  for (const e of entries) {
    if (e.key === undefined) continue;
    const seen = first.get(e.key);
    if (seen) problems.addOnce(e.path, message(e.key, problems.line(seen)));
    else first.set(e.key, e.path);
  }
}

function unknownRef(kind: '部门' | '项目' | '人员', ref: string, known: Iterable<string>): string {
  const guess = closest(ref, [...known]);
  return `名册里没有${kind} "${ref}"${guess ? `，是不是 "${guess}"？` : ''}`;
}

/**
 * Duplicates and dangling references. These read the raw entries rather than only the ones
 * that passed the shape check, so that an entry with a typo in one key still has its
 * references checked and the operator sees every problem in one run.
 */
function checkReferences(
  problems: Problems,
  raw: { settings?: unknown; departments?: unknown[]; people?: unknown[]; projects?: unknown[] },
): void {
  const departments = (raw.departments ?? []).map((item, index) => ({ item, index }));
  const people = (raw.people ?? []).map((item, index) => ({ item, index }));
  const projects = (raw.projects ?? []).map((item, index) => ({ item, index }));
  const departmentIds = new Set(departments.flatMap((d) => stringAt(d.item, ['id']) ?? []));
  const projectCodes = new Set(projects.flatMap((p) => stringAt(p.item, ['code']) ?? []));
  const rolesById = new Map<string, string[]>();
  for (const p of people) {
    const id = stringAt(p.item, ['id']);
    if (id !== undefined && !rolesById.has(id)) rolesById.set(id, stringsAt(p.item, 'roles').map((r) => r.value));
  }

  checkUnique(
    problems,
    departments.map((d) => ({ path: ['departments', d.index, 'id'], key: stringAt(d.item, ['id']) })),
    (k, line) => `部门 id "${k}" 重复（第 ${line} 行已用过）`,
  );
  checkUnique(
    problems,
    departments.map((d) => ({ path: ['departments', d.index, 'name'], key: stringAt(d.item, ['name']) })),
    (k, line) => `部门名称 "${k}" 在第 ${line} 行已用过；名称不能重复（“转办”按名称找部门）`,
  );
  checkUnique(
    problems,
    people.map((p) => ({ path: ['people', p.index, 'id'], key: stringAt(p.item, ['id']) })),
    (k, line) => `人员 id "${k}" 重复（第 ${line} 行已用过）`,
  );
  checkUnique(
    problems,
    people.map((p) => ({ path: ['people', p.index, 'wecom'], key: stringAt(p.item, ['wecom']) })),
    (k, line) => `企业微信 userid "${k}" 已给了第 ${line} 行的人员`,
  );
  checkUnique(
    problems,
    people.map((p) => ({ path: ['people', p.index, 'dingtalk'], key: stringAt(p.item, ['dingtalk']) })),
    (k, line) => `钉钉 staff id "${k}" 已给了第 ${line} 行的人员`,
  );
  // Codes are looked up case-insensitively in chat (`绑定 xm001`), so XM001 and xm001 would be ambiguous.
  checkUnique(
    problems,
    projects.map((p) => ({ path: ['projects', p.index, 'code'], key: stringAt(p.item, ['code'])?.toLowerCase() })),
    (_k, line) => `项目编号重复（不分大小写，第 ${line} 行已用过）`,
  );
  // A chat belongs to one project or to the coordinators, never to two.
  const coordinatorsAt = ['settings', 'coordinators'] as const;
  checkUnique(
    problems,
    [
      { path: [...coordinatorsAt, 'wecom', 'chatId'], key: stringAt(raw.settings, ['coordinators', 'wecom', 'chatId']) },
      ...projects.map((p) => ({ path: ['projects', p.index, 'wecom', 'chatId'], key: stringAt(p.item, ['wecom', 'chatId']) })),
    ],
    (k, line) => `企业微信 chatId "${k}" 在第 ${line} 行已用过；一个群只能属于一个项目`,
  );
  checkUnique(
    problems,
    [
      {
        path: [...coordinatorsAt, 'dingtalk', 'openConversationId'],
        key: stringAt(raw.settings, ['coordinators', 'dingtalk', 'openConversationId']),
      },
      ...projects.map((p) => ({
        path: ['projects', p.index, 'dingtalk', 'openConversationId'],
        key: stringAt(p.item, ['dingtalk', 'openConversationId']),
      })),
    ],
    (k, line) => `钉钉 openConversationId "${k}" 在第 ${line} 行已用过；一个群只能属于一个项目`,
  );

  for (const { item, index } of people) {
    if (typeof item !== 'object' || item === null) continue;
    const at = (key: string): Path => ['people', index, key];
    const department = stringAt(item, ['department']);
    const project = stringAt(item, ['project']);
    const roles = stringsAt(item, 'roles');
    if (department !== undefined && !departmentIds.has(department)) {
      problems.addOnce(at('department'), unknownRef('部门', department, departmentIds));
    }
    if (project !== undefined && !projectCodes.has(project)) {
      problems.addOnce(at('project'), unknownRef('项目', project, projectCodes));
    }
    if (roles.some((r) => r.value === 'enterprise') && valueAt(item, ['project']) === undefined) {
      problems.addOnce(at('project'), '企业联系人（enterprise）要写 "project"：所在项目的编号');
    }
    if (roles.some((r) => r.value === 'officer') && valueAt(item, ['department']) === undefined) {
      problems.addOnce(at('department'), '民警（officer）要写 "department"：所在部门的 id');
    }
    checkUnique(
      problems,
      roles.map((r) => ({ path: [...at('roles'), r.index], key: r.value })),
      (r) => `角色 "${r}" 写了两次`,
    );
  }

  const checkPerson = (path: Path, id: string, role: string, what: string): void => {
    const roles = rolesById.get(id);
    if (roles === undefined) problems.addOnce(path, unknownRef('人员', id, rolesById.keys()));
    else if (!roles.includes(role)) {
      problems.addOnce(path, `${what} "${id}" 没有 ${role} 角色（现有角色：${roles.join('、') || '无'}）`);
    }
  };
  // A department's head gets tier 2 for its tickets: someone who works tickets, not an enterprise contact.
  for (const { item, index } of departments) {
    const head = stringAt(item, ['head']);
    if (head === undefined) continue;
    const path: Path = ['departments', index, 'head'];
    const roles = rolesById.get(head);
    if (roles === undefined) problems.addOnce(path, unknownRef('人员', head, rolesById.keys()));
    else if (!roles.includes('officer') && !roles.includes('leader')) {
      problems.addOnce(path, `部门负责人 "${head}" 既没有 officer 角色也没有 leader 角色（现有角色：${roles.join('、') || '无'}）`);
    }
  }
  for (const { item, index } of projects) {
    const officer = stringAt(item, ['officer']);
    if (officer !== undefined) checkPerson(['projects', index, 'officer'], officer, 'officer', '项目警官');
    const leaders = stringsAt(item, 'leaders');
    for (const l of leaders) checkPerson(['projects', index, 'leaders', l.index], l.value, 'leader', '包联领导');
    checkUnique(
      problems,
      leaders.map((l) => ({ path: ['projects', index, 'leaders', l.index], key: l.value })),
      (l) => `包联领导 "${l}" 写了两次`,
    );
  }
}

function checkCalendar(problems: Problems, raw: unknown): Roster['calendar'] {
  const calendar = { holidays: [] as string[], workdays: [] as string[] };
  if (raw === undefined) return calendar;
  const section = problems.check(calendarSchema, raw, ['calendar']);
  if (!section) return calendar;
  const seen = new Map<string, { field: 'holidays' | 'workdays'; path: Path }>();
  for (const field of ['holidays', 'workdays'] as const) {
    for (const [i, entry] of (section[field] ?? []).entries()) {
      const path: Path = ['calendar', field, i];
      const dates = expandDates(entry);
      if (typeof dates === 'string') {
        problems.add(path, dates);
        continue;
      }
      for (const date of dates) {
        const before = seen.get(date);
        if (before && before.field !== field) {
          problems.add(path, `${date} 既写成了放假（第 ${problems.line(before.path)} 行）又写成了上班`);
        } else if (before) {
          problems.add(path, `${date} 在第 ${problems.line(before.path)} 行已经写过`);
        } else {
          seen.set(date, { field, path });
          calendar[field].push(date);
        }
      }
    }
  }
  calendar.holidays.sort();
  calendar.workdays.sort();
  return calendar;
}

function checkSla(problems: Problems, raw: unknown): Record<string, unknown> {
  if (raw === undefined) return {};
  const issues = slaConfigIssues(raw);
  for (const issue of issues) problems.add(['sla', ...issue.path], issue.message, issue.path.length > 0);
  return issues.length === 0 && typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
}

/**
 * Parses and validates a roster (YAML, or JSON when `fileName` ends in `.json`). Throws a
 * `RosterError` listing every problem, each with its line, when anything is wrong.
 */
export function parseRoster(text: string, fileName = 'roster.yaml'): Roster {
  // Editors on Windows save UTF-8 with a BOM.
  const source = text.replace(/^\uFEFF/, '');
  const lines = new LineCounter();
  if (/\.json$/i.test(fileName)) {
    const error = jsonSyntaxError(source);
    if (error) throw new RosterError([{ ...lineAndColumn(source, error.offset), path: '', message: error.message }], fileName);
  }
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new RosterError(
      doc.errors.map((e) => ({
        line: e.linePos?.[0].line ?? 1,
        column: e.linePos?.[0].col ?? 1,
        path: '',
        // prettyErrors appends the position and a source excerpt; the prefix carries them already.
        message: yamlProblem(e.code, e.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '')),
      })),
      fileName,
    );
  }

  const problems = new Problems(new Locator(doc, lines));
  const data = dropEmptySections(doc.toJS({ maxAliasCount: 100 }) as unknown);
  if (data === undefined || data === null) {
    problems.add([], '文件是空的；应有 settings、departments、people 和 projects');
    throw new RosterError(problems.list, fileName);
  }
  const root = problems.check(rootSchema, data, []);
  if (!root) throw new RosterError(problems.list, fileName);

  const settings = root.settings === undefined ? {} : problems.check(settingsSchema, root.settings, ['settings']);
  const coordinators = settings?.coordinators ?? {};
  const departments = checkList(problems, departmentSchema, root.departments, 'departments');
  const people = checkList(problems, personSchema, root.people, 'people');
  const projects = checkList(problems, projectSchema, root.projects, 'projects').map((p) => ({
    index: p.index,
    value: { ...p.value, leaders: p.value.leaders ?? [] },
  }));
  checkReferences(problems, root);
  const calendar = checkCalendar(problems, root.calendar);
  const sla = checkSla(problems, root.sla);

  if (problems.list.length > 0) throw new RosterError(problems.list, fileName);
  return {
    settings: {
      coordinators,
      meeting: { ...DEFAULT_MEETING, ...stripUndefined(settings?.meeting ?? {}) },
      urgentNotice: settings?.urgentNotice ?? DEFAULT_URGENT_NOTICE,
    },
    departments: departments.map((d) => d.value),
    people: people.map((p) => p.value),
    projects: projects.map((p) => p.value),
    sla,
    calendar,
  };
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Reads and parses a roster file (`.yaml`, `.yml` or `.json`); the path as given names it in problems. */
export function readRosterFile(path: string): Roster {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `找不到名册文件 ${path}` : `无法读取名册文件 ${path}：${(e as Error).message}`);
  }
  return parseRoster(text, path);
}
