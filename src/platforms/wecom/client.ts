import type { BaseLogger } from 'pino';
import { systemClock, type Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { renderMentions } from '../../chat/mentions.js';
import type { OutboundMessage, PlatformAdapter, SendResult } from '../../chat/types.js';
import { send, TransportError } from '../http.js';
import { fetchWecomAttachment } from './media.js';
import { freshTaskId, templateCard } from './cards.js';

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
/** 接口并发调用超过限制: too many calls at once, worth trying again a little later. */
const ERR_CONCURRENCY = 45033;
const ERR_INVALID_WEBHOOK_KEY = 93000;
/** Errcodes that say "not now" rather than "not ever" (SPEC §7). */
const RETRYABLE = new Set([ERR_SYSTEM_BUSY, ERR_RATE_LIMIT, ERR_CONCURRENCY]);

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
    const retryable = RETRYABLE.has(code);
    return { ok: false, retryable, error: `errcode ${code}${msg}` };
  }
  const retryable = c.status >= 500 || c.status === 429;
  return { ok: false, retryable, error: `HTTP ${c.status} without an errcode` };
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

/**
 * Why a reply URL from a callback may not be followed, or undefined when it may: it must be on
 * WeCom's own hosts (SPEC §7), the API base's origin or a host of WECOM_REPLY_HOSTS (a group-robot
 * callback's WebhookUrl is on in.qyapi.weixin.qq.com), over https unless the API base itself is
 * plain http (a local double), and carry no credentials of its own. Anything else would make the
 * server post for whoever wrote the callback, to wherever they chose.
 */
export function replyUrlProblem(url: string, base: string, replyHosts: readonly string[]): string | undefined {
  let u: URL;
  let b: URL;
  try {
    u = new URL(url);
    b = new URL(base);
  } catch {
    return 'not a URL';
  }
  if (u.username || u.password) return 'carries credentials';
  if (u.origin === b.origin) return undefined;
  if (u.protocol !== 'https:' && u.protocol !== b.protocol) return `${u.protocol} is not https`;
  const host = u.host.toLowerCase();
  if (replyHosts.includes(host) || (u.port === '' && replyHosts.includes(u.hostname.toLowerCase()))) return undefined;
  return `${u.host} is neither the host of WECOM_API_BASE nor listed in WECOM_REPLY_HOSTS`;
}

/**
 * A group robot's webhook, as a group-robot callback's WebhookUrl is: its markdown renders
 * `<@userid>` mentions. A 智能机器人's response_url does not (WeCom documents the syntax for
 * webhooks only), so a mention there is the plain name.
 */
function isWebhook(url: string): boolean {
  try {
    return new URL(url).pathname.endsWith('/cgi-bin/webhook/send');
  } catch {
    return false;
  }
}

function markdown(content: string): { msgtype: 'markdown'; markdown: { content: string } } {
  return { msgtype: 'markdown', markdown: { content } };
}

/** The body of a message: its card where one goes (`card`), else its text as markdown. */
function body(content: string, card?: Record<string, unknown>): Record<string, unknown> {
  return card ? { msgtype: 'template_card', template_card: card } : markdown(content);
}

/** The text with its mentions as WeCom renders them: `<@userid>` in a webhook's markdown, the name elsewhere. */
function render(msg: OutboundMessage, how: 'webhook' | 'plain'): string {
  return how === 'webhook' ? renderMentions(msg.text, (id) => `<@${id}>`) : renderMentions(msg.text, (_id, name) => `@${name}`);
}

/** Why a text cannot go out in one WeCom message, or undefined when it can. */
function oversize(content: string): string | undefined {
  const bytes = Buffer.byteLength(content, 'utf8');
  return bytes > WECOM_MAX_BYTES ? `message is ${bytes} bytes, over WeCom's ${WECOM_MAX_BYTES}-byte limit` : undefined;
}

/**
 * The WeCom adapter: groups through their robot webhook, replies through the callback's reply URL
 * (falling back to the group robot, else a direct message to the sender), people through the
 * self-built app.
 * `clock` decides reply-URL expiry and token lifetime; it defaults to the system clock.
 */
