import type { BaseLogger } from 'pino';
import { systemClock, type Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { renderMentions } from '../../chat/mentions.js';
import type { OutboundMessage, PlatformAdapter, SendResult } from '../../chat/types.js';
import { send, TransportError } from '../http.js';

/** The WeCom part of the configuration (present when WECOM_TOKEN and WECOM_ENCODING_AES_KEY are set). */
export type WecomConfig = NonNullable<Config['wecom']>;

/** What the adapter logs through; a pino logger or Fastify's `app.log` both fit. */
export type AdapterLog = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;

/** WeCom markdown content is limited to 4096 bytes of UTF-8. */
export const WECOM_MAX_BYTES = 4096;

const TIMEOUT_MS = 10_000;
/** Refresh the app token this long before WeCom says it expires. */
const TOKEN_MARGIN_MS = 5 * 60 * 1000;

// https://developer.work.weixin.qq.com/document/path/90313 (全局错误码)
const ERR_SYSTEM_BUSY = -1;
const ERR_INVALID_TOKEN = 40014;
const ERR_TOKEN_EXPIRED = 42001;
const ERR_RATE_LIMIT = 45009;
const ERR_INVALID_WEBHOOK_KEY = 93000;

type Failure = Extract<SendResult, { ok: false }>;
type TokenResult = { ok: true; token: string } | { ok: false; failure: Failure };

/** The outcome of one HTTP call to WeCom, before it is judged. */
type Call =
  | { kind: 'transport'; error: string }
  | { kind: 'http'; status: number; body: Record<string, unknown> | undefined };

async function call(url: string, init: { method: 'GET' } | { method: 'POST'; json: unknown }): Promise<Call> {
  let status: number;
  let text: string;
  try {
    ({ status, text } = await send(url, {
      method: init.method,
      headers: init.method === 'POST' ? { 'content-type': 'application/json' } : undefined,
      body: init.method === 'POST' ? JSON.stringify(init.json) : undefined,
      timeoutMs: TIMEOUT_MS,
    }));
  } catch (err) {
    // Why the request never got an answer, without the URL (it carries the webhook key or the token).
    if (err instanceof TransportError) return { kind: 'transport', error: err.code === 'timeout' ? err.message : `connection failed (${err.code})` };
    throw err;
  }
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    body = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    body = undefined;
  }
  return { kind: 'http', status, body };
}

function errcodeOf(c: Call): number | undefined {
  if (c.kind !== 'http' || !c.body) return undefined;
  const code = c.body['errcode'];
  return typeof code === 'number' ? code : typeof code === 'string' && /^-?\d+$/.test(code) ? Number(code) : undefined;
}

/** Success is errcode 0 whatever the HTTP status; rate limits, 5xx and network trouble are worth retrying. */
function judge(c: Call): SendResult {
  if (c.kind === 'transport') return { ok: false, retryable: true, error: c.error };
  const code = errcodeOf(c);
  if (code === 0) return { ok: true };
  const msg = c.body && typeof c.body['errmsg'] === 'string' ? `: ${c.body['errmsg']}` : '';
  if (code !== undefined) {
    const retryable = code === ERR_RATE_LIMIT || code === ERR_SYSTEM_BUSY;
    return { ok: false, retryable, error: `errcode ${code}${msg}` };
  }
  const retryable = c.status >= 500 || c.status === 429;
  return { ok: false, retryable, error: `HTTP ${c.status} without an errcode` };
}

/** Trouble on the way (network, timeout, 5xx) as opposed to WeCom answering with an errcode. */
function transient(c: Call): boolean {
  return c.kind === 'transport' || (errcodeOf(c) === undefined && c.status >= 500);
}

/** A webhook key is a credential: logs show only its first characters. */
export function redactKey(key: string): string {
  return key.length <= 4 ? '****' : `${key.slice(0, 4)}…`;
}

/** Origin and path of a reply URL; its query carries a one-time code that stays out of logs. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function sameOrigin(url: string, base: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === new URL(base).origin;
  } catch {
    return false;
  }
}

function markdown(content: string): { msgtype: 'markdown'; markdown: { content: string } } {
  return { msgtype: 'markdown', markdown: { content } };
}

/**
 * The WeCom adapter: groups through their robot webhook, replies through the callback's
 * response_url (falling back to the group robot), people through the self-built app.
 * `clock` decides reply-URL expiry and token lifetime; it defaults to the system clock.
 */
