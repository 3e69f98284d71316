import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the double received. */
export interface Recorded {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: any;
}

export type Responder = (req: Recorded) => { status?: number; body: unknown };

/** A real HTTP server on 127.0.0.1 standing in for a DingTalk host. */
export interface HttpDouble {
  url: string;
  calls: Recorded[];
  callsTo(path: string): Recorded[];
  on(path: string, responder: Responder): void;
  close(): Promise<void>;
}

export async function startHttpDouble(routes: Record<string, Responder> = {}): Promise<HttpDouble> {
  const calls: Recorded[] = [];
  const table = new Map(Object.entries(routes));
  const server: Server = createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      data += chunk;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://double');
      const rec: Recorded = { path: url.pathname, query: url.searchParams, headers: req.headers, body: data ? JSON.parse(data) : undefined };
      calls.push(rec);
      const responder = table.get(rec.path);
      const out = responder ? responder(rec) : { status: 404, body: { code: 'NotFound', message: `no route ${rec.path}` } };
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json' });
      res.end(typeof out.body === 'string' ? out.body : JSON.stringify(out.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (path) => calls.filter((c) => c.path === path),
    on: (path, responder) => {
      table.set(path, responder);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
