/**
 * The container image and compose.yaml (SPEC §10), checked without a docker daemon: the Dockerfile
 * and compose.yaml are read as docker reads them (Dockerfile reference:
 * https://docs.docker.com/reference/dockerfile/, compose file reference:
 * https://docs.docker.com/reference/compose-file/services/), the image's files are laid out from the
 * build context, and its command and health check are run as the container would run them.
 * Starting and stopping that command is in test/e2e/signals.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, relative } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { inboxPathFor } from '../../src/inbox/inbox.js';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/cli/serve.js';
import { buildContextFiles, imageFolder, readDockerfile } from '../support/deploy-files.js';
import { ROOT } from '../support/locations.js';
import { cleanupServers, freePort, ServerProcess, tempDir } from '../support/server-process.js';

afterAll(cleanupServers);

const image = readDockerfile();
const finalStage = image.stages.at(-1)!;
const buildStages = image.stages.slice(0, -1);

/** `a` is `b` or inside it (both absolute POSIX paths, as in the image). */
function inside(a: string, b: string): boolean {
  const rel = relative(b, a);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}

/** The image's configuration as the server reads it. */
const config = loadConfig(image.env);

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, on a maintained Node LTS', () => {
    expect(image.stages.length).toBeGreaterThanOrEqual(2);
    const versionArg = /ARG NODE_VERSION=(\d+)/.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    for (const stage of image.stages) {
      const tag = stage.image.replace('${NODE_VERSION}', versionArg ?? '');
      // Node 20 left maintenance in April 2026; 22 and 24 are the maintained LTS lines (SPEC §10).
      expect(tag).toMatch(/^node:(22|24)[-.]/);
    }
  });

  it('compiles better-sqlite3 and the TypeScript in the build stage; the final stage only copies the result', () => {
    const runs = (stages: typeof image.stages) => stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args.join(' ')));
    expect(runs(buildStages).join('\n')).toMatch(/npm ci/);
    expect(runs(buildStages).join('\n')).toMatch(/better-sqlite3/);
    expect(runs(buildStages).join('\n')).toMatch(/npm run build/);
    expect(runs(buildStages).join('\n')).toMatch(/npm prune --omit=dev/);
    // Nothing is installed or compiled where the server runs: no compiler, no npm install.
    expect(runs([finalStage]).join('\n')).not.toMatch(/npm (ci|install|rebuild)|apt-get|node-gyp|tsc/);
    const copies = finalStage.instructions.filter((i) => i.keyword === 'COPY');
    expect(copies).toContainEqual(expect.objectContaining({ args: ['/app', '/app'], flags: { from: buildStages[0]!.name } }));
  });

  it('runs the server with the node flags and MALLOC_ARENA_MAX of npm start, as process 1, without a shell', () => {
    expect(image.cmd).toEqual(['node', ...SERVER_NODE_FLAGS, 'dist/src/server.js']);
    // An ENTRYPOINT would get in the way of `docker compose run lianbao lianbao import …`.
    expect(image.entrypoint).toBeUndefined();
    expect(image.env).toMatchObject(SERVER_ENV);
    expect(image.workdir).toBe('/app');
    expect(image.stopSignal ?? 'SIGTERM').toBe('SIGTERM');
  });

  it('runs as a non-root user who owns the data volume', () => {
    expect(image.user).toBeDefined();
    expect(['root', '0']).not.toContain(image.user!.split(':')[0]);
    const runs = finalStage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args.join(' '));
    for (const volume of image.volumes) expect(runs.join('\n')).toContain(`chown ${image.user}:${image.user} ${volume}`);
  });

  it('keeps the database, its inbox and the nightly backups in the volume, configured by environment', () => {
    expect(image.volumes).toEqual(['/data']);
    const [volume] = image.volumes as [string];
    expect(inside(config.databasePath, volume)).toBe(true);
    expect(inside(inboxPathFor(config.databasePath), volume)).toBe(true);
    expect(inside(config.backup.dir, volume)).toBe(true);
    // Reachable from outside the container; the playground still answers only its own loopback.
    expect(config.host).toBe('0.0.0.0');
  });

  it('checks its health on /readyz: 0 when ready, 1 when the answer is 503 or there is none', async () => {
    expect(image.healthcheck?.command).toEqual(['node', 'deploy/healthcheck.js']);
    expect(image.healthcheck?.flags).toMatchObject({ 'start-period': expect.any(String) });
    const paths: string[] = [];
    let status = 200;
    const probe = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status).end();
    });
    const port = await freePort();
    await new Promise<void>((ok) => probe.listen(port, '127.0.0.1', ok));
    // Run asynchronously: the probe answers from this process.
    const check = () =>
      new Promise<number | null>((ok) => {
        const child = spawn(process.execPath, [join(ROOT, 'deploy', 'healthcheck.js')], { env: { PORT: String(port), HOST: '0.0.0.0' }, stdio: 'ignore' });
        child.once('exit', (code) => ok(code));
      });
    try {
      expect(await check()).toBe(0);
      status = 503;
      expect(await check()).toBe(1);
      expect(paths).toEqual(['/readyz', '/readyz']);
    } finally {
      await new Promise((ok) => probe.close(ok));
    }
    expect(await check()).toBe(1);
  });

  it("sends the build everything the server reads, and none of the developer's secrets or data", () => {
    const files = buildContextFiles();
    for (const needed of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'bin/lianbao.js',
      'deploy/healthcheck.js',
      'roster.example.yaml',
      'public/playground.html',
      'src/db/migrations',
      'src/db/inbox-migrations',
      'src/tickets/phrases.yaml',
      'templates',
      'commands',
    ]) {
      expect({ needed, found: files.some((f) => f === needed || f.startsWith(`${needed}/`)) }).toEqual({ needed, found: true });
    }
    expect(files.filter((f) => /^(node_modules|dist|data|test|\.git)\//.test(f) || f === '.env')).toEqual([]);
  });

  it('leaves out a local roster (names, user ids, webhook keys), its copies, keys, backups and evidence, wherever they are', () => {
    // .dockerignore read as docker reads it (https://docs.docker.com/build/concepts/context/#dockerignore-files).
    const ignore = dockerignore().add(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
    const secrets = [
      'roster.yaml',
      'roster.prod.yaml',
      'roster-2026.yml',
      'roster.json',
      'tls.key',
      'cert.pem',
      'backups/lianbao-2026-11-01.db',
      'lianbao.lock',
      'lianbao.db.4242.part',
      'attachments/ab/abcdef',
      'copy.db.attachments/ab/abcdef',
    ];
    expect(secrets.filter((f) => !ignore.ignores(f))).toEqual([]);
    expect(ignore.ignores('roster.example.yaml')).toBe(false);
  });

  it("starts from the image's files with the image's command and environment, and reports healthy", async () => {
    const folder = tempDir('lianbao-image-');
    const [, ...args] = image.cmd!;
    const { PORT: _port, DATABASE_PATH: _db, ...env } = image.env;
    const server = await ServerProcess.start({
      command: { file: process.execPath, args, cwd: imageFolder(join(folder, 'app')) },
      databasePath: join(folder, 'data', 'lianbao.db'),
      // No platform: the playground is on, with the example roster the image holds.
      env: { ...env, PLAYGROUND: 'auto', ROSTER_FILE: 'roster.example.yaml' },
    });
    const health = spawnSync(process.execPath, image.healthcheck!.command.slice(1), {
      cwd: join(folder, 'app'),
      env: { ...env, PORT: String(server.port) },
      timeout: 10_000,
    });
    expect(health.status).toBe(0);
    // The migrations, the example roster and the playground's page came from the image's files.
    expect(server.logsWith('roster loaded')).toHaveLength(1);
    expect((await fetch(`${server.base}/playground`)).status).toBe(200);
    expect(dirname(server.databasePath)).toBe(join(folder, 'data'));
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });
});

