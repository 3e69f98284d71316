import { createHmac, timingSafeEqual } from 'node:crypto';

/** DingTalk refuses callbacks whose timestamp is more than an hour from the receiver's clock. */
export const DINGTALK_TIMESTAMP_WINDOW_MS = 60 * 60 * 1000;

/** The two headers DingTalk signs a robot callback with. */
export interface DingtalkSignatureHeaders {
  /** ms since epoch, as a decimal string. */
  timestamp?: string;
  /** base64(HMAC-SHA256(appSecret, `${timestamp}\n${appSecret}`)). */
  sign?: string;
}

/** Which check a request failed, with the HTTP status SPEC §9 gives it and a line for the operator. */
export type DingtalkVerifyResult =
  | { ok: true }
  | { ok: false; status: 400 | 401; check: 'headers' | 'timestamp' | 'sign'; message: string };

/** The `sign` DingTalk sends for a timestamp; exported so tests and tools sign requests the same way. */
export function dingtalkSign(appSecret: string, timestamp: string): string {
  return createHmac('sha256', appSecret).update(`${timestamp}\n${appSecret}`, 'utf8').digest('base64');
}

/**
 * Verifies a robot callback (企业内部机器人接收消息, HTTP mode).
 * https://open.dingtalk.com/document/orgapp/receive-message
 *
 * DingTalk signs only the timestamp, not the body, so the body is no input here: the signature
 * proves the request comes from someone holding the app secret, and the timestamp window limits replay.
 */
export function verifyDingtalkRequest(
  appSecret: string,
  headers: DingtalkSignatureHeaders,
  nowMs: number,
): DingtalkVerifyResult {
  const { timestamp, sign } = headers;
  if (!timestamp || !sign) {
    return {
      ok: false,
      status: 400,
      check: 'headers',
      message: 'missing timestamp or sign header: only DingTalk robot callbacks are accepted here',
    };
  }
  if (!/^\d{1,16}$/.test(timestamp) || Math.abs(nowMs - Number(timestamp)) > DINGTALK_TIMESTAMP_WINDOW_MS) {
    return {
      ok: false,
      status: 401,
      check: 'timestamp',
      message: 'timestamp more than 1 hour from now: check the server clock (NTP), or the request is a replay',
    };
  }
  const expected = Buffer.from(dingtalkSign(appSecret, timestamp), 'utf8');
  const given = Buffer.from(sign, 'utf8');
  // timingSafeEqual throws on different lengths; a length mismatch is a mismatch all the same.
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return {
      ok: false,
      status: 401,
      check: 'sign',
      message: 'signature mismatch: check DINGTALK_APP_SECRET (the AppSecret / Client Secret of the app that owns the robot)',
    };
  }
  return { ok: true };
}
