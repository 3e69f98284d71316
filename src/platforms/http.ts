import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * The platforms' APIs are called over kept-alive connections: a message sent to WeCom or DingTalk
 * is one short request to the same few hosts, and opening a connection (and a TLS session) for
 * each would cost more than the request. node:http rather than fetch: with a kept-alive agent it
 * costs about half the CPU per request.
 */
// An idle connection is closed after 4 s, before servers that keep one for 5 s (Node's default) do.
const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 32, maxFreeSockets: 32, timeout: 4_000 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 32, maxFreeSockets: 32, timeout: 4_000 }),
};

/** Bodies larger than this are not read: no platform answer comes near it. */
const MAX_ANSWER_BYTES = 1 << 20;

/** A request that got no HTTP answer: the connection failed, or no answer came in time. */
export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    message: string,
    /** the system error code (ECONNREFUSED, ECONNRESET, …), or 'timeout' */
    readonly code: string,
  ) {
    super(message);
  }
}

export interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * One request, answered with its status and body text; rejects with a TransportError when there
 * is no answer within `timeoutMs` or the connection fails. The URL is never in the error, since it
 * may carry a webhook key or an access token.
 */
export async function send(url: string, init: RequestInit): Promise<HttpAnswer> {
  try {
    return await attempt(url, init);
  } catch (err) {
    // A kept-alive connection the server closed just as it was reused fails before any answer;
    // the request never reached the server, so it is made once more on a new connection.
    if (err instanceof StaleConnection) return attempt(url, init);
    throw err;
  }
}

interface RequestInit {
  method: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

class StaleConnection extends TransportError {}

function attempt(url: string, init: RequestInit): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new TransportError('invalid URL', 'EINVAL'));
      return;
    }
    const secure = target.protocol === 'https:';
    const body = init.body === undefined ? undefined : Buffer.from(init.body);
    const headers: Record<string, string | number> = { ...init.headers };
    if (body) headers['content-length'] = body.length;
    let settled = false;
    const fail = (err: TransportError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const req = (secure ? httpsRequest : httpRequest)(
      target,
      { method: init.method, headers, agent: secure ? agents.https : agents.http },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) fail(new TransportError('answer too large', 'E2BIG'));
          else chunks.push(c);
        });
        res.on('error', (err: NodeJS.ErrnoException) => fail(new TransportError(err.message, err.code ?? 'ECONNRESET')));
        res.on('close', () => fail(new TransportError('connection closed before the answer was complete', 'ECONNRESET')));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    const timer = setTimeout(() => fail(new TransportError(`no answer within ${init.timeoutMs / 1000} s`, 'timeout')), init.timeoutMs);
    let answered = false;
    req.on('response', () => {
      answered = true;
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'ECONNRESET';
      if (req.reusedSocket && !answered && code === 'ECONNRESET') fail(new StaleConnection(err.message, code));
      else fail(new TransportError(err.message, code));
    });
    req.end(body);
  });
}

/**
 * Why a download address from a platform may not be fetched, or undefined when it may (SPEC §7b):
 * files are fetched over https from whatever host the platform names (its storage is on other
 * hosts than its API), or from one of `doubles` (the configured API bases, which a test points at
 * a local double over plain http: the one way to download from this machine or its network), and
 * never with credentials of their own in the address. An address that names this machine or a
 * private network by its IP (or `localhost`) is refused even over https: a platform's storage is
 * public, and a message must not make the server fetch from behind its firewall. (A name that
 * resolves to such an address is not checked here.)
 */
export function downloadUrlProblem(url: string, doubles: readonly string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.username || u.password) return 'carries credentials';
  const origins = doubles.map((d) => {
    try {
      return new URL(d).origin;
    } catch {
      return '';
    }
  });
  if (origins.includes(u.origin)) return undefined;
  if (u.protocol !== 'https:') return `${u.protocol} is not https, and ${u.origin} is not a configured API base`;
  if (isInternalHost(u.hostname)) return `${u.hostname} is an internal address, and ${u.origin} is not a configured API base`;
  return undefined;
}

/** Loopback, private, link-local and "this network" addresses, and unique-local and link-local IPv6. */
const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv4');
}
INTERNAL.addAddress('::', 'ipv6');
INTERNAL.addAddress('::1', 'ipv6');
INTERNAL.addSubnet('fc00::', 7, 'ipv6');
INTERNAL.addSubnet('fe80::', 10, 'ipv6');

/**
 * Whether a URL's host (as WHATWG URL normalises it: `2130706433` and `0x7f.1` are already
 * `127.0.0.1`, an IPv6 literal comes in brackets) is this machine or a private network.
 */
