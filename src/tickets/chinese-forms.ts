import { Converter } from 'opencc-js/t2cn';
import TS_CHARACTERS from 'opencc-js/dict/TSCharacters';

/**
 * Traditional → Simplified, OpenCC's `t2s` (its phrase table first, then character by
 * character). Text already in Simplified characters comes back unchanged, so any report can be
 * passed through it before matching; every character keeps its place (the dictionaries map one
 * character to one, and phrases to phrases of the same length).
 */
export const toSimplified: (text: string) => string = Converter({ from: 't', to: 'cn' });

/**
 * Every written form of each Simplified character that has a Traditional one, from OpenCC's own
 * character table (`TSCharacters`, "傳 传|…"): 发 → 发發髮, 里 → 里裏裡. Regional variants the
 * table knows (裡, 綫, 爲) are in it too. Built on first use: only the ledger's search needs it.
 */
let forms: Map<string, string> | undefined;

function allForms(): Map<string, string> {
  if (!forms) {
    forms = new Map();
    for (const pair of TS_CHARACTERS.split('|')) {
      const [traditional, simplified] = pair.split(' ');
      if (!traditional || !simplified || traditional === simplified) continue;
      forms.set(simplified, (forms.get(simplified) ?? simplified) + traditional);
    }
  }
  return forms;
}

/**
 * The forms a character may be written in, Simplified first (`電` → `电電`); a character
 * without Traditional forms stands alone.
 */
export function formsOf(char: string): string {
  const simplified = toSimplified(char);
  return allForms().get(simplified) ?? (simplified === char ? char : simplified + char);
}
