import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyDingtalkRequest } from '../../../src/platforms/dingtalk/index.js';

const SECRET = 'verify-secret';
const NOW = Date.parse('2026-03-01T08:00:00Z');

function sign(timestamp: string, secret = SECRET): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

describe('verifyDingtalkRequest', () => {
  it('accepts a correct sign within one hour either way, to the millisecond', () => {
    for (const ts of [NOW, NOW - 3600_000, NOW + 3600_000]) {
      expect(verifyDingtalkRequest(SECRET, { timestamp: String(ts), sign: sign(String(ts)) }, NOW)).toEqual({ ok: true });
    }
  });

  it('refuses a timestamp one millisecond outside the hour, a non-numeric one, and a wrong or truncated sign', () => {
    const late = String(NOW - 3600_001);
    expect(verifyDingtalkRequest(SECRET, { timestamp: late, sign: sign(late) }, NOW)).toMatchObject({ ok: false, status: 401, check: 'timestamp' });
    expect(verifyDingtalkRequest(SECRET, { timestamp: 'yesterday', sign: sign('yesterday') }, NOW)).toMatchObject({ status: 401, check: 'timestamp' });
    const ts = String(NOW);
    expect(verifyDingtalkRequest(SECRET, { timestamp: ts, sign: sign(ts, 'other') }, NOW)).toMatchObject({ status: 401, check: 'sign' });
    expect(verifyDingtalkRequest(SECRET, { timestamp: ts, sign: sign(ts).slice(0, -2) }, NOW)).toMatchObject({ status: 401, check: 'sign' });
  });

  it('answers 400 when a header needed to verify is missing', () => {
    expect(verifyDingtalkRequest(SECRET, { timestamp: String(NOW) }, NOW)).toMatchObject({ status: 400, check: 'headers' });
    expect(verifyDingtalkRequest(SECRET, { sign: 'x' }, NOW)).toMatchObject({ status: 400, check: 'headers' });
  });
});
