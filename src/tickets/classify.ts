import { join } from 'node:path';
import { ROOT } from '../paths.js';
import { toSimplified } from './chinese-forms.js';
import { CATEGORIES, type Category, type Urgency } from './model.js';
import { PhraseMatcher, type PhraseMatch } from './phrase-matcher.js';
import { readPhraseTable, type PhraseCategory } from './phrase-table.js';

/**
 * The phrase table (SPEC §2): data, so that an operator can add the ways people write without a
 * code change. Found from the project root, like the templates, so that it is the same file under
 * vitest (`src/`) and after a build (`dist/src/`).
 */
export const PHRASES_FILE = join(ROOT, 'src', 'tickets', 'phrases.yaml');

// Read and checked once, when the server (or the CLI) loads: a bad table stops the start with
// the entry named, rather than misfiling reports.
const MATCHER = new PhraseMatcher(readPhraseTable(PHRASES_FILE));

/** How many phrases the table holds. */
export const PHRASE_COUNT = MATCHER.size;

const URGENT_CATEGORIES: readonly Category[] = ['阻工', '强揽'];

export interface Classification {
  category: Category;
  urgency: Urgency;
  /** the text without the `#类别` tag and the leading `!`, otherwise as typed */
  description: string;
  /** the category was given with `#类别` rather than detected */
  explicit: boolean;
}

/** The category a text's phrases point to, and the phrase that decided it (as the table writes it). */
export interface Detection {
  category: PhraseCategory;
  phrase: string;
}

const TAG_RE = new RegExp(`#(${CATEGORIES.join('|')})(?![\\p{L}\\p{N}])`, 'u');

/** Category and urgency of a report, from an explicit `#类别` tag or from its phrases. */
export function classify(text: string): Classification {
  let description = text.trim();
  const bang = /^[!！]\s*/.exec(description);
  if (bang) description = description.slice(bang[0].length);
  // Matching reads Traditional characters as Simplified; the description keeps what was typed.
  let simplified = toSimplified(description);

  let category: Category | undefined;
  // The conversion keeps every character in its place, so a tag found in the Simplified text
  // (#盜竊 as #盗窃) is cut from the typed text at the same offsets.
  const aligned = simplified.length === description.length;
  const tag = TAG_RE.exec(aligned ? simplified : description);
  if (tag) {
    category = tag[1] as Category;
    const cut = (s: string) => (s.slice(0, tag.index) + s.slice(tag.index + tag[0].length)).replace(/\s{2,}/g, ' ').trim();
    description = cut(description);
    simplified = aligned ? cut(simplified) : toSimplified(description);
  }
  const explicit = category !== undefined;
  category ??= decide(MATCHER.find(simplified))?.category ?? '其他';
  const urgent = bang !== null || simplified.includes('紧急') || URGENT_CATEGORIES.includes(category);
  return { category, urgency: urgent ? 'urgent' : 'normal', description, explicit };
}

/**
 * The category a message's phrases point to, or null when no phrase of the table is in it: a
 * greeting, a question about the bot, thanks. Tags, `!` and 紧急 play no part here.
 */
export function detectCategory(text: string): Detection | null {
  return decide(MATCHER.find(toSimplified(text)));
}

/**
 * When phrases of several categories are found (SPEC §2): 执法投诉 wins, since a complaint about
 * officers must never go to them; then an urgent category (阻工, 强揽); then the category with the
 * longest phrase, gaps not counted. Equal lengths go to the category with more phrases found,
 * then to the one listed first in the SPEC's table.
 */
function decide(matches: PhraseMatch[]): Detection | null {
  const found = new Map<PhraseCategory, { longest: PhraseMatch; count: number }>();
  for (const m of matches) {
    const c = m.entry.category;
    if (c === null) continue;
    const f = found.get(c);
    if (!f) found.set(c, { longest: m, count: 1 });
    else {
      f.count++;
      if (m.length > f.longest.length) f.longest = m;
    }
  }
  let winner: { category: PhraseCategory; phrase: string; score: number[] } | null = null;
  for (const [category, f] of found) {
    const score = [
      category === '执法投诉' ? 1 : 0,
      URGENT_CATEGORIES.includes(category) ? 1 : 0,
      f.longest.length,
      f.count,
      -CATEGORIES.indexOf(category),
    ];
    if (!winner || greater(score, winner.score)) winner = { category, phrase: f.longest.entry.source, score };
  }
  return winner && { category: winner.category, phrase: winner.phrase };
}

/** Compares two scores key by key, the first key that differs deciding. */
function greater(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] ?? 0) > (b[i] ?? 0);
  return false;
}
