/**
 * vitest globalSetup: builds the server once (`tsc -p tsconfig.json`, as `npm install` does) so the
 * end-to-end suites can start `node dist/src/server.js` as a real child process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ROOT, SERVER_ENTRY } from './locations.js';

export default function setup(): void {
  const tsc = spawnSync(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, '-p', 'tsconfig.json'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  // tsc still writes its output when it reports type errors; those are the typecheck script's to
  // report, so the suites run against what was emitted and the errors are shown here.
  if (tsc.status !== 0) {
    process.stderr.write(`globalSetup: tsc -p tsconfig.json exited with ${tsc.status ?? tsc.signal}\n${tsc.stdout}${tsc.stderr}\n`);
  }
  if (!existsSync(SERVER_ENTRY)) throw new Error(`globalSetup: the build did not produce ${SERVER_ENTRY}`);
}
