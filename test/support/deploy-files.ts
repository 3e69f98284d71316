/**
 * The deployment files read as docker and systemd read them, so that tests can check what they say
 * and start the server the way they would, with no docker daemon or systemd on the machine.
 */
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { DockerfileParser, ModifiableInstruction, type Instruction } from 'dockerfile-ast';
import { ROOT } from './locations.js';

/** One build stage of the Dockerfile: its base image and its instructions, arguments as written. */
export interface DockerStage {
  image: string;
  name: string | null;
  /** arguments as written; `--from=…`, `--interval=…` and other flags in `flags` */
  instructions: { keyword: string; args: string[]; flags: Record<string, string> }[];
}

/** The Dockerfile as docker reads it (docs.docker.com/reference/dockerfile/). */
export interface Dockerfile {
  stages: DockerStage[];
  /** the final stage's ENV, in order (a later one wins) */
  env: Record<string, string>;
  user: string | undefined;
  workdir: string | undefined;
  volumes: string[];
  /** CMD and ENTRYPOINT in exec (JSON) form; a shell form would put /bin/sh -c between docker and the server */
  cmd: string[] | undefined;
  entrypoint: string[] | undefined;
  healthcheck: { command: string[]; flags: Record<string, string> } | undefined;
  stopSignal: string | undefined;
}

function argsOf(i: Instruction): string[] {
  return i.getArguments().map((a) => a.getValue());
}

function flagsOf(i: Instruction): Record<string, string> {
  if (!(i instanceof ModifiableInstruction)) return {};
  return Object.fromEntries(i.getFlags().map((f) => [f.getName(), f.getValue() ?? '']));
}

/** An exec-form argument list (`["node", "x.js"]`); undefined for the shell form. */
function execForm(text: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

export function readDockerfile(path = join(ROOT, 'Dockerfile')): Dockerfile {
  const parsed = DockerfileParser.parse(readFileSync(path, 'utf8'));
  const froms = parsed.getFROMs();
  const stages: DockerStage[] = froms.map((from, i) => {
    const start = from.getRange().start.line;
    const end = froms[i + 1]?.getRange().start.line ?? Number.POSITIVE_INFINITY;
    return {
      image: `${from.getImageName() ?? ''}:${from.getImageTag() ?? 'latest'}`,
      name: from.getBuildStage(),
      instructions: parsed
        .getInstructions()
        .filter((ins) => ins.getRange().start.line > start && ins.getRange().start.line < end)
        .map((ins) => ({ keyword: ins.getKeyword(), args: argsOf(ins), flags: flagsOf(ins) })),
    };
  });
  const last = stages.at(-1)?.instructions ?? [];
  const lastOf = (keyword: string) => last.filter((i) => i.keyword === keyword).at(-1);
  const env: Record<string, string> = {};
  for (const e of parsed.getENVs()) {
    if (e.getRange().start.line < (froms.at(-1)?.getRange().start.line ?? 0)) continue;
    for (const p of e.getProperties()) env[p.getName()] = p.getUnescapedValue() ?? '';
  }
  const health = lastOf('HEALTHCHECK');
  const healthAt = health ? health.args.indexOf('CMD') : -1;
  const joined = (keyword: string) => lastOf(keyword)?.args.join(' ');
  return {
    stages,
    env,
    user: lastOf('USER')?.args[0],
    workdir: lastOf('WORKDIR')?.args[0],
    volumes: last.filter((i) => i.keyword === 'VOLUME').flatMap((i) => execForm(i.args.join(' ')) ?? i.args),
    cmd: joined('CMD') === undefined ? undefined : execForm(joined('CMD')!),
    entrypoint: joined('ENTRYPOINT') === undefined ? undefined : execForm(joined('ENTRYPOINT')!),
    healthcheck: health && healthAt >= 0 ? { command: execForm(health.args.slice(healthAt + 1).join(' ')) ?? [], flags: health.flags } : undefined,
    stopSignal: lastOf('STOPSIGNAL')?.args[0],
  };
}

/** The files of the project that `docker build .` sends as its context (what .dockerignore leaves in). */
export function buildContextFiles(): string[] {
  const ignore = dockerignore().add(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(ROOT, path);
      // A folder left out is not walked (.dockerignore lets nothing inside one back in).
      if (ignore.ignores(rel)) continue;
      if (entry.isDirectory()) walk(path);
      else files.push(rel);
    }
  };
  walk(ROOT);
  return files.sort();
}

/**
 * A folder laid out as the image's /app: the build context, the compiled dist/ and the
 * dependencies (linked, not copied). The server finds its templates, migrations and pages from
 * where its code is, so starting it here shows the image holds every file it reads.
 */
export function imageFolder(into: string): string {
  for (const file of buildContextFiles()) {
    mkdirSync(dirname(join(into, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(into, file));
  }
  cpSync(join(ROOT, 'dist'), join(into, 'dist'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(into, 'node_modules'), 'dir');
  return into;
}

/** A systemd unit file: its sections, each a list of `Key=value` settings in order (a key may repeat). */
export type Unit = Map<string, [string, string][]>;

/**
 * Reads a unit file as systemd.syntax(7) describes it: `[Section]` headers, `Key=value` lines,
 * `#` and `;` comments, a trailing backslash continuing a line. (No library parses unit files; this
 * covers what deploy/lianbao.service uses.)
 */
export function readUnit(path: string): Unit {
  const unit: Unit = new Map();
  let section = '';
  let pending = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = pending + raw.trim();
    pending = '';
    if (line.endsWith('\\')) {
      pending = `${line.slice(0, -1)} `;
      continue;
    }
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      unit.set(section, unit.get(section) ?? []);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`${path}: not a Key=value line: ${line}`);
    unit.get(section)?.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return unit;
}

/** Every value of a setting in a section, in order. */
export function unitValues(unit: Unit, section: string, key: string): string[] {
  return (unit.get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v);
}

/** `Environment=` values as variables (`A=1 "B=two words"` forms are split as systemd does for the simple cases used here). */
export function unitEnvironment(unit: Unit): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of unitValues(unit, 'Service', 'Environment')) {
    for (const assignment of value.match(/"[^"]*"|\S+/g) ?? []) {
      const a = assignment.replace(/^"|"$/g, '');
      env[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
    }
  }
  return env;
}
