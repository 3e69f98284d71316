import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/clock.js';
import type { Accepted } from '../../../src/chat/receiver.js';
import { startDingtalkStream, type DingtalkConfig, type DingtalkStreamHandle } from '../../../src/platforms/dingtalk/index.js';
import type { IncomingMessage } from '../../../src/chat/types.js';
import { startPlatformDouble, type PlatformDouble } from '../../support/platform-double.js';

const OPEN = '/v1.0/gateway/connections/open';
const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A robot message frame as the gateway pushes it (the same JSON as an HTTP callback in `data`). */
function robotFrame(messageId: string, data: string) {
  return {
    specVersion: '1.0',
    type: 'CALLBACK',
    headers: { appId: 'app', connectionId: 'conn', contentType: 'application/json', messageId, time: '1767228000000', topic: TOPIC_ROBOT },
    data,
  };
}

/** What the stream hands over, kept in order. */
function recorder() {
  const handled: IncomingMessage[] = [];
  return { handled, accept: async (m: IncomingMessage | undefined): Promise<Accepted> => (m && handled.push(m), 'stored') };
}

const fixture = readFileSync(new URL('../../fixtures/dingtalk/text-group.json', import.meta.url), 'utf8');

let gateway: PlatformDouble | undefined;
let stream: DingtalkStreamHandle | undefined;

afterEach(async () => {
  await stream?.stop();
  await gateway?.close();
  stream = undefined;
  gateway = undefined;
});

/** The platform double, whose api.dingtalk.com hands out Stream tickets and runs the gateway's WebSocket. */
async function startGateway(): Promise<PlatformDouble> {
  return startPlatformDouble();
}

function configFor(g: PlatformDouble): DingtalkConfig {
  return { appKey: 'dingtestkey', appSecret: 'stream-secret', robotCode: 'dingrobot001', mode: 'stream', apiBase: g.base, oapiBase: 'https://oapi.dingtalk.com' };
}

describe('DingTalk Stream mode', () => {
  it('opens a ticket at DINGTALK_API_BASE, acks and hands over a robot message, and reconnects after a drop', async () => {
    gateway = await startGateway();
    const { handled, accept } = recorder();
    stream = startDingtalkStream(configFor(gateway), { clock: new FixedClock(0), accept }, silent);

    await gateway.stream.waitForConnection();
    const [open] = gateway.requestsTo(OPEN);
    expect(open?.body).toMatchObject({ clientId: 'dingtestkey', clientSecret: 'stream-secret', subscriptions: [{ type: 'CALLBACK', topic: TOPIC_ROBOT }] });
    expect(gateway.stream.paths[0]).toBe(`/gateway/connect?ticket=${encodeURIComponent(gateway.stream.tickets[0]!)}`);

    const frame = await gateway.stream.pushFrame(robotFrame('stream-msg-1', fixture));
    expect(frame).toMatchObject({ code: 200, headers: { messageId: 'stream-msg-1' } });
    expect(JSON.parse(String(frame.data))).toEqual({ response: 'OK' });
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({ platform: 'dingtalk', msgId: 'msgA1b2C3==', chatType: 'group', senderId: 'staff-chen', text: '报告 项目东门被堵，施工车辆进不去' });

    gateway.stream.drop();
    await gateway.stream.waitForConnections(2);
    expect(gateway.requestsTo(OPEN)).toHaveLength(2);
    expect(gateway.stream.paths[1]).toBe(`/gateway/connect?ticket=${encodeURIComponent(gateway.stream.tickets[1]!)}`);

    // A redelivery on the new connection is acked and passed on again: dropping repeats is the core's job.
    expect(await gateway.stream.pushFrame(robotFrame('stream-msg-2', fixture))).toMatchObject({ headers: { messageId: 'stream-msg-2' } });
    expect(handled.map((m) => m.msgId)).toEqual(['msgA1b2C3==', 'msgA1b2C3==']);

    await stream.stop();
    expect(gateway.stream.connections).toBe(2);
  });

  it('survives a frame that is not JSON, hands a picture over as one, and answers gateway pings', async () => {
    gateway = await startGateway();
    const { handled, accept } = recorder();
    stream = startDingtalkStream(configFor(gateway), { clock: new FixedClock(0), accept }, silent);
    await gateway.stream.waitForConnection();

    gateway.stream.sendRaw('this is not json');
    const picture = { ...JSON.parse(fixture), msgtype: 'picture', msgId: 'pic-1', text: undefined };
    expect(await gateway.stream.pushFrame(robotFrame('stream-pic', JSON.stringify(picture)))).toMatchObject({ headers: { messageId: 'stream-pic' } });
    expect(handled).toEqual([expect.objectContaining({ msgId: 'pic-1', kind: 'image' })]);

    const ping = { specVersion: '1.0', type: 'SYSTEM', headers: { topic: 'ping', messageId: 'ping-1' }, data: '{"opaque":"x"}' };
    expect(await gateway.stream.pushFrame(ping)).toMatchObject({ code: 200, headers: { messageId: 'ping-1' }, data: '{"opaque":"x"}' });

    await gateway.stream.pushFrame(robotFrame('stream-msg-3', fixture));
    expect(handled).toHaveLength(2);
  });

  it('keeps retrying when the gateway refuses a ticket, then connects', async () => {
    gateway = await startGateway();
    let refusals = 2;
    gateway.on(OPEN, () => (refusals-- > 0 ? { status: 500, json: { code: 'ServiceUnavailable', message: 'try later' } } : undefined));
    stream = startDingtalkStream(configFor(gateway), { clock: new FixedClock(0), accept: recorder().accept }, silent, { initialDelayMs: 20 });
    await gateway.stream.waitForConnection();
    expect(gateway.requestsTo(OPEN)).toHaveLength(3);
  });

  it('reconnects when the gateway announces a disconnect', async () => {
    gateway = await startGateway();
    stream = startDingtalkStream(configFor(gateway), { clock: new FixedClock(0), accept: recorder().accept }, silent, { initialDelayMs: 20 });
    await gateway.stream.waitForConnection();
    gateway.stream.sendRaw(JSON.stringify({ specVersion: '1.0', type: 'SYSTEM', headers: { topic: 'disconnect', messageId: 'bye' }, data: '{"reason":"maintenance"}' }));
    await gateway.stream.waitForConnections(2);
    expect(gateway.requestsTo(OPEN)).toHaveLength(2);
  });
});
