#!/usr/bin/env node
// The `lianbao` command: brings the build up to date (incremental, well under a second when
// nothing changed), then runs the CLI.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
await import(join(root, 'dist', 'src', 'cli.js'));
