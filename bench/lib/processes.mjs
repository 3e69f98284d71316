// Child processes of the benchmark: the real server, the platform double and the bare route.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DATA_DIR, DIST, ROOT, sleep } from './common.mjs';

/** A port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts a helper script that prints `{"port": N}` when it listens. */
export function startHelper(script) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(ROOT, 'bench', script)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)));
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        proc.removeAllListeners('exit');
        const { port } = JSON.parse(line);
        resolve({ proc, port, base: `http://127.0.0.1:${port}`, stop: () => stopProcess(proc) });
      }
    });
  });
}

export function stopProcess(proc, signal = 'SIGTERM') {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}

/** One GET, answered with its status (0 when nothing listens yet). */
export function httpStatus(url) {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resident memory of a process in MiB, from /proc/<pid>/status (VmRSS). */
export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
  return kb / 1024;
}

/**
 * The variables and node options `npm start` runs the server with (package.json's start script,
 * `… && VAR=value node --option dist/src/server.js`), so the bench measures the same.
 */
export function startCommand() {
  const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const m = /((?:[A-Z_]+=\S+\s+)*)node((?:\s+--\S+)*)\s+dist\/src\/server\.js/.exec(script);
  if (!m) throw new Error(`cannot find \`node … dist/src/server.js\` in the start script: ${script}`);
  const env = Object.fromEntries(m[1].trim().split(/\s+/).filter(Boolean).map((a) => a.split('=')));
  return { env, nodeArgs: m[2].trim().split(/\s+/).filter(Boolean) };
}

/**
 * Starts `node dist/src/server.js`, with the node options of `npm start`, with exactly this environment (nothing inherited but PATH and
 * HOME) in bench/.data, so a developer's .env is not read. Its logs go to `logName` there.
 * Resolves when /readyz answers 200, with the milliseconds from spawn to that answer.
 */
export async function startServer(env, logName, { timeoutMs = 30_000, nodeArgs = [] } = {}) {
  const port = await freePort();
  const fd = openSync(join(DATA_DIR, logName), 'w');
  const t0 = performance.now();
  const start = startCommand();
  const proc = spawn(process.execPath, [...start.nodeArgs, ...nodeArgs, join(DIST, 'src', 'server.js')], {
    cwd: DATA_DIR,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...start.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the server exited with ${proc.exitCode}; see bench/.data/${logName}`);
    if ((await httpStatus(`${base}/readyz`)) === 200) break;
    if (performance.now() - t0 > timeoutMs) {
      await stopProcess(proc, 'SIGKILL');
      throw new Error(`the server did not become ready in ${timeoutMs} ms; see bench/.data/${logName}`);
    }
    await sleep(5);
  }
  const readyMs = performance.now() - t0;
  return { proc, port, base, readyMs, stop: () => stopProcess(proc) };
}
