/**
 * The playground's pictures: the page uploads a file first, streamed to disk and cut off past the
 * playground's own limit, and sends its id with the message; the bot then fetches it like any
 * platform's file. Only this machine may upload, as only it may use the page at all.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InboundDeps } from '../../../src/chat/receiver.js';
import { FixedClock } from '../../../src/clock.js';
import {
  createPlaygroundAdapter,
  playgroundRoutes,
  playgroundUploadsDir,
  sweepPlaygroundUploads,
  UPLOAD_KEEP_MS,
  UPLOAD_SWEEP_EVERY_MS,
  type PlaygroundOptions,
} from '../../../src/platforms/playground/index.js';
import { appOn, harness } from '../../support/harness.js';
import { png, sha256 } from '../../support/files.js';

const open: { stop: () => Promise<void>; dir: string }[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const o of open.splice(0)) {
    await o.stop();
    rmSync(o.dir, { recursive: true, force: true });
  }
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'lianbao-upload-'));
  const attachments = join(dir, 'attachments');
  const h = harness('2026-11-02T02:00:00Z', { ATTACHMENTS_DIR: attachments, ATTACHMENT_MAX_MB: '1', PLAYGROUND: '1' }, {
    playground: createPlaygroundAdapter(playgroundUploadsDir(attachments)),
  });
  const { app, stop, handled } = await appOn(h);
  open.push({ stop, dir });
  const local = { remoteAddress: '127.0.0.1', headers: { host: '127.0.0.1:3000' } };
  const upload = (body: Buffer, remoteAddress = '127.0.0.1') =>
    app.inject({ method: 'POST', url: '/playground/api/upload', remoteAddress, headers: { ...local.headers, 'content-type': 'application/octet-stream' }, payload: body });
  const send = (payload: object) => app.inject({ method: 'POST', url: '/playground/api/send', ...local, payload });
  return { h, upload, send, handled, uploads: playgroundUploadsDir(attachments), attachments };
}

describe('the playground\'s uploads', () => {
  it('are stored as the page sent them, and attached when a message names them', async () => {
    const { h, upload, send, handled, uploads } = await setup();
    const photo = png(20, 20, [5, 5, 200]);
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    const up = await upload(photo);
    expect(up.statusCode).toBe(201);
    const { ref } = up.json<{ ref: string }>();
    expect(readdirSync(uploads)).toEqual([ref]);
    const sent = await send({ personId: 'chen', chatId: 'XM001', text: '', attachments: [{ ref, kind: 'image', name: '东门.png' }] });
    expect(sent.statusCode).toBe(202);
    await handled();
    await h.downloads.drain();
    expect(h.repos.attachments.ofTicket(no).map((a) => [a.sha256, a.name])).toEqual([[sha256(photo), '东门.png']]);
  });

  it('are cut off past twice the bot\'s limit, and leave nothing behind', async () => {
    const { upload, uploads } = await setup();
    const res = await upload(Buffer.alloc(2 * 1024 * 1024 + 1, 1));
    expect(res.statusCode).toBe(413);
    expect(existsSync(uploads) ? readdirSync(uploads) : []).toEqual([]);
  });

  it('are refused from another machine, and a message naming no upload is refused as a form', async () => {
    const { upload, send } = await setup();
    expect((await upload(png(2, 2, [0, 0, 0]), '10.0.0.5')).statusCode).toBe(403);
    const bad = await send({ personId: 'chen', chatId: 'XM001', text: '', attachments: [{ ref: '../../lianbao.db', kind: 'image' }] });
    expect(bad.statusCode).toBe(400);
  });
});

const HOUR = 3_600_000;

/** Sets a file's times to `ms`, as if it had been written then. */
function age(path: string, ms: number): void {
  utimesSync(path, new Date(ms), new Date(ms));
}

