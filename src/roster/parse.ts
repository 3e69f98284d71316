import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, visit, type Alias, type Document } from 'yaml';
import type { z } from 'zod';
import { slaConfigIssues } from '../tickets/sla.js';
import { expandDates } from './dates.js';
import { jsonSyntaxError, lineAndColumn } from './json-syntax.js';
import { Locator, type Path } from './locator.js';
import { yamlProblem } from './messages.js';
import { Problems, RosterError } from './problems.js';
import { checkReferences } from './references.js';
import {
  calendarSchema,
  DEFAULT_MEETING,
  DEFAULT_URGENT_NOTICE,
  departmentSchema,
  personSchema,
  projectSchema,
  rootSchema,
  settingsSchema,
  unitSchema,
  type Roster,
} from './schema.js';
import { checkUnits } from './units.js';

export type { Roster } from './schema.js';

export { RosterError, type RosterProblem } from './problems.js';

/** The sections every roster has; a file without them is refused, never taken as "nobody". */
const REQUIRED_SECTIONS = ['settings', 'departments', 'people', 'projects'] as const;
const REQUIRED_WORDING = '应有 settings、departments、people 和 projects';

/**
 * The largest roster file read: a city's roster is tens of KB, so anything this big is not one
 * (a log, a database, a dump) and is refused before the parser spends memory on it.
 */
export const ROSTER_MAX_BYTES = 5 * 1024 * 1024;

/**
 * The sections a roster must have: a file with only `people:` (half a file, a paste gone wrong)
 * would otherwise import and take every other person's roles away. `settings` and `departments`
 * may be empty; `people` and `projects` name at least one.
 */
function checkRequiredSections(problems: Problems, raw: Record<string, unknown>): void {
  for (const section of REQUIRED_SECTIONS) {
    if (!(section in raw)) problems.add([section], `缺少 ${section} 这一节；${REQUIRED_WORDING}`);
  }
  for (const [section, what] of [['people', '人员'], ['projects', '项目']] as const) {
    const value = raw[section];
    if (section in raw && (value === null || (Array.isArray(value) && value.length === 0))) {
      problems.add([section], `${section} 是空的：至少要有一个${what}；${REQUIRED_WORDING}`);
    }
  }
}

/** A top-level section left empty (`sla:` with every line commented out) reads as null: treat it as absent. */
function dropEmptySections(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null));
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

/** How many times aliases may be expanded in all (yaml's `maxAliasCount`). */
const MAX_ALIAS_COUNT = 100;

/**
 * The document as plain data. yaml refuses a file whose aliases multiply (a "billion laughs" file)
 * with an English sentence and no position; say it in Chinese, at the first alias that refers to
 * something which itself holds aliases, where the multiplying starts (or the first alias).
 */
function toJS(doc: Document, lines: LineCounter, fileName: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (e) {
    if (!(e instanceof ReferenceError) || !/alias count/i.test(e.message)) throw e;
    const aliases: Alias[] = [];
    visit(doc, { Alias: (_, node) => void aliases.push(node) });
    const nested = aliases.find((a) => {
      let holds = false;
      const target = a.resolve(doc);
      if (target && (isMap(target) || isSeq(target))) visit(target, { Alias: () => ((holds = true), visit.BREAK) });
      return holds;
    });
    const at = nested ?? aliases[0];
    const { line, col } = lines.linePos(at?.range?.[0] ?? 0);
    const name = at ? `*${at.source}` : '*名称';
    throw new RosterError(
      [
        {
          line,
          column: col,
          path: '',
          message: `别名（*名称 引用）太多：层层引用后要展开 ${MAX_ALIAS_COUNT} 次以上，名册不会这样写；请把 ${name} 换成写出来的内容，或去掉多余的引用`,
        },
      ],
      fileName,
    );
  }
}

