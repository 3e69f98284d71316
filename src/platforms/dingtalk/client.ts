import type { Clock } from '../../clock.js';
import { renderMentions } from '../../chat/mentions.js';
import type { AttachmentFetch, IncomingAttachment, OutboundMessage, OutgoingCard, PlatformAdapter, SendResult } from '../../chat/types.js';
import type { DingtalkConfig, DingtalkLogger } from './types.js';
import { cardParams, openSpaceId } from './cards.js';
import { fetchFile, send, TransportError } from '../http.js';

/**
 * Longest text one DingTalk message carries, in UTF-8 bytes. The group API caps `msgParam` (the JSON
 * string holding title and text) at 15 000 bytes; JSON escaping can double a text made of line breaks
 * and quotes, and the sessionWebhook markdown limit is commonly given as 5 000 characters. 5 000 bytes
 * stays under every one of these whatever the text is made of.
 */
export const DINGTALK_MAX_BYTES = 5000;

/** batchSend takes at most this many user ids a call. */
export const DINGTALK_BATCH_LIMIT = 20;

const REQUEST_TIMEOUT_MS = 10_000;
/** No byte from a file's host for this long, and the try is given up (and made again later). */
const DOWNLOAD_PAUSE_MS = 30_000;
/** The token is renewed this long before DingTalk says it expires, so no send races its expiry. */
const TOKEN_MARGIN_MS = 5 * 60 * 1000;
/** sessionWebhook errcode: the session no longer exists (expired or closed); the group path still works. */
const ERR_SESSION_GONE = 300001;
/** errcode "send too fast": DingTalk's own rate limit, worth retrying later. */
const ERR_SEND_TOO_FAST = 130101;
/** errcode -1: "系统繁忙", DingTalk asks to try again. */
const ERR_BUSY = -1;
/** Old-style errcodes for a bad or expired access token. */
const TOKEN_ERRCODES = new Set([40001, 40014, 42001, 88]);
const DEFAULT_TITLE = '联保';

type Json = Record<string, unknown>;

interface HttpAnswer {
  status: number;
  body: Json | undefined;
}

/** How one HTTP exchange with DingTalk ended. */
type Verdict =
  | { kind: 'ok'; body: Json | undefined }
  /** The access token was refused: worth one retry with a fresh token. */
  | { kind: 'auth'; error: string }
  | { kind: 'fail'; retryable: boolean; error: string };

/** How a sessionWebhook reply ended. */
export type SessionResult = { ok: true } | { ok: false; retryable: true; error: string } | { ok: false; fallBack: true; error: string };

/** An access token, or why there is none. */
export type TokenResult =
  | { ok: true; token: string; expiresInS: number }
  | { ok: false; retryable: boolean; error: string };