describe('the playground\'s old uploads', () => {
  it('are removed a day after, and the evidence the bot kept from one stays, with the ticket\'s file', async () => {
    const { h, upload, send, handled, uploads } = await setup();
    const photo = png(20, 20, [200, 5, 5]);
    const { ref } = (await upload(photo)).json<{ ref: string }>();
    expect((await send({ personId: 'chen', chatId: 'XM001', text: '报告 村民堵门', attachments: [{ ref, kind: 'image', name: '堵门.png' }] })).statusCode).toBe(202);
    await handled();
    await h.downloads.drain();
    // The harness's database starts empty: the report is #1.
    expect(h.repos.tickets.get(1)?.reporterPersonId).toBe('chen');
    const [kept] = h.repos.attachments.ofTicket(1);
    expect(kept?.sha256).toBe(sha256(photo));
    const written = statSync(join(uploads, ref)).mtimeMs;

    expect(await sweepPlaygroundUploads(uploads, written + UPLOAD_KEEP_MS - 1)).toBe(0);
    expect(readdirSync(uploads)).toEqual([ref]);
    expect(await sweepPlaygroundUploads(uploads, written + UPLOAD_KEEP_MS + 1)).toBe(1);
    expect(readdirSync(uploads)).toEqual([]);
    // The ticket's file is the bot's own copy in the attachments folder, whole.
    expect(sha256(readFileSync(h.attachmentStore!.path(kept!.sha256)))).toBe(sha256(photo));
  });

  it('are kept a day after the bot last fetched one, so a download tried again still finds its file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lianbao-upload-'));
    open.push({ stop: async () => undefined, dir });
    const ref = randomUUID();
    writeFileSync(join(dir, ref), png(2, 2, [0, 0, 0]));
    const long = Date.parse('2026-01-01T00:00:00Z');
    age(join(dir, ref), long);
    const fetched = await createPlaygroundAdapter(dir).fetchAttachment!({ kind: 'image', ref }, { signal: new AbortController().signal, maxBytes: 1024 });
    expect(fetched.ok).toBe(true);
    if (fetched.ok) for await (const _ of fetched.body) void _;
    expect(await sweepPlaygroundUploads(dir, long + UPLOAD_KEEP_MS + 1)).toBe(0);
    expect(readdirSync(dir)).toEqual([ref]);
  });

  it('are swept when the server starts and every hour, touching nothing but the playground\'s own uploads', async () => {
    // Only the interval is faked: the sweep's file system calls and vitest's polling run as usual.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const dir = mkdtempSync(join(tmpdir(), 'lianbao-upload-'));
    const attachments = join(dir, 'attachments');
    const uploads = playgroundUploadsDir(attachments);
    mkdirSync(uploads, { recursive: true });
    const clock = new FixedClock('2026-11-02T02:00:00Z');
    const now = clock.now().getTime();
    const file = (path: string, ms: number) => {
      writeFileSync(path, 'x');
      age(path, ms);
      return path;
    };
    const stale = file(join(uploads, randomUUID()), now - 25 * HOUR);
    const recent = file(join(uploads, randomUUID()), now - 23 * HOUR);
    // Not the playground's uploads, however old: the evidence store itself, other names, a folder, a link.
    const evidence = file(join(attachments, 'a'.repeat(64)), now - 100 * HOUR);
    const other = file(join(uploads, 'notes.txt'), now - 100 * HOUR);
    const folder = join(uploads, randomUUID());
    mkdirSync(folder);
    const link = join(uploads, randomUUID());
    symlinkSync(evidence, link);

    const app = Fastify();
    const options: PlaygroundOptions = {
      remote: false,
      attachments: { dir: attachments, maxBytes: 1024 * 1024 },
      roster: {} as PlaygroundOptions['roster'],
      outbox: { recent: () => [] },
      onSent: () => () => undefined,
      deps: { clock } as InboundDeps,
    };
    await app.register(playgroundRoutes, options);
    open.push({ stop: () => app.close(), dir });
    await app.ready();
    expect(existsSync(stale)).toBe(false);
    expect([recent, evidence, other, folder, link].map(existsSync)).toEqual([true, true, true, true, true]);

    clock.advance(2 * HOUR);
    vi.advanceTimersByTime(UPLOAD_SWEEP_EVERY_MS);
    await expect.poll(() => existsSync(recent)).toBe(false);
    expect(UPLOAD_SWEEP_EVERY_MS).toBe(HOUR);
    expect([evidence, other, folder, link].map(existsSync)).toEqual([true, true, true, true]);
    expect(readFileSync(evidence, 'utf8')).toBe('x');
  });
});
