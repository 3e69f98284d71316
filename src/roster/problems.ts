import { z } from 'zod';
import { formatPath, type Locator, type Path } from './locator.js';
import { closest, describe, expectedName, typeHint, ZH_CN } from './messages.js';

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

  /** `more`: a last line saying what was left out (a file that is not YAML stumbles on every line). */
  constructor(problems: RosterProblem[], fileName: string, more?: string) {
    const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
    super([...sorted.map((p) => `${fileName}:${p.line}:${p.column} ${p.path || '(file)'}: ${p.message}`), ...(more ? [more] : [])].join('\n'));
    this.problems = sorted;
    this.fileName = fileName;
  }
}

/** Collects problems while a roster is checked, each with its place in the file. */
export class Problems {
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

/** The value at `path` inside `value`, or undefined. */
export function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
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