async function postJson(url: string, payload: unknown, headers: Record<string, string> = {}, method: 'POST' | 'PUT' = 'POST'): Promise<HttpAnswer | { networkError: string }> {
  let answer: { status: number; text: string };
  try {
    answer = await send(url, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(payload),
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
  } catch (err) {
    if (err instanceof TransportError) return { networkError: err.code === 'timeout' ? err.message : `connection failed (${err.code}): ${err.message}` };
    throw err;
  }
  let body: Json | undefined;
  try {
    const value: unknown = answer.text ? JSON.parse(answer.text) : undefined;
    body = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    // Not JSON: judged by its status below.
    body = undefined;
  }
  return { status: answer.status, body };
}

function errcodeOf(body: Json | undefined): number | undefined {
  const v = body?.errcode;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function describe(answer: HttpAnswer): string {
  const b = answer.body;
  const parts = [`HTTP ${answer.status}`];
  if (typeof b?.code === 'string') parts.push(b.code);
  const errcode = errcodeOf(b);
  if (errcode !== undefined) parts.push(`errcode ${errcode}`);
  const text = typeof b?.message === 'string' ? b.message : typeof b?.errmsg === 'string' ? b.errmsg : '';
  return text ? `${parts.join(' ')}: ${text}` : parts.join(' ');
}

/**
 * Sorts an answer from api.dingtalk.com or oapi.dingtalk.com. The new API reports errors with an HTTP
 * status and `{code, message}`; the old one with HTTP 200 and `{errcode, errmsg}`; batchSend reports
 * refused recipients in lists.
 */
function classify(answer: HttpAnswer): Verdict {
  const { status, body } = answer;
  const code = typeof body?.code === 'string' ? body.code : '';
  const errcode = errcodeOf(body);
  const error = describe(answer);

  // Rate limits first: DingTalk answers some of them with 403, which must not read as a bad token.
  if (status === 429 || /QpsLimit|Throttl|TooManyRequests|RateLimit/i.test(code) || errcode === ERR_SEND_TOO_FAST || errcode === ERR_BUSY) {
    return { kind: 'fail', retryable: true, error };
  }
  if (status >= 500) return { kind: 'fail', retryable: true, error };
  if (status === 401 || status === 403 || /InvalidAuthentication|InvalidAccessToken/i.test(code) || (errcode !== undefined && TOKEN_ERRCODES.has(errcode))) {
    return { kind: 'auth', error };
  }
  if (status < 200 || status >= 300) return { kind: 'fail', retryable: false, error };
  if (errcode !== undefined && errcode !== 0) return { kind: 'fail', retryable: false, error };

  const invalid = stringList(body?.invalidStaffIdList);
  if (invalid.length > 0) return { kind: 'fail', retryable: false, error: `unknown or unreachable user ids: ${invalid.join(', ')}` };
  const throttled = stringList(body?.flowControlledStaffIdList);
  if (throttled.length > 0) return { kind: 'fail', retryable: true, error: `flow-controlled user ids: ${throttled.join(', ')}` };
  if (body === undefined) return { kind: 'fail', retryable: false, error: `${error}: the answer is not JSON` };
  return { kind: 'ok', body };
}

/**
 * Fetches an app access token (`POST /v1.0/oauth2/accessToken`). Used by the client and by `lianbao doctor`.
 * https://open.dingtalk.com/document/orgapp/obtain-the-access_token-of-an-internal-app
 */
export async function fetchAccessToken(config: Pick<DingtalkConfig, 'apiBase' | 'appKey' | 'appSecret'>): Promise<TokenResult> {
  const answer = await postJson(`${config.apiBase}/v1.0/oauth2/accessToken`, { appKey: config.appKey, appSecret: config.appSecret });
  if ('networkError' in answer) return { ok: false, retryable: true, error: `access token request failed: ${answer.networkError}` };
  const token = answer.body?.accessToken;
  const expireIn = answer.body?.expireIn;
  if (answer.status >= 200 && answer.status < 300 && typeof token === 'string' && token !== '') {
    return { ok: true, token, expiresInS: typeof expireIn === 'number' && expireIn > 0 ? expireIn : 7200 };
  }
  const verdict = classify(answer);
  return {
    ok: false,
    // A refused key or secret stays refused until the operator fixes DINGTALK_APP_KEY / DINGTALK_APP_SECRET.
    retryable: verdict.kind === 'fail' && verdict.retryable,
    error: `access token refused (${describe(answer)}): check DINGTALK_APP_KEY and DINGTALK_APP_SECRET`,
  };
}

/** Calls DingTalk's robot APIs with a cached access token. One per process. */
export class DingtalkClient {
  private token: { value: string; renewAtMs: number } | undefined;
  private pendingToken: Promise<TokenResult> | undefined;

  constructor(
    private readonly config: DingtalkConfig,
    private readonly clock: Clock,
  ) {}

  /** A valid access token, fetched at most once at a time and kept until 5 minutes before it expires. */
  async accessToken(): Promise<TokenResult> {
    const now = this.clock.now().getTime();
    if (this.token && now < this.token.renewAtMs) {
      return { ok: true, token: this.token.value, expiresInS: Math.floor((this.token.renewAtMs + TOKEN_MARGIN_MS - now) / 1000) };
    }
    if (!this.pendingToken) {
      this.pendingToken = fetchAccessToken(this.config)
        .then((result) => {
          if (result.ok) {
            this.token = { value: result.token, renewAtMs: this.clock.now().getTime() + result.expiresInS * 1000 - TOKEN_MARGIN_MS };
          }
          return result;
        })
        .finally(() => {
          this.pendingToken = undefined;
        });
    }
    return this.pendingToken;
  }

  /** Sends markdown to a group the robot is in (`openConversationId`). */
  async sendGroup(openConversationId: string, title: string, text: string): Promise<SendResult> {
    const payload = {
      msgKey: 'sampleMarkdown',
      msgParam: JSON.stringify({ title, text }),
      openConversationId,
      robotCode: this.config.robotCode,
    };
    return toSendResult(await this.withToken((token) => this.api('/v1.0/robot/groupMessages/send', payload, token)));
  }

  /**
   * Sends markdown to people in 1:1 chats with the robot, 20 ids a call. Stops at the first refused call:
   * the ids before it have their message, so a caller retrying the whole list would repeat it to them —
   * the outbox avoids that by sending one person per message.
   */
  async sendToPeople(userIds: readonly string[], title: string, text: string): Promise<SendResult> {
    if (userIds.length === 0) return { ok: false, retryable: false, error: 'no user ids' };
    const msgParam = JSON.stringify({ title, text });
    for (let i = 0; i < userIds.length; i += DINGTALK_BATCH_LIMIT) {
      const payload = {
        robotCode: this.config.robotCode,
        userIds: userIds.slice(i, i + DINGTALK_BATCH_LIMIT),
        msgKey: 'sampleMarkdown',
        msgParam,
      };
      const result = toSendResult(await this.withToken((token) => this.api('/v1.0/robot/oToMessages/batchSend', payload, token)));
      if (!result.ok) return result;
    }
    return { ok: true };
  }

  /**
   * Replies through a message's sessionWebhook (no access token: the URL is the credential).
   * `fallBack` means this URL will not take the message (session over, or refused for good) and the
   * group path should be tried instead; a transient failure is returned as retryable.
   */
  async sendBySession(url: string, title: string, text: string, atUserIds: readonly string[]): Promise<SessionResult> {
    const answer = await postJson(url, { msgtype: 'markdown', markdown: { title, text }, at: { atUserIds, isAtAll: false } });
    if ('networkError' in answer) return { ok: false, retryable: true, error: answer.networkError };
    if (errcodeOf(answer.body) === ERR_SESSION_GONE) return { ok: false, fallBack: true, error: `session ended (${describe(answer)})` };
    const verdict = classify(answer);
    if (verdict.kind === 'ok') return { ok: true };
    if (verdict.kind === 'fail' && verdict.retryable) return { ok: false, retryable: true, error: verdict.error };
    // Any other refusal is about this session URL (an access token cannot help it); the group path may still work.
    return { ok: false, fallBack: true, error: verdict.error };
  }

  /**
   * The download URL of a file a robot received (`POST /v1.0/robot/messageFiles/download` with its
   * downloadCode and the robot's code, https://open.dingtalk.com/document/orgapp/download-the-file-content-of-the-robot-receiving-message):
   * `{ downloadUrl }`, a short-lived link on DingTalk's storage.
   */
  async downloadUrl(downloadCode: string): Promise<{ ok: true; url: string } | { ok: false; retryable: boolean; error: string }> {
    const v = await this.withToken((token) => this.api('/v1.0/robot/messageFiles/download', { downloadCode, robotCode: this.config.robotCode }, token));
    if (v.kind === 'ok') {
      const url = v.body?.downloadUrl;
      if (typeof url === 'string' && url !== '') return { ok: true, url };
      return { ok: false, retryable: false, error: 'messageFiles/download answered without a downloadUrl' };
    }
    return { ok: false, retryable: v.kind === 'fail' && v.retryable, error: `messageFiles/download: ${v.error}` };
  }

  /**
   * Creates a card from the template and delivers it to a group or a person in one call (创建并投放卡片,
   * https://open.dingtalk.com/document/orgapp/create-and-deliver-cards). Its clicks come back on the
   * Stream topic /v1.0/card/instances/callback, or, in HTTP mode, to the callback registered for the
   * route key. The clicker is named by staffId (userIdType 1).
   */
  async createCard(card: OutgoingCard, space: { group: string } | { user: string }): Promise<SendResult> {
    const template = this.config.card;
    if (!template) return { ok: false, retryable: false, error: 'no DINGTALK_CARD_TEMPLATE_ID' };
    const http = this.config.mode === 'http';
    const payload = {
      cardTemplateId: template.templateId,
      outTrackId: card.id,
      callbackType: http ? 'HTTP' : 'STREAM',
      ...(http ? { callbackRouteKey: template.routeKey } : {}),
      cardData: { cardParamMap: cardParams(card) },
      openSpaceId: openSpaceId(space),
      // Not forwarded: a forwarded card's clicks would come from chats it was not meant for.
      imGroupOpenSpaceModel: { supportForward: false },
      imGroupOpenDeliverModel: { robotCode: this.config.robotCode },
      imRobotOpenSpaceModel: { supportForward: false },
      imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: this.config.robotCode },
      userIdType: 1,
    };
    return toSendResult(delivered(await this.withToken((token) => this.api('/v1.0/card/instances/createAndDeliver', payload, token))));
  }

  /**
   * Replaces a card's data, for everyone it was delivered to (更新卡片,
   * https://open.dingtalk.com/document/orgapp/interactive-card-update-interface).
   */
  async updateCard(card: OutgoingCard): Promise<SendResult> {
    const payload = { outTrackId: card.id, cardData: { cardParamMap: cardParams(card) }, cardUpdateOptions: { updateCardDataByKey: true } };
    return toSendResult(await this.withToken((token) => this.api('/v1.0/card/instances', payload, token, 'PUT')));
  }

  private async withToken(call: (token: string) => Promise<Verdict>): Promise<Verdict> {
    let last: Verdict | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.accessToken();
      if (!token.ok) return { kind: 'fail', retryable: token.retryable, error: token.error };
      last = await call(token.token);
      if (last.kind !== 'auth') return last;
      // Only drop the token that was refused: a concurrent send may already have fetched a newer one.
      if (this.token?.value === token.token) this.token = undefined;
    }
    return {
      kind: 'fail',
      retryable: false,
      error: `${last?.kind === 'auth' ? last.error : 'refused'} (also with a fresh access token: check the app's robot permission and DINGTALK_ROBOT_CODE)`,
    };
  }

  private async api(path: string, payload: unknown, token: string, method: 'POST' | 'PUT' = 'POST'): Promise<Verdict> {
    const answer = await postJson(`${this.config.apiBase}${path}`, payload, { 'x-acs-dingtalk-access-token': token }, method);
    if ('networkError' in answer) return { kind: 'fail', retryable: true, error: answer.networkError };
    return classify(answer);
  }
}

