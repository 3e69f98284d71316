import { acceptInMemory, buildApp } from './app.js';
import { ConfigError, loadConfig, readEnv, type Config } from './config.js';
import { Inbox, inboxPathFor } from './inbox/inbox.js';
import { Processor } from './inbox/processor.js';
import { boundMessage, type OneUseSignature } from './chat/receiver.js';
import type { IncomingMessage } from './chat/types.js';
import { createLogger } from './log.js';
import { startDingtalkStream } from './platforms/dingtalk/index.js';
import { RosterError } from './roster/parse.js';
import { startCore } from './startup.js';
import { JOBS } from './jobs/index.js';
import { startScheduler } from './jobs/scheduler.js';

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
  const log = createLogger(config.logLevel);
  const core = startCore(config, log);
  // Platform messages are stored in the inbox and answered at once; the processor thread handles
  // them on another core. An in-memory database cannot be shared with a thread: there the server
  // handles each message itself before answering.
  let processor: Processor | undefined;
  let inbox: Inbox | undefined;
  if (config.databasePath !== ':memory:') {
    const inboxPath = inboxPathFor(config.databasePath);
    inbox = new Inbox(inboxPath, () => processor?.wake());
    processor = new Processor({ env, inboxPath, inbox, log, onProgress: () => core.worker.wake() });
    processor.start();
    // The processor writes most, so its commits copy the WAL back into the database (with an
    // fsync); this thread, which answers callbacks, does it only if the WAL has grown far.
    core.db.pragma('wal_autocheckpoint = 10000');
  }
  const store = inbox ? (m: IncomingMessage | undefined, s?: OneUseSignature) => inbox.accept(m, s) : acceptInMemory(core);
  // Every way in (the HTTP routes through buildApp, DingTalk Stream here) keeps at most so much text.
  const accept = (m: IncomingMessage | undefined, s?: OneUseSignature) => store(m && boundMessage(m), s);
  const app = await buildApp(core, {
    accept,
    problems: () => [processor?.problem()],
    inbox: processor && inbox && { waiting: () => processor.waiting(), setAside: () => inbox.setAsideCount() },
  });
  core.worker.start();
  // Without a processor thread (an in-memory database) messages are handled here, and so are the
  // downloads of the files they attach; otherwise the processor thread runs them.
  if (!processor) core.downloads.start();
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`lianbao: ${config.host} 的端口 ${config.port} 已被占用：请停掉占用它的程序，或把 PORT 设为空闲的端口\n`);
      process.exit(1);
    }
    throw err;
  }
  // DingTalk Stream mode: lianbao connects out, so no public URL is needed.
  const stream =
    config.dingtalk?.mode === 'stream'
      ? startDingtalkStream(config.dingtalk, { handle: accept, clock: core.clock }, log.child({ platform: 'dingtalk' }))
      : undefined;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  if (config.playground.enabled) log.info(`playground: http://${host}:${config.port}/playground`);
  if (config.adminToken) log.info(`dashboard: http://${host}:${config.port}/dashboard`);

  // Jobs run in the processor thread (its own connection), so a job waiting for the write lock of
  // another process never holds up a callback; without one (an in-memory database), here.
  const scheduler = startScheduler(core, JOBS, config.schedules, processor && ((job, now) => processor.runJob(job, now)));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing callbacks in flight, the messages stored and the current send');
    // Stop taking callbacks and finish those in flight (their work runs on the next tick), let the
    // processor handle what is stored, then send what that queued (as far as the limits allow).
    await scheduler.stop();
    await stream?.stop();
    await app.close();
    await new Promise((r) => setImmediate(r));
    await processor?.stop();
    if (!processor) await core.downloads.stop();
    inbox?.close();
    await core.worker.stop();
    core.db.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  // A roster's problems are listed with their places in the file: the operator needs those, not a stack.
  if (err instanceof RosterError) process.stderr.write(`${err.message}\nlianbao: 名册有以上问题，服务器没有启动\n`);
  else process.stderr.write(`lianbao: 启动失败：${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
