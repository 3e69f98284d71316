import { readEnv } from './config.js';
import { runCli } from './cli/run.js';
import { serve } from './cli/serve.js';

// `serve` starts the server in a process of its own; every other verb runs here (src/cli/<verb>.ts).
const code =
  process.argv[2] === 'serve' && process.argv.length === 3
    ? await serve()
    : await runCli(
        process.argv.slice(2),
        readEnv(),
        (line) => process.stdout.write(`${line}\n`),
        (line) => process.stderr.write(`${line}\n`),
      );
process.exitCode = code;
