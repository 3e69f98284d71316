import { WECOM_TOKEN_RE } from '../../config.js';
import type { DoctorCheck } from '../doctor.js';
import type { WecomConfig } from './client.js';

const TIMEOUT_MS = 10_000;
/** Below this many characters a Token gets a warning. */
const WECOM_TOKEN_ADVISED = 16;

async function getJson(url: string): Promise<{ ok: true; status: number; body: Record<string, unknown> } | { ok: false; error: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const parsed: unknown = await res.json().catch(() => undefined);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { ok: false, error: `HTTP ${res.status}, not a WeCom JSON answer` };
    }
    return { ok: true, status: res.status, body: parsed as Record<string, unknown> };
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
    return { ok: false, error: name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : `cannot connect (${cause})` };
  }
}

/**
 * `lianbao doctor` for WeCom: sanity of the callback settings, then the token endpoint — with the
 * app credentials when direct messages are configured, otherwise just to prove the host is reachable.
 * Never prints a secret or a token.
 */
export async function doctorWecom(config: WecomConfig): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];

  // The console takes 3–32 letters or digits; a short one passes there but is easy to guess, and it
  // is what the callbacks' signature rests on.
  const tokenOk = WECOM_TOKEN_RE.test(config.token);
  const tokenShort = tokenOk && config.token.length < WECOM_TOKEN_ADVISED;
  checks.push({
    name: 'wecom token',
    ok: tokenOk,
    ...(tokenShort ? { warn: true } : {}),
    detail: !tokenOk
      ? 'WECOM_TOKEN 只能是英文字母和数字，3 到 32 位，与企业微信后台「接收消息」里填写的 Token 相同'
      : tokenShort
        ? `WECOM_TOKEN 只有 ${config.token.length} 位，容易被猜中：在企业微信后台「接收消息」点「随机获取」换一个长的 Token，同时改 WECOM_TOKEN`
        : `WECOM_TOKEN 已设置（${config.token.length} 位）`,
  });

  const keyOk = /^[A-Za-z0-9]{43}$/.test(config.encodingAesKey) && Buffer.from(`${config.encodingAesKey}=`, 'base64').length === 32;
  checks.push({
    name: 'wecom encoding AES key',
    ok: keyOk,
    detail: keyOk
      ? 'WECOM_ENCODING_AES_KEY is a 43-character key'
      : 'WECOM_ENCODING_AES_KEY must be the 43-character EncodingAESKey from the WeCom console',
  });

  const receiveMismatch = config.receiveId !== '' && config.corpId !== undefined && config.receiveId !== config.corpId;
  checks.push({
    name: 'wecom receive id',
    ok: !receiveMismatch,
    detail:
      config.receiveId === ''
        ? 'WECOM_RECEIVE_ID empty: accepts callbacks of 智能机器人 and group robots (not of a self-built app)'
        : receiveMismatch
          ? `WECOM_RECEIVE_ID ${config.receiveId} differs from WECOM_CORP_ID ${config.corpId}: a self-built app's receiveid is the corpid`
          : `WECOM_RECEIVE_ID ${config.receiveId}: accepts callbacks of a self-built app of that corp (not of 智能机器人)`,
  });

  const base = config.apiBase.replace(/\/+$/, '');
  const dm = config.corpId && config.secret && config.agentId;
  if (!dm) {
    checks.push({
      name: 'wecom direct messages',
      ok: false,
      detail:
        'not configured: set WECOM_CORP_ID, WECOM_SECRET and WECOM_AGENT_ID, ' +
        'or escalations to leaders (督促, 预警) cannot be delivered',
    });
    const r = await getJson(`${base}/cgi-bin/gettoken`);
    checks.push({
      name: 'wecom API reachable',
      ok: r.ok,
      detail: r.ok ? `${base} answers (no app credentials to test)` : `${base}: ${r.error}; check WECOM_API_BASE and outbound HTTPS`,
    });
    return checks;
  }

  const query = new URLSearchParams({ corpid: config.corpId ?? '', corpsecret: config.secret ?? '' });
  const r = await getJson(`${base}/cgi-bin/gettoken?${query.toString()}`);
  if (!r.ok) {
    checks.push({ name: 'wecom access token', ok: false, detail: `${base}: ${r.error}; check WECOM_API_BASE and outbound HTTPS` });
    return checks;
  }
  const code = r.body['errcode'];
  const got = typeof r.body['access_token'] === 'string' && r.body['access_token'] !== '';
  const ok = (code === 0 || code === undefined) && got;
  const errmsg = typeof r.body['errmsg'] === 'string' ? ` ${r.body['errmsg']}` : '';
  checks.push({
    name: 'wecom access token',
    ok,
    detail: ok
      ? `token obtained from ${base} for corp ${config.corpId}, app ${config.agentId}`
      : `errcode ${String(code)}${errmsg}: check WECOM_CORP_ID and WECOM_SECRET (the secret of app ${config.agentId}), ` +
        "and that this server's IP is in the app's 企业可信IP",
  });
  return checks;
}