/**
 * createAndDeliver answers HTTP 200 and says per space whether the card arrived
 * (`result.deliverResults[].success`, with `errorMsg`): a refused delivery is a failed send.
 */
function delivered(verdict: Verdict): Verdict {
  if (verdict.kind !== 'ok') return verdict;
  const result = verdict.body?.['result'];
  const results = typeof result === 'object' && result !== null ? (result as Json)['deliverResults'] : undefined;
  const failed = Array.isArray(results) ? results.find((r) => typeof r === 'object' && r !== null && (r as Json)['success'] === false) : undefined;
  if (verdict.body?.['success'] === false || failed) {
    const why = failed && typeof (failed as Json)['errorMsg'] === 'string' ? `: ${(failed as Json)['errorMsg'] as string}` : '';
    return { kind: 'fail', retryable: false, error: `card not delivered${why}` };
  }
  return verdict;
}

function toSendResult(verdict: Verdict): SendResult {
  switch (verdict.kind) {
    case 'ok':
      return { ok: true };
    case 'auth':
      return { ok: false, retryable: false, error: verdict.error };
    case 'fail':
      return { ok: false, retryable: verdict.retryable, error: verdict.error };
  }
}

/**
 * The one path DingTalk hands out reply URLs on: `https://oapi.dingtalk.com/robot/sendBySession?session=…`
 * (https://open.dingtalk.com/document/orgapp/receive-message). Any other path on that host — a group
 * robot's `/robot/send?access_token=…` above all — posts with someone else's credential to wherever they
 * chose, so a callback cannot name it.
 */