describe('compose.yaml', () => {
  const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')) as {
    services: Record<string, Record<string, unknown>>;
    volumes?: Record<string, unknown>;
  };
  const service = compose.services['lianbao']!;
  const environment = service['environment'] as Record<string, string>;
  const mounts = (service['volumes'] as string[]).map((v) => {
    const [source = '', target = '', mode] = v.split(':');
    return { source, target, mode };
  });

  it('builds this folder, with an init in front of the server and time to stop cleanly', () => {
    expect(service['build']).toBe('.');
    expect(service['init']).toBe(true);
    expect(service['restart']).toBe('unless-stopped');
    // The server may take up to 10 s on the stored messages, then the current send.
    expect(Number(/^(\d+)s$/.exec(String(service['stop_grace_period']))?.[1])).toBeGreaterThanOrEqual(20);
  });

  it('mounts the real roster at run time from a file the build never sends', () => {
    const roster = mounts.find((m) => m.target === environment['ROSTER_FILE']);
    expect(roster).toMatchObject({ source: './roster.yaml', mode: 'ro' });
    const ignore = dockerignore().add(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
    expect(ignore.ignores(relative('.', roster!.source))).toBe(true);
  });

  it('takes the platform variables from .env, and keeps the data in a named volume at the image’s volume', () => {
    expect(service['env_file']).toBe('.env');
    const data = mounts.find((m) => m.target === image.volumes[0]);
    expect(data?.source).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(data!.source);
    // environment: wins over env_file, so a DATABASE_PATH copied from .env.example cannot move the data out.
    const withCompose = loadConfig({ ...image.env, ...environment });
    expect(inside(withCompose.databasePath, image.volumes[0]!)).toBe(true);
    expect(inside(withCompose.backup.dir, image.volumes[0]!)).toBe(true);
  });

  it('mounts the roster where ROSTER_FILE points, read-only, and publishes the port the server listens on', () => {
    const roster = mounts.find((m) => m.target === environment['ROSTER_FILE']);
    expect(roster).toMatchObject({ source: './roster.yaml', mode: 'ro' });
    const ports = (service['ports'] as string[]).map((p) => p.split(':').at(-1));
    expect(ports).toContain(environment['PORT']);
    expect(environment['HOST']).toBe('0.0.0.0');
  });

  it('keeps the playground for loopback by default, and says how to try it from the host through Docker\'s bridge', () => {
    // No platform in .env: the playground is on, for loopback only, and the host's browser is not loopback to it.
    expect(loadConfig({ ...image.env, ...environment }).playground).toEqual({ enabled: true, remote: false });
    const text = readFileSync(join(ROOT, 'compose.yaml'), 'utf8');
    const comments = text.split('\n').filter((l) => /^\s*#/.test(l)).join('\n');
    expect(comments).toContain('PLAYGROUND_REMOTE=1');
    // The trial publishes the port on the host's loopback alone, the port the server listens on.
    const trial = /#\s+- "127\.0\.0\.1:(\d+):(\d+)"/.exec(comments);
    expect(trial?.[2]).toBe(environment['PORT']);
    expect(loadConfig({ ...image.env, ...environment, PLAYGROUND_REMOTE: '1' }).playground).toEqual({ enabled: true, remote: true });
    // README's Docker section says the same, and to turn it off before going live.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const docker = readme.slice(readme.indexOf('### With Docker Compose'), readme.indexOf('### With systemd'));
    expect(docker).toContain('`PLAYGROUND_REMOTE=1`');
    expect(docker).toContain(`"127.0.0.1:${trial?.[1]}:${trial?.[2]}"`);
    expect(docker).toMatch(/back to `0` before going live/);
  });
});

describe('.env.example in a container or under systemd', () => {
  it('sets no DATABASE_PATH or BACKUP_DIR that would move the data out of the volume or the unit’s data folder', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    expect(example).not.toMatch(/^DATABASE_PATH=/m);
    expect(example).not.toMatch(/^BACKUP_DIR=/m);
  });
});
