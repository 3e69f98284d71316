import type { PhraseEntry, PhraseTable } from './phrase-table.js';

/** One phrase found in a text. */
export interface PhraseMatch {
  entry: PhraseEntry;
  /** where each word of the phrase was found, as [start, end) offsets */
  spans: [number, number][];
  /** the number of characters of the phrase's words, gaps not counted: what "the longest phrase" compares */
  length: number;
}

/**
 * A gap never reaches across these: a phrase is read within one clause, so `不让…进场` does not
 * join "不让他们走。明天进场" .
 */
const CLAUSE_END = new Set([...'，。！？；：,.!?;:\n\r']);

/**
 * Finds the phrases of a table in a text. Built once: the phrases are indexed by their first
 * character, so one pass over a report looks at only the phrases that can start at each
 * character, however many the table holds.
 */
export class PhraseMatcher {
  private readonly byFirst = new Map<string, PhraseEntry[]>();
  private readonly window: number;

  constructor(table: PhraseTable) {
    this.window = table.window;
    for (const entry of table.entries) {
      const first = entry.parts[0]?.[0];
      if (first === undefined) continue;
      const list = this.byFirst.get(first);
      if (list) list.push(entry);
      else this.byFirst.set(first, [entry]);
    }
  }

  /** How many phrases the matcher holds. */
  get size(): number {
    let n = 0;
    for (const list of this.byFirst.values()) n += list.length;
    return n;
  }

  /**
   * Every phrase found in `text` (already in Simplified characters), each once, at its first
   * place. A phrase lying inside a word of a longer phrase found there does not count on its
   * own: in 勒索病毒 it is the virus that is meant, not 勒索; in 网络不好 (an ignore entry), not 网络.
   */
  find(text: string): PhraseMatch[] {
    const all: PhraseMatch[] = [];
    for (let i = 0; i < text.length; i++) {
      const candidates = this.byFirst.get(text[i] as string);
      if (!candidates) continue;
      for (const entry of candidates) {
        const first = entry.parts[0] as string;
        if (!text.startsWith(first, i)) continue;
        const spans: [number, number][] = [[i, i + first.length]];
        if (this.rest(text, entry.parts, 1, i + first.length, spans)) {
          all.push({ entry, spans, length: entry.parts.reduce((n, p) => n + p.length, 0) });
        }
      }
    }
    const found = new Map<PhraseEntry, PhraseMatch>();
    for (const m of all) {
      if (found.has(m.entry) || all.some((longer) => longer.length > m.length && insideOneWord(m, longer))) continue;
      found.set(m.entry, m);
    }
    return [...found.values()];
  }

  /** Finds words `k…` of a phrase after `from`, each within the window of the one before. */
  private rest(text: string, parts: string[], k: number, from: number, spans: [number, number][]): boolean {
    const part = parts[k];
    if (part === undefined) return true;
    for (let j = from; j <= from + this.window && j + part.length <= text.length; j++) {
      if (j > from && CLAUSE_END.has(text[j - 1] as string)) return false;
      if (!text.startsWith(part, j)) continue;
      spans.push([j, j + part.length]);
      if (this.rest(text, parts, k + 1, j + part.length, spans)) return true;
      spans.pop();
    }
    return false;
  }
}

function insideOneWord(m: PhraseMatch, longer: PhraseMatch): boolean {
  const start = m.spans[0]![0];
  const end = m.spans[m.spans.length - 1]![1];
  return longer.spans.some(([s, e]) => s <= start && end <= e);
}