const SESSION_WEBHOOK_PATH = '/robot/sendBySession';

/** Why a reply URL may not be used, or undefined when it may. */
function sessionWebhookProblem(msg: OutboundMessage, oapi: URL, nowMs: number): string | undefined {
  if (!msg.replyUrl) return 'no sessionWebhook';
  let url: URL;
  try {
    url = new URL(msg.replyUrl);
  } catch {
    return 'sessionWebhook is not a URL';
  }
  // SPEC §7: a URL from a callback is only followed to the configured DingTalk host, never elsewhere,
  // and there only on the session-webhook path, with a session and nothing else to identify it.
  if (url.origin !== oapi.origin) return `sessionWebhook origin ${url.origin} is not DINGTALK_OAPI_BASE (${oapi.origin})`;
  const path = `${oapi.pathname.replace(/\/+$/, '')}${SESSION_WEBHOOK_PATH}`;
  if (url.pathname !== path || !url.searchParams.get('session') || url.username || url.password || url.hash) {
    return `sessionWebhook path ${url.pathname} is not ${path}?session=…`;
  }
  if (msg.replyExpiresAt !== undefined && msg.replyExpiresAt <= nowMs) return 'sessionWebhook expired';
  return undefined;
}

class DingtalkAdapter implements PlatformAdapter {
  readonly platform = 'dingtalk' as const;
  readonly maxBytes = DINGTALK_MAX_BYTES;
  /** Cards need a template (DINGTALK_CARD_TEMPLATE_ID); a card made from it can be updated at any time by its outTrackId. */
  readonly cards?: { updatable: 'any-time' };
  private readonly oapi: URL;

