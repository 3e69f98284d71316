import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { send, TransportError } from '../../src/platforms/http.js';

/**
 * A tiny HTTP/1.1 server on a raw socket, so that the test decides exactly what happens to each
 * connection: `answer(n, i)` is called for the i-th request on the n-th connection and returns a
 * status, or 'drop' to close the connection without answering, or 'hang' to never answer.
 */
function rawServer(answer: (conn: number, req: number) => number | 'drop' | 'hang'): Promise<{ base: string; connections: () => number; server: Server }> {
  let conns = 0;
  const server = createServer((socket: Socket) => {
    sockets.add(socket);
    const conn = ++conns;
    let reqs = 0;
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        const what = answer(conn, ++reqs);
        if (what === 'drop') {
          socket.destroy();
          return;
        }
        if (what === 'hang') return;
        const body = JSON.stringify({ conn, req: reqs });
        socket.write(`HTTP/1.1 ${what} OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`);
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ base: `http://127.0.0.1:${port}`, connections: () => conns, server });
    }),
  );
}

let open: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(open.map((s) => new Promise((r) => s.close(r))));
  open = [];
});

describe('requests to the platforms', () => {
  it('keep the connection: a second message to the same host goes over the first connection', async () => {
    const s = await rawServer(() => 200);
    open.push(s.server);
    const a = await send(`${s.base}/cgi-bin/webhook/send?key=k`, { method: 'POST', body: '{"msgtype":"markdown"}', timeoutMs: 2000 });
    const b = await send(`${s.base}/cgi-bin/webhook/send?key=k`, { method: 'POST', body: '{"msgtype":"markdown"}', timeoutMs: 2000 });
    expect(JSON.parse(a.text)).toEqual({ conn: 1, req: 1 });
    expect(JSON.parse(b.text)).toEqual({ conn: 1, req: 2 });
    expect(s.connections()).toBe(1);
  });

  it('are made again on a new connection when a kept connection turns out closed, and the message is sent once', async () => {
    // The server drops the second request on a kept connection, as one that timed it out would.
    const s = await rawServer((_conn, req) => (req === 2 ? 'drop' : 200));
    open.push(s.server);
    await send(`${s.base}/x`, { method: 'POST', body: '{}', timeoutMs: 2000 });
    const again = await send(`${s.base}/x`, { method: 'POST', body: '{}', timeoutMs: 2000 });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual({ conn: 2, req: 1 });
  });

  it('fail with a transport error, not an answer, when a new connection is dropped or nothing answers in time', async () => {
    const dropping = await rawServer(() => 'drop');
    const hanging = await rawServer(() => 'hang');
    open.push(dropping.server, hanging.server);
    await expect(send(`${dropping.base}/x`, { method: 'POST', body: '{}', timeoutMs: 2000 })).rejects.toBeInstanceOf(TransportError);
    expect(dropping.connections()).toBe(1);
    const late = await send(`${hanging.base}/x`, { method: 'GET', timeoutMs: 200 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(TransportError);
    expect((late as TransportError).code).toBe('timeout');
    expect((late as TransportError).message).toBe('no answer within 0.2 s');
  });

  it('name the reason when nothing listens, without the URL (it may hold a key)', async () => {
    const s = await rawServer(() => 200);
    const { base } = s;
    await new Promise((r) => s.server.close(r));
    const err = (await send(`${base}/cgi-bin/webhook/send?key=SECRET`, { method: 'POST', body: '{}', timeoutMs: 2000 }).catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.message).not.toContain('SECRET');
  });
});