export function isInternalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIPv4(host)) return INTERNAL.check(host, 'ipv4');
  const v6 = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (!isIPv6(v6)) return false;
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1, normalised to ::ffff:7f00:1) reaches that IPv4 address.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (mapped) {
    const n = (parseInt(mapped[1]!, 16) << 16) | parseInt(mapped[2]!, 16);
    return INTERNAL.check([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'), 'ipv4');
  }
  return INTERNAL.check(v6, 'ipv6');
}

/** Redirects followed to reach a file; a platform's storage answers at once or after one. */
const MAX_REDIRECTS = 3;

/** How a file download began: its body to read, or why there is none. */
export type FileAnswer =
  | { ok: true; status: number; headers: Record<string, string | string[] | undefined>; body: IncomingMessage }
  | { ok: false; retryable: boolean; error: string; refused?: 'url' | 'too_large'; status?: number; text?: string };

export interface FileRequest {
  /** headers to send (a platform's own file API takes a token; a storage URL is fetched without) */
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
  /** for the first answer, and then for each pause in the body */
  timeoutMs: number;
  signal: AbortSignal;
  /** the configured API bases: the only hosts fetched over plain http (downloadUrlProblem) */
  doubles: readonly string[];
  /** a body the server says is longer than this is not read */
  maxBytes: number;
}

/**
 * Starts downloading a file and hands back its body, unread, to be read as it arrives (a file can be
 * tens of megabytes: it is never held in memory). Redirects are followed, each address checked like
 * the first. An answer other than 2xx is read (a little of it) for its error; 5xx and 429 are worth
 * another try, other refusals are not. The caller reads the body to its end or destroys it.
 */
export async function fetchFile(url: string, req: FileRequest): Promise<FileAnswer> {
  let target = url;
  for (let hop = 0; ; hop++) {
    const problem = downloadUrlProblem(target, req.doubles);
    if (problem) return { ok: false, retryable: false, refused: 'url', error: `download address refused: ${problem}` };
    let res: IncomingMessage;
    try {
      res = await openStream(target, req);
    } catch (err) {
      if (err instanceof TransportError) return { ok: false, retryable: true, error: err.code === 'timeout' ? err.message : `connection failed (${err.code})` };
      throw err;
    }
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location) {
      res.destroy();
      if (hop >= MAX_REDIRECTS) return { ok: false, retryable: false, error: `more than ${MAX_REDIRECTS} redirects` };
      target = new URL(location, target).toString();
      // A redirect is followed the way browsers do: without the request's body.
      req = { ...req, method: 'GET', body: undefined };
      continue;
    }
    if (status < 200 || status >= 300) {
      const text = await readSome(res, 4096);
      return { ok: false, retryable: status >= 500 || status === 429, error: `HTTP ${status}`, status, text };
    }
    const length = Number(res.headers['content-length']);
    if (Number.isFinite(length) && length > req.maxBytes) {
      res.destroy();
      return { ok: false, retryable: false, refused: 'too_large', error: `the file is ${length} bytes, over ${req.maxBytes}` };
    }
    return { ok: true, status, headers: res.headers, body: res };
  }
}

/** Up to `max` bytes of a body as text, the rest dropped. */
export async function readSome(res: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of res) {
      chunks.push(c as Buffer);
      size += (c as Buffer).length;
      if (size >= max) break;
    }
  } catch {
    // what came is what there is
  }
  res.destroy();
  return Buffer.concat(chunks).toString('utf8').slice(0, max);
}

/**
 * One request whose answer's body is handed over unread. Rejects with a TransportError when no
 * answer comes within `timeoutMs`, and the body ends with one when it pauses that long or `signal`
 * aborts it.
 */
function openStream(url: string, req: Pick<FileRequest, 'headers' | 'method' | 'body' | 'timeoutMs' | 'signal'>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const headers: Record<string, string | number> = { ...req.headers };
    if (body) headers['content-length'] = body.length;
    if (req.signal.aborted) {
      reject(new TransportError('download aborted', 'aborted'));
      return;
    }
    const r = (secure ? httpsRequest : httpRequest)(target, { method: req.method ?? 'GET', headers, agent: secure ? agents.https : agents.http });
    const onAbort = (): void => {
      r.destroy(new TransportError('download aborted', 'aborted'));
    };
    req.signal.addEventListener('abort', onAbort, { once: true });
    r.on('close', () => req.signal.removeEventListener('abort', onAbort));
    // No byte for this long, before or during the body: the connection is given up.
    r.setTimeout(req.timeoutMs, () => r.destroy(new TransportError(`no data within ${req.timeoutMs / 1000} s`, 'timeout')));
    r.on('response', (res) => resolve(res));
    r.on('error', (err: NodeJS.ErrnoException) => reject(err instanceof TransportError ? err : new TransportError(err.message, err.code ?? 'ECONNRESET')));
    r.end(body);
  });
}