  constructor(
    private readonly client: DingtalkClient,
    private readonly config: DingtalkConfig,
    private readonly log: DingtalkLogger,
    private readonly clock: Clock,
  ) {
    this.oapi = new URL(config.oapiBase);
    if (config.card) this.cards = { updatable: 'any-time' };
  }

  async send(msg: OutboundMessage): Promise<SendResult> {
    if (msg.card && this.cards) {
      if (msg.cardUpdate) return this.settle(msg, await this.client.updateCard(msg.card));
      const sent = await this.sendCard(msg, msg.card);
      if (sent) return sent;
    }
    return this.sendText(msg);
  }

  /**
   * A card where the message goes: a group (a reply to a group goes to that group, since a
   * sessionWebhook takes no interactive card), or a person in the robot's 1:1 chat. Undefined when
   * it did not go and the text form should: nowhere to deliver it, or DingTalk refused it for good
   * (a template that does not exist, a missing permission) — the message still arrives.
   */
  private async sendCard(msg: OutboundMessage, card: OutgoingCard): Promise<SendResult | undefined> {
    const space = msg.kind === 'person' ? (msg.to ? { user: msg.to } : undefined) : msg.to ? { group: msg.to } : msg.replyUser ? { user: msg.replyUser } : undefined;
    if (!space) return undefined;
    const result = await this.client.createCard(card, space);
    if (result.ok || result.retryable) return this.settle(msg, result);
    this.log.warn({ platform: 'dingtalk', kind: msg.kind, to: msg.to, error: result.error }, 'DingTalk card refused; sending the text form instead (check DINGTALK_CARD_TEMPLATE_ID and the Card.Instance.Write permission)');
    return undefined;
  }

  private async sendText(msg: OutboundMessage): Promise<SendResult> {
    const bytes = Buffer.byteLength(msg.text, 'utf8');
    if (bytes > this.maxBytes) return this.permanent(msg, `text is ${bytes} bytes, over DingTalk's ${this.maxBytes}`);
    const title = msg.title.trim() || DEFAULT_TITLE;
    if (msg.kind === 'reply') return this.reply(msg, title);
    if (!msg.to) return this.permanent(msg, `no ${msg.kind === 'group' ? 'openConversationId' : 'user id'} to send to`);
    const text = renderMentions(msg.text, (_id, name) => `@${name}`);
    const result = msg.kind === 'group' ? await this.client.sendGroup(msg.to, title, text) : await this.client.sendToPeople([msg.to], title, text);
    return this.settle(msg, result);
  }

