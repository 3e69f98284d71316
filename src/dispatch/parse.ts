import type { Command } from './types.js';

/**
 * Full-width forms people type on Chinese keyboards, read like their ASCII twins: digits, letters,
 * `＃ ＠ ！ ？ ／ －` and the ideographic space. Chinese punctuation (，：；) is left alone, since it
 * is part of what people write in reports.
 */
export function normalizeWidth(text: string): string {
  return text.replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A\uFF03\uFF20\uFF01\uFF1F\uFF0F\uFF0D\u3000]/g, (ch) =>
    ch === '\u3000' ? ' ' : String.fromCharCode(ch.charCodeAt(0) - 0xfee0),
  );
}

export interface ParsedCommand {
  command: Command;
  /** the word as written */
  word: string;
  args: string;
}

/** Leading @-mentions (the bot, or anyone mentioned before the command word), also when nothing follows. */
const LEADING_MENTIONS = /^(?:@\S+(?:\s+|$))+/;

/**
 * Finds the command a message starts with: its first word, optionally after `/`, is a command
 * word or alias; the arguments may follow without a space (`认领#12`). Longest match wins, so
 * `不满意` is not read as `不` + `满意`.
 */
export function parseCommand(text: string, commands: readonly Command[]): ParsedCommand | null {
  let t = normalizeWidth(text).trim().replace(LEADING_MENTIONS, '');
  if (t.startsWith('/')) t = t.slice(1).trimStart();
  let best: ParsedCommand | null = null;
  for (const command of commands) {
    for (const word of [command.name, ...command.aliases]) {
      if (best && word.length <= best.word.length) continue;
      if (!t.toLowerCase().startsWith(word.toLowerCase())) continue;
      const next = t.charAt(word.length);
      // An ASCII word must end at a word boundary (`report`, not `reporting`); Chinese words need not.
      if (/^[a-z?]+$/i.test(word) && next !== '' && /[a-z]/i.test(next)) continue;
      best = { command, word: t.slice(0, word.length), args: t.slice(word.length).trim() };
    }
  }
  return best;
}
