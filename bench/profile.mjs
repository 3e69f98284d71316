// Profiles the server under the benchmark's callback load: starts `node --cpu-prof dist/src/server.js`
// on a copy of the benchmark data, fires signed 报告 callbacks for a while, stops the server and
// prints where its CPU time went (the .cpuprofile is kept for Chrome DevTools).
//
//   node bench/profile.mjs [wecom|dingtalk] [seconds]
import { copyFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, removeDb, say } from './lib/common.mjs';
import { DINGTALK, WECOM, dingtalkPool, fire, wecomPool } from './lib/callbacks.mjs';
import { startHelper, startServer } from './lib/processes.mjs';
import { CACHE_DB, ensureData } from './generate.mjs';

const platform = process.argv[2] ?? 'wecom';
const seconds = Number(process.argv[3] ?? 10);

/** Self and inclusive time per function, from a V8 .cpuprofile. */
export function summarize(file, top = 30) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map();
  const incl = new Map();
  const hits = new Map();
  for (const s of prof.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  for (const [id, count] of hits) {
    const n = nodes.get(id);
    self.set(name(n), (self.get(name(n)) ?? 0) + count);
    const seen = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const k = name(nodes.get(x));
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + count);
    }
  }
  const total = prof.samples.length;
  const fmtRows = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`)
      .join('\n');
  return `self time:\n${fmtRows(self)}\n\ninclusive time:\n${fmtRows(incl)}`;
}

async function main() {
  await ensureData();
  const work = join(DATA_DIR, 'profile.db');
  removeDb(work);
  copyFileSync(CACHE_DB, work);
  const double = await startHelper('double.mjs');
  const profDir = join(DATA_DIR, 'profiles');
  rmSync(profDir, { recursive: true, force: true });
  const env =
    platform === 'wecom'
      ? { WECOM_TOKEN: WECOM.token, WECOM_ENCODING_AES_KEY: WECOM.encodingAesKey, WECOM_API_BASE: double.base }
      : { DINGTALK_APP_KEY: DINGTALK.appKey, DINGTALK_APP_SECRET: DINGTALK.appSecret, DINGTALK_API_BASE: double.base, DINGTALK_OAPI_BASE: double.base };
  const server = await startServer(
    { DATABASE_PATH: work, ROSTER_FILE: '', LOG_LEVEL: 'info', PLAYGROUND: '0', BACKUP_DIR: '', ...env },
    `profile-${platform}.log`,
    { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] },
  );
  const makePool = platform === 'wecom' ? wecomPool : dingtalkPool;
  const pool = makePool({ size: 200_000, tag: `p${Date.now().toString(36)}`, doubleBase: double.base });
  say(`firing ${platform} callbacks for ${seconds} s …`);
  const run = await fire({ base: server.base, pool, connections: 32, duration: seconds });
  say(`${run.result.requests.average} req/s, p50 ${run.result.latency.p50} ms, p99 ${run.result.latency.p99} ms`);
  await server.stop();
  await double.stop();
  const file = join(profDir, readdirSync(profDir).find((f) => f.endsWith('.cpuprofile')));
  process.stdout.write(`${summarize(file)}\n\nprofile: ${file}\n`);
}

if (process.argv[1]?.endsWith('profile.mjs')) await main();
