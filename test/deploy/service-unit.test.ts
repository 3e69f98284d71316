/**
 * deploy/lianbao.service (SPEC §10), read as systemd reads it (systemd.service(5), systemd.exec(5),
 * systemd.kill(5): https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html);
 * systemd-analyze is not available here. Starting its ExecStart and stopping it with its
 * KillSignal is in test/e2e/signals.test.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { inboxPathFor } from '../../src/inbox/inbox.js';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/cli/serve.js';
import { readUnit, unitEnvironment, unitValues } from '../support/deploy-files.js';
import { ROOT } from '../support/locations.js';

const unit = readUnit(join(ROOT, 'deploy', 'lianbao.service'));
const service = (key: string) => unitValues(unit, 'Service', key);
const one = (key: string) => {
  const values = service(key);
  expect({ key, count: values.length }).toEqual({ key, count: 1 });
  return values[0]!;
};

function inside(a: string, b: string): boolean {
  const rel = relative(b, a);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

describe('deploy/lianbao.service', () => {
  it('runs the built server with the flags and MALLOC_ARENA_MAX of npm start, from the install folder', () => {
    const workdir = one('WorkingDirectory');
    const [program, ...args] = one('ExecStart').split(/\s+/);
    // systemd wants an absolute program path (or looks in a fixed list of folders).
    expect(program).toMatch(/^\/.*\/node$/);
    expect(args).toEqual([...SERVER_NODE_FLAGS, join(workdir, 'dist', 'src', 'server.js')]);
    expect(unitEnvironment(unit)).toMatchObject(SERVER_ENV);
  });

  it('runs as a dedicated user, with the settings from an environment file', () => {
    expect(one('User')).toBe('lianbao');
    expect(['root', '0']).not.toContain(one('User'));
    expect(isAbsolute(one('EnvironmentFile').replace(/^-/, ''))).toBe(true);
  });

  it('is stopped with SIGTERM and given time to finish, and restarted only when it fails', () => {
    expect(service('KillSignal')[0] ?? 'SIGTERM').toBe('SIGTERM');
    // The processor may take up to 10 s on the stored messages, then the current send.
    expect(Number(/^(\d+)s?$/.exec(one('TimeoutStopSec'))?.[1])).toBeGreaterThanOrEqual(20);
    // After SIGTERM the server exits 0: on-failure does not start it again, a crash does.
    expect(one('Restart')).toBe('on-failure');
  });

  it('may write only its data folder, where the database, inbox and nightly backups all are', () => {
    expect(one('ProtectSystem')).toBe('strict');
    const writable = service('ReadWritePaths').flatMap((v) => v.split(/\s+/));
    const env = unitEnvironment(unit);
    // What the EnvironmentFile sets wins over Environment=: .env.example leaves DATABASE_PATH and BACKUP_DIR out.
    const config = loadConfig({ ...env, WECOM_TOKEN: 'QDG6eK', WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' });
    for (const path of [config.databasePath, inboxPathFor(config.databasePath), config.backup.dir]) {
      expect({ path, writable: writable.some((w) => inside(path, w)) }).toEqual({ path, writable: true });
    }
  });

  // systemd.exec(5), EnvironmentFile=: "Settings from these files override settings made with
  // Environment=" (https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#EnvironmentFile=).
  // README installs .env.example as the EnvironmentFile, so what it sets wins over the unit's own.
  it('keeps the database where the unit writes once .env.example is its EnvironmentFile, and the docs say which wins', () => {
    const fromFile = parseEnv(readFileSync(join(ROOT, '.env.example'), 'utf8'));
    expect(fromFile).not.toHaveProperty('DATABASE_PATH');
    const env = { ...unitEnvironment(unit), ...fromFile };
    const writable = service('ReadWritePaths').flatMap((v) => v.split(/\s+/));
    const config = loadConfig({ ...env, WECOM_TOKEN: 'QDG6eK', WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' });
    expect(writable.some((w) => inside(config.databasePath, w))).toBe(true);
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const commented = /^#DATABASE_PATH=(.+)$/m.exec(example)?.[1];
    expect(commented).toBe(unitEnvironment(unit)['DATABASE_PATH']);
    // The old sentence said the unit "sets its own", as if it won: it does not.
    expect(example).not.toMatch(/unit \(deploy\/lianbao\.service\) set their own/);
    expect(example).toMatch(/DATABASE_PATH[\s#]+in its EnvironmentFile[\s\S]*wins over that/);
  });

  it("restores a backup, in README's example, into the folder the unit writes", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Backup and restore'), readme.indexOf('### Logs and shutdown'));
    const dataDir = dirname(unitEnvironment(unit)['DATABASE_PATH']!);
    const paths = [...section.matchAll(/\/(?:srv|var|opt)\/[\w/.-]+/g)].map((m) => m[0]);
    expect(paths.length).toBeGreaterThan(3);
    for (const path of paths) expect({ path, inside: inside(path, dataDir) }).toEqual({ path, inside: true });
  });

  it('allows enough open files for many connections at once', () => {
    expect(Number(one('LimitNOFILE').split(':').at(-1))).toBeGreaterThanOrEqual(65536);
  });

  it('starts with the machine', () => {
    expect(unitValues(unit, 'Unit', 'After')).toContain('network-online.target');
    expect(unitValues(unit, 'Install', 'WantedBy')).toEqual(['multi-user.target']);
  });
});
