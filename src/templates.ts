import Mustache from 'mustache';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATES_DIR } from './paths.js';

const cache = new Map<string, string>();

/**
 * The markdown the platforms render (WeCom: headings, `**bold**`, `[link](url)`, `` `code` ``,
 * `> quote`, `<font>`, `<@userid>` — https://developer.work.weixin.qq.com/document/path/91770;
 * DingTalk adds `*italic*`, `![image](url)` and lists —
 * https://open.dingtalk.com/document/orgapp/message-types-and-data-format) made inert: each
 * character that could start markup is replaced by its full-width twin, which reads the same.
 */
const MARKUP: Record<string, string> = {
  '<': '＜',
  '>': '＞',
  '[': '［',
  ']': '］',
  '*': '＊',
  _: '＿',
  '`': '｀',
  '~': '～',
  '|': '｜',
  '\\': '＼',
};
const MARKUP_RE = /[<>[\]*_`~|\\]/g;
/** Line breaks of every kind, and the other characters that make a new line or hide text. */
const BREAKS_RE = /[\r\n\u0085\u2028\u2029\v\f]+/g;
const CONTROLS_RE = /[\u0000-\u0008\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from chat (a report, a note, a display name) as it may appear inside a message the bot
 * sends: on one line (it cannot start a line of its own, so it cannot pass for a line of the
 * template), with no markup (no mention, link, image, heading, list, quote or formatting), and
 * no address a client would turn into a link. What people wrote stays readable.
 */
export function escapeUserText(value: unknown): string {
  return (
    String(value)
      .replace(CONTROLS_RE, '')
      .replace(BREAKS_RE, ' ')
      .replace(MARKUP_RE, (c) => MARKUP[c]!)
      // A heading needs `#` then a space or another `#`; a ticket number such as `#12` stays.
      .replace(/#(?=[#\s]|$)/g, '＃')
      // Lists: `- `, `+ ` or `1. ` at the start.
      .replace(/^(\s*)([-+])(?=\s)/, (_m, sp: string, c: string) => `${sp}${c === '-' ? '－' : '＋'}`)
      .replace(/^(\s*\d+)\.(?=\s)/, '$1．')
      // Addresses: clients link `scheme://…` by themselves.
      .replace(/:\/\//g, '：//')
  );
}

function load(name: string): string {
  let t = cache.get(name);
  if (t === undefined) {
    t = readFileSync(join(TEMPLATES_DIR, `${name}.md`), 'utf8');
    cache.set(name, t);
  }
  return t;
}

/**
 * Fills `templates/<name>.md` from a plain view object. Every `{{…}}` value is escaped with
 * `escapeUserText`; `{{{…}}}` is for what the bot itself writes (mentions from the roster,
 * command usages). Lines left empty by empty sections are dropped.
 */
export function render(name: string, view: object): string {
  const out = Mustache.render(load(name), view, (partial) => load(partial), { escape: escapeUserText });
  return out.replace(/[ \t]+$/gm, '').replace(/\n[ \t\u3000]*(?=\n)/g, '').trim();
}
