/**
 * SPEC §9 against the real server process (inbox, processor thread, real sockets): a DingTalk
 * signature, once spent on a message, stays spent across a restart; and sockets that trickle a
 * request are closed by the server while it keeps answering everyone else.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dingtalkCallback,
  dingtalkEnv,
  dingtalkRobotMessage,
  postCallback,
  wecomEnv,
  wecomJsonCallback,
  type Callback,
  type DingtalkText,
} from '../support/callbacks.js';
import { startPlatformDouble, type PlatformDouble } from '../support/platform-double.js';
import { cleanupServers, queryDb, ServerProcess, type LogLine } from '../support/server-process.js';
import { waitFor } from '../support/wait.js';

let double: PlatformDouble;
/** The server of the moment: the restart test leaves a new process behind. */
let server: ServerProcess;

beforeAll(async () => {
  double = await startPlatformDouble();
  server = await ServerProcess.start({ env: { ...wecomEnv(double.base), ...dingtalkEnv(double.base, 'http') } });
}, 30_000);

afterAll(async () => {
  await cleanupServers();
  await double?.close();
});

const handled = (msgId: string) => (l: LogLine) => l.msgId === msgId && typeof l.result === 'string';
const tickets = (marker: string): number =>
  queryDb<{ n: number }>(server.databasePath, 'SELECT count(*) AS n FROM tickets WHERE description LIKE ?', `%[${marker}]%`)[0]!.n;

// DingTalk's sign covers only the timestamp (https://open.dingtalk.com/document/orgapp/receive-message),
// so anyone who saw one callback could sign any body for an hour; SPEC §9 makes a sign good for one message.
describe('DingTalk: a spent signature stays spent', () => {
  it('refuses a captured sign with another body (401, nothing stored), also after a restart, and answers the retry of its own message 200 without handling it again', async () => {
    const real: DingtalkText = { msgId: 'harden-real-1', conversationId: 'cidXM001', staffId: 'staff-chen', text: '报告 [H-REAL] 工地围挡被推倒' };
    const cb = dingtalkCallback(real);
    expect(await postCallback(server.base, cb)).toBe(200);
    await server.waitForLogs('the real message handled', handled(real.msgId));

    // The captured headers with a body of the attacker's choosing.
    const forgedBody = dingtalkRobotMessage({ msgId: 'harden-forged-1', conversationId: 'cidXM001', staffId: 'staff-chen', text: '报告 [H-FORGED] 项目经理卷款跑路' });
    const forged: Callback = { ...cb, body: JSON.stringify(forgedBody) };
    expect(await postCallback(server.base, forged)).toBe(401);
    await server.waitForLogs('the refusal naming its check', (l) => l.check === 'sign-reused');

    await server.stop('SIGTERM');
    server = await server.restart();
    expect(await postCallback(server.base, forged)).toBe(401);
    await server.waitForLogs('the refusal after the restart', (l) => l.check === 'sign-reused');
    // DingTalk retrying the real message with its own headers: answered, not handled again.
    expect(await postCallback(server.base, cb)).toBe(200);

    // A later message is handled after anything stored before it: by then a second handling would show.
    const later = dingtalkCallback({ msgId: 'harden-later-1', conversationId: 'cidXM001', staffId: 'staff-chen', text: '报告 [H-LATER] 夜间有人翻墙' });
    expect(await postCallback(server.base, later)).toBe(200);
    await server.waitForLogs('the later message handled', handled('harden-later-1'));
    expect(server.logs.filter(handled(real.msgId))).toEqual([]);
    expect(server.logs.filter(handled('harden-forged-1'))).toEqual([]);
    expect([tickets('H-REAL'), tickets('H-FORGED'), tickets('H-LATER')]).toEqual([1, 0, 1]);
    expect(double.messages((m) => m.text.includes('H-FORGED'))).toEqual([]);
  }, 60_000);
});

