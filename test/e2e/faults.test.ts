/**
 * Delivery and hardening (SPEC §8): the real server process against a platform double that fails,
 * hangs and rate-limits, and a process that is killed or stopped at awkward moments. What must hold:
 * every message arrives, once, in order per group, and a platform retry never makes a second ticket.
 *
 * One server (with its restarts, on one database) serves the whole file, both platforms on: a report
 * in a WeCom group is answered there and also posted to the project's DingTalk group (and the other
 * way round), so each report puts exactly one message in each platform's lane for that project.
 * Each test tags its reports with its own marker and looks only at those.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  dingtalkCallback,
  dingtalkEnv,
  postCallback,
  wecomEnv,
  wecomJsonCallback,
  type Callback,
} from '../support/callbacks.js';
import { startPlatformDouble, type DeliveredMessage, type PlatformDouble } from '../support/platform-double.js';
import { cleanupServers, queryDb, ServerProcess, type LogLine } from '../support/server-process.js';
import { waitFor } from '../support/wait.js';
import { Inbox, inboxPathFor } from '../../src/inbox/inbox.js';

let double: PlatformDouble;
/** The server process of the moment: tests that stop it leave a restarted one behind. */
let server: ServerProcess;

beforeAll(async () => {
  double = await startPlatformDouble();
  server = await ServerProcess.start({
    env: {
      ...wecomEnv(double.base),
      ...dingtalkEnv(double.base, 'http'),
      // 200 replies to one group at the default 20 a minute per group robot would take 10 minutes;
      // the other tests send fewer than 20 per group, so the limit plays no part in them.
      RATE_GROUP_PER_MINUTE: '100000',
    },
  });
}, 30_000);

// A test that fails half-way must not leave the double misbehaving, or the server down, for the next.
afterEach(async () => {
  double.recover();
  double.setDelay(0);
  if (!server.alive) server = await server.restart();
}, 30_000);

afterAll(async () => {
  await cleanupServers();
  await double?.close();
});

/** A report tagged `[<marker>]` by `sender` in XM00<project>'s WeCom or DingTalk group. */
interface Report {
  marker: string;
  platform: 'wecom' | 'dingtalk';
  project?: 1 | 2;
  sender: string;
  text?: string;
}

let seq = 0;

function callbackOf(r: Report): { msgId: string; cb: Callback } {
  const msgId = `faults-${r.marker}-${++seq}`;
  const text = `报告 [${r.marker}] ${r.text ?? '工地电缆被偷'}`;
  const project = r.project ?? 1;
  if (r.platform === 'wecom') {
    const chatId = `wrXM00${project}`;
    return { msgId, cb: wecomJsonCallback({ msgId, chatId, userId: r.sender, text, replyUrl: double.wecomResponseUrl(chatId) }) };
  }
  const conversationId = `cidXM00${project}`;
  return {
    msgId,
    cb: dingtalkCallback({ msgId, conversationId, staffId: r.sender, text, sessionWebhook: double.dingtalkSessionWebhook(conversationId) }),
  };
}

/** The dispatcher's line for a message it is done with carries the message id and the result. */
function handledLine(l: LogLine, msgId: (id: string) => boolean): boolean {
  return typeof l.msgId === 'string' && msgId(l.msgId) && typeof l.result === 'string';
}

/** Posts a report and waits until the server has handled it, so that reports are handled in the order sent. */
async function report(r: Report): Promise<string> {
  const { msgId, cb } = callbackOf(r);
  expect(await postCallback(server.base, cb)).toBe(200);
  await server.waitForLogs(`message ${msgId} handled`, (l) => handledLine(l, (id) => id === msgId));
  return msgId;
}

/** Everything XM00<project>'s groups show on a platform: replies there and posts to the group. */
function inGroup(platform: 'wecom' | 'dingtalk', project: 1 | 2): (m: DeliveredMessage) => boolean {
  const addresses =
    platform === 'wecom'
      ? [`chat:wrXM00${project}`, `key:KEY-XM00${project}`]
      : [`chat:cidXM00${project}`, `cid:cidXM00${project}`];
  return (m) => m.platform === platform && addresses.includes(m.to);
}

