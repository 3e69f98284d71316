// Shared paths and small helpers for the benchmarks. The benchmarks run the compiled code in
// dist/ (the same files `npm start` runs), so `tsc` must have run first.
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(ROOT, 'dist');
export const DATA_DIR = join(ROOT, 'bench', '.data');

/** Imports a compiled module of the product, e.g. `product('src/db/open.js')`. */
export async function product(path) {
  const file = join(DIST, path);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run \`npx tsc -p tsconfig.json\` first (npm run bench does)`);
  }
  return import(pathToFileURL(file).href);
}

/** Deterministic PRNG (mulberry32): the same seed gives the same data set. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    /** index into `weights` drawn in proportion to them */
    weighted: (weights) => {
      const total = weights.reduce((s, w) => s + w, 0);
      let r = next() * total;
      for (let i = 0; i < weights.length; i += 1) {
        r -= weights[i];
        if (r < 0) return i;
      }
      return weights.length - 1;
    },
    /** log-normal with the given median; sigma is the spread of the underlying normal */
    logNormal: (median, sigma) => median * Math.exp(sigma * normal()),
  };
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function fmt(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A logger for progress lines on stderr, so stdout carries only the table. */
export function say(...parts) {
  process.stderr.write(`[bench] ${parts.join(' ')}\n`);
}

/** Removes a database file with its WAL, and the server's inbox beside it (`x.db` → `x.inbox.db`). */
export function removeDb(path) {
  const inbox = path.endsWith('.db') ? `${path.slice(0, -3)}.inbox.db` : `${path}.inbox`;
  for (const f of [path, inbox]) for (const g of [f, `${f}-wal`, `${f}-shm`]) rmSync(g, { force: true });
}