/** Opens a socket to the server that sends the start of a request and then one byte at a time. */
function slowSocket(port: number, kind: 'headers' | 'body'): { socket: Socket; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  // The server ends these connections; a reset or a 408 it writes is how that looks from here.
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  const start =
    kind === 'headers'
      ? 'POST /dingtalk/callback HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '
      : 'POST /dingtalk/callback HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ntimestamp: 1\r\nsign: x\r\ncontent-length: 100000\r\n\r\n{';
  socket.write(start);
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve())) };
}

// Fastify leaves the whole-request deadline off (https://fastify.dev/docs/latest/Reference/Server/#requesttimeout);
// Node's headersTimeout and requestTimeout are checked every connectionsCheckingInterval
// (https://nodejs.org/api/http.html#httpcreateserveroptions-requestlistener).
describe('slow clients cannot hold the server', () => {
  it('closes sockets that trickle their headers or body, and answers a health check and a signed callback while they hang', async () => {
    const SOCKETS = 300;
    const slow = Array.from({ length: SOCKETS }, (_, i) => slowSocket(server.port, i % 2 === 0 ? 'headers' : 'body'));
    let closed = 0;
    for (const s of slow) void s.closed.then(() => (closed += 1));
    // One byte per socket every 200 ms: never idle, never done.
    const trickle = setInterval(() => {
      for (const { socket } of slow) if (!socket.destroyed) socket.write('a');
    }, 200);
    try {
      await waitFor('every slow socket connected', () => slow.every((s) => !s.socket.connecting));

      // While they hang, everyone else is answered.
      const health = await fetch(`${server.base}/healthz`, { signal: AbortSignal.timeout(10_000) });
      expect(health.status).toBe(200);
      await health.arrayBuffer();
      const report = wecomJsonCallback({ msgId: 'harden-during-slow-1', chatId: 'wrXM001', userId: 'chenjl', text: '报告 [H-SLOW] 工地门口有人堵路' });
      expect(await postCallback(server.base, report)).toBe(200);
      await server.waitForLogs('the callback sent during the trickle handled', handled('harden-during-slow-1'));
      expect(closed, 'the slow sockets are still open while the others are answered').toBeLessThan(SOCKETS);

      // The server, not this test, ends every one of them.
      await waitFor(`all ${SOCKETS} slow sockets closed by the server`, () => closed === SOCKETS, {
        timeoutMs: 60_000,
        intervalMs: 200,
        detail: () => `${closed} of ${SOCKETS} closed`,
      });
    } finally {
      clearInterval(trickle);
      for (const { socket } of slow) socket.destroy();
    }
    // Each is refused with a warning naming the check, whichever part it was trickling. The
    // server's log reaches this process a little after the sockets close.
    await server.waitForLogs(`${SOCKETS} refusals naming the timeout`, (l) => l.level === 40 && l.check === 'timeout', SOCKETS);
    expect(server.logs.filter((l) => typeof l.level === 'number' && l.level >= 50)).toEqual([]);
    expect(server.alive).toBe(true);
    const after = await fetch(`${server.base}/healthz`, { signal: AbortSignal.timeout(10_000) });
    expect(after.status).toBe(200);
  }, 90_000);
});

// Node refuses a request line and headers over --max-http-header-size, 16 KiB by default
// (https://nodejs.org/api/cli.html#--max-http-header-sizesize); Fastify's clientErrorHandler answers
// it (https://fastify.dev/docs/latest/Reference/Server/#clienterrorhandler).
describe('a request Node cannot read', () => {
  it('is answered in Chinese, 431 for an address too long, with a warning naming the check', async () => {
    const res = await fetch(`${server.base}/dashboard?q=${'电缆'.repeat(4_000)}`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe('请求的网址或请求头太长，无法处理：请缩短网址（例如减少查询条件）后重试。\n');
    await server.waitForLogs('the refusal naming the check', (l) => l.level === 40 && l.check === 'header-size');
    const after = await fetch(`${server.base}/healthz`, { signal: AbortSignal.timeout(10_000) });
    expect(after.status).toBe(200);
  });
});
