import type { DoctorCheck } from '../doctor.js';
import { fetchAccessToken } from './client.js';
import type { DingtalkConfig } from './types.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function baseUrlCheck(variable: string, value: string): DoctorCheck {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { name: `dingtalk ${variable}`, ok: false, detail: `${value} is not a URL` };
  }
  if (url.protocol === 'https:') return { name: `dingtalk ${variable}`, ok: true, detail: url.origin };
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) {
    return { name: `dingtalk ${variable}`, ok: true, detail: `${url.origin} (plain http on loopback: a local test double)` };
  }
  return { name: `dingtalk ${variable}`, ok: false, detail: `${url.origin}: use https, the app secret and tokens travel over it` };
}

function settingsCheck(config: DingtalkConfig): DoctorCheck {
  const problems: string[] = [];
  if (/\s/.test(config.appKey)) problems.push('DINGTALK_APP_KEY contains white space');
  if (/\s/.test(config.appSecret)) problems.push('DINGTALK_APP_SECRET contains white space');
  if (/\s/.test(config.robotCode)) problems.push('DINGTALK_ROBOT_CODE contains white space');
  if (problems.length > 0) return { name: 'dingtalk settings', ok: false, detail: problems.join('; ') };
  const robot = config.robotCode === config.appKey ? `${config.robotCode} (the app key, DINGTALK_ROBOT_CODE unset)` : config.robotCode;
  const inbound = config.mode === 'stream' ? 'Stream mode: no public URL needed' : 'HTTP mode: messages arrive at POST /dingtalk/callback';
  return { name: 'dingtalk settings', ok: true, detail: `app key ${config.appKey}, robot code ${robot}; ${inbound}` };
}

async function gatewayCheck(config: DingtalkConfig): Promise<DoctorCheck> {
  const name = 'dingtalk stream gateway';
  try {
    const res = await fetch(`${config.apiBase}/v1.0/gateway/connections/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        clientId: config.appKey,
        clientSecret: config.appSecret,
        ua: 'lianbao-doctor',
        subscriptions: [{ type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' }],
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const body: unknown = await res.json().catch(() => undefined);
    const endpoint = typeof body === 'object' && body !== null && 'endpoint' in body ? body.endpoint : undefined;
    if (res.ok && typeof endpoint === 'string' && endpoint) {
      // The ticket is unused and simply expires; only the endpoint host is shown.
      return { name, ok: true, detail: `connection ticket granted, endpoint ${new URL(endpoint).host}` };
    }
    return { name, ok: false, detail: `HTTP ${res.status}: check DINGTALK_APP_KEY / DINGTALK_APP_SECRET and that the robot uses Stream mode` };
  } catch (err) {
    return { name, ok: false, detail: `cannot reach ${config.apiBase}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** `lianbao doctor` for DingTalk: the settings make sense, and the token endpoint (and Stream gateway) answer. */
export async function doctorDingtalk(config: DingtalkConfig): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [
    settingsCheck(config),
    baseUrlCheck('DINGTALK_API_BASE', config.apiBase),
    baseUrlCheck('DINGTALK_OAPI_BASE', config.oapiBase),
  ];
  const token = await fetchAccessToken(config);
  checks.push(
    token.ok
      ? { name: 'dingtalk access token', ok: true, detail: `granted by ${config.apiBase}, valid ${token.expiresInS} s` }
      : { name: 'dingtalk access token', ok: false, detail: token.error },
  );
  if (config.mode === 'stream') checks.push(await gatewayCheck(config));
  return checks;
}
