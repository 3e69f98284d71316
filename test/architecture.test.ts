/**
 * The drawing of the code's imports (SPEC §7, STYLE "the core owns its words"): the core's chat
 * vocabulary lives in src/chat/, adapters under src/platforms/ import it, and nothing of the core —
 * the store, the domain, the dispatcher, delivery, the inbox, jobs, reports, commands — imports an
 * adapter. Only the wiring (the app, the server, start-up, the CLI) names the platforms.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** The files a source file imports (static and dynamic, types included), relative to the root. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2] ?? '',
  );
  return specifiers.filter((s) => s.startsWith('.')).map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

const WIRING = ['src/app.ts', 'src/wiring.ts', 'src/server.ts'];

describe('imports', () => {
  const files = [...sources('src'), ...sources('commands')];

  it('finds the sources and their imports', () => {
    expect(files).toContain('src/db/roster-repo.ts');
    expect(importsOf('src/db/roster-repo.ts')).toContain('src/chat/types.js');
  });

  it('keeps the core free of adapters: only the wiring imports from src/platforms/', () => {
    const offenders = files
      .filter((f) => !f.startsWith('src/platforms/') && !WIRING.includes(f) && !f.startsWith('src/cli/'))
      .flatMap((f) => importsOf(f).filter((i) => i.startsWith('src/platforms/')).map((i) => `${f} → ${i}`));
    expect(offenders).toEqual([]);
  });

  it('keeps the store and the domain free of anything platform-shaped', () => {
    const core = files.filter((f) => f.startsWith('src/db/') || f.startsWith('src/tickets/'));
    const outside = core.flatMap((f) => importsOf(f).filter((i) => i.startsWith('src/platforms/') || i.startsWith('src/delivery/')).map((i) => `${f} → ${i}`));
    expect(outside).toEqual([]);
  });

  it('keeps one platform out of another platform\'s folder', () => {
    const crossing = files
      .filter((f) => f.startsWith('src/platforms/'))
      .flatMap((f) => {
        const own = f.split('/')[2];
        return importsOf(f)
          .filter((i) => i.startsWith('src/platforms/') && i.split('/').length > 3 && i.split('/')[2] !== own)
          .map((i) => `${f} → ${i}`);
      });
    expect(crossing).toEqual([]);
  });
});
