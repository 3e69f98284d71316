import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * The node flags the server runs with wherever it starts (`npm start`, `lianbao serve`, the
 * container, the systemd unit): a small young generation, and garbage collected on the thread that
 * made it instead of on helper threads, keep memory and cores for the work (README, "Logs and
 * shutdown").
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=4', '--single-threaded-gc'] as const;

/** glibc reads MALLOC_ARENA_MAX when the process starts, so it can only be given to a new process. */
export const SERVER_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/** Signals passed on to the server: SIGTERM and SIGINT stop it cleanly, SIGHUP ends it as it would have ended this process. */
const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * `lianbao serve`: starts the server as `npm start` does. The flags and MALLOC_ARENA_MAX need a
 * process of their own, so this one starts it, passes on the signals a service manager or a
 * terminal sends, and ends with the server's exit code.
 */
export function serve(): Promise<number> {
  const entry = fileURLToPath(new URL('../server.js', import.meta.url));
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, entry], {
    stdio: 'inherit',
    env: { ...process.env, ...SERVER_ENV },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  return new Promise((resolve) => {
    child.once('error', (err) => {
      process.stderr.write(`lianbao: 无法启动服务器：${err.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      for (const s of FORWARDED) process.off(s, forward);
      // A server killed by a signal ends this process the way a shell reports it: 128 + the number.
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}
