import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

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
