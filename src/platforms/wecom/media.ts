import { createDecipheriv } from 'node:crypto';
import type { AttachmentFetch, IncomingAttachment } from '../../chat/types.js';
import { fetchFile, readSome, type FileAnswer } from '../http.js';
import { AIBOT_REF, MEDIA_REF } from './parse.js';

/** No byte from WeCom for this long, and the try is given up (and made again later). */
const PAUSE_MS = 30_000;
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
    const type = String(r.headers['content-type'] ?? '');
    // "错误时返回 JSON": an errcode instead of the file.
    if (/json|text\/plain/i.test(type)) {
      const text = await readSome(r.body, 4096);
      let code: number | undefined;
      let message = '';
      try {
        const body = JSON.parse(text) as { errcode?: unknown; errmsg?: unknown };
        code = typeof body.errcode === 'number' ? body.errcode : undefined;
        message = typeof body.errmsg === 'string' ? body.errmsg : '';
      } catch {
        code = undefined;
      }
      if ((code === ERR_INVALID_TOKEN || code === ERR_TOKEN_EXPIRED) && attempt === 0) {
        deps.refresh(t.token);
        continue;
      }
      const error = `media/get: errcode ${code ?? '?'}${message ? ` ${message}` : ''}`;
      return { ok: false, retryable: code !== undefined && RETRYABLE.has(code), error };
    }
    const size = Number(r.headers['content-length']);
    const name = dispositionName(r.headers['content-disposition']);
    return { ok: true, body: r.body, ...(Number.isFinite(size) ? { size } : {}), ...(name ? { name } : {}) };
  }
}
