/**
 * The playground's pictures: the page uploads a file first, streamed to disk and cut off past the
 * playground's own limit, and sends its id with the message; the bot then fetches it like any
 * platform's file. Only this machine may upload, as only it may use the page at all.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPlaygroundAdapter, playgroundUploadsDir } from '../../../src/platforms/playground/index.js';
import { appOn, harness } from '../../support/harness.js';
import { png, sha256 } from '../../support/files.js';

const open: { stop: () => Promise<void>; dir: string }[] = [];
afterEach(async () => {
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
  return { h, upload, send, handled, uploads: playgroundUploadsDir(attachments) };
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
