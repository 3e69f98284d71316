import { DWClient, TOPIC_CARD, TOPIC_ROBOT, type DWClientDownStream } from 'dingtalk-stream';
import { receive, type InboundDeps, type Verified } from '../../chat/receiver.js';
import { readCardCallback } from './cards.js';
import { parseRobotMessage } from './parse.js';
import type { DingtalkConfig, DingtalkLogger } from './types.js';

/**
 * The verify step of the Stream receiver: the `data` of a robot message frame, read like an HTTP
 * callback's body. The connection itself is what DingTalk authenticated (with the app's key and
 * secret), so a frame carries no signature of its own.
 */
export function readStreamFrame(data: string): Verified {
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return { ok: false, status: 400, check: 'body', reason: 'robot message is not JSON; acknowledged and dropped' };
  }
  const parsed = parseRobotMessage(body);
  if (parsed.kind === 'invalid') return { ok: false, status: 400, check: 'payload', reason: `robot message lacks a needed field (${parsed.reason})` };
  return { ok: true, message: parsed.message };
}

/**
 * The verify step for a card callback frame (topic /v1.0/card/instances/callback): its `data` is
 * the card callback, read like the HTTP one, named by the frame's own messageId, which the gateway
 * keeps when it delivers an unacknowledged frame again.
 */
export function readCardFrame(data: string, messageId: string): Verified {
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return { ok: false, status: 400, check: 'body', reason: 'card callback is not JSON; acknowledged and dropped' };
  }
  const read = readCardCallback(body, `card:${messageId}`);
  if (!read.ok) return { ok: false, status: 400, check: 'payload', reason: `card callback lacks a needed field (${read.reason})` };
  return { ok: true, message: read.message };
}

/** A running Stream mode connection. */
export interface DingtalkStreamHandle {
  /** Closes the connection and stops reconnecting; resolves once the socket is closed. */
  stop(): Promise<void>;
}

/** Tuning for tests; the defaults are what production uses. */
export interface DingtalkStreamOptions {
  /** First reconnect delay, doubled after each failed attempt (default 1 s). */
  initialDelayMs?: number;
  /** Longest reconnect delay (default 60 s). */
  maxDelayMs?: number;
}

const REQUEST_TIMEOUT_MS = 10_000;
/** A WebSocket handshake that has not finished by then is abandoned and retried. */
const HANDSHAKE_TIMEOUT_MS = 30_000;
/** How often the socket is pinged; a ping still unanswered at the next one means the link is dead. */
const HEARTBEAT_MS = 10_000;
/** A connection that lasted this long was healthy: the next drop starts the backoff from the beginning. */
const STABLE_MS = 60_000;
const WS_CONNECTING = 0;
const WS_CLOSED = 3;

/** The part of the `ws` WebSocket the client's socket is used through. */
interface StreamSocket {
  readonly readyState: number;
  once(event: 'close', listener: (code: number) => void): unknown;
  on(event: 'pong', listener: () => void): unknown;
  ping(): void;
  close(): void;
  terminate(): void;
}

function isStreamSocket(value: unknown): value is StreamSocket {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Partial<Record<keyof StreamSocket, unknown>>;
  return typeof s.once === 'function' && typeof s.ping === 'function' && typeof s.terminate === 'function';
}

/**
 * `dingtalk-stream`'s DWClient, adjusted in the fewest places:
 * - `getEndpoint` is replaced because the package posts to a hard-coded
 *   `https://api.dingtalk.com/v1.0/gateway/connections/open` (its GATEWAY_URL constant). This override
 *   makes the same request against DINGTALK_API_BASE, with fetch and a timeout, and sets the URL the
 *   package's `_connect` opens. The package keeps that URL in a private field, reached here by name.
 * - Reconnecting is switched off in the package (it retries every second for ever) and done by
 *   `startDingtalkStream` with a backoff; the loop needs the socket's close event, so `currentSocket()` reads
 *   the package's private socket field, again by name, in this one place.
 * - A frame that is not JSON makes the package throw inside the socket's message listener, which would
 *   end the process; `onDownStream` catches and logs it instead.
 * - A SYSTEM `disconnect` frame (the gateway announcing it will close) only marks the package's client
 *   as disconnected; `onSystem` closes the socket so the loop reconnects at once.
 */
class GatewayClient extends DWClient {
  private readonly stopping = new AbortController();

  constructor(
    private readonly apiBase: string,
    private readonly log: DingtalkLogger,
    clientId: string,
    clientSecret: string,
    cards: boolean,
  ) {
    super({ clientId, clientSecret, ua: 'lianbao', keepAlive: false });
    this.config.autoReconnect = false;
    // Robot messages, and card clicks when cards are made (SPEC §7a). Replacing the array also keeps
    // the package from pushing into its module-level default subscription list, which every client
    // instance shares.
    this.config.subscriptions = [{ type: 'CALLBACK', topic: TOPIC_ROBOT }, ...(cards ? [{ type: 'CALLBACK', topic: TOPIC_CARD }] : [])];
  }

