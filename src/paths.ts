import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root (the folder holding package.json), found from this file so that the same
 * code works from `src/` under vitest and from `dist/src/` after a build.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root (package.json)');
    dir = parent;
  }
  return dir;
}

export const ROOT = findRoot();
export const TEMPLATES_DIR = join(ROOT, 'templates');
export const MIGRATIONS_DIR = join(ROOT, 'src', 'db', 'migrations');
/** The inbox file's own migrations (src/db/inbox-store.ts). */
export const INBOX_MIGRATIONS_DIR = join(ROOT, 'src', 'db', 'inbox-migrations');
export const PUBLIC_DIR = join(ROOT, 'public');
