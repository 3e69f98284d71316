/**
 * SIGTERM and SIGINT reach the server however it is started (SPEC §10): `npm start`,
 * `npm run cli -- serve`, the `lianbao` bin, the container's command and the systemd unit's ExecStart, each started here the way npm,
 * a shell, docker or systemd would, and stopped by signalling the process that was started — what a
 * service manager does. Each time the server itself must end, cleanly and with the node flags and
 * MALLOC_ARENA_MAX it is meant to run with, and the messages acknowledged just before the signal
 * must be handled before it exits.
 */
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postCallback, wecomEnv, wecomJsonCallback } from '../support/callbacks.js';
import { imageFolder, readDockerfile, readUnit, unitEnvironment, unitValues } from '../support/deploy-files.js';
import { ROOT } from '../support/locations.js';
import { startPlatformDouble, type PlatformDouble } from '../support/platform-double.js';
import { cleanupServers, queryDb, ServerProcess, tempDir, type ServerOptions } from '../support/server-process.js';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/cli/serve.js';

let double: PlatformDouble;

beforeAll(async () => {
  double = await startPlatformDouble();
});

afterAll(async () => {
  await cleanupServers();
  await double?.close();
});

/** Variables a developer's `.env` in the project folder might set and a test must not inherit. */
const NO_DINGTALK = { DINGTALK_APP_KEY: '', DINGTALK_APP_SECRET: '' };

interface Way {
  name: string;
  signal: NodeJS.Signals;
  /** how the server is started: the program, its arguments, its folder, and what the way adds to the environment */
  start(databaseFolder: string): Pick<ServerOptions, 'command' | 'databasePath'> & { env?: Record<string, string> };
}

const WAYS: Way[] = [
  {
    name: 'npm start',
    signal: 'SIGTERM',
    start: () => ({ command: { file: 'npm', args: ['start'], cwd: ROOT }, env: { HOME: tempDir('lianbao-npm-home-') } }),
  },
  {
    name: 'npm start, Ctrl-C',
    signal: 'SIGINT',
    start: () => ({ command: { file: 'npm', args: ['start'], cwd: ROOT }, env: { HOME: tempDir('lianbao-npm-home-') } }),
  },
  {
    // The `cli` script replaces npm's shell with node (`exec`), as `start` does: without it the
    // SIGTERM npm passes on ended the shell and left the server running.
    name: 'npm run cli -- serve',
    signal: 'SIGTERM',
    start: () => ({ command: { file: 'npm', args: ['run', 'cli', '--', 'serve'], cwd: ROOT }, env: { HOME: tempDir('lianbao-npm-home-') } }),
  },
  {
    name: 'lianbao serve (the bin)',
    signal: 'SIGTERM',
    start: () => ({ command: { file: process.execPath, args: [join(ROOT, 'bin', 'lianbao.js'), 'serve'] } }),
  },
  {
    name: 'lianbao serve, Ctrl-C',
    signal: 'SIGINT',
    start: () => ({ command: { file: process.execPath, args: [join(ROOT, 'bin', 'lianbao.js'), 'serve'] } }),
  },
  {
    // docker runs CMD (exec form) in WORKDIR with the image's ENV; `docker stop` sends STOPSIGNAL.
    name: "the container's CMD",
    signal: 'SIGTERM',
    start: (folder) => {
      const image = readDockerfile();
      const [program, ...args] = image.cmd ?? [];
      const volume = image.volumes[0] ?? '/data';
      const { PORT: _port, DATABASE_PATH: databasePath = '', ...env } = image.env;
      expect(program).toBe('node');
      return {
        command: { file: process.execPath, args, cwd: imageFolder(join(folder, 'app')) },
        // The volume is this test's folder: the database keeps its place inside it.
        databasePath: join(folder, 'volume', relative(volume, databasePath)),
        env,
      };
    },
  },
  {
    // systemd runs ExecStart in WorkingDirectory with Environment= (and EnvironmentFile=, here the
    // test's variables); `systemctl stop` sends KillSignal.
    name: "the systemd unit's ExecStart",
    signal: 'SIGTERM',
    start: (folder) => {
      const unit = readUnit(join(ROOT, 'deploy', 'lianbao.service'));
      const workdir = unitValues(unit, 'Service', 'WorkingDirectory')[0] ?? '';
      const dataDir = unitValues(unit, 'Service', 'ReadWritePaths')[0] ?? '';
      const { DATABASE_PATH: databasePath = '', ...env } = unitEnvironment(unit);
      const [program, ...args] = (unitValues(unit, 'Service', 'ExecStart')[0] ?? '').split(/\s+/);
      expect(program).toMatch(/\/node$/);
      return {
        // The unit's folders are this checkout (the code) and the test's folder (the data).
        command: { file: process.execPath, args: args.map((a) => a.replace(workdir, ROOT)), cwd: ROOT },
        databasePath: join(folder, relative(dataDir, databasePath)),
        env,
      };
    },
  },
];

function stored(databasePath: string, marker: string): number {
  return queryDb<{ n: number }>(databasePath, 'SELECT count(*) AS n FROM tickets WHERE description LIKE ?', `%[${marker}]%`)[0]!.n;
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

describe('the signal reaches the server however it is started', () => {
  it.each(WAYS)('$name: $signal stops it cleanly, with the flags it runs with, and nothing acknowledged is lost', async (way) => {
    const folder = tempDir('lianbao-signals-');
    mkdirSync(join(folder, 'volume'), { recursive: true });
    const how = way.start(folder);
    const server = await ServerProcess.start({
      command: how.command,
      databasePath: how.databasePath ?? join(folder, 'lianbao.db'),
      env: { ...how.env, ...NO_DINGTALK, ...wecomEnv(double.base) },
      readyTimeoutMs: 30_000,
    });

    // The server process (under npm or the bin, not the one started) runs with the flags npm start gives it.
    const running = server.serverProcess();
    expect(running.argv).toEqual(expect.arrayContaining([...SERVER_NODE_FLAGS]));
    expect(running.env).toMatchObject(SERVER_ENV);

    // Messages the platform has been told are received, then at once the signal.
    const marker = `S-${WAYS.indexOf(way)}`;
    const callbacks = Array.from({ length: 5 }, (_, i) =>
      wecomJsonCallback({
        msgId: `signals-${marker}-${i}`,
        chatId: 'wrXM001',
        userId: 'chenjl',
        text: `报告 [${marker}] 工地电缆被偷 ${i}`,
        replyUrl: double.wecomResponseUrl('wrXM001'),
      }),
    );
    for (const cb of callbacks) expect(await postCallback(server.base, cb)).toBe(200);
    const exit = await server.stop(way.signal, 20_000);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(processGone(running.pid)).toBe(true);
    expect(server.logsWith('shutting down')).toHaveLength(1);
    expect(server.logs.filter((l) => l.msg === 'stopped')).toHaveLength(1);

    // Nothing lost: the messages stored when the signal came were handled before the exit.
    expect(stored(server.databasePath, marker)).toBe(5);
  }, 60_000);
});