  override async getEndpoint(): Promise<this> {
    // A timer kept here, not AbortSignal.timeout inside AbortSignal.any: Node can collect that
    // timeout signal before it fires, and the request then waits for ever
    // (https://github.com/nodejs/node/issues/57736).
    const ctrl = new AbortController();
    const stop = (): void => ctrl.abort(this.stopping.signal.reason);
    if (this.stopping.signal.aborted) stop();
    this.stopping.signal.addEventListener('abort', stop, { once: true });
    const timer = setTimeout(() => ctrl.abort(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS);
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.apiBase}/v1.0/gateway/connections/open`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          clientId: this.config.clientId,
          clientSecret: this.config.clientSecret,
          ua: this.config.ua,
          subscriptions: this.config.subscriptions,
        }),
        signal: ctrl.signal,
      });
      text = await res.text();
    } finally {
      clearTimeout(timer);
      this.stopping.signal.removeEventListener('abort', stop);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const { endpoint, ticket } = fields;
    if (!res.ok || typeof endpoint !== 'string' || typeof ticket !== 'string' || !endpoint || !ticket) {
      const code = typeof fields.code === 'string' ? ` ${fields.code}` : '';
      const message = typeof fields.message === 'string' ? `: ${fields.message}` : '';
      throw new Error(`gateway connections/open answered HTTP ${res.status}${code}${message}`);
    }
    this['dw_url'] = `${endpoint}?ticket=${encodeURIComponent(ticket)}`;
    return this;
  }

  /** The package's current WebSocket, if it has one. */
  currentSocket(): StreamSocket | undefined {
    const socket: unknown = this['socket'];
    return isStreamSocket(socket) ? socket : undefined;
  }

  /** Abandons a ticket request or handshake in progress, so that stopping never waits on the network. */
  abortPending(): void {
    this.stopping.abort();
    const socket = this.currentSocket();
    if (socket?.readyState === WS_CONNECTING) socket.terminate();
  }

  override onDownStream(data: string): void {
    try {
      super.onDownStream(data);
    } catch (err) {
      this.log.warn({ err }, 'DingTalk stream frame could not be read; ignored');
    }
  }

  override onSystem(downstream: DWClientDownStream): void {
    super.onSystem(downstream);
    if (downstream.headers.topic === 'disconnect') {
      this.log.info('DingTalk stream gateway asked to disconnect; reconnecting');
      this.currentSocket()?.close();
    }
  }
}

/**
 * Stream mode (DINGTALK_MODE=stream): holds a WebSocket to DingTalk's gateway instead of taking HTTP
 * callbacks, so no public URL is needed. Robot messages go through the same parser as HTTP callbacks
 * and are acknowledged at once (the gateway redelivers unacknowledged ones); repeats are the core's
 * to ignore, by msgId. A dropped connection is reopened after 1 s, doubling up to 60 s.
 */
export function startDingtalkStream(
  config: DingtalkConfig,
  deps: InboundDeps,
  log: DingtalkLogger,
  options: DingtalkStreamOptions = {},
): DingtalkStreamHandle {
  const initialDelay = options.initialDelayMs ?? 1000;
  const maxDelay = options.maxDelayMs ?? 60_000;
  const client = new GatewayClient(config.apiBase, log, config.appKey, config.appSecret, config.card !== undefined);

  let stopped = false;
  let delay = initialDelay;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let connecting: Promise<void> | undefined;

  client.registerCallbackListener(TOPIC_ROBOT, (downstream) => {
    // Acknowledged once stored, and when refused (the gateway would only deliver it again); a
    // message that could not be stored is left unacknowledged, so that the gateway delivers it again.
    void receive('dingtalk stream frame', readStreamFrame(downstream.data), deps, log, (outcome) => {
      if (outcome.kind !== 'failed') client.socketCallBackResponse(downstream.headers.messageId, 'OK');
    });
  });
  if (config.card) {
    client.registerCallbackListener(TOPIC_CARD, (downstream) => {
      // The card is updated by the API (PUT /v1.0/card/instances) once the click is handled, so the
      // answer changes nothing by itself: an empty response.
      void receive('dingtalk card callback frame', readCardFrame(downstream.data, downstream.headers.messageId), deps, log, (outcome) => {
        if (outcome.kind !== 'failed') client.socketCallBackResponse(downstream.headers.messageId, {});
      });
    });
  }

  const scheduleReconnect = (reason: string): void => {
    if (stopped) return;
    log.warn({ reason, retryInMs: delay }, 'DingTalk stream disconnected; reconnecting');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connecting = connect();
    }, delay);
    delay = Math.min(delay * 2, maxDelay);
  };

  const startHeartbeat = (socket: StreamSocket): void => {
    let answered = true;
    socket.on('pong', () => {
      answered = true;
    });
    heartbeat = setInterval(() => {
      if (!answered) {
        log.warn('DingTalk stream heartbeat unanswered; dropping the connection');
        socket.terminate();
        return;
      }
      answered = false;
      socket.ping();
    }, HEARTBEAT_MS);
    heartbeat.unref();
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    attempt += 1;
    try {
      await client.getEndpoint();
      await withTimeout(client._connect(), HANDSHAKE_TIMEOUT_MS, () => client.currentSocket()?.terminate());
    } catch (err) {
      scheduleReconnect(`connect failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const socket = client.currentSocket();
    if (!socket) {
      scheduleReconnect('connected without a socket');
      return;
    }
    if (stopped) {
      socket.close();
      return;
    }
    log.info({ attempt }, 'DingTalk stream connected');
    attempt = 0;
    const openedAt = performance.now();
    startHeartbeat(socket);
    socket.once('close', (code) => {
      clearInterval(heartbeat);
      heartbeat = undefined;
      if (stopped) return;
      // Measured on the monotonic clock: this is a duration, not a point in time the core cares about.
      if (performance.now() - openedAt >= STABLE_MS) delay = initialDelay;
      scheduleReconnect(`connection closed (code ${code})`);
    });
  };

  connecting = connect();

  return {
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(reconnectTimer);
      client.abortPending();
      await connecting;
      clearInterval(heartbeat);
      const socket = client.currentSocket();
      if (!socket || socket.readyState === WS_CLOSED) return;
      await new Promise<void>((resolve) => {
        // A gateway that does not answer the close handshake is cut off rather than waited for.
        const cutOff = setTimeout(() => socket.terminate(), 2000);
        socket.once('close', () => {
          clearTimeout(cutOff);
          resolve();
        });
        socket.close();
      });
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
