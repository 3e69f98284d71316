import { WECOM_TOKEN_RE } from '../../config.js';
import { connectionProblem, type DoctorCheck } from '../doctor.js';
import type { WecomConfig } from './client.js';

const TIMEOUT_MS = 10_000;
/** Below this many characters a Token gets a warning. */
const WECOM_TOKEN_ADVISED = 16;

async function getJson(url: string): Promise<{ ok: true; status: number; body: Record<string, unknown> } | { ok: false; error: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const parsed: unknown = await res.json().catch(() => undefined);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { ok: false, error: `HTTP ${res.status}，回答不是企业微信的 JSON` };
    }
    return { ok: true, status: res.status, body: parsed as Record<string, unknown> };
  } catch (err) {
    return { ok: false, error: connectionProblem(err, TIMEOUT_MS) };
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
    name: '企业微信 Token',
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
    name: '企业微信 EncodingAESKey',
    ok: keyOk,
    detail: keyOk
      ? 'WECOM_ENCODING_AES_KEY 是 43 位的密钥'
      : 'WECOM_ENCODING_AES_KEY 应为企业微信后台生成的 43 位 EncodingAESKey',
  });

  const receiveMismatch = config.receiveId !== '' && config.corpId !== undefined && config.receiveId !== config.corpId;
  checks.push({
    name: '企业微信 receiveid',
    ok: !receiveMismatch,
    detail:
      config.receiveId === ''
        ? 'WECOM_RECEIVE_ID 为空：接收智能机器人和群机器人的回调（不接收自建应用的）'
        : receiveMismatch
          ? `WECOM_RECEIVE_ID ${config.receiveId} 与 WECOM_CORP_ID ${config.corpId} 不同：自建应用的 receiveid 就是企业ID（corpid）`
          : `WECOM_RECEIVE_ID ${config.receiveId}：接收该企业自建应用的回调（不接收智能机器人的）`,
  });

  const base = config.apiBase.replace(/\/+$/, '');
  const dm = config.corpId && config.secret && config.agentId;
  if (!dm) {
    checks.push({
      name: '企业微信私信',
      ok: false,
      detail: '没有配置：请设置 WECOM_CORP_ID、WECOM_SECRET 和 WECOM_AGENT_ID，否则发给领导的督促、预警送不到',
    });
    const r = await getJson(`${base}/cgi-bin/gettoken`);
    checks.push({
      name: '企业微信接口',
      ok: r.ok,
      detail: r.ok ? `${base} 可以连通（没有应用凭据，未取 access_token）` : `${base}：${r.error}；请检查 WECOM_API_BASE 和本机能否访问外网 HTTPS`,
    });
    return checks;
  }

  const query = new URLSearchParams({ corpid: config.corpId ?? '', corpsecret: config.secret ?? '' });
  const r = await getJson(`${base}/cgi-bin/gettoken?${query.toString()}`);
  if (!r.ok) {
    checks.push({ name: '企业微信 access_token', ok: false, detail: `${base}：${r.error}；请检查 WECOM_API_BASE 和本机能否访问外网 HTTPS` });
    return checks;
  }
  const code = r.body['errcode'];
  const got = typeof r.body['access_token'] === 'string' && r.body['access_token'] !== '';
  const ok = (code === 0 || code === undefined) && got;
  const errmsg = typeof r.body['errmsg'] === 'string' ? ` ${r.body['errmsg']}` : '';
  checks.push({
    name: '企业微信 access_token',
    ok,
    detail: ok
      ? `已从 ${base} 取得企业 ${config.corpId} 应用 ${config.agentId} 的 access_token`
      : `errcode ${String(code)}${errmsg}：请检查 WECOM_CORP_ID 和 WECOM_SECRET（应用 ${config.agentId} 的 Secret），` +
        '以及本服务器的 IP 是否在该应用的“企业可信IP”里',
  });
  return checks;
}
