import { describe, it, expect } from 'vitest';
import { verifyWecom, wecomSignature } from '../../../src/platforms/wecom/verify.js';
import { decryptMessage, encryptMessage, SAMPLE, sign } from '../../support/wecom-protocol.js';

const secrets = { token: SAMPLE.token, encodingAesKey: SAMPLE.encodingAesKey, receiveId: SAMPLE.receiveId };
const sampleMs = Number(SAMPLE.timestamp) * 1000;
const params = { msgSignature: SAMPLE.signature, timestamp: SAMPLE.timestamp, nonce: SAMPLE.nonce };

describe('the protocol as written in the tests', () => {
  it("reproduces WeCom's published sample", () => {
    expect(sign(SAMPLE.token, SAMPLE.timestamp, SAMPLE.nonce, SAMPLE.echostr)).toBe(SAMPLE.signature);
    const plain = decryptMessage(SAMPLE.encodingAesKey, SAMPLE.echostr);
    expect(plain.message).toBe(SAMPLE.message);
    expect(plain.receiveId).toBe(SAMPLE.receiveId);
    expect(encryptMessage(SAMPLE.encodingAesKey, SAMPLE.message, SAMPLE.receiveId, plain.random)).toBe(SAMPLE.echostr);
  });
});

describe('verifyWecom', () => {
  it('accepts the published sample and returns its message', () => {
    expect(wecomSignature(SAMPLE.token, SAMPLE.timestamp, SAMPLE.nonce, SAMPLE.echostr)).toBe(SAMPLE.signature);
    expect(verifyWecom(secrets, params, SAMPLE.echostr, sampleMs)).toEqual({ ok: true, message: SAMPLE.message });
  });

  it('accepts an upper-case signature', () => {
    expect(verifyWecom(secrets, { ...params, msgSignature: SAMPLE.signature.toUpperCase() }, SAMPLE.echostr, sampleMs).ok).toBe(true);
  });

  it('refuses a wrong token, a wrong or truncated signature', () => {
    const bad = [
      verifyWecom({ ...secrets, token: 'other' }, params, SAMPLE.echostr, sampleMs),
      verifyWecom(secrets, { ...params, msgSignature: SAMPLE.signature.replace('5c', '5d') }, SAMPLE.echostr, sampleMs),
      verifyWecom(secrets, { ...params, msgSignature: SAMPLE.signature.slice(0, 20) }, SAMPLE.echostr, sampleMs),
    ];
    for (const r of bad) expect(r).toMatchObject({ ok: false, check: 'signature' });
  });

  it('allows 300 s of skew either way and no more', () => {
    expect(verifyWecom(secrets, params, SAMPLE.echostr, sampleMs + 300_000).ok).toBe(true);
    expect(verifyWecom(secrets, params, SAMPLE.echostr, sampleMs - 300_000).ok).toBe(true);
    expect(verifyWecom(secrets, params, SAMPLE.echostr, sampleMs + 301_000)).toMatchObject({ ok: false, check: 'timestamp' });
    expect(verifyWecom(secrets, params, SAMPLE.echostr, sampleMs - 301_000)).toMatchObject({ ok: false, check: 'timestamp' });
  });

  it('refuses a receiveid other than the configured one, including empty against a corpid', () => {
    expect(verifyWecom({ ...secrets, receiveId: '' }, params, SAMPLE.echostr, sampleMs)).toMatchObject({ ok: false, check: 'receiveid' });
    const forBot = encryptMessage(SAMPLE.encodingAesKey, 'hello', '');
    const p = { ...params, msgSignature: sign(SAMPLE.token, SAMPLE.timestamp, SAMPLE.nonce, forBot) };
    expect(verifyWecom(secrets, p, forBot, sampleMs)).toMatchObject({ ok: false, check: 'receiveid' });
    expect(verifyWecom({ ...secrets, receiveId: '' }, p, forBot, sampleMs)).toEqual({ ok: true, message: 'hello' });
  });

  it('refuses a correctly signed payload that does not decrypt to a well-formed message', () => {
    const otherKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    const garbage = [
      'not base64 at all!',
      Buffer.alloc(48, 7).toString('base64'), // not a multiple of 32 bytes
      Buffer.alloc(64, 7).toString('base64'), // right size, random content
      encryptMessage(otherKey, 'hello', ''), // another key
    ];
    for (const g of garbage) {
      const p = { ...params, msgSignature: sign(SAMPLE.token, SAMPLE.timestamp, SAMPLE.nonce, g) };
      expect(verifyWecom({ ...secrets, receiveId: '' }, p, g, sampleMs)).toMatchObject({ ok: false, check: 'decrypt' });
    }
  });
});
