#!/usr/bin/env node
// The `lianbao` command: `lianbao serve` starts the server, every other verb is the command line.
// Nothing is compiled here: `npm install` (or `npm ci`) builds dist/ once, through the `prepare`
// script, and `npm run build` after the code changes.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'src', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write(`lianbao: 没有找到编译好的程序 ${cli}：请在 ${root} 运行 npm install（或 npm run build）\n`);
  process.exit(1);
}
await import(pathToFileURL(cli).href);
