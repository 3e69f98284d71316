import { createServer, type IncomingMessage as Req, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the double received. */
export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export type Responder = (req: Recorded) => { status?: number; json?: unknown; text?: string } | undefined;

/** A real HTTP server on 127.0.0.1 standing in for qyapi.weixin.qq.com. */
export interface HttpDouble {
  base: string;
  requests: Recorded[];
  respond: Responder;
  close(): Promise<void>;
}

async function readBody(req: Req): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startDouble(respond: Responder = () => ({ json: { errcode: 0, errmsg: 'ok' } })): Promise<HttpDouble> {
  const double: HttpDouble = {
    base: '',
    requests: [],
    respond,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://double');
      const rec: Recorded = { method: req.method ?? '', path: url.pathname, query: url.searchParams, body };
      double.requests.push(rec);
      const out = double.respond(rec) ?? { json: { errcode: 0, errmsg: 'ok' } };
      res.statusCode = out.status ?? 200;
      if (out.text !== undefined) {
        res.end(out.text);
      } else {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(out.json ?? {}));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  double.base = `http://127.0.0.1:${port}`;
  double.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // fetch keeps connections alive; without this close() would wait for them to time out.
      server.closeAllConnections();
    });
  return double;
}
