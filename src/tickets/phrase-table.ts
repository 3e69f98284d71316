import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { toSimplified } from './chinese-forms.js';
import { CATEGORIES, type Category } from './model.js';

/** A category a phrase can point to: every one but 其他, which is what matches nothing. */
export type PhraseCategory = Exclude<Category, '其他'>;

/** One phrase of the table, ready to match. */
export interface PhraseEntry {
  /** as written in the file, e.g. `拦…车` */
  source: string;
  /** the words in Simplified characters; more than one when the phrase has gaps */
  parts: string[];
  /** null for an `ignore` entry: a wording that is not a report (网络不好), which only hides the phrases inside it */
  category: PhraseCategory | null;
}

export interface PhraseTable {
  /** how many characters a gap (…) may span */
  window: number;
  entries: PhraseEntry[];
}

/** A phrase file that cannot be used; `message` has one `file:line:column where: message` line per problem. */
export class PhraseTableError extends Error {
  override name = 'PhraseTableError';

  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export const DEFAULT_WINDOW = 6;

/** The gap between two words: `…`, Chinese `……` or `...`. */
const GAP = /…+|\.{3,}/;

const fileSchema = z
  .object({
    window: z.number().int().min(0).max(30).optional(),
    categories: z.record(z.string(), z.array(z.string())),
    ignore: z.array(z.string()).optional(),
  })
  .strict();

type Path = (string | number)[];

/**
 * Parses and checks a phrase table (see `src/tickets/phrases.yaml` for the format). Throws a
 * `PhraseTableError` naming every bad entry: an unknown category, an empty phrase, a gap that
 * does not stand between two words, a phrase given twice (also across categories, and also when
 * the two are the same once Traditional characters are read as Simplified).
 */
export function parsePhraseTable(text: string, fileName = 'phrases.yaml'): PhraseTable {
  const lines = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PhraseTableError(
      // The parser's message repeats the position and quotes the source; the prefix carries the position.
      doc.errors.map((e) => `${fileName}:${e.linePos?.[0].line ?? 1}:${e.linePos?.[0].col ?? 1} ${e.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '')}`),
    );
  }
  const problems: string[] = [];
  const add = (path: Path, message: string) => {
    const { line, col } = lines.linePos(offsetOf(doc, path));
    problems.push(`${fileName}:${line}:${col} ${formatPath(path) || '(file)'}: ${message}`);
  };

  const parsed = fileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) add([...path, key], `unknown key "${key}"; the keys are window, categories and ignore`);
      } else {
        add(path, issue.code === 'invalid_type' && issue.expected === 'string' ? 'expected a phrase (a word or `word…word`)' : issue.message);
      }
    }
    throw new PhraseTableError(problems);
  }

  const entries: PhraseEntry[] = [];
  const seen = new Map<string, { path: Path; source: string }>();
  const take = (path: Path, raw: string, category: PhraseCategory | null) => {
    const source = raw.trim();
    if (!source) return add(path, 'empty phrase');
    const parts = source.split(GAP).map((p) => toSimplified(p.trim()));
    if (parts.some((p) => !p)) return add(path, `"${source}": a gap (…) must stand between two words, e.g. 拦…车`);
    const key = parts.join('…');
    const first = seen.get(key);
    if (first) {
      const { line } = lines.linePos(offsetOf(doc, first.path));
      return add(path, `"${source}" is the same phrase as ${formatPath(first.path)} "${first.source}" (line ${line})`);
    }
    seen.set(key, { path, source });
    entries.push({ source, parts, category });
  };

  for (const [name, phrases] of Object.entries(parsed.data.categories)) {
    if (!isPhraseCategory(name)) {
      const known = CATEGORIES.filter(isPhraseCategory).join(' ');
      add(['categories', name], `unknown category "${name}"; the categories are ${known} (其他 takes no phrases: it is what matches nothing)`);
      continue;
    }
    phrases.forEach((p, i) => take(['categories', name, i], p, name));
  }
  (parsed.data.ignore ?? []).forEach((p, i) => take(['ignore', i], p, null));

  if (problems.length > 0) throw new PhraseTableError(problems);
  return { window: parsed.data.window ?? DEFAULT_WINDOW, entries };
}

/** Reads and checks a phrase file; problems name it by its base name. */
export function readPhraseTable(path: string): PhraseTable {
  return parsePhraseTable(readFileSync(path, 'utf8'), basename(path));
}

function isPhraseCategory(name: string): name is PhraseCategory {
  return name !== '其他' && (CATEGORIES as readonly string[]).includes(name);
}

function formatPath(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/**
 * Where an entry is in the file: a map entry by its key, a list item by the item itself; a path
 * that does not exist gives its deepest existing parent.
 */
function offsetOf(doc: Document, path: Path): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: unknown }).range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}