/** How many YAML syntax errors are listed; the rest are counted. */
const YAML_PROBLEMS_SHOWN = 5;

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
    const problems = doc.errors.map((e) => ({
      line: e.linePos?.[0].line ?? 1,
      column: e.linePos?.[0].col ?? 1,
      path: '',
      // prettyErrors appends the position and a source excerpt; the prefix carries them already.
      message: yamlProblem(e.code, e.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '')),
    }));
    // One mistake makes the parser stumble over each token after it on the line: say it once a line.
    const seen = new Set<string>();
    const once = problems.filter((p) => !seen.has(`${p.line} ${p.message}`) && Boolean(seen.add(`${p.line} ${p.message}`)));
    // A file that is not YAML at all (a README given by mistake) stumbles on nearly every line:
    // the first few say enough.
    if (once.length > YAML_PROBLEMS_SHOWN) {
      const more = `……另有 ${once.length - YAML_PROBLEMS_SHOWN} 处 YAML 格式错误没有列出。错误这样多，可能选错了文件：名册是 YAML（或 JSON）文件，可以照 roster.example.yaml 来写`;
      throw new RosterError(once.slice(0, YAML_PROBLEMS_SHOWN), fileName, more);
    }
    throw new RosterError(once, fileName);
  }

  const problems = new Problems(new Locator(doc, lines));
  const raw = toJS(doc, lines, fileName);
  if (raw === undefined || raw === null) {
    problems.add([], `文件是空的；${REQUIRED_WORDING}`);
    throw new RosterError(problems.list, fileName);
  }
  const root = problems.check(rootSchema, dropEmptySections(raw), []);
  if (!root) throw new RosterError(problems.list, fileName);
  // Sections left empty are dropped above, so presence is read from the file as written.
  checkRequiredSections(problems, raw as Record<string, unknown>);

  const settings = root.settings === undefined ? {} : problems.check(settingsSchema, root.settings, ['settings']);
  const coordinators = settings?.coordinators ?? {};
  const departments = checkList(problems, departmentSchema, root.departments, 'departments');
  const people = checkList(problems, personSchema, root.people, 'people');
  const projects = checkList(problems, projectSchema, root.projects, 'projects').map((p) => ({
    index: p.index,
    value: { ...p.value, leaders: p.value.leaders ?? [] },
  }));
  checkReferences(problems, root);
  const meeting = { ...DEFAULT_MEETING, ...stripUndefined(settings?.meeting ?? {}) };
  const unitEntries = checkList(problems, unitSchema, root.units, 'units');
  const units = checkUnits(problems, root, unitEntries, { coordinators, meeting, coordinatorsGiven: settings?.coordinators !== undefined });
  const calendar = checkCalendar(problems, root.calendar);
  const sla = checkSla(problems, root.sla);

  if (problems.list.length > 0) throw new RosterError(problems.list, fileName);
  return {
    settings: {
      // The root unit's group and meeting are the installation's, as without units.
      coordinators: units[0]?.coordinators ?? coordinators,
      meeting: units[0]?.meeting ?? meeting,
      urgentNotice: settings?.urgentNotice ?? DEFAULT_URGENT_NOTICE,
    },
    units,
    departments: departments.map((d) => d.value),
    people: people.map((p) => p.value),
    projects: projects.map((p) => p.value),
    sla,
    calendar,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Why a roster file cannot be read, in words an operator can act on. */
function unreadable(path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new Error(`找不到名册文件 ${path}`);
  if (code === 'EISDIR') return new Error(`${path} 是一个文件夹，不是名册文件：请写出名册文件本身，例如 lianbao import ${join(path, 'roster.yaml')}`);
  if (code === 'EACCES' || code === 'EPERM') return new Error(`没有权限读取名册文件 ${path}：请让运行 lianbao 的用户可以读它（${code}）`);
  return new Error(`无法读取名册文件 ${path}（${code ?? (e instanceof Error ? e.message : String(e))}）`);
}

/** Reads and parses a roster file (`.yaml`, `.yml` or `.json`); the path as given names it in problems. */
export function readRosterFile(path: string): Roster {
  let text: string;
  try {
    const { size } = statSync(path);
    if (size > ROSTER_MAX_BYTES) {
      const mb = (size / 1024 / 1024).toFixed(1);
      throw new Error(`名册文件 ${path} 有 ${mb} MB，超过了 ${ROSTER_MAX_BYTES / 1024 / 1024} MB 的上限（一个城市的名册通常只有几十 KB）：请确认是不是选错了文件`);
    }
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (!(e as NodeJS.ErrnoException).code) throw e;
    throw unreadable(path, e);
  }
  return parseRoster(text, path);
}
