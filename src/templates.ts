import Mustache from 'mustache';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATES_DIR } from './paths.js';

const cache = new Map<string, string>();

/**
 * Values written with `{{…}}` may come from users; they must not be able to forge a mention
 * token (`<@…>`), so the only escaping done is of that. Mentions are inserted with `{{{…}}}`.
 */
function escapeUserText(value: unknown): string {
  return String(value).replace(/<@/g, '＜@');
}

function load(name: string): string {
  let t = cache.get(name);
  if (t === undefined) {
    t = readFileSync(join(TEMPLATES_DIR, `${name}.md`), 'utf8');
    cache.set(name, t);
  }
  return t;
}

/** Fills `templates/<name>.md` from a plain view object. Lines left empty by empty sections are dropped. */
export function render(name: string, view: object): string {
  const out = Mustache.render(load(name), view, (partial) => load(partial), { escape: escapeUserText });
  return out.replace(/[ \t]+$/gm, '').replace(/\n[ \t\u3000]*(?=\n)/g, '').trim();
}

/** Escapes user text for use outside templates. */
export { escapeUserText };