export function createWecomAdapter(config: WecomConfig, log: AdapterLog, clock: Clock = systemClock): PlatformAdapter {
  const base = config.apiBase.replace(/\/+$/, '');
  // A self-built app's card calls back to the app's own receive URL: only when that is this server
  // (its receiveid is the corpid) may people get cards from it; otherwise their clicks would be lost.
  const appCards = config.corpId !== undefined && config.receiveId === config.corpId;
  let token: { value: string; refreshAt: number } | undefined;
  // Concurrent sends share one gettoken call instead of racing for a token each.
  let pending: Promise<TokenResult> | undefined;

  const fail = (retryable: boolean, error: string, destination: string): SendResult => {
    if (!retryable) log.warn({ destination }, `wecom send failed permanently: ${error}`);
    else log.info({ destination }, `wecom send failed, will retry: ${error}`);
    return { ok: false, retryable, error };
  };

  const finish = (r: SendResult, destination: string): SendResult => (r.ok ? r : fail(r.retryable, r.error, destination));

  async function sendGroup(key: string, msg: OutboundMessage): Promise<SendResult> {
    const destination = `group robot ${redactKey(key)}`;
    if (!key) return fail(false, 'no group robot key to send to', 'group robot (none)');
    const content = render(msg, 'webhook');
    const tooLong = oversize(content);
    if (tooLong) return fail(false, tooLong, destination);
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

  async function sendPerson(userId: string, msg: OutboundMessage): Promise<SendResult> {
    const destination = `user ${userId}`;
    // App messages are one-to-one, where <@userid> would show literally.
    const content = render(msg, 'plain');
    const tooLong = oversize(content);
    if (tooLong) return fail(false, tooLong, destination);
    if (!config.corpId || !config.secret || !config.agentId) {
      return fail(false, 'direct messages need WECOM_CORP_ID/WECOM_SECRET/WECOM_AGENT_ID', destination);
    }
    if (!userId) return fail(false, 'no user id to send to', 'user (none)');
    const card = msg.card && appCards ? templateCard(msg.card, msg.card.id, 'app') : undefined;
    const payload = { touser: userId, agentid: Number(config.agentId), ...body(content, card) };

    const c = await withAppToken('/cgi-bin/message/send', payload);
    if (!c.ok) return fail(c.failure.retryable, c.failure.error, destination);
    return judgeAppAnswer(c.call, destination);
  }

  /** Calls an app API with the app's token, fetching a new one once if WeCom says it died. */
  async function withAppToken(path: string, payload: unknown): Promise<{ ok: true; call: Call } | { ok: false; failure: Failure }> {
    let c: Call | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const t = await getToken();
      if (!t.ok) return { ok: false, failure: t.failure };
      c = await call(`${base}${path}?access_token=${encodeURIComponent(t.token)}`, { method: 'POST', json: payload });
      const code = errcodeOf(c);
      if (code !== ERR_INVALID_TOKEN && code !== ERR_TOKEN_EXPIRED) break;
      // The token died before our margin (revoked, or refreshed elsewhere): forget it and try once more.
      if (token?.value === t.token) token = undefined;
    }
    return c ? { ok: true, call: c } : { ok: false, failure: { ok: false, retryable: true, error: 'not sent' } };
  }

  /** An app message is refused for a recipient outside the app's reach even when errcode is 0. */
  function judgeAppAnswer(c: Call, destination: string): SendResult {
    const invalid = c.kind === 'http' && typeof c.body?.['invaliduser'] === 'string' ? c.body['invaliduser'] : '';
    if (invalid) {
      return fail(false, `user ${invalid} cannot receive app messages (not a member, or outside the app's visible range)`, destination);
    }
    return finish(judge(c), destination);
  }

  /** A reply URL's answer, or undefined when the reply should take its fallback. */
  async function sendByReplyUrl(msg: OutboundMessage, url: string): Promise<SendResult | undefined> {
    const problem = replyUrlProblem(url, base, config.replyHosts);
    if (problem) {
      log.info({ replyUrl: redactUrl(url) }, `wecom reply URL not used (${problem}): taking the fallback`);
      return undefined;
    }
    if (msg.replyExpiresAt !== undefined && clock.now().getTime() >= msg.replyExpiresAt) return undefined;
    const content = render(msg, isWebhook(url) ? 'webhook' : 'plain');
    const tooLong = oversize(content);
    if (tooLong) return fail(false, tooLong, `reply ${redactUrl(url)}`);
    // A 智能机器人's response_url takes a template card (https://developer.work.weixin.qq.com/document/path/101138);
    // a group robot's webhook shows cards whose buttons cannot call back, so it gets the text.
    const card = msg.card && !isWebhook(url) ? templateCard(msg.card, msg.cardUpdate ? freshTaskId(msg.card.id, msg.text) : msg.card.id, 'aibot') : undefined;
    const c = await call(url, { method: 'POST', json: body(content, card) });
    const r = judge(c);
    if (r.ok) return r;
    // A network blip, a 5xx or a "not now" errcode (45033 …) is retried on the same URL while it
    // lives; a refusal (already used, expired early, …) takes the fallback at once, as does any
    // failure when the expiry is unknown.
    if (r.retryable && msg.replyExpiresAt !== undefined) return fail(true, `reply URL: ${r.error}`, `reply ${redactUrl(url)}`);
    log.info({ replyUrl: redactUrl(url) }, `wecom reply URL failed (${r.error}): taking the fallback`);
    return undefined;
  }

  /**
   * A reply goes where the message can be answered (SPEC §7): its reply URL, else the group's
   * robot, else — a 1:1 chat, a self-built app's message, a group without a robot key — the
   * sender directly, through the app.
   */
  async function sendReply(msg: OutboundMessage): Promise<SendResult> {
    if (msg.replyUrl) {
      const sent = await sendByReplyUrl(msg, msg.replyUrl);
      if (sent) return sent;
    }
    if (msg.to) return sendGroup(msg.to, msg);
    if (msg.replyUser) return sendPerson(msg.replyUser, msg);
    return fail(false, 'reply URL unusable, and no group or sender to fall back to', 'reply (nowhere)');
  }

  /**
   * Replaces a card already sent (SPEC §7a). A self-built app's card with the response_code of the
   * click on it (更新模版卡片消息, https://developer.work.weixin.qq.com/document/path/94888), for its
   * recipient; a 智能机器人's card is replaced only by the answer to the click (routes.ts), and this
   * is its second best: the card shown again through the click's response_url, if that still takes one.
   */
  async function updateCard(msg: OutboundMessage): Promise<SendResult> {
    const card = msg.card!;
    const code = msg.cardUpdate?.code;
    const destination = `card ${card.id}`;
    if (code) {
      if (!config.corpId || !config.secret || !config.agentId) return fail(false, 'updating a card needs WECOM_CORP_ID/WECOM_SECRET/WECOM_AGENT_ID', destination);
      const userId = msg.kind === 'person' ? msg.to : msg.replyUser;
      const payload = {
        ...(userId ? { userids: [userId] } : { atall: 1 }),
        agentid: Number(config.agentId),
        response_code: code,
        template_card: templateCard(card, card.id, 'app'),
      };
      const c = await withAppToken('/cgi-bin/message/update_template_card', payload);
      if (!c.ok) return fail(c.failure.retryable, c.failure.error, destination);
      return finish(judge(c.call), destination);
    }
    if (msg.replyUrl) {
      const sent = await sendByReplyUrl(msg, msg.replyUrl);
      if (sent) return sent;
      return fail(false, 'the card could not be shown again: its click was answered too late, and its reply URL is used or refused', destination);
    }
    log.info({ cardId: card.id }, 'wecom card not updated: WeCom changes this card only in answer to a click on it');
    return { ok: true };
  }

  return {
    platform: 'wecom',
    maxBytes: WECOM_MAX_BYTES,
    fetchAttachment: (attachment, opts) =>
      fetchWecomAttachment(attachment, opts, {
        base,
        encodingAesKey: config.encodingAesKey,
        async token() {
          if (!config.corpId || !config.secret) {
            return { ok: false, retryable: false, error: 'media/get needs WECOM_CORP_ID and WECOM_SECRET (the self-built app)' };
          }
          const t = await getToken();
          return t.ok ? t : { ok: false, retryable: t.failure.retryable, error: t.failure.error };
        },
        refresh(refused) {
          if (token?.value === refused) token = undefined;
        },
      }),
    cards: { updatable: 'on-click' },
    async send(msg: OutboundMessage): Promise<SendResult> {
      if (msg.cardUpdate && msg.card) return updateCard(msg);
      switch (msg.kind) {
        case 'group':
          return sendGroup(msg.to, msg);
        case 'person':
          return sendPerson(msg.to, msg);
        case 'reply':
          return sendReply(msg);
      }
    },
  };
}
