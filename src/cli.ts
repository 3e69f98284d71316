import { readEnv } from './config.js';
import { runCli } from './cli-run.js';

const code = await runCli(
  process.argv.slice(2),
  readEnv(),
  (line) => process.stdout.write(`${line}\n`),
  (line) => process.stderr.write(`${line}\n`),
);
process.exitCode = code;
