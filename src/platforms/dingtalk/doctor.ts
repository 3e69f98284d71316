import { connectionCode, connectionProblem, type DoctorCheck } from '../doctor.js';
import { fetchAccessToken } from './client.js';
import type { DingtalkConfig } from './types.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function baseUrlCheck(variable: string, value: string): DoctorCheck {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { name: `钉钉 ${variable}`, ok: false, detail: `${value} 不是网址` };
  }
  if (url.protocol === 'https:') return { name: `钉钉 ${variable}`, ok: true, detail: url.origin };
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) {
    return { name: `钉钉 ${variable}`, ok: true, detail: `${url.origin}（本机上的 http：本地测试替身）` };
  }
  return { name: `钉钉 ${variable}`, ok: false, detail: `${url.origin}：请用 https，应用密钥和 access_token 都经它传送` };
}

function settingsCheck(config: DingtalkConfig): DoctorCheck {
  const problems: string[] = [];
  if (/\s/.test(config.appKey)) problems.push('DINGTALK_APP_KEY 里有空白字符');
  if (/\s/.test(config.appSecret)) problems.push('DINGTALK_APP_SECRET 里有空白字符');
  if (/\s/.test(config.robotCode)) problems.push('DINGTALK_ROBOT_CODE 里有空白字符');
  if (problems.length > 0) return { name: '钉钉设置', ok: false, detail: problems.join('；') };
  const robot = config.robotCode === config.appKey ? `${config.robotCode}（即 AppKey，未设置 DINGTALK_ROBOT_CODE）` : config.robotCode;
  const inbound = config.mode === 'stream' ? 'Stream 模式：不需要公网地址' : 'HTTP 模式：消息发到 POST /dingtalk/callback';
  return { name: '钉钉设置', ok: true, detail: `AppKey ${config.appKey}，RobotCode ${robot}；${inbound}` };
}

async function gatewayCheck(config: DingtalkConfig): Promise<DoctorCheck> {
  const name = '钉钉 Stream 网关';
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
      return { name, ok: true, detail: `已取得连接凭证，接入点 ${new URL(endpoint).host}` };
    }
    return { name, ok: false, detail: `HTTP ${res.status}：请检查 DINGTALK_APP_KEY、DINGTALK_APP_SECRET，以及机器人是否选了 Stream 模式` };
  } catch (err) {
    return { name, ok: false, detail: `${config.apiBase}：${connectionProblem(err, 10_000)}` };
  }
}

/** Why the token request got no answer: the client's timeout, or the connection's code. */
function unreachableWhy(code: string | undefined, message: string): string {
  const seconds = /^no answer within (\d+) s$/.exec(message)?.[1];
  return seconds === undefined ? connectionCode(code, message) : `${seconds} 秒内没有回答`;
}

/** `lianbao doctor` for DingTalk: the settings make sense, and the token endpoint (and Stream gateway) answer. */
export async function doctorDingtalk(config: DingtalkConfig): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [
    settingsCheck(config),
    baseUrlCheck('DINGTALK_API_BASE', config.apiBase),
    baseUrlCheck('DINGTALK_OAPI_BASE', config.oapiBase),
  ];
  const token = await fetchAccessToken(config);
  // No answer at all is the network's doing, not the key's: say why, not "check the key".
  const unreachable = token.ok ? null : /^access token request failed: (?:connection failed \(([^)]+)\): )?(.*)$/.exec(token.error);
  checks.push(
    token.ok
      ? { name: '钉钉 access_token', ok: true, detail: `已从 ${config.apiBase} 取得，有效 ${token.expiresInS} 秒` }
      : unreachable
        ? {
            name: '钉钉 access_token',
            ok: false,
            detail: `${config.apiBase}：${unreachableWhy(unreachable[1], unreachable[2] ?? '')}；请检查 DINGTALK_API_BASE 和本机能否访问外网 HTTPS`,
          }
        : // The client's own error (also logged) ends with the same advice in English: the technical part is kept.
          { name: '钉钉 access_token', ok: false, detail: `取不到：请检查 DINGTALK_APP_KEY 和 DINGTALK_APP_SECRET（${token.error.replace(/: check .*$/, '')}）` },
  );
  if (config.mode === 'stream') checks.push(await gatewayCheck(config));
  return checks;
}
