/**
 * SPEC §9 against the real server process: the attacks a member of a chat group, or someone who
 * captured a callback, made on an earlier version — each of which stopped the bot, jammed a group
 * or sent messages again and again. What must hold after each: a normal report from another member
 * becomes a ticket, the group receives nothing more than the refusals, nothing is sent twice.
 * (Slow clients and replayed DingTalk signatures: test/e2e/callback-hardening.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLockPathFor } from '../../src/db/server-lock.js';
import { Inbox, inboxPathFor } from '../../src/inbox/inbox.js';
import { dingtalkCallback, dingtalkEnv, postCallback, wecomEnv } from '../support/callbacks.js';
import { ROOT } from '../support/locations.js';
import { startPlatformDouble, type PlatformDouble } from '../support/platform-double.js';
import { cleanupServers, queryDb, ServerProcess, tempDir } from '../support/server-process.js';
import { waitFor } from '../support/wait.js';

let double: PlatformDouble;

beforeAll(async () => {
  double = await startPlatformDouble();
}, 30_000);

afterAll(async () => {
  await cleanupServers();
  await double?.close();
});

const CID = 'cidXM001';
let seq = 0;

/** A DingTalk group message from `staffId` in XM001's group; resolves with the HTTP status. */
function say(server: ServerProcess, staffId: string, text: string, msgId = `hostile-${++seq}`): Promise<number> {
  return postCallback(server.base, dingtalkCallback({ msgId, conversationId: CID, staffId, text, sessionWebhook: double.dingtalkSessionWebhook(CID) }), 20_000);
}

function tickets(server: ServerProcess, marker: string): number {
  return queryDb<{ n: number }>(server.databasePath, 'SELECT count(*) AS n FROM tickets WHERE description LIKE ?', `%${marker}%`)[0]!.n;
}

/** The processor thread was started again (it died) this many times. */
function processorRestarts(server: ServerProcess): number {
  return server.logsWith('the message processor stopped unexpectedly').length;
}