  /**
   * A reply goes where the message can be answered (SPEC §7): its sessionWebhook while it lives,
   * else the group (its openConversationId), else — a 1:1 chat whose session has ended or refuses
   * the reply — the sender directly (batchSend).
   */
  private async reply(msg: OutboundMessage, title: string): Promise<SendResult> {
    const problem = sessionWebhookProblem(msg, this.oapi, this.clock.now().getTime());
    if (problem === undefined && msg.replyUrl) {
      // The session API mentions for real: the id must be in at.atUserIds and written `@id` in the text.
      const text = renderMentions(msg.text, (id) => `@${id}`);
      const result = await this.client.sendBySession(msg.replyUrl, title, text, msg.mentions);
      if (result.ok) return result;
      // Still failing when it expires, the next try takes the fallback below (SPEC §7).
      if (!('fallBack' in result)) return this.settle(msg, result);
      this.log.info({ platform: 'dingtalk', to: msg.to, reason: result.error }, 'sessionWebhook refused the reply; taking the fallback');
    } else if (problem?.startsWith('sessionWebhook origin') || problem?.startsWith('sessionWebhook path')) {
      this.log.warn({ platform: 'dingtalk', to: msg.to }, `${problem}; taking the fallback instead`);
    }
    const text = renderMentions(msg.text, (_id, name) => `@${name}`);
    if (msg.to) return this.settle(msg, await this.client.sendGroup(msg.to, title, text));
    if (msg.replyUser) return this.settle(msg, await this.client.sendToPeople([msg.replyUser], title, text));
    return this.permanent(msg, `reply cannot use its sessionWebhook (${problem ?? 'session ended'}) and has no group or sender to fall back to`);
  }

  /**
   * A file a message carried (SPEC §7b): its downloadCode is turned into a download URL with the app's
   * token, and the URL — which may be on another host — is fetched without any credential, over https
   * or from the configured double.
   */
  async fetchAttachment(a: IncomingAttachment, opts: { signal: AbortSignal; maxBytes: number }): Promise<AttachmentFetch> {
    const link = await this.client.downloadUrl(a.ref);
    if (!link.ok) return link;
    const f = await fetchFile(link.url, {
      timeoutMs: DOWNLOAD_PAUSE_MS,
      signal: opts.signal,
      doubles: [this.config.apiBase, this.config.oapiBase],
      maxBytes: opts.maxBytes,
    });
    if (!f.ok) return f.refused ? { ok: false, retryable: false, refused: f.refused, error: f.error } : { ok: false, retryable: f.retryable, error: `download URL: ${f.error}` };
    const size = Number(f.headers['content-length']);
    return { ok: true, body: f.body, ...(Number.isFinite(size) ? { size } : {}) };
  }

  private settle(msg: OutboundMessage, result: SendResult): SendResult {
    if (result.ok) return result;
    if (!result.retryable) return this.permanent(msg, result.error);
    this.log.debug({ platform: 'dingtalk', kind: msg.kind, to: msg.to, error: result.error }, 'DingTalk send failed; will retry');
    return result;
  }

  private permanent(msg: OutboundMessage, error: string): SendResult {
    // The sessionWebhook URL is itself a credential for the chat, so only the group or user id is logged.
    this.log.warn({ platform: 'dingtalk', kind: msg.kind, to: msg.to, error }, 'DingTalk send failed permanently');
    return { ok: false, retryable: false, error };
  }
}

/** The outbound adapter for platform `dingtalk`: groups, people, and replies through sessionWebhook. */
export function createDingtalkAdapter(config: DingtalkConfig, log: DingtalkLogger, clock: Clock): PlatformAdapter {
  return new DingtalkAdapter(new DingtalkClient(config, clock), config, log, clock);
}
