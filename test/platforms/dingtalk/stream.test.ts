import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
// `ws` comes with dingtalk-stream; the fake gateway uses the same library the client does.
import { WebSocketServer, type WebSocket } from 'ws';
import { FixedClock } from '../../../src/clock.js';
import { startDingtalkStream, type DingtalkConfig, type DingtalkStreamHandle } from '../../../src/platforms/dingtalk/index.js';
import type { IncomingMessage } from '../../../src/chat/types.js';
import { startHttpDouble, type HttpDouble } from './http-double.js';

const OPEN = '/v1.0/gateway/connections/open';
const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A local stand-in for DingTalk's Stream gateway: the HTTP ticket endpoint plus the WebSocket it points to. */
interface FakeGateway {
  http: HttpDouble;
  wss: WebSocketServer;
  connections: Array<{ ws: WebSocket; url: string }>;
  nextConnection(): Promise<WebSocket>;
  close(): Promise<void>;
}

async function startGateway(openResponses: Array<{ status: number; body: unknown }> = []): Promise<FakeGateway> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const wsPort = (wss.address() as AddressInfo).port;
  let tickets = 0;
  const http = await startHttpDouble({
    [OPEN]: () => {
      const scripted = openResponses.shift();
      if (scripted) return scripted;
      tickets += 1;
      return { body: { endpoint: `ws://127.0.0.1:${wsPort}/connect`, ticket: `ticket ${tickets}` } };
    },
  });
  const connections: FakeGateway['connections'] = [];
  const waiting: Array<(ws: WebSocket) => void> = [];
  wss.on('connection', (ws, req) => {
    connections.push({ ws, url: req.url ?? '' });
    waiting.shift()?.(ws);
  });
  let seen = 0;
  return {
    http,
    wss,
    connections,
    nextConnection() {
      const index = seen++;
      const existing = connections[index];
      if (existing) return Promise.resolve(existing.ws);
      return new Promise((resolve) => waiting.push(resolve));
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await http.close();
    },
  };
}

function nextFrame(ws: WebSocket): Promise<any> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
}

function robotFrame(messageId: string, data: string) {
  return JSON.stringify({
    specVersion: '1.0',
    type: 'CALLBACK',
    headers: { appId: 'app', connectionId: 'conn', contentType: 'application/json', messageId, time: '1767228000000', topic: TOPIC_ROBOT },
    data,
  });
}

const fixture = readFileSync(new URL('../../fixtures/dingtalk/text-group.json', import.meta.url), 'utf8');

let gateway: FakeGateway | undefined;
let stream: DingtalkStreamHandle | undefined;

afterEach(async () => {
  await stream?.stop();
  await gateway?.close();
  stream = undefined;
  gateway = undefined;
});

function configFor(g: FakeGateway): DingtalkConfig {
  return { appKey: 'dingtestkey', appSecret: 'stream-secret', robotCode: 'dingrobot001', mode: 'stream', apiBase: g.http.url, oapiBase: 'https://oapi.dingtalk.com' };
}

describe('DingTalk Stream mode', () => {
  it('opens a ticket at DINGTALK_API_BASE, acks and hands over a robot message, and reconnects after a drop', async () => {
    gateway = await startGateway();
    const handled: IncomingMessage[] = [];
    stream = startDingtalkStream(configFor(gateway), { clock: new FixedClock(0), accept: (m) => handled.push(m) }, silent);

    const first = await gateway.nextConnection();
    const [open] = gateway.http.callsTo(OPEN);
    expect(open?.body).toMatchObject({ clientId: 'dingtestkey', clientSecret: 'stream-secret', subscriptions: [{ type: 'CALLBACK', topic: TOPIC_ROBOT }] });
    expect(gateway.connections[0]?.url).toBe('/connect?ticket=ticket%201');

    const ack = nextFrame(first);
    first.send(robotFrame('stream-msg-1', fixture));
    const frame = await ack;
    expect(frame).toMatchObject({ code: 200, headers: { messageId: 'stream-msg-1' } });
    expect(JSON.parse(frame.data)).toEqual({ response: 'OK' });
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({ platform: 'dingtalk', msgId: 'msgA1b2C3==', chatType: 'group', senderId: 'staff-chen', text: '报告 项目东门被堵，施工车辆进不去' });

    first.terminate();
    const second = await gateway.nextConnection();
    expect(gateway.http.callsTo(OPEN)).toHaveLength(2);
    expect(gateway.connections[1]?.url).toBe('/connect?ticket=ticket%202');

    // A redelivery on the new connection is acked and passed on again: dropping repeats is the core's job.
    const ack2 = nextFrame(second);
    second.send(robotFrame('stream-msg-2', fixture));
    expect(await ack2).toMatchObject({ headers: { messageId: 'stream-msg-2' } });
    expect(handled.map((m) => m.msgId)).toEqual(['msgA1b2C3==', 'msgA1b2C3==']);

    const closed = new Promise((resolve) => second.once('close', resolve));
    await stream.stop();
    await closed;
    expect(gateway.connections).toHaveLength(2);
  });

  it('survives a frame that is not JSON, hands a picture over as one, and answers gateway pings', async () => {
    gateway = await startGateway();
    const handled: IncomingMessage[] = [];
    stream = startDingtalkStream(configFor(gateway), { clock: new FixedClock(0), accept: (m) => handled.push(m) }, silent);
    const ws = await gateway.nextConnection();

    ws.send('this is not json');
    const pictureAck = nextFrame(ws);
    const picture = { ...JSON.parse(fixture), msgtype: 'picture', msgId: 'pic-1', text: undefined };
    ws.send(robotFrame('stream-pic', JSON.stringify(picture)));
    expect(await pictureAck).toMatchObject({ headers: { messageId: 'stream-pic' } });
    expect(handled).toEqual([expect.objectContaining({ msgId: 'pic-1', kind: 'image' })]);

    const pong = nextFrame(ws);
    ws.send(JSON.stringify({ specVersion: '1.0', type: 'SYSTEM', headers: { topic: 'ping', messageId: 'ping-1' }, data: '{"opaque":"x"}' }));
    expect(await pong).toMatchObject({ code: 200, headers: { messageId: 'ping-1' }, data: '{"opaque":"x"}' });

    const ack = nextFrame(ws);
    ws.send(robotFrame('stream-msg-3', fixture));
    await ack;
    expect(handled).toHaveLength(2);
  });

  it('keeps retrying when the gateway refuses a ticket, then connects', async () => {
    gateway = await startGateway([
      { status: 500, body: { code: 'ServiceUnavailable', message: 'try later' } },
      { status: 500, body: { code: 'ServiceUnavailable', message: 'try later' } },
    ]);
    stream = startDingtalkStream(configFor(gateway), { clock: new FixedClock(0), accept: () => {} }, silent, { initialDelayMs: 20 });
    await gateway.nextConnection();
    expect(gateway.http.callsTo(OPEN)).toHaveLength(3);
  });

  it('reconnects when the gateway announces a disconnect', async () => {
    gateway = await startGateway();
    stream = startDingtalkStream(configFor(gateway), { clock: new FixedClock(0), accept: () => {} }, silent, { initialDelayMs: 20 });
    const first = await gateway.nextConnection();
    first.send(JSON.stringify({ specVersion: '1.0', type: 'SYSTEM', headers: { topic: 'disconnect', messageId: 'bye' }, data: '{"reason":"maintenance"}' }));
    await gateway.nextConnection();
    expect(gateway.http.callsTo(OPEN)).toHaveLength(2);
  });
});
