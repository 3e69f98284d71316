import { createHash, timingSafeEqual } from 'node:crypto';
import { decrypt, encrypt } from '@wecom/crypto';

/** What the callback checks need from the configuration. */
export interface WecomSecrets {
  token: string;
  encodingAesKey: string;
  /** Expected receiveid after decryption: '' for 智能机器人 and group robots, the corpid for a self-built app. */
  receiveId: string;
}

/** The URL parameters WeCom signs a callback with. */
export interface WecomSignedParams {
  msgSignature: string;
  timestamp: string;
  nonce: string;
}

/** Names the check that turned a request away; routes log it and tests look for it. */
export type WecomCheck = 'signature' | 'timestamp' | 'decrypt' | 'receiveid';

export type WecomVerifyResult =
  | { ok: true; message: string }
  | { ok: false; check: WecomCheck; reason: string };

/** WeCom refuses replays older than this; so do we, in both directions to allow for clock drift. */
export const MAX_SKEW_SECONDS = 300;

/** msg_signature = sha1 of the lexically sorted [token, timestamp, nonce, encrypt], concatenated. */
export function wecomSignature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypted].sort().join('')).digest('hex');
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  // timingSafeEqual needs equal lengths; a wrong length says nothing about the token.
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/**
 * Decrypts with @wecom/crypto, then proves the plaintext was well formed: the library trusts the
 * padding byte and the length field, so garbage can come out as a "message" with an empty id.
 * Encrypting its output again with the same random prefix must give back exactly the input; the
 * library writes canonical base64, so this also refuses anything that was not base64.
 */
function decryptStrict(encodingAesKey: string, encrypted: string): { message: string; id: string } | undefined {
  try {
    const out = decrypt(encodingAesKey, encrypted);
    return encrypt(encodingAesKey, out.message, out.id, out.random) === encrypted ? { message: out.message, id: out.id } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a WeCom callback and returns the decrypted plain message (the echostr answer for GET,
 * the inner JSON or XML for POST). Pure: the caller supplies the current time.
 *
 * Protocol: https://developer.work.weixin.qq.com/document/path/90968 (加解密方案说明; the same
 * scheme for 智能机器人: https://developer.work.weixin.qq.com/document/path/101033).
 */
export function verifyWecom(
  secrets: WecomSecrets,
  params: WecomSignedParams,
  encrypted: string,
  nowMs: number,
): WecomVerifyResult {
  const expected = wecomSignature(secrets.token, params.timestamp, params.nonce, encrypted);
  if (!sameSignature(expected, params.msgSignature)) {
    return { ok: false, check: 'signature', reason: 'signature mismatch: check WECOM_TOKEN' };
  }

  if (!/^\d{1,13}$/.test(params.timestamp)) {
    return { ok: false, check: 'timestamp', reason: `timestamp ${JSON.stringify(params.timestamp)} is not a number of seconds` };
  }
  const skew = Math.round(Number(params.timestamp) - nowMs / 1000);
  if (Math.abs(skew) > MAX_SKEW_SECONDS) {
    return {
      ok: false,
      check: 'timestamp',
      reason:
        `timestamp is ${Math.abs(skew)} s in the ${skew < 0 ? 'past' : 'future'} (limit ${MAX_SKEW_SECONDS} s): ` +
        'a replayed request, or check the server clock',
    };
  }

  const plain = decryptStrict(secrets.encodingAesKey, encrypted);
  if (!plain) {
    return { ok: false, check: 'decrypt', reason: 'cannot decrypt the payload: check WECOM_ENCODING_AES_KEY' };
  }

  if (plain.id !== secrets.receiveId) {
    return {
      ok: false,
      check: 'receiveid',
      reason:
        `receiveid ${JSON.stringify(plain.id)} does not match WECOM_RECEIVE_ID ${JSON.stringify(secrets.receiveId)}: ` +
        'leave it empty for 智能机器人 and group robots, set it to the corpid for a self-built app',
    };
  }
  return { ok: true, message: plain.message };
}