/** Anything XM001's or XM002's groups show, on either platform. */
function inProjectGroups(m: DeliveredMessage): boolean {
  return (['wecom', 'dingtalk'] as const).some((p) => inGroup(p, 1)(m) || inGroup(p, 2)(m));
}

/** The markers of the delivered messages that carry one starting with `prefix`, in order of arrival. */
function markersIn(messages: DeliveredMessage[], prefix: string): string[] {
  // The marker is user text: the bot shows its brackets full-width (［…］), as it does all markup.
  return messages.flatMap((m) => [...m.text.matchAll(new RegExp(`［(${prefix}[^］]*)］`, 'g'))].map((x) => x[1] ?? ''));
}

/** Waits until the outbox holds nothing unsent for the tagged messages: after that, nothing more can arrive. */
async function settled(prefix: string): Promise<void> {
  await waitFor(`every [${prefix}…] message sent`, () => {
    const left = queryDb(server.databasePath, "SELECT id FROM outbox WHERE status != 'sent' AND body LIKE ?", `%［${prefix}%`);
    return left.length === 0;
  }, { timeoutMs: 30_000 });
}

/** The tagged markers each group of XM00<project> received, in order of arrival. */
function received(platform: 'wecom' | 'dingtalk', project: 1 | 2, prefix: string): string[] {
  return markersIn(double.messages((m) => inGroup(platform, project)(m) && m.text.includes(`［${prefix}`)), prefix);
}

function tickets(marker: string): number {
  return queryDb<{ n: number }>(server.databasePath, 'SELECT count(*) AS n FROM tickets WHERE description LIKE ?', `%[${marker}]%`)[0]!.n;
}

describe('delivery through platform failures', () => {
  it('sends every message once and in order per group after 500s, a timeout and rate limits', async () => {
    const isTest = (text: string) => text.includes('［F-');
    double.misbehave('wecom', [
      { kind: 'http500', times: 1, match: isTest },
      { kind: 'hang', times: 1, match: isTest },
      // 45009 at the response_url: the reply goes to the group robot instead.
      { kind: 'ratelimit', times: 1, match: isTest, via: ['wecom-response-url'] },
    ]);
    double.misbehave('dingtalk', [
      { kind: 'http500', times: 1, match: isTest },
      { kind: 'hang', times: 1, match: isTest },
      // 130101 "send too fast" at the sessionWebhook.
      { kind: 'ratelimit', times: 1, match: isTest, via: ['dingtalk-session'] },
    ]);
    const order: Report[] = [
      { marker: 'F-1', platform: 'wecom', sender: 'chenjl' },
      { marker: 'F-2', platform: 'dingtalk', sender: 'staff-chen' },
      { marker: 'F-3', platform: 'wecom', sender: 'liujl', project: 2 },
      { marker: 'F-4', platform: 'wecom', sender: 'chenjl' },
      { marker: 'F-5', platform: 'dingtalk', sender: 'staff-huang' },
      { marker: 'F-6', platform: 'dingtalk', sender: 'staff-liu', project: 2 },
      { marker: 'F-7', platform: 'wecom', sender: 'huangg' },
    ];
    for (const r of order) await report(r);

    // Each report is one message in each platform's group lane of its project.
    const expected = (project: 1 | 2) => order.filter((r) => (r.project ?? 1) === project).map((r) => r.marker);
    await double.waitForMessages(order.length * 2, (m) => inProjectGroups(m) && isTest(m.text), 55_000);
    await settled('F-');
    for (const platform of ['wecom', 'dingtalk'] as const) {
      for (const project of [1, 2] as const) {
        expect({ platform, project, markers: received(platform, project, 'F-') }).toEqual({ platform, project, markers: expected(project) });
      }
      // Every fault was met by a send of a tagged message (which was then sent again).
      expect({ platform, faults: double.faults(platform) }).toEqual({ platform, faults: { http500: 1, hang: 1, ratelimit: 1 } });
    }
  }, 60_000);

  it("a send hanging at one platform does not hold up the other platform's messages", async () => {
    double.misbehave('dingtalk', [{ kind: 'hang', match: (t) => t.includes('［H-1］'), via: ['dingtalk-session'] }]);
    await report({ marker: 'H-1', platform: 'dingtalk', sender: 'staff-chen' });
    const hung = await waitFor('the DingTalk reply to hang', () =>
      double.requests.find((r) => r.outcome === 'hang' && JSON.stringify(r.body ?? '').includes('［H-1］')),
    );
    await report({ marker: 'H-2', platform: 'wecom', sender: 'chenjl' });
    const [reply] = await double.waitForMessages(1, (m) => m.platform === 'wecom' && m.text.includes('［H-2］'), 20_000);
    // The WeCom reply has nothing to wait for: it must arrive while the DingTalk send still hangs.
    expect(hung.closedAt === undefined || reply!.at < hung.closedAt).toBe(true);
  }, 30_000);
});

