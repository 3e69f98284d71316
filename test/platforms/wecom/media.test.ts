/**
 * WeCom's pictures and files (SPEC §7b), read from the callback and fetched as WeCom serves them:
 * - 智能机器人 `image`, `mixed` and `file` carry a URL valid for five minutes, whose content is
 *   encrypted like the callback (https://developer.work.weixin.qq.com/document/path/100719; WeCom's
 *   demo `_process_encrypted_image` in https://developer.work.weixin.qq.com/document/path/101039:
 *   AES-256-CBC, key = base64(EncodingAESKey + "="), IV = its first 16 bytes, PKCS#7 to 32 bytes);
 * - a self-built app's `image`, `file` and `voice` carry a MediaId for media/get, which answers
 *   with the file, or with JSON and an errcode (https://developer.work.weixin.qq.com/document/path/90254;
 *   the XML of https://developer.work.weixin.qq.com/document/path/90239).
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/clock.js';
import type { AttachmentFetch, IncomingAttachment } from '../../../src/chat/types.js';
import { createWecomAdapter, type WecomConfig } from '../../../src/platforms/wecom/client.js';
import { decryptMedia, dispositionName } from '../../../src/platforms/wecom/media.js';
import { parseInner } from '../../../src/platforms/wecom/parse.js';
import { html, pdf, png } from '../../support/files.js';
import { startPlatformDouble, type PlatformDouble } from '../../support/platform-double.js';
import { encryptMedia } from '../../support/wecom-protocol.js';

const NOW = Date.parse('2026-05-20T02:00:00Z');
const KEY = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';

let double: PlatformDouble;
beforeAll(async () => {
  double = await startPlatformDouble();
});
afterAll(async () => {
  await double.close();
});

function adapter(extra: Partial<WecomConfig> = {}) {
  const config: WecomConfig = {
    token: 'tok',
    encodingAesKey: KEY,
    receiveId: '',
    corpId: 'ww1234567890abcdef',
    secret: 'app-secret-value',
    agentId: '1000002',
    apiBase: double.base,
    replyHosts: ['qyapi.weixin.qq.com'],
    ...extra,
  };
  return createWecomAdapter(config, pino({ level: 'silent' }), new FixedClock(NOW));
}

async function bytesOf(f: AttachmentFetch): Promise<Buffer> {
  if (!f.ok) throw new Error(`not fetched: ${f.error}`);
  const chunks: Buffer[] = [];
  for await (const c of f.body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

const opts = () => ({ signal: new AbortController().signal, maxBytes: 1024 * 1024 });

async function* inPieces(b: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

describe('a 智能机器人 picture', () => {
  it('is decrypted as it arrives, whatever the pieces it comes in', async () => {
    const photo = png(50, 40, [10, 120, 200]);
    const sealed = encryptMedia(KEY, photo);
    for (const size of [1, 7, 16, 31, 32, 33, 1000, sealed.length]) {
      const out: Buffer[] = [];
      for await (const c of decryptMedia(inPieces(sealed, size), KEY)) out.push(c);
      expect(Buffer.concat(out)).toEqual(photo);
    }
  });

  it('is refused when it was not encrypted with this key', async () => {
    const other = encryptMedia('jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', png(5, 5, [0, 0, 0]));
    await expect(async () => {
      for await (const _ of decryptMedia(inPieces(other, 64), KEY)) void _;
    }).rejects.toThrow(/padding/);
  });

  it('is read from image, mixed and file messages with its URL, valid for five minutes', () => {
    const image = JSON.stringify({ msgid: 'i1', chattype: 'single', from: { userid: 'chenjl' }, msgtype: 'image', image: { url: 'https://wework.example/pic1' } });
    expect(parseInner(image, NOW)).toMatchObject({
      kind: 'message',
      message: { kind: 'image', text: '', attachments: [{ kind: 'image', ref: 'aibot:https://wework.example/pic1', expiresAt: NOW + 5 * 60_000 }] },
    });
    const mixed = JSON.stringify({
      msgid: 'm1',
      chatid: 'wrXM001',
      chattype: 'group',
      from: { userid: 'chenjl' },
      msgtype: 'mixed',
      mixed: {
        msg_item: [
          { msgtype: 'text', text: { content: '@联保助手 报告 东门被堵' } },
          { msgtype: 'image', image: { url: 'https://wework.example/a' } },
          { msgtype: 'image', image: { url: 'https://wework.example/b' } },
        ],
      },
    });
    const r = parseInner(mixed, NOW);
    expect(r).toMatchObject({ kind: 'message', message: { text: '报告 东门被堵' } });
    expect(r.kind === 'message' && r.message.attachments?.map((a) => a.ref)).toEqual(['aibot:https://wework.example/a', 'aibot:https://wework.example/b']);
    expect(r.kind === 'message' && r.message.kind).toBeUndefined();
    const file = JSON.stringify({ msgid: 'f1', chattype: 'single', from: { userid: 'chenjl' }, msgtype: 'file', file: { url: 'https://wework.example/f' } });
    expect(parseInner(file, NOW)).toMatchObject({ kind: 'message', message: { kind: 'file', attachments: [{ kind: 'file', ref: 'aibot:https://wework.example/f' }] } });
  });

  it('is fetched from the URL without credentials, and decrypted', async () => {
    const photo = png(64, 48, [250, 200, 0]);
    const url = double.wecomEncryptedUrl(photo, KEY);
    const got = await adapter().fetchAttachment!({ kind: 'image', ref: `aibot:${url}` }, opts());
    expect(await bytesOf(got)).toEqual(photo);
    const request = double.requests.findLast((r) => r.path.startsWith('/aibot-media/'))!;
    expect(request.query.has('access_token')).toBe(false);
  });

  it('is refused when its URL is neither https nor the configured double', async () => {
    const got = await adapter().fetchAttachment!({ kind: 'image', ref: 'aibot:http://files.example.invalid/pic' }, opts());
    expect(got).toMatchObject({ ok: false, retryable: false, refused: 'url' });
  });

  it('is tried again after a hiccup of the storage', async () => {
    const url = double.wecomEncryptedUrl(png(2, 2, [1, 1, 1]), KEY);
    double.failDownloads(1);
    expect(await adapter().fetchAttachment!({ kind: 'image', ref: `aibot:${url}` }, opts())).toMatchObject({ ok: false, retryable: true });
    expect((await adapter().fetchAttachment!({ kind: 'image', ref: `aibot:${url}` }, opts())).ok).toBe(true);
  });
});

describe("a self-built app's picture, file or recording", () => {
  const xml = (type: string, extra: string) =>
    `<xml><ToUserName>ww1</ToUserName><FromUserName>chenjl</FromUserName><CreateTime>1</CreateTime><MsgType>${type}</MsgType>${extra}<MsgId>7312345678901234567</MsgId><AgentID>1000002</AgentID></xml>`;

  it('is read with its MediaId, valid for three days', () => {
    const image = parseInner(xml('image', '<PicUrl>https://wework.example/p</PicUrl><MediaId>MEDIA_1</MediaId>'), NOW);
    expect(image).toMatchObject({
      kind: 'message',
      message: { kind: 'image', chatType: 'single', attachments: [{ kind: 'image', ref: 'media:MEDIA_1', expiresAt: NOW + 3 * 86_400_000 }] },
    });
    const voice = parseInner(xml('voice', '<MediaId>MEDIA_2</MediaId><Format>amr</Format><Recognition>报告 东门被堵</Recognition>'), NOW);
    expect(voice).toMatchObject({ kind: 'message', message: { kind: 'voice', text: '报告 东门被堵', attachments: [{ kind: 'audio', ref: 'media:MEDIA_2' }] } });
    const file = parseInner(xml('file', '<MediaId>MEDIA_3</MediaId><FileName>情况说明.pdf</FileName>'), NOW);
    expect(file).toMatchObject({ kind: 'message', message: { kind: 'file', attachments: [{ kind: 'file', ref: 'media:MEDIA_3', name: '情况说明.pdf' }] } });
  });

  it('is fetched through media/get with the app token, its name from Content-Disposition', async () => {
    const doc = pdf('情况说明');
    const id = double.wecomMediaId({ bytes: doc, contentType: 'application/pdf', filename: 'MEDIA.pdf' });
    const got = await adapter().fetchAttachment!({ kind: 'file', ref: `media:${id}` }, opts());
    expect(got).toMatchObject({ ok: true, size: doc.length, name: 'MEDIA.pdf' });
    expect(await bytesOf(got)).toEqual(doc);
    expect(double.requests.findLast((r) => r.path === '/cgi-bin/media/get')!.query.get('media_id')).toBe(id);
  });

  it('is the file whatever Content-Type WeCom gives it: only JSON with an errcode is an error', async () => {
    // WeCom labels a .txt, and at times a PDF, text/plain: the body, not the label, says which it is.
    const text = Buffer.from('现场情况：东门被堵，车辆无法进出。\n');
    const doc = pdf('情况说明');
    const bigJson = Buffer.from(JSON.stringify({ errcode: 0, rows: 'x'.repeat(6000) }));
    for (const [bytes, contentType] of [
      [text, 'text/plain'],
      [doc, 'text/plain; charset=utf-8'],
      [Buffer.from('{"site":"东门","blocked":true}'), 'application/json'],
      [bigJson, 'text/plain'],
    ] as const) {
      const id = double.wecomMediaId({ bytes, contentType, filename: 'MEDIA.txt' });
      const got = await adapter().fetchAttachment!({ kind: 'file', ref: `media:${id}` }, opts());
      expect(got, contentType).toMatchObject({ ok: true, name: 'MEDIA.txt' });
      expect(await bytesOf(got)).toEqual(bytes);
    }
    // An error is an error even when labelled otherwise.
    const id = double.wecomMediaId({ bytes: Buffer.from('{"errcode":40007,"errmsg":"invalid media_id"}'), contentType: 'application/octet-stream' });
    expect(await adapter().fetchAttachment!({ kind: 'file', ref: `media:${id}` }, opts())).toMatchObject({
      ok: false,
      retryable: false,
      error: 'media/get: errcode 40007 invalid media_id',
    });
  });

  it('is not asked for again once media/get says the MediaId is unknown', async () => {
    const got = await adapter().fetchAttachment!({ kind: 'image', ref: 'media:MEDIA_EXPIRED' }, opts());
    expect(got).toMatchObject({ ok: false, retryable: false, error: 'media/get: errcode 40007 invalid media_id' });
  });

  it('needs the app credentials', async () => {
    const got = await adapter({ secret: undefined }).fetchAttachment!({ kind: 'image', ref: 'media:MEDIA_1' } as IncomingAttachment, opts());
    expect(got).toMatchObject({ ok: false, retryable: false });
  });

  it('is not read at all when WeCom says it is larger than the limit', async () => {
    const id = double.wecomMediaId({ bytes: Buffer.concat([html(), Buffer.alloc(4096)]), contentType: 'image/jpeg' });
    const got = await adapter().fetchAttachment!({ kind: 'image', ref: `media:${id}` }, { ...opts(), maxBytes: 1024 });
    expect(got).toMatchObject({ ok: false, refused: 'too_large' });
  });
});

describe('a download\'s file name', () => {
  it.each([
    ['attachment; filename="MEDIA_ID.jpg"', 'MEDIA_ID.jpg'],
    ["attachment; filename*=UTF-8''%E8%AF%B4%E6%98%8E.pdf", '说明.pdf'],
    ['inline', undefined],
  ])('%s', (value, name) => {
    expect(dispositionName(value)).toBe(name);
  });
});
