/**
 * The real server as a child process: `node dist/src/server.js` (built by the globalSetup), on a
 * free loopback port, with a database in a temporary folder and configured only through its
 * environment. Its JSON log lines are kept for assertions; it can be stopped with SIGTERM or
 * SIGKILL and started again on the same database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { EXAMPLE_ROSTER, SERVER_ENTRY } from './locations.js';
import { waitFor } from './wait.js';

/** One pino line of the server's stdout (or `{ raw }` for a line that is not JSON). */
export interface LogLine {
  level?: number;
  msg?: string;
  raw?: string;
  [key: string]: unknown;
}

/** How a server process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerOptions {
  /** Variables on top of the defaults below (platform credentials, limits, …). */
  env: Record<string, string>;
  /** The SQLite file; a new temporary folder holds it when omitted. */
  databasePath?: string;
  /** How long to wait for `/readyz` (default 20 s). */
  readyTimeoutMs?: number;
  /** Wait for `/healthz` instead: for a server that is up but rightly not ready (say, a read-only database). */
  waitFor?: 'readyz' | 'healthz';
  /** Run as this user and group (the test runs as root): a service's own, unprivileged account. */
  uid?: number;
  gid?: number;
  /**
   * How the server is started, as a service manager would: the program and its arguments (default
   * `node dist/src/server.js`), and the folder it runs in (default: the database's folder).
   */
  command?: { file: string; args: readonly string[]; cwd?: string };
}

/** The process that runs the server itself (under `npm start` or `lianbao serve` it is not the one started). */
export interface ServerProcessInfo {
  pid: number;
  argv: string[];
  env: Record<string, string>;
}

const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();

// A test that fails half-way must not leave servers behind: each child is killed with the worker.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A free TCP port on loopback: the server cannot report a port it chose itself, so one is chosen for it. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((ok, fail) => {
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => ok());
  });
  const address = probe.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((ok) => probe.close(() => ok()));
  return port;
}

