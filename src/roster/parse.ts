import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
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
