import { ConfigError, loadConfig, readEnv, type Config } from './config.js';
import { takeServerLock } from './db/server-lock.js';
import { createLogger } from './log.js';
import { databaseProblem, OperatorError } from './operator-errors.js';
import { RosterError } from './roster/parse.js';
import { wireServer } from './wiring.js';

/** DATABASE_PATH, once read: start-up failures on it are told in its words. */
let databasePath: string | undefined;

async function main(): Promise<void> {
  let config: Config;
  const env = readEnv();
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`lianbao: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  databasePath = config.databasePath;
  const log = createLogger(config.logLevel);
  // One server per database, held until this process ends, however it ends: taken before the
  // database is opened, so that a second server neither loads a roster nor starts a processor.
  const lock = config.databasePath === ':memory:' ? undefined : takeServerLock(config.databasePath);
  // Platform messages are stored in the inbox and answered at once; the processor handles them on
  // another core (src/wiring.ts).
  const server = await wireServer(config, log, { env });
  const { app, processor, worker } = server;
  processor.start();
  worker.start();
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`lianbao: ${config.host} 的端口 ${config.port} 已被占用：请停掉占用它的程序，或把 PORT 设为空闲的端口\n`);
      process.exit(1);
    }
    throw err;
  }
  const stream = server.startStream();
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  if (config.playground.enabled) log.info(`playground: http://${host}:${config.port}/playground`);
  if (config.adminToken) log.info(`dashboard: http://${host}:${config.port}/dashboard`);

  // Jobs run in the processor (its own connection), so a job waiting for the write lock of
  // another process never holds up a callback.
  const scheduler = server.startScheduler();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing callbacks in flight, the messages stored and the current send');
    await scheduler.stop();
    await stream?.stop();
    await server.stop();
    lock?.release();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  // A roster's problems are listed with their places in the file: the operator needs those, not a stack.
  // So is a problem the operator can mend (a path, an owner, a second server): one sentence, no stack.
  const known = databasePath === undefined ? (err instanceof OperatorError ? err : undefined) : databaseProblem(err, databasePath);
  if (err instanceof RosterError) process.stderr.write(`${err.message}\nlianbao: 名册有以上问题，服务器没有启动\n`);
  else if (known) process.stderr.write(`lianbao: ${known.message}\n`);
  else process.stderr.write(`lianbao: 启动失败：${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
