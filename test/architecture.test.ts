/**
 * The drawing of the code's imports (SPEC §7, STYLE "the core owns its words", "wiring in one
 * place", "SQL in one module"): the core's chat vocabulary lives in src/chat/, adapters under
 * src/platforms/ import it, and nothing of the core — the store, the domain, the dispatcher,
 * delivery, the inbox, jobs, reports, commands — imports an adapter. Only the composition root
 * (src/wiring.ts), the app that mounts the routes, and the entry points (the server, the processor
 * thread, the CLI) name the platforms; only the entry points import the composition root; and
 * only src/db/ holds SQL.
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

/** The entry points: each builds its process from the composition root. */
const isEntry = (f: string): boolean => ['src/server.ts', 'src/processor-thread.ts', 'src/cli.ts'].includes(f) || f.startsWith('src/cli/');
/** What may name the platforms: the composition root, the app that mounts their routes, the entry points. */
const mayNamePlatforms = (f: string): boolean => f.startsWith('src/platforms/') || f === 'src/wiring.ts' || f === 'src/app.ts' || isEntry(f);

/**
 * SQL in a source file: a statement prepared or run, a pragma, or a string that reads as a
 * statement. Regular expressions' `.exec(…)` and words in comments do not count.
 */
function sqlIn(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
  const calls = [...code.matchAll(/\.(prepare|pragma)\s*[<(]|\.exec\(\s*['"`]/g)].map((m) => m[0]);
  const strings = [...code.matchAll(/(['"`])((?:\\.|(?!\1)[\s\S])*?)\1/g)].map((m) => m[2] ?? '');
  const statements = strings.filter((t) =>
    /\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bCREATE\s+(?:TABLE|INDEX|TRIGGER|VIEW)\b|\bPRAGMA\b/.test(t),
  );
  return [...calls, ...statements.map((t) => t.slice(0, 60))];
}

describe('imports', () => {
  const files = [...sources('src'), ...sources('commands')];

  it('finds the sources and their imports', () => {
    expect(files).toContain('src/db/roster-repo.ts');
    expect(importsOf('src/db/roster-repo.ts')).toContain('src/chat/types.js');
  });

  it('keeps the core free of adapters: only the wiring imports from src/platforms/', () => {
    const offenders = files
      .filter((f) => !mayNamePlatforms(f))
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

  it('builds each process in one place: only the entry points import the composition root', () => {
    const offenders = files
      .filter((f) => f !== 'src/wiring.ts' && !isEntry(f))
      .flatMap((f) => importsOf(f).filter((i) => i === 'src/wiring.js' || i === 'src/server.js' || i === 'src/cli.js').map((i) => `${f} → ${i}`));
    expect(offenders).toEqual([]);
  });

  it('hands the jobs and the dashboard what they use: neither imports the wiring, the app or an entry point', () => {
    const narrow = files.filter((f) => f.startsWith('src/jobs/') || f.startsWith('src/dashboard/'));
    expect(narrow.length).toBeGreaterThan(10);
    const reaching = narrow.flatMap((f) =>
      importsOf(f)
        .filter((i) => ['src/wiring.js', 'src/app.js', 'src/server.js', 'src/processor-thread.js', 'src/cli.js'].includes(i) || i.startsWith('src/cli/'))
        .map((i) => `${f} → ${i}`),
    );
    expect(reaching).toEqual([]);
  });
});

describe('SQL', () => {
  it('is written only in src/db/: no statement, pragma or prepared query anywhere else', () => {
    const files = [...sources('src'), ...sources('commands')].filter((f) => !f.startsWith('src/db/'));
    const found = files.flatMap((f) => sqlIn(readFileSync(join(ROOT, f), 'utf8')).map((q) => `${f}: ${q}`));
    expect(found).toEqual([]);
  });

  it('is found where it is written (the check above is not blind)', () => {
    expect(sqlIn("const r = db.prepare('SELECT no FROM tickets WHERE created_at >= ?').all(a);")).toHaveLength(2);
    expect(sqlIn('db.pragma(`wal_autocheckpoint = 10000`);')).toHaveLength(1);
    expect(sqlIn("db.exec('CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY)');")).toHaveLength(2);
    expect(sqlIn('const q = `UPDATE job_runs SET status = ? WHERE job = ?`;')).toHaveLength(1);
    // A regular expression's exec, and prose, are not SQL.
    expect(sqlIn("const m = /^(\\d+)$/.exec(text); // select the rows from the file\nconst s = '请选择 from 名册';")).toEqual([]);
    expect(sources('src/db').some((f) => sqlIn(readFileSync(join(ROOT, f), 'utf8')).length > 0)).toBe(true);
  });
});
