import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Ingest, InboundDeps } from './chat/receiver.js';
import type { Platform } from './chat/types.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { dashboardOffRoutes } from './dashboard/off.js';
import { dashboardRoutes, type DashboardOptions } from './dashboard/routes.js';
import { freeSpaceProblem } from './db/open.js';
import { createMetrics, type MetricsDeps } from './metrics.js';
import { dingtalkRoutes } from './platforms/dingtalk/index.js';
import { playgroundRoutes, type PlaygroundOptions } from './platforms/playground/index.js';
import { wecomRoutes } from './platforms/wecom/index.js';

/** How long /readyz waits for the database's write lock before saying it is busy. */
const READYZ_WAIT_MS = 1_000;

/** 1 MiB: larger callbacks are refused with 413 (SPEC §9). */
export const BODY_LIMIT = 1024 * 1024;

/**
 * Slow or hostile clients cannot hold the server (SPEC §9). A platform sends a callback's headers
 * and its few KiB of body at once, so these bounds are far above anything a callback takes; a
 * socket that trickles its headers or body is closed (with 408) when they pass, and a kept-alive
 * socket that stays idle is closed too. Fastify leaves the request deadline and the socket's idle
 * timeout off unless set (https://fastify.dev/docs/latest/Reference/Server/#requesttimeout); Node
 * checks the header and request deadlines every `checkEveryMs`, 30 s unless set
 * (https://nodejs.org/api/http.html#httpcreateserveroptions-requestlistener).
 */
export const HTTP_TIMEOUTS = {
  /** from a request's first byte to the end of its headers */
  headersMs: 10_000,
  /** from a request's first byte to the end of its body */
  requestMs: 15_000,
  /** a kept-alive socket between requests; a reverse proxy should drop idle upstream sockets sooner */
  keepAliveMs: 10_000,
  /** no byte either way while a request is handled; above the playground's 25 s event-stream ping */
  idleMs: 60_000,
  checkEveryMs: 1_000,
} as const;

/**
 * Answers a request Node's parser refused, as Fastify's default does (status line, length, close:
 * https://github.com/fastify/fastify/blob/main/fastify.js, defaultClientErrorHandler) but in
 * Chinese, with a warning naming the check. A reset connection has no one to answer.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, log: Logger): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, check, text, why] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'timeout', '请求超时：没有在限定时间内收到完整的请求，连接已关闭。', `request not received in time (headers within ${HTTP_TIMEOUTS.headersMs / 1000} s, all of it within ${HTTP_TIMEOUTS.requestMs / 1000} s): connection closed`]
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'header-size', '请求的网址或请求头太长，无法处理：请缩短网址（例如减少查询条件）后重试。', 'request line and headers over the size Node reads: refused']
        : [400, 'http', '请求格式不对，无法解析。', `request could not be parsed (${String(err.code ?? err.message).slice(0, 60)}): refused`];
  log.warn({ check }, why);
  if (socket.writable) {
    const body = Buffer.from(`${text}\n`, 'utf8');
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${body.length}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n`);
    socket.write(body);
  }
  socket.destroy(err);
}

/** What /readyz checks, besides the routes answering at all. */
export interface Readiness {
  /** A real write to the main database, as soon as its write lock is free: false when not within `waitMs`. */
  write(waitMs: number): Promise<boolean>;
  /** the database file, whose folder must have room; undefined for an in-memory database */
  databasePath: string | undefined;
  /** the platforms messages are sent to */
  platforms: readonly Platform[];
  /** further reasons not to be ready: sending paused, the processor not running */
  problems(): (string | undefined)[];
}

/** What the HTTP app is built from (src/wiring.ts builds it). */
export interface AppDeps {
  config: Pick<Config, 'trustProxy' | 'wecom' | 'dingtalk'>;
  log: Logger;
  clock: Clock;
  /** where every route hands its verified messages: the inbox */
  ingest: Ingest;
  /** the answer a card click is to carry, for the platform that updates a card only so (InboundDeps.answer) */
  answer?: InboundDeps['answer'];
  readiness: Readiness;
  metrics: MetricsDeps;
  /** the local trial page, when it is on */
  playground?: Omit<PlaygroundOptions, 'deps'>;
  /** the ledger pages, when ADMIN_TOKEN is set */
  dashboard?: DashboardOptions;
}

