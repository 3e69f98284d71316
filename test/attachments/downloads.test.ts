/**
 * The download worker against a real, slow file server (SPEC §7b, §9 "slow or hostile clients
 * cannot hold the server"): a trickling download does not outlive its try's deadline, and slow
 * files do not hold up everyone else's evidence, whose links may have minutes to live.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DownloadWorker } from '../../src/attachments/downloads.js';
import type { AttachmentFetch, IncomingAttachment, PlatformAdapter } from '../../src/chat/types.js';
import { fetchFile } from '../../src/platforms/http.js';
import { evidenceHarness } from '../support/evidence.js';
import { png } from '../support/files.js';
import { waitFor } from '../support/wait.js';

const photo = png(16, 16, [30, 160, 90]);
let server: Server;
let base = '';
/** Bytes each trickling answer had sent when its connection closed, by path. */
const trickled = new Map<string, number>();
/** The paths asked for, in order. */
const requested: string[] = [];

beforeAll(async () => {
  server = createServer((req, res: ServerResponse) => {
    const path = req.url ?? '';
    requested.push(path);
    if (path.startsWith('/fast')) {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': photo.length });
      return res.end(photo);
    }
    // The picture a byte at a time, every 50 ms: well under the 30 s pause allowed between bytes.
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': photo.length });
    let sent = 0;
    const tick = setInterval(() => {
      res.write(photo.subarray(sent, sent + 1));
      sent += 1;
      if (sent >= photo.length) {
        clearInterval(tick);
        res.end();
      }
    }, 50);
    res.on('close', () => {
      clearInterval(tick);
      trickled.set(path, sent);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** The playground platform, its files at `ref` on the file server above, fetched as the real adapters fetch. */
const adapter: PlatformAdapter = {
  platform: 'playground',
  maxBytes: 64 * 1024,
  send: () => Promise.resolve({ ok: true }),
  fetchAttachment: async (a: IncomingAttachment, opts): Promise<AttachmentFetch> => {
    const r = await fetchFile(`${base}/${a.ref}`, { timeoutMs: 30_000, signal: opts.signal, doubles: [base], maxBytes: opts.maxBytes });
    return r.ok ? { ok: true, body: r.body } : { ok: false, retryable: r.retryable, error: r.error };
  },
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(o: { tryTimeoutMs?: number } = {}) {
  const h = evidenceHarness();
  const worker = new DownloadWorker({
    db: h.db,
    repo: h.repos.attachments,
    tickets: h.repos.tickets,
    roster: h.repos.roster,
    store: h.attachmentStore,
    adapters: { playground: adapter },
    notify: h.notifier,
    clock: h.clock,
    log: pino({ level: 'silent' }),
    pollMs: 20,
    ...o,
  });
  cleanups.push(h.cleanup, () => worker.stop());
  const replies = (): string[] => (h.db.prepare("SELECT body FROM outbox WHERE kind = 'reply' ORDER BY id").all() as { body: string }[]).map((r) => r.body);
  return { h, worker, replies };
}

describe('a try at a download', () => {
  it('ends at its deadline even while bytes keep trickling in, whatever the garbage collector does', async () => {
    // Node may collect an AbortSignal.timeout() combined with AbortSignal.any() before it fires
    // (https://github.com/nodejs/node/issues/57736): collecting garbage all along shows whether
    // the deadline holds. `gc` is reached without --expose-gc on the command line, for this file only.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { h, worker } = setup({ tryTimeoutMs: 500 });
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    h.send({ senderId: 'chen', chatId: 'XM001', text: '', kind: 'image', attachments: [{ kind: 'image', ref: 'slow-deadline' }] });
    const collecting = setInterval(gc, 20);
    try {
      await worker.drain();
    } finally {
      clearInterval(collecting);
    }
    await waitFor('the slow answer to close', () => trickled.has('/slow-deadline'));
    // Cut off long before the whole picture came: not stored, and tried again later.
    expect(trickled.get('/slow-deadline')).toBeLessThan(photo.length);
    expect(h.repos.attachments.ofTicket(no)).toEqual([]);
    expect(row(h, 'slow-deadline')).toEqual({ status: 'pending', attempts: 1, lastError: 'the try took longer than 0.5 s' });
  });
});

describe('slow downloads', () => {
  it('leave room for another sender\'s picture, which is attached while they still trickle', async () => {
    const { h, worker, replies } = setup();
    const first = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    const second = h.ticketNo(h.say('huang', 'XM001', '报告 有人强揽土方运输'));
    h.send({
      senderId: 'chen',
      chatId: 'XM001',
      text: `补充 #${first} 现场`,
      attachments: [
        { kind: 'image', ref: 'slow-a' },
        { kind: 'image', ref: 'slow-b' },
        { kind: 'image', ref: 'slow-c' },
      ],
    });
    h.send({ senderId: 'huang', chatId: 'XM001', text: '', kind: 'image', attachments: [{ kind: 'image', ref: 'fast-1' }] });
    worker.start();
    await waitFor('the other sender\'s picture to be attached', () => replies().includes(`已附到 #${second}：图片1张`), { detail: () => replies().join('\n') });
    // chen's pictures still coming, two at a time: the third waits for one of them.
    expect(h.repos.attachments.ofTicket(first)).toEqual([]);
    expect(trickled.has('/slow-a') || trickled.has('/slow-b')).toBe(false);
  });

  it('are taken after a picture whose link expires sooner, though it came later', async () => {
    const { h, worker, replies } = setup();
    void worker;
    const first = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    const second = h.ticketNo(h.say('huang', 'XM001', '报告 有人强揽土方运输'));
    // A worker with one place: what it takes first is what it fetches first.
    const one = new DownloadWorker({
      db: h.db,
      repo: h.repos.attachments,
      tickets: h.repos.tickets,
      roster: h.repos.roster,
      store: h.attachmentStore,
      adapters: { playground: adapter },
      notify: h.notifier,
      clock: h.clock,
      log: pino({ level: 'silent' }),
      pollMs: 20,
      concurrency: 1,
    });
    cleanups.push(() => one.stop());
    h.send({ senderId: 'chen', chatId: 'XM001', text: `补充 #${first} 现场`, attachments: [{ kind: 'file', ref: 'slow-later' }] });
    // A 智能机器人 picture: its link is valid for five minutes from its message.
    const expiresAt = h.clock.now().getTime() + 5 * 60_000;
    h.send({ senderId: 'huang', chatId: 'XM001', text: '', kind: 'image', attachments: [{ kind: 'image', ref: 'fast-2', expiresAt }] });
    one.start();
    await waitFor('the other sender\'s picture to be attached', () => replies().includes(`已附到 #${second}：图片1张`), { detail: () => replies().join('\n') });
    expect(requested.indexOf('/fast-2')).toBeLessThan(requested.indexOf('/slow-later') === -1 ? Infinity : requested.indexOf('/slow-later'));
  });
});

/** A download's row, by the platform's reference. */
function row(h: ReturnType<typeof evidenceHarness>, ref: string) {
  return h.db.prepare('SELECT status, attempts, last_error AS lastError FROM downloads WHERE ref = ?').get(ref);
}
