import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { doctorWecom } from '../../../src/platforms/wecom/doctor.js';
import type { WecomConfig } from '../../../src/platforms/wecom/client.js';
import { startPlatformDouble, WECOM_OK, type PlatformDouble, type Responder } from '../../support/platform-double.js';

/** The platform double answering every request with `respond`: WeCom's plain success unless a test says otherwise. */
const startDouble = (respond: Responder = () => WECOM_OK): Promise<PlatformDouble> => startPlatformDouble({ respond });

let api: PlatformDouble;
beforeEach(async () => {
  api = await startDouble((q) =>
    q.path !== '/cgi-bin/gettoken'
      ? { status: 404, text: 'no' }
      : !q.query.get('corpid')
        ? { json: { errcode: 41002, errmsg: 'corpid missing' } }
        : q.query.get('corpsecret') === 'good-secret'
          ? { json: { errcode: 0, errmsg: 'ok', access_token: 'THE-TOKEN', expires_in: 7200 } }
          : { json: { errcode: 40001, errmsg: 'invalid credential' } },
  );
});
afterEach(async () => {
  await api.close();
});

const config = (extra: Partial<WecomConfig> = {}): WecomConfig => ({
  token: 'lianbaoToken2026',
  encodingAesKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  receiveId: '',
  corpId: 'ww1234567890abcdef',
  secret: 'good-secret',
  agentId: '1000002',
  apiBase: api.base,
  ...extra,
});
const byName = (checks: { name: string; ok: boolean; detail: string; warn?: boolean }[]) => Object.fromEntries(checks.map((c) => [c.name, c]));

describe('doctorWecom', () => {
  it('passes a sound configuration whose app gets a token', async () => {
    const checks = await doctorWecom(config());
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(byName(checks)['企业微信 access_token']?.detail).toContain('已从');
    expect(JSON.stringify(checks)).not.toContain('good-secret');
    expect(JSON.stringify(checks)).not.toContain('THE-TOKEN');
  });

  it('reports a wrong secret with what to check', async () => {
    const c = byName(await doctorWecom(config({ secret: 'bad-secret' })))['企业微信 access_token'];
    expect(c?.ok).toBe(false);
    expect(c?.detail).toContain('40001');
    expect(c?.detail).toContain('WECOM_SECRET');
    expect(c?.detail).not.toContain('bad-secret');
  });

  it('reports bad callback settings', async () => {
    const checks = byName(await doctorWecom(config({ token: 'a b', encodingAesKey: 'short', receiveId: 'wwOTHER' })));
    expect(checks['企业微信 Token']?.ok).toBe(false);
    expect(checks['企业微信 EncodingAESKey']?.ok).toBe(false);
    expect(checks['企业微信 receiveid']?.ok).toBe(false);
  });

  it('warns about a short token, which the console takes but is easy to guess, and says how to get a long one', async () => {
    const short = byName(await doctorWecom(config({ token: 'abc' })))['企业微信 Token'];
    expect(short).toMatchObject({ ok: true, warn: true, detail: expect.stringContaining('只有 3 位，容易被猜中') });
    expect(short?.detail).toContain('随机获取');
    expect(byName(await doctorWecom(config()))['企业微信 Token']).toEqual({ name: '企业微信 Token', ok: true, detail: 'WECOM_TOKEN 已设置（16 位）' });
  });

  it('without app credentials, says direct messages are off and still checks the host is reachable', async () => {
    const checks = byName(await doctorWecom(config({ corpId: undefined, secret: undefined, agentId: undefined })));
    expect(checks['企业微信私信']?.ok).toBe(false);
    expect(checks['企业微信接口']?.ok).toBe(true);
  });

  it('reports an unreachable API host', async () => {
    const old = api;
    api = await startDouble();
    await old.close();
    const checks = byName(await doctorWecom(config({ apiBase: old.base })));
    expect(checks['企业微信 access_token']?.ok).toBe(false);
    expect(checks['企业微信 access_token']?.detail).toContain('WECOM_API_BASE');
  });
});
