import { createDecipheriv } from 'node:crypto';
import type { AttachmentFetch, IncomingAttachment } from '../../chat/types.js';
import { fetchFile, type FileAnswer } from '../http.js';
import { AIBOT_REF, MEDIA_REF } from './parse.js';

/** No byte from WeCom for this long, and the try is given up (and made again later). */
const PAUSE_MS = 30_000;
/** media/get's error answers are a line of JSON; a body longer than this is a file. */
const MAX_ERROR_BYTES = 4096;
/** AES-256's padding is PKCS#7 to a multiple of 32 bytes here, so the last 32 bytes may be padding. */
const PAD_BLOCK = 32;

// https://developer.work.weixin.qq.com/document/path/90313 (全局错误码)
const ERR_INVALID_TOKEN = 40014;
const ERR_TOKEN_EXPIRED = 42001;
/** "not now": system busy, rate limits */
const RETRYABLE = new Set([-1, 45009, 45033]);

/**
 * Decrypts a 智能机器人's picture or file as it arrives. WeCom encrypts them "like the callback"
 * (https://developer.work.weixin.qq.com/document/path/100719): AES-256-CBC with the key the
 * EncodingAESKey decodes to (base64 of the key plus "="), the key's first 16 bytes as the IV, and
 * PKCS#7 padding to a multiple of 32 bytes; unlike a callback, the plaintext is the file itself, with
 * no random prefix or length (WeCom's sample, `_process_encrypted_image`, in the demo of
 * https://developer.work.weixin.qq.com/document/path/101039). Throws on a body that is not whole
 * blocks or whose padding is wrong.
 */
export async function* decryptMedia(body: AsyncIterable<Uint8Array>, encodingAesKey: string): AsyncIterable<Buffer> {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  // The last PAD_BLOCK bytes of plaintext so far: they may be padding, known only at the end.
  let held = Buffer.alloc(0);
  for await (const chunk of body) {
    const out = held.length === 0 ? decipher.update(chunk) : Buffer.concat([held, decipher.update(chunk)]);
    if (out.length > PAD_BLOCK) {
      yield out.subarray(0, out.length - PAD_BLOCK);
      held = out.subarray(out.length - PAD_BLOCK);
    } else {
      held = out;
    }
  }
  const last = Buffer.concat([held, decipher.final()]);
  const pad = last[last.length - 1] ?? 0;
  if (pad < 1 || pad > PAD_BLOCK || pad > last.length || !last.subarray(last.length - pad).every((b) => b === pad)) {
    throw new Error('decrypted file has no valid PKCS#7 padding: not encrypted with this EncodingAESKey');
  }
  yield last.subarray(0, last.length - pad);
}

/** The file name a download's Content-Disposition gives, if any (`attachment; filename="a.jpg"`). */
export function dispositionName(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(v);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      // fall back to the plain form
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(v);
  return plain?.[1]?.trim() || undefined;
}

export interface WecomMediaDeps {
  /** WECOM_API_BASE, without a trailing slash: media/get's host, and the one plain-http host downloads may use */
  base: string;
  encodingAesKey: string;
  /** the app's access token, cached; `refresh` drops a token WeCom refused */
  token(): Promise<{ ok: true; token: string } | { ok: false; retryable: boolean; error: string }>;
  refresh(token: string): void;
}

function failed(a: Extract<FileAnswer, { ok: false }>, what: string): AttachmentFetch {
  if (a.refused) return { ok: false, retryable: false, refused: a.refused, error: a.error };
  return { ok: false, retryable: a.retryable, error: `${what}: ${a.error}` };
}

/**
 * Opens an attachment of a WeCom message (SPEC §7b): a 智能机器人's picture or file from its
 * URL (fetched without credentials, from any https host or the configured double) and decrypted as
 * it arrives; a self-built app's picture, file or recording through media/get with its MediaId
 * (https://developer.work.weixin.qq.com/document/path/90254), which answers with the file itself,
 * or with JSON carrying an errcode.
 */
export async function fetchWecomAttachment(
  a: IncomingAttachment,
  opts: { signal: AbortSignal; maxBytes: number },
  deps: WecomMediaDeps,
): Promise<AttachmentFetch> {
  const common = { timeoutMs: PAUSE_MS, signal: opts.signal, doubles: [deps.base] };
  if (a.ref.startsWith(AIBOT_REF)) {
    // The encrypted file is at most one padding block longer than the file.
    const r = await fetchFile(a.ref.slice(AIBOT_REF.length), { ...common, maxBytes: opts.maxBytes + PAD_BLOCK });
    if (!r.ok) return failed(r, 'picture URL');
    return { ok: true, body: decryptMedia(r.body, deps.encodingAesKey) };
  }
  if (!a.ref.startsWith(MEDIA_REF)) return { ok: false, retryable: false, error: 'not a WeCom attachment reference' };
  const mediaId = a.ref.slice(MEDIA_REF.length);
  for (let attempt = 0; ; attempt++) {
    const t = await deps.token();
    if (!t.ok) return { ok: false, retryable: t.retryable, error: `gettoken: ${t.error}` };
    const query = new URLSearchParams({ access_token: t.token, media_id: mediaId });
    const r = await fetchFile(`${deps.base}/cgi-bin/media/get?${query.toString()}`, { ...common, maxBytes: opts.maxBytes });
    if (!r.ok) return failed(r, 'media/get');
    // "错误时返回 JSON" (https://developer.work.weixin.qq.com/document/path/90254): an errcode instead
    // of the file. The Content-Type does not tell them apart (WeCom labels a .txt or a PDF
    // text/plain too): only a short body that parses as JSON with an errcode is an error; anything
    // else is the file, its type then taken from its content like any file's.
    const head = await peek(r.body, MAX_ERROR_BYTES);
    const error = head.ended ? errorOf(head.bytes) : undefined;
    if (error) {
      const { code, message } = error;
      if ((code === ERR_INVALID_TOKEN || code === ERR_TOKEN_EXPIRED) && attempt === 0) {
        deps.refresh(t.token);
        continue;
      }
      return { ok: false, retryable: RETRYABLE.has(code), error: `media/get: errcode ${code}${message ? ` ${message}` : ''}` };
    }
    const size = Number(r.headers['content-length']);
    const name = dispositionName(r.headers['content-disposition']);
    return { ok: true, body: head.body, ...(Number.isFinite(size) ? { size } : {}), ...(name ? { name } : {}) };
  }
}

/**
 * Reads the start of a body, up to just past `max` bytes or its end, and hands back those bytes and
 * the whole body again (the bytes read, then the rest as it comes).
 */
async function peek(body: AsyncIterable<Uint8Array>, max: number): Promise<{ bytes: Buffer; ended: boolean; body: AsyncIterable<Uint8Array> }> {
  const it = body[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size <= max) {
    const next = await it.next();
    if (next.done) {
      ended = true;
      break;
    }
    chunks.push(Buffer.from(next.value));
    size += next.value.length;
  }
  const bytes = Buffer.concat(chunks);
  async function* whole(): AsyncIterable<Uint8Array> {
    if (bytes.length > 0) yield bytes;
    if (ended) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { bytes, ended, body: whole() };
}

/** The errcode and errmsg of a media/get error answer, or undefined when the body is not one. */
function errorOf(bytes: Buffer): { code: number; message: string } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { errcode, errmsg } = body as { errcode?: unknown; errmsg?: unknown };
  if (typeof errcode !== 'number' || errcode === 0) return undefined;
  return { code: errcode, message: typeof errmsg === 'string' ? errmsg : '' };
}