export function createWecomAdapter(config: WecomConfig, log: AdapterLog, clock: Clock = systemClock): PlatformAdapter {
  const base = config.apiBase.replace(/\/+$/, '');
  let token: { value: string; refreshAt: number } | undefined;
  // Concurrent sends share one gettoken call instead of racing for a token each.
  let pending: Promise<TokenResult> | undefined;

  const fail = (retryable: boolean, error: string, destination: string): SendResult => {
    if (!retryable) log.warn({ destination }, `wecom send failed permanently: ${error}`);
    else log.info({ destination }, `wecom send failed, will retry: ${error}`);
    return { ok: false, retryable, error };
  };

  const finish = (r: SendResult, destination: string): SendResult => (r.ok ? r : fail(r.retryable, r.error, destination));

  async function sendGroup(key: string, content: string): Promise<SendResult> {
    const destination = `group robot ${redactKey(key)}`;
    if (!key) return fail(false, 'no group robot key to send to', 'group robot (none)');
    const c = await call(`${base}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}`, { method: 'POST', json: markdown(content) });
    const r = judge(c);
    if (!r.ok && errcodeOf(c) === ERR_INVALID_WEBHOOK_KEY) {
      return fail(false, `invalid webhook key ${redactKey(key)} (errcode 93000): check the webhookKey in the roster`, destination);
    }
    return finish(r, destination);
  }

  async function fetchToken(): Promise<TokenResult> {
    const query = new URLSearchParams({ corpid: config.corpId ?? '', corpsecret: config.secret ?? '' });
    const c = await call(`${base}/cgi-bin/gettoken?${query.toString()}`, { method: 'GET' });
    const r = judge(c);
    if (!r.ok) {
      const hint = r.retryable ? '' : ' (check WECOM_CORP_ID and WECOM_SECRET)';
      return { ok: false, failure: { ...r, error: `gettoken: ${r.error}${hint}` } };
    }
    const body = c.kind === 'http' ? c.body : undefined;
    const value = body?.['access_token'];
    const expiresIn = body?.['expires_in'];
    if (typeof value !== 'string' || value === '') {
      return { ok: false, failure: { ok: false, retryable: true, error: 'gettoken: no access_token in the answer' } };
    }
    const lifetimeMs = (typeof expiresIn === 'number' ? expiresIn : 7200) * 1000;
    token = { value, refreshAt: clock.now().getTime() + Math.max(0, lifetimeMs - TOKEN_MARGIN_MS) };
    return { ok: true, token: value };
  }

  async function getToken(): Promise<TokenResult> {
    if (token && clock.now().getTime() < token.refreshAt) return { ok: true, token: token.value };
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  async function sendPerson(userId: string, content: string): Promise<SendResult> {
    const destination = `user ${userId}`;
    if (!config.corpId || !config.secret || !config.agentId) {
      return fail(false, 'direct messages need WECOM_CORP_ID/WECOM_SECRET/WECOM_AGENT_ID', destination);
    }
    if (!userId) return fail(false, 'no user id to send to', 'user (none)');
    const payload = { touser: userId, agentid: Number(config.agentId), ...markdown(content) };

    let c: Call | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const t = await getToken();
      if (!t.ok) return fail(t.failure.retryable, t.failure.error, destination);
      c = await call(`${base}/cgi-bin/message/send?access_token=${encodeURIComponent(t.token)}`, { method: 'POST', json: payload });
      const code = errcodeOf(c);
      if (code !== ERR_INVALID_TOKEN && code !== ERR_TOKEN_EXPIRED) break;
      // The token died before our margin (revoked, or refreshed elsewhere): forget it and try once more.
      if (token?.value === t.token) token = undefined;
    }
    if (!c) return fail(true, 'not sent', destination);

    const invalid = c.kind === 'http' && typeof c.body?.['invaliduser'] === 'string' ? c.body['invaliduser'] : '';
    if (invalid) {
      return fail(false, `user ${invalid} cannot receive app messages (not a member, or outside the app's visible range)`, destination);
    }
    return finish(judge(c), destination);
  }

  async function sendReply(msg: OutboundMessage, content: string): Promise<SendResult> {
    const url = msg.replyUrl;
    const now = clock.now().getTime();
    if (url && !sameOrigin(url, base)) {
      log.info({ replyUrl: redactUrl(url) }, `wecom reply URL is not on ${new URL(base).origin}: not used, sending to the group`);
    } else if (url && (msg.replyExpiresAt === undefined || now < msg.replyExpiresAt)) {
      const c = await call(url, { method: 'POST', json: markdown(content) });
      const r = judge(c);
      if (r.ok) return r;
      // A network blip or 5xx is retried on the same URL while it lives; a refusal (already used,
      // expired early, …) goes to the group at once, as does any failure when the expiry is unknown.
      if (transient(c) && msg.replyExpiresAt !== undefined) return fail(true, `reply URL: ${r.error}`, `reply ${redactUrl(url)}`);
      log.info({ replyUrl: redactUrl(url) }, `wecom reply URL failed (${r.error}): sending to the group`);
    }
    if (!msg.to) return fail(false, 'reply URL unusable and no group to fall back to', 'reply (no group)');
    return sendGroup(msg.to, content);
  }

  return {
    platform: 'wecom',
    maxBytes: WECOM_MAX_BYTES,
    async send(msg: OutboundMessage): Promise<SendResult> {
      // App messages are one-to-one, where <@userid> would show literally; groups mention with it.
      const content =
        msg.kind === 'person'
          ? renderMentions(msg.text, (_id, name) => `@${name}`)
          : renderMentions(msg.text, (id) => `<@${id}>`);
      const bytes = Buffer.byteLength(content, 'utf8');
      if (bytes > WECOM_MAX_BYTES) {
        const destination = msg.kind === 'person' ? `user ${msg.to}` : `${msg.kind} ${redactKey(msg.to)}`;
        return fail(false, `message is ${bytes} bytes, over WeCom's ${WECOM_MAX_BYTES}-byte limit`, destination);
      }
      switch (msg.kind) {
        case 'group':
          return sendGroup(msg.to, content);
        case 'person':
          return sendPerson(msg.to, content);
        case 'reply':
          return sendReply(msg, content);
      }
    },
  };
}
