import { detectCategory } from '../tickets/classify.js';
import { editDistance } from '../util/edit-distance.js';
import { normalizeWidth } from './parse.js';
import type { Command } from './types.js';

/** How long a 是否登记 question may be answered with 是 (SPEC §3). */
export const INTAKE_WINDOW_MS = 10 * 60_000;

/** Leading @-mentions and the punctuation people put around a one-word answer. */
const MENTIONS = /^(?:@\S+\s*)+/;
const AROUND = /^[\s。.!！~～,，、]+|[\s。.!！~～,，、]+$/g;

/** `是`, `是的`, `登记`, `yes` — the answers that register the message asked about. */
export function isConfirmation(text: string): boolean {
  const t = normalizeWidth(text).trim().replace(MENTIONS, '').replace(AROUND, '').toLowerCase();
  return t === '是' || t === '是的' || t === '登记' || t === 'yes';
}

/** Whether a message that is not a command reads like a report (a phrase of the table matches). */
export function readsLikeReport(text: string): boolean {
  return detectCategory(normalizeWidth(text)) !== null;
}

/**
 * Words of ordinary chat that happen to be one character from a command word (收到 · 报到, 好的 ·
 * …): never taken for a typo.
 */
const CHAT_WORDS = new Set(['收到', '好的', '谢谢', '明白', '知道', '了解', '你好', '您好', '在吗', '辛苦']);

/**
 * The command a message probably meant, when it starts with a near miss of a command word: `保告`,
 * `认令` (one character replaced or two swapped: a Chinese word is compared at its own length),
 * `reprot`, `cliam`, `stauts` (one edit for a Latin word of up to four letters, two for a longer
 * one, and a letter more or less). What follows the word must look like a command's arguments:
 * nothing, a space, a ticket number or text — not punctuation (`收到，谢谢`).
 */
export function nearMiss(text: string, commands: readonly Command[]): { command: Command; rest: string } | undefined {
  const t = normalizeWidth(text).trim().replace(MENTIONS, '').replace(/^\//, '');
  const chars = [...t];
  let best: { command: Command; rest: string; distance: number; length: number } | undefined;
  for (const command of commands) {
    for (const word of [command.name, ...command.aliases]) {
      const w = [...word];
      if (w.length < 2) continue;
      const latin = /^[a-z]+$/i.test(word);
      const allowed = latin && w.length > 4 ? 2 : 1;
      const lengths = latin ? [w.length - 1, w.length, w.length + 1] : [w.length];
      for (const n of lengths) {
        if (n < 2 || n > chars.length) continue;
        const head = chars.slice(0, n).join('');
        if (CHAT_WORDS.has(head)) continue;
        const next = chars[n];
        // The word must end there: not run on into more letters, nor into punctuation.
        if (next !== undefined && ((latin && /[a-z]/i.test(next)) || /[\p{P}\p{S}]/u.test(next) && next !== '#')) continue;
        const d = editDistance(head.toLowerCase(), word.toLowerCase());
        if (d === 0 || d > allowed) continue;
        if (!best || d < best.distance || (d === best.distance && w.length > best.length)) {
          best = { command, rest: chars.slice(n).join('').trim(), distance: d, length: w.length };
        }
      }
    }
  }
  return best && { command: best.command, rest: best.rest };
}

/**
 * Greetings, thanks and acknowledgements: said to the bot, they get the help hint (SPEC §3 "anything
 * else — a greeting, a question"), never `没有“你好”这个命令`. Compared lower-case, full-width forms
 * read as ASCII.
 */
const GREETINGS = new Set([
  '你好', '您好', '你们好', '大家好', '在吗', '在么', '在嘛', '在不在', '有人吗', '早', '早上好', '上午好', '中午好', '下午好', '晚上好',
  '嗨', '哈喽', '哈啰', '哈罗', 'hi', 'hello', 'hey', 'hallo',
  '谢谢', '多谢', '感谢', '谢了', '谢谢你', '谢谢您', '辛苦', '辛苦了', 'thanks', 'thank you', 'thx',
  '收到', '好的', '好', '行', '嗯', '嗯嗯', '明白', '了解', '知道了', 'ok', 'okay',
]);

/** Particles people end a greeting with: 你好呀, 在吗啊, 收到啦. */
const PARTICLES = /[呀啊啦哈吖呢哦噢嘛了]+$/u;

/**
 * Emoji and the platforms' sticker codes (`[微笑]`, WeCom's and DingTalk's way of sending their own
 * faces as text), which people put after a greeting.
 */
const FACES = /\[[\p{Script=Han}a-z]{1,6}\]|[\p{Extended_Pictographic}\p{Emoji_Modifier}\u200d\ufe0f\u20e3]/giu;

/**
 * Whether a message is only greetings, thanks or acknowledgements (`你好`, `在吗？`, `hi~`, `收到，谢谢🙂`,
 * `@联保助手 您好`): the pieces between spaces, punctuation and emoji are each one of them.
 */
export function isGreeting(text: string): boolean {
  const t = normalizeWidth(text).trim().replace(MENTIONS, '').toLowerCase().replace('thank you', 'thanks');
  // 👌 alone is an "ok": kept before the emoji go.
  const pieces = t.replace(/👌/gu, ' ok ').replace(FACES, ' ').split(/[\s\p{P}\p{S}]+/u).filter(Boolean);
  if (pieces.length === 0 || pieces.length > 4) return false;
  return pieces.every((p) => GREETINGS.has(p) || GREETINGS.has(p.replace(PARTICLES, '')));
}

/**
 * Whether text that is not a command looks like a command word that does not exist (`查看 #12`,
 * `hello`) rather than a sentence (`你好，请问怎么报告问题？`): a short first word, no punctuation.
 * The word itself, whole, when it does.
 */
export function unknownCommandWord(text: string): string | undefined {
  const t = normalizeWidth(text).trim().replace(MENTIONS, '').replace(/^\//, '');
  const word = t.split(/\s/)[0] ?? '';
  const chars = [...word];
  // Command words are two to four Chinese characters; five make a phrase already. A Latin word may be longer.
  const longest = /^[\x21-\x7e]+$/.test(word) ? 16 : 4;
  if (chars.length === 0 || chars.length > longest || /[\p{P}\p{S}]/u.test(word.replace(/^\//, ''))) return undefined;
  // `你好 请问怎么登记`: a greeting before a question is no would-be command.
  if (isGreeting(word)) return undefined;
  return word;
}