/**
 * Builds the HTTP app. It never listens: `server.ts` owns start-up and shutdown, and tests call
 * `app.inject()`.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, log, clock } = deps;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    connectionTimeout: HTTP_TIMEOUTS.idleMs,
    requestTimeout: HTTP_TIMEOUTS.requestMs,
    keepAliveTimeout: HTTP_TIMEOUTS.keepAliveMs,
    http: { headersTimeout: HTTP_TIMEOUTS.headersMs, connectionsCheckingInterval: HTTP_TIMEOUTS.checkEveryMs },
    requestIdHeader: false,
    // Behind a reverse proxy, req.ip is the client's address only if the proxy's X-Forwarded-For
    // is believed, and only from the proxy's own addresses (TRUST_PROXY): the dashboard's sign-in
    // throttle is keyed by it. Without TRUST_PROXY the header is ignored, so no client can pick
    // its own address. https://fastify.dev/docs/latest/Reference/Server/#trustproxy
    trustProxy: config.trustProxy ? [...config.trustProxy] : false,
    // One line per request, written below when it is answered, instead of Fastify's two (each of
    // which serialises the whole request through the redaction paths).
    logController: new LogController({ disableRequestLogging: true }),
    // A request Node could not even read (too slow, headers or address over 16 KB, not HTTP) is
    // answered here, before any route: in Chinese, with a warning that names the check, where
    // Fastify would answer English JSON and log at trace level.
    // https://fastify.dev/docs/latest/Reference/Server/#clienterrorhandler
    clientErrorHandler: (err, socket) => answerClientError(err, socket, log),
  });

  const CALLBACKS: Record<string, string> = { '/wecom/callback': 'wecom', '/dingtalk/callback': 'dingtalk', '/dingtalk/card-callback': 'dingtalk' };
  app.addHook('onResponse', async (req, reply) => {
    // A callback taken is logged by the line that says how its message was handled, and timed in
    // /metrics; its answer is logged at debug. Refusals have their own warning line as well.
    const level = reply.statusCode < 300 && CALLBACKS[req.routeOptions.url ?? ''] ? 'debug' : 'info';
    if (!log.isLevelEnabled(level)) return;
    // The path only: callback query strings carry signatures, and the dashboard's its filters.
    const q = req.url.indexOf('?');
    req.log[level](
      { method: req.method, path: q < 0 ? req.url : req.url.slice(0, q), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request answered',
    );
  });

  // One funnel for unexpected errors: logged in full, answered without details.
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.code(status).send({ error: 'internal error' });
    }
    req.log.warn({ check: 'request', status, reason: err.message }, 'bad request');
    return reply.code(status).send({ error: err.message });
  });

  app.get('/healthz', async () => ({ ok: true }));

  const { readiness } = deps;
  app.get('/readyz', async (_req, reply) => {
    const problems: string[] = [];
    // A real write, but never a wait in SQLite's busy handler: while another connection holds the
    // write lock (the processor's batch, an import) this thread goes on answering callbacks.
    try {
      if (!(await readiness.write(READYZ_WAIT_MS))) problems.push(`database busy: another connection has held its write lock for over ${READYZ_WAIT_MS / 1000} s`);
    } catch (err) {
      problems.push(`database not writable: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (readiness.databasePath !== undefined) {
      try {
        const disk = await freeSpaceProblem(readiness.databasePath);
        if (disk) problems.push(disk);
      } catch (err) {
        problems.push(`cannot check the free disk space: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (readiness.platforms.length === 0) problems.push('no platform configured and the playground is off');
    for (const p of readiness.problems()) if (p) problems.push(p);
    if (problems.length > 0) return reply.code(503).send({ ok: false, problems });
    return { ok: true, platforms: readiness.platforms };
  });

  const metrics = createMetrics(deps.metrics);
  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.addHook('onResponse', async (req, reply) => {
    const platform = CALLBACKS[req.routeOptions.url ?? ''];
    if (platform) metrics.callback(platform, reply.statusCode, reply.elapsedTime / 1000);
  });

  const inbound: InboundDeps = { accept: (msg, signature) => deps.ingest.accept(msg, signature), answer: deps.answer, clock };
  if (config.wecom) await app.register(wecomRoutes, { config: config.wecom, deps: inbound });
  if (config.dingtalk?.mode === 'http') await app.register(dingtalkRoutes, { config: config.dingtalk, deps: inbound });
  if (deps.playground) await app.register(playgroundRoutes, { ...deps.playground, deps: inbound });
  // After the playground: the dashboard serves the shared stylesheet itself only when the playground is off.
  if (deps.dashboard) await app.register(dashboardRoutes, deps.dashboard);
  else await app.register(dashboardOffRoutes);
  return app;
}