function cli(databasePath: string, ...args: string[]): string {
  return execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
    cwd: tempDir(),
    env: { PATH: process.env['PATH'] ?? '', DATABASE_PATH: databasePath, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
}

describe('one chat member cannot stop the bot or jam a group', () => {
  it('a guest’s flood of enormous notes and help requests is refused, each with one line, and the next report goes through', async () => {
    const server = await ServerProcess.start({ env: { ...dingtalkEnv(double.base), RATE_SENDER_PER_MINUTE: '1000', RATE_GROUP_PER_MINUTE: '100000' } });
    const guest = 'guest-attacker';
    expect(await say(server, guest, '报告 [HX-1] 工地门口有人堵路')).toBe(200);
    await waitFor('the guest’s ticket', () => tickets(server, '[HX-1]') === 1);
    const no = queryDb<{ no: number }>(server.databasePath, "SELECT no FROM tickets WHERE description LIKE '%[HX-1]%'")[0]!.no;
    const before = double.delivered.length;

    // 18 notes of 900 KB (each under the 1 MiB body limit), then 查询; 16 help requests of 900 KB at once.
    const filler = 'x'.repeat(900_000);
    for (let i = 0; i < 18; i++) expect(await say(server, guest, `补充 #${no} ${filler}`)).toBe(200);
    expect(await say(server, guest, `查询 #${no}`)).toBe(200);
    const helps = await Promise.all(Array.from({ length: 16 }, () => say(server, guest, `帮助 ${filler}`)));
    expect(helps.every((s) => s === 200)).toBe(true);

    // Another member's report afterwards becomes a ticket, and its reply arrives.
    expect(await say(server, 'staff-huang', '报告 [HX-2] 电缆被偷')).toBe(200);
    await waitFor('the next report’s ticket', () => tickets(server, '[HX-2]') === 1, { timeoutMs: 60_000 });
    await double.waitForMessages(1, (m) => m.text.includes('［HX-2］'), 30_000);

    // Each attack got one short refusal: 18 + 16, plus the 查询 answer and the report's own messages.
    const during = double.delivered.slice(before);
    const refusals = during.filter((m) => m.text.includes('超过了2000字'));
    expect(refusals).toHaveLength(34);
    expect(during.length).toBeLessThanOrEqual(34 + 1 + 4);
    for (const m of during) expect(Buffer.byteLength(m.text)).toBeLessThan(5_000);
    expect(queryDb<{ n: number }>(server.databasePath, "SELECT count(*) AS n FROM audit_log WHERE action = 'note'")[0]!.n).toBe(0);
    expect(processorRestarts(server)).toBe(0);
    expect(server.alive).toBe(true);
    await server.stop();
  }, 120_000);

  it('sets aside unread an enormous message an earlier version stored, keeps going, and never meets it again', async () => {
    const first = await ServerProcess.start({ env: dingtalkEnv(double.base) });
    await first.stop();
    // As an earlier version left it: a 10 MB message in the inbox, acknowledged and not yet
    // handled, and ordinary messages behind it. Reading it whole would take the process down.
    const inbox = new Inbox(inboxPathFor(first.databasePath));
    const base = { platform: 'dingtalk', chatId: CID, chatType: 'group', senderId: 'staff-chen' } as const;
    // Written as that version did: this one cuts a message to a few thousand characters at the door.
    inbox.store.db
      .prepare('INSERT INTO inbox (received_at, message) VALUES (?, ?)')
      .run(Date.now(), JSON.stringify({ ...base, msgId: 'hostile-huge', text: `补充 #1 ${'x'.repeat(10_000_000)}` }));
    for (const i of [1, 2, 3]) await inbox.accept({ ...base, msgId: `hostile-after-${i}`, text: `报告 [HY-${i}] 工地电缆被偷` });
    inbox.close();

    const server = await first.restart();
    await waitFor('the messages behind it handled', () => [1, 2, 3].every((i) => tickets(server, `[HY-${i}]`) === 1), { timeoutMs: 60_000 });
    expect(server.logsWith('message set aside')).toHaveLength(1);
    expect(processorRestarts(server)).toBe(0);
    const metrics = await (await fetch(`${server.base}/metrics`)).text();
    expect(metrics).toMatch(/^lianbao_inbox_set_aside 1$/m);
    await server.stop();

    // `lianbao inbox` shows it; a restart does not meet it again; dropping it empties the list.
    const listed = cli(server.databasePath, 'inbox');
    expect(listed).toContain('too large to read');
    const again = await server.restart();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(again.logsWith('message set aside')).toHaveLength(0);
    await again.stop();
    const id = /^(\d+)\t/m.exec(listed)![1]!;
    cli(again.databasePath, 'inbox', 'drop', id);
    expect(cli(again.databasePath, 'inbox')).toContain('没有搁置的消息');
  }, 120_000);
});

describe('nothing is sent twice because the database cannot be written', () => {
  // A backup restored as root over the database of a service that runs as its own user: the file is
  // read-only to the server. The messages it held as pending are sent once each, and then sending
  // stops until the file is writable again, with /readyz saying why (SPEC §9).
  it.skipIf(process.getuid?.() !== 0)('sends each pending message once from a database it cannot write, and says so on /readyz', async () => {
    const dir = tempDir();
    const databasePath = join(dir, 'lianbao.db');
    // Pending messages, left by a server that could not reach the platform.
    double.misbehave('dingtalk', [{ kind: 'http500' }]);
    const writer = await ServerProcess.start({ databasePath, env: dingtalkEnv(double.base) });
    for (const i of [1, 2, 3]) expect(await say(writer, 'staff-chen', `报告 [RO-${i}] 电缆被偷`)).toBe(200);
    await waitFor('three tickets', () => [1, 2, 3].every((i) => tickets(writer, `[RO-${i}]`) === 1));
    await writer.stop();
    double.recover();
    const pending = queryDb<{ n: number }>(databasePath, "SELECT count(*) AS n FROM outbox WHERE status = 'pending'")[0]!.n;
    expect(pending).toBeGreaterThanOrEqual(3);

    // The folder belongs to the service's user (65534, nobody); the database file stays root's, 0644.
    const NOBODY = 65534;
    chownSync(dir, NOBODY, NOBODY);
    chmodSync(databasePath, 0o644);
    for (const f of [`${databasePath}-wal`, `${databasePath}-shm`]) if (existsSync(f)) chownSync(f, 0, 0);
    // The server's lock beside it is the service's, as it would be had the service made it (the
    // writer above ran as root).
    chownSync(serverLockPathFor(databasePath), NOBODY, NOBODY);
    mkdirSync(join(dir, 'backups'), { recursive: true });
    chownSync(join(dir, 'backups'), NOBODY, NOBODY);
    const server = await ServerProcess.start({ databasePath, env: dingtalkEnv(double.base), uid: NOBODY, gid: NOBODY, waitFor: 'healthz' });
    await waitFor('/readyz saying why', async () => {
      const res = await fetch(`${server.base}/readyz`);
      const body = (await res.json()) as { problems?: string[] };
      return res.status === 503 && body.problems?.some((p) => p.includes('sending is paused'));
    }, { timeoutMs: 30_000 });
    // Long enough for several retries and polls of an earlier version's loop (it sent 40 a minute).
    await new Promise((r) => setTimeout(r, 5_000));
    const sent = double.messages((m) => /［RO-\d］/.test(m.text));
    const byText = new Map<string, number>();
    for (const m of sent) byText.set(`${m.to}|${m.text}`, (byText.get(`${m.to}|${m.text}`) ?? 0) + 1);
    expect(sent.length).toBeGreaterThan(0);
    expect([...byText.values()].every((n) => n === 1)).toBe(true);
    expect(server.logsWith('sending is paused').length).toBeGreaterThan(0);
    await server.stop();
  }, 120_000);
});

describe('writes never stall answers', () => {
  it('answers callbacks while another process holds the database’s write lock, and /readyz says it is busy', async () => {
    const server = await ServerProcess.start({ env: { ...dingtalkEnv(double.base), SCHEDULE_ESCALATE: '*/2 * * * * *' } });
    // Another process (an import, `lianbao jobs run`) takes the write lock and keeps it for a while.
    const other = new Database(server.databasePath);
    other.exec('BEGIN IMMEDIATE');
    let released = false;
    try {
      const readyz = fetch(`${server.base}/readyz`).then(async (r) => ({ status: r.status, body: (await r.json()) as { problems?: string[] }, released }));
      // Meanwhile the escalation sweep fires every two seconds, in the processor thread.
      await new Promise((r) => setTimeout(r, 2_500));
      const answered: boolean[] = [];
      for (let i = 0; i < 5; i++) {
        const status = await say(server, 'staff-chen', `报告 [LK-${i}] 电缆被偷`);
        answered.push(status === 200 && !released);
      }
      expect(answered).toEqual([true, true, true, true, true]);
      const health = await fetch(`${server.base}/healthz`);
      expect(health.status).toBe(200);
      const r = await readyz;
      expect(r.released).toBe(false);
      expect(r.status).toBe(503);
      expect(r.body.problems?.join(' ')).toContain('database busy');
    } finally {
      released = true;
      other.exec('ROLLBACK');
      other.close();
    }
    await waitFor('the stored reports handled once the lock is free', () => [0, 1, 2, 3, 4].every((i) => tickets(server, `[LK-${i}]`) === 1), { timeoutMs: 30_000 });
    await server.stop();
  }, 90_000);
});