/** A temporary folder removed by `cleanupServers()`. */
export function tempDir(prefix = 'lianbao-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export class ServerProcess {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<Exit>;
  private stderrText = '';
  private exit: Exit | undefined;

  private constructor(
    readonly options: ServerOptions & { databasePath: string },
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    running.add(child);
    let partial = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.logs.push(parseLine(line));
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrText += chunk;
    });
    this.exited = new Promise<Exit>((resolveExit) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        if (partial.trim()) this.logs.push(parseLine(partial));
        this.exit = { code, signal };
        resolveExit(this.exit);
      });
    });
  }

  /** Starts the server and waits until `/readyz` answers 200. */
  static async start(options: ServerOptions): Promise<ServerProcess> {
    if (!existsSync(SERVER_ENTRY)) {
      throw new Error(`${SERVER_ENTRY} is missing: the e2e suites need test/support/global-setup.ts as vitest globalSetup`);
    }
    const databasePath = options.databasePath ?? join(tempDir(), 'lianbao.db');
    const port = await freePort();
    const env: Record<string, string> = {
      // Only what the server needs: nothing from the developer's environment (or a .env, see cwd
      // below) may switch on a platform the test did not ask for.
      PATH: process.env['PATH'] ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_PATH: databasePath,
      ROSTER_FILE: EXAMPLE_ROSTER,
      LOG_LEVEL: 'info',
      PLAYGROUND: '0',
      ...options.env,
    };
    const command = options.command ?? { file: process.execPath, args: [SERVER_ENTRY] };
    const child = spawn(command.file, command.args, {
      // The server reads `.env` from its working directory; the database's folder has none.
      cwd: command.cwd ?? dirname(databasePath),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: options.uid,
      gid: options.gid,
    });
    const server = new ServerProcess({ ...options, databasePath }, port, child);
    await server.waitReady(options.readyTimeoutMs ?? 20_000, options.waitFor ?? 'readyz');
    return server;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get databasePath(): string {
    return this.options.databasePath;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** The nice value of each of the process's threads (Linux), the main thread's first. */
  threadNiceValues(): number[] {
    const pid = this.child.pid!;
    const tids = readdirSync(`/proc/${pid}/task`).map(Number).sort((a, b) => (a === pid ? -1 : b === pid ? 1 : a - b));
    return tids.map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, nice field 19.
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
  }

  /**
   * The process running dist/src/server.js: the one started, or one of its descendants (`npm start`
   * execs it in place of npm's shell; `lianbao serve` starts it as a child). Linux: read from /proc.
   */
  serverProcess(): ServerProcessInfo {
    const children = new Map<number, number[]>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      } catch {
        // the process ended while the list was read
      }
    }
    const queue = [this.child.pid!];
    for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
        const isNode = argv[0] === process.execPath || /(^|\/)node$/.test(argv[0] ?? '');
        if (isNode && argv.some((a) => a.endsWith(join('dist', 'src', 'server.js')))) {
          const env = Object.fromEntries(
            readFileSync(`/proc/${pid}/environ`, 'utf8')
              .split('\0')
              .filter((kv) => kv.includes('='))
              .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
          );
          return { pid, argv, env };
        }
      } catch {
        // ended meanwhile: not the server
      }
      queue.push(...(children.get(pid) ?? []));
    }
    throw new Error(`no process running dist/src/server.js under pid ${this.child.pid}\n${this.tail()}`);
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Log lines whose message contains `msg`. */
  logsWith(msg: string): LogLine[] {
    return this.logs.filter((l) => typeof l.msg === 'string' && l.msg.includes(msg));
  }

  /** Waits (bounded) until `count` log lines match. */
  async waitForLogs(what: string, match: (l: LogLine) => boolean, count = 1, timeoutMs = 15_000): Promise<LogLine[]> {
    return waitFor(`${count} log line(s): ${what}`, () => {
      const found = this.logs.filter(match);
      return found.length >= count ? found : undefined;
    }, { timeoutMs, detail: () => this.tail() });
  }

  /** The last lines the server wrote, for failure messages. */
  tail(n = 30): string {
    const lines = this.logs.slice(-n).map((l) => l.raw ?? JSON.stringify(l));
    return `server log (last ${lines.length} lines):\n${lines.join('\n')}${this.stderrText ? `\nstderr:\n${this.stderrText}` : ''}`;
  }

  /** Sends `signal` and waits for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_ok, fail) => {
      timer = setTimeout(() => fail(new Error(`server did not exit within ${timeoutMs} ms of ${signal}\n${this.tail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL: the process ends at once, whatever it was doing. */
  kill(): Promise<Exit> {
    return this.stop('SIGKILL');
  }

  /** A new process on the same database and variables (and a new port). The old one must have ended. */
  async restart(): Promise<ServerProcess> {
    if (this.alive) throw new Error('restart() needs the previous process to have ended: stop() or kill() it first');
    return ServerProcess.start(this.options);
  }

  private async waitReady(timeoutMs: number, path: 'readyz' | 'healthz'): Promise<void> {
    await waitFor(
      `${this.base}/${path}`,
      async () => {
        if (this.exit) throw new Error(`server exited during start-up (${JSON.stringify(this.exit)})\n${this.tail()}`);
        try {
          const res = await fetch(`${this.base}/${path}`, { signal: AbortSignal.timeout(1_000) });
          await res.arrayBuffer();
          return res.status === 200;
        } catch {
          return false;
        }
      },
      { timeoutMs, intervalMs: 50, detail: () => this.tail() },
    );
  }
}

function parseLine(line: string): LogLine {
  try {
    const v: unknown = JSON.parse(line);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as LogLine;
  } catch {
    // not JSON: kept as is
  }
  return { raw: line };
}

/** Kills every server still running (SIGKILL) and removes the temporary folders. For afterAll. */
export async function cleanupServers(): Promise<void> {
  const exits = [...running].map((child) => new Promise<void>((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok();
    child.once('exit', () => ok());
    child.kill('SIGKILL');
  }));
  await Promise.all(exits);
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** Runs a read-only query on a server's database (safe while it runs: WAL). */
export function queryDb<Row>(databasePath: string, sql: string, ...params: unknown[]): Row[] {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as Row[];
  } finally {
    db.close();
  }
}