describe('crashes and restarts on the same database', () => {
  it('sends what was pending when the process was killed, once each, after the restart', async () => {
    const isTest = (text: string) => text.includes('［K-');
    // The platforms stop answering: sends hang and the outbox fills.
    double.misbehave('wecom', [{ kind: 'hang', match: isTest }]);
    double.misbehave('dingtalk', [{ kind: 'hang', match: isTest }]);
    const markers = ['K-1', 'K-2', 'K-3'];
    for (const marker of markers) await report({ marker, platform: 'wecom', sender: 'chenjl' });
    await waitFor('a send hanging', () => double.hanging >= 1);

    expect(await server.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    double.recover();
    expect(double.messages((m) => inProjectGroups(m) && isTest(m.text))).toEqual([]);

    server = await server.restart();
    await double.waitForMessages(6, (m) => inProjectGroups(m) && isTest(m.text), 30_000);
    await settled('K-');
    expect(received('wecom', 1, 'K-')).toEqual(markers);
    expect(received('dingtalk', 1, 'K-')).toEqual(markers);
    for (const marker of markers) expect(tickets(marker)).toBe(1);
  }, 60_000);

  it('handles after a restart the messages it had acknowledged and not yet handled, in order', async () => {
    const stopped = server;
    await stopped.kill();
    // As the callbacks' route leaves them: verified, answered 200, stored in the inbox.
    const inbox = new Inbox(inboxPathFor(stopped.databasePath));
    const markers = ['R-1', 'R-2', 'R-3'];
    for (const [i, marker] of markers.entries()) {
      await inbox.accept({
        platform: 'wecom',
        msgId: `faults-${marker}`,
        chatId: 'wrXM001',
        chatType: 'group',
        senderId: i === 1 ? 'huangg' : 'chenjl',
        text: `报告 [${marker}] 工地电缆被偷`,
        replyHandle: { url: double.wecomResponseUrl('wrXM001') },
      });
    }
    inbox.close();
    server = await stopped.restart();
    await waitFor('the stored messages handled', () => markers.every((marker) => tickets(marker) === 1));
    const order = queryDb<{ description: string }>(server.databasePath, "SELECT description FROM tickets WHERE description LIKE '%[R-%' ORDER BY no");
    expect(order.map((t) => /\[(R-\d)\]/.exec(t.description)?.[1])).toEqual(markers);
    await settled('R-');
    expect(received('dingtalk', 1, 'R-')).toEqual(markers);
  }, 60_000);

  it('after a kill in the middle of a burst of callbacks, platform retries make no second ticket', async () => {
    const burst = Array.from({ length: 30 }, (_, i) =>
      callbackOf({ marker: `B-${String(i + 1).padStart(2, '0')}`, platform: 'wecom', sender: `burst-${i % 10}` }),
    );
    const first = server;
    let answered = 0;
    let tenAnswered: () => void = () => undefined;
    const killTime = new Promise<void>((resolve) => {
      tenAnswered = resolve;
    });
    const statuses = burst.map(({ cb }) =>
      postCallback(first.base, cb, 5_000).then((status) => {
        if (++answered === 10) tenAnswered();
        return status;
      }),
    );
    // Killed while the burst is under way: some callbacks stored and answered, the rest never answered.
    await killTime;
    await first.kill();
    await Promise.all(statuses);

    const answers = await Promise.all(statuses);
    server = await first.restart();
    const markers = burst.map((_, i) => `B-${String(i + 1).padStart(2, '0')}`);
    for (const marker of markers) expect(tickets(marker)).toBeLessThanOrEqual(1);
    // A callback answered 200 was stored before the answer: nothing WeCom believes delivered is lost
    // (those stored and not yet handled when the process died are handled after the restart).
    const acknowledged = markers.filter((_, i) => answers[i] === 200);
    expect(acknowledged.length).toBeGreaterThanOrEqual(10);
    await waitFor('every acknowledged callback handled', () => acknowledged.every((marker) => tickets(marker) === 1));

    // The platform retries every callback (it cannot know which ones were handled), some of them twice.
    const retried = await Promise.all([...burst, ...burst.slice(0, 10)].map(({ cb }) => postCallback(server.base, cb)));
    expect(retried.every((s) => s === 200)).toBe(true);
    await server.waitForLogs('the 40 retries handled', (l) => handledLine(l, (id) => id.startsWith('faults-B-')), 40);

    for (const marker of markers) expect({ marker, tickets: tickets(marker) }).toEqual({ marker, tickets: 1 });
    // Each ticket's answer reaches the group; a send cut off by the kill may have gone out before it,
    // and goes again (at least once, never lost).
    await settled('B-');
    expect(new Set(received('wecom', 1, 'B-'))).toEqual(new Set(markers));
    expect(new Set(received('dingtalk', 1, 'B-'))).toEqual(new Set(markers));
  }, 60_000);

  it('takes 200 concurrent callbacks from 50 senders: 200 tickets, 200 replies', async () => {
    // Strangers writing in XM001's bound group count as its enterprise contacts; 4 each stays under
    // the 20 commands a minute one sender may send.
    const all = Array.from({ length: 200 }, (_, i) =>
      callbackOf({ marker: `C-${String(i + 1).padStart(3, '0')}`, platform: 'wecom', sender: `guest-${String(i % 50).padStart(2, '0')}` }),
    );
    const statuses = await Promise.all(all.map(({ cb }) => postCallback(server.base, cb, 30_000)));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    await double.waitForMessages(200, (m) => m.via === 'wecom-response-url' && m.text.includes('［C-'), 55_000);
    await settled('C-');
    const replies = markersIn(double.messages((m) => m.via === 'wecom-response-url'), 'C-');
    expect(replies).toHaveLength(200);
    expect(new Set(replies).size).toBe(200);
    const rows = queryDb<{ n: number; senders: number }>(
      server.databasePath,
      "SELECT count(*) AS n, count(DISTINCT reporter_user_id) AS senders FROM tickets WHERE description LIKE '%[C-%'",
    );
    expect(rows).toEqual([{ n: 200, senders: 50 }]);
    // And the project's DingTalk group was told of each one, once.
    const posts = markersIn(double.messages((m) => m.to === 'cid:cidXM001'), 'C-');
    expect(posts).toHaveLength(200);
    expect(new Set(posts).size).toBe(200);
  }, 60_000);

  it('stops cleanly on SIGTERM with sends in flight; nothing is lost', async () => {
    // Slow answers, so that SIGTERM arrives while a send is under way.
    double.setDelay(300);
    const markers = ['T-1', 'T-2', 'T-3', 'T-4'];
    for (const marker of markers) await report({ marker, platform: 'wecom', sender: 'chenjl' });
    await waitFor('a send in flight', () => double.requests.some((r) => JSON.stringify(r.body ?? '').includes('［T-')));

    const stopped = server;
    const exit = await stopped.stop('SIGTERM');
    double.setDelay(0);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stopped.logs.filter((l) => l.msg === 'stopped')).toHaveLength(1);

    server = await stopped.restart();
    await double.waitForMessages(8, (m) => inProjectGroups(m) && m.text.includes('［T-'), 30_000);
    await settled('T-');
    expect(received('wecom', 1, 'T-')).toEqual(markers);
    expect(received('dingtalk', 1, 'T-')).toEqual(markers);
    for (const marker of markers) expect(tickets(marker)).toBe(1);
  }, 60_000);
});
