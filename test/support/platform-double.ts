/**
 * The one double of the platforms, for every layer of tests (an adapter's client alone, the app in
 * process, the server as a process): a real local HTTP server (127.0.0.1, a free port) standing
 * in for every platform host the server talks to: qyapi.weixin.qq.com (WECOM_API_BASE), api.dingtalk.com (DINGTALK_API_BASE,
 * including the Stream gateway and its WebSocket) and oapi.dingtalk.com (DINGTALK_OAPI_BASE).
 * The real paths of the three hosts do not overlap, so one origin serves them all, and the reply
 * URLs it hands out (WeCom response_url, DingTalk sessionWebhook) are on that same origin, as the
 * server requires before it follows them.
 *
 * It records every request, answers like the platform, and can be told to misbehave (HTTP 500,
 * no answer, the platform's rate-limit errcode) for a number of message sends, then recover, or
 * to answer some requests exactly as a test says (`respond`, `on`).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { encryptMedia } from './wecom-protocol.js';
import { waitFor } from './wait.js';

export type DoublePlatform = 'wecom' | 'dingtalk';

/** What the double did with a request. */
export type Outcome = 'ok' | 'http500' | 'hang' | 'ratelimit' | 'refused' | 'not-found';

/** One request the double received. */
export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** parsed JSON, the raw text when it is not JSON, undefined when empty (tests read the platforms' JSON field by field) */
  body: any;
  /** the body as it was sent */
  text: string;
  /** Date.now() when it arrived */
  at: number;
  outcome: Outcome;
  /** for a request left hanging: when its connection closed (the client gave up, or `recover()` cut it) */
  closedAt?: number;
}

/** How a message reached the platform. */
export type Via =
  | 'wecom-response-url'
  | 'wecom-webhook'
  | 'wecom-app'
  | 'wecom-card-update'
  | 'dingtalk-session'
  | 'dingtalk-group'
  | 'dingtalk-batch'
  | 'dingtalk-card'
  | 'dingtalk-card-update';

/** A message the double accepted: what people in a chat, or a person, would now see. */
export interface DeliveredMessage {
  platform: DoublePlatform;
  via: Via;
  /**
   * Who sees it: for a reply URL, the chat it was handed out for (`chat:<chatId>`); for a WeCom group
   * robot `key:<webhookKey>`; for a DingTalk group `cid:<openConversationId>`; for a person
   * `user:<userId>` (several joined by `,` for a DingTalk batch).
   */
  to: string;
  text: string;
  /** user ids the platform would notify (DingTalk at.atUserIds; WeCom `<@userid>` in the text) */
  mentions: string[];
  at: number;
  request: RecordedRequest;
  /**
   * For a card (SPEC §7a): the card as the platform got it — WeCom's template_card, DingTalk's
   * cardParamMap — and its id there (task_id, outTrackId).
   */
  card?: { id: string; data: Record<string, unknown> };
}

/**
 * A stretch of bad behaviour: the next `times` message sends of a platform get it (until `recover()`
 * when omitted). With `match` or `via`, only sends whose text matches, or that travel that way, count
 * and get it; others (a scheduled job's notice, say) pass as usual.
 */
export interface FaultPhase {
  kind: 'http500' | 'hang' | 'ratelimit';
  /** for `ratelimit` on WeCom: the errcode (45009 by default; 45033 is "too many calls at once") */
  errcode?: number;
  times?: number;
  match?: (text: string) => boolean;
  via?: Via[];
}

/** An answer a test gives instead of the platform's: a status (200), and JSON or a text. */
export interface Reply {
  status?: number;
  json?: unknown;
  text?: string;
}

/** Answers some requests as a test says; undefined leaves a request to the double's usual answer. */
export type Responder = (req: RecordedRequest) => Reply | undefined;

/** A Stream-mode frame the server sent back on the WebSocket (acknowledgements, pongs). */
export interface StreamFrame {
  code?: number;
  headers?: { messageId?: string; [k: string]: unknown };
  data?: string;
  [k: string]: unknown;
}

/** The local stand-in for DingTalk's Stream gateway. */
export interface StreamGateway {
  /** WebSocket connections opened so far (a reconnect adds one). */
  readonly connections: number;
  /** Frames the server sent on the socket, in order. */
  readonly frames: StreamFrame[];
  /** The tickets connections/open handed out, and the path each connection opened with, in order. */
  readonly tickets: string[];
  readonly paths: string[];
  waitForConnection(timeoutMs?: number): Promise<void>;
  /** Waits until `count` connections have been opened in all (a reconnect adds one). */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  /** Sends text on the newest open connection as it is, expecting no answer (a frame that is not JSON, a disconnect notice). */
  sendRaw(text: string): void;
  /** Cuts the newest connection, as a network drop would. */
  drop(): void;
  /** Pushes a robot message (the same JSON as an HTTP callback) and resolves with the server's acknowledgement. */
  pushRobotMessage(body: object, timeoutMs?: number): Promise<StreamFrame>;
  /**
   * Pushes a card callback (a click, the same JSON as the HTTP card callback) on the topic
   * /v1.0/card/instances/callback, with `messageId` (a new one unless given), and resolves with the
   * server's acknowledgement.
   */
  pushCardCallback(body: object, messageId?: string, timeoutMs?: number): Promise<StreamFrame>;
  /**
   * Pushes a frame as it is (`headers.messageId` names it) and resolves with the server's answer to
   * it: an acknowledgement, or the echo of a ping.
   */
  pushFrame(frame: { headers: { messageId: string } }, timeoutMs?: number): Promise<StreamFrame>;
}

/** A file the double hands out, as the platform's storage would. */
export interface ServedFile {
  bytes: Buffer;
  contentType: string;
  /** for media/get's Content-Disposition */
  filename?: string;
}

/** The double, as tests use it. */
export interface PlatformDouble {
  /** `http://127.0.0.1:<port>`: the value for WECOM_API_BASE, DINGTALK_API_BASE and DINGTALK_OAPI_BASE */
  readonly base: string;
  readonly requests: RecordedRequest[];
  /** The requests to one path, in order. */
  requestsTo(path: string): RecordedRequest[];
  /** Answers requests as the test says, before anything else (faults, the platform's answers). */
  respond: Responder | undefined;
  /** Answers every request to `path` with `responder` from now on (undefined: as usual again). */
  on(path: string, responder: Responder | undefined): void;
  readonly delivered: DeliveredMessage[];
  /** A fresh WeCom response_url on the double's origin, tied to `chatId`. */
  wecomResponseUrl(chatId: string): string;
  /** A fresh DingTalk sessionWebhook on the double's origin, tied to `conversationId`. */
  dingtalkSessionWebhook(conversationId: string): string;
  /**
   * A 智能机器人 picture or file URL (https://developer.work.weixin.qq.com/document/path/100719): the file,
   * encrypted with `encodingAesKey` as WeCom does, at its own path on the double.
   */
  wecomEncryptedUrl(file: Buffer, encodingAesKey: string): string;
  /** A self-built app's MediaId that media/get (https://developer.work.weixin.qq.com/document/path/90254) answers with the file. */
  wecomMediaId(file: ServedFile): string;
  /**
   * A DingTalk downloadCode that messageFiles/download
   * (https://open.dingtalk.com/document/orgapp/download-the-file-content-of-the-robot-receiving-message)
   * turns into a downloadUrl on another path of the double, served without any credential.
   */
  dingtalkDownloadCode(file: ServedFile, opts?: { downloadUrl?: string }): string;
  /** Makes the next `times` file downloads (any of the above) answer HTTP 500, then recover. */
  failDownloads(times: number): void;
  /** Queues bad behaviour for the platform's message sends (token requests are not affected). */
  misbehave(platform: DoublePlatform, phases: FaultPhase[]): void;
  /** Ends any bad behaviour at once and cuts the connections left hanging (they never count as delivered). */
  recover(): void;
  /** Makes every answer to a message send wait this long (0 = answer at once). */
  setDelay(ms: number): void;
  /** How many message sends got each kind of fault so far. */
  faults(platform: DoublePlatform): Record<FaultPhase['kind'], number>;
  /** Delivered messages that match, in the order they arrived. */
  messages(filter?: (m: DeliveredMessage) => boolean): DeliveredMessage[];
  /** Waits (polling, bounded) until at least `count` matching messages have arrived; returns them all. */
  waitForMessages(count: number, filter?: (m: DeliveredMessage) => boolean, timeoutMs?: number): Promise<DeliveredMessage[]>;
  /** Message sends currently left without an answer. */
  readonly hanging: number;
  readonly stream: StreamGateway;
  close(): Promise<void>;
}

// `ws` (which dingtalk-stream brings along) has no type declarations installed; the few members used
// here are typed at this boundary instead.
interface WsSocket {
  readonly readyState: number;
  send(data: string): void;
  on(event: 'message', listener: (data: Buffer) => void): void;
  terminate(): void;
}
interface WsServer {
  on(event: 'connection', listener: (socket: WsSocket, req: IncomingMessage) => void): void;
  readonly clients: Set<WsSocket>;
  close(callback?: () => void): void;
}
type WsServerClass = new (options: { server: Server; path: string }) => WsServer;
const { WebSocketServer } = createRequire(import.meta.url)('ws') as { WebSocketServer: WsServerClass };
const WS_OPEN = 1;

const DEFAULT_WECOM_TOKEN = 'double-wecom-access-token';
const DEFAULT_DINGTALK_TOKEN = 'double-dingtalk-access-token';
const STREAM_PATH = '/gateway/connect';
const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
/** dingtalk-stream's TOPIC_CARD: a click on an interactive card's button. */
const TOPIC_CARD = '/v1.0/card/instances/callback';

interface Answer {
  status: number;
  body: unknown;
}

async function readBody(req: IncomingMessage): Promise<{ text: string; body: unknown }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return { text, body: undefined };
  try {
    return { text, body: JSON.parse(text) as unknown };
  } catch {
    return { text, body: text };
  }
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** DingTalk's msgParam is a JSON string holding `{title, text}`. */
function msgParamText(body: Record<string, unknown>): string {
  try {
    return str(record(JSON.parse(str(body['msgParam'])))['text']);
  } catch {
    return '';
  }
}

/**
 * The words of a WeCom template card (模板卡片类型, https://developer.work.weixin.qq.com/document/path/101032):
 * title and its description, the sub-title, the rows and the buttons' texts, a line each.
 */
function templateCardText(tc: Record<string, unknown>): string {
  const title = record(tc['main_title']);
  const rows = Array.isArray(tc['horizontal_content_list']) ? tc['horizontal_content_list'].map(record) : [];
  const buttons = Array.isArray(tc['button_list']) ? tc['button_list'].map(record) : [];
  return [
    str(title['title']),
    str(title['desc']),
    str(tc['sub_title_text']),
    ...rows.map((r) => `${str(r['keyname'])}：${str(r['value'])}`),
    buttons.map((b) => `[${str(b['text'])}]`).join(' '),
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** The words of a DingTalk card's data (the template's variables): its title, markdown, done line and button texts. */
function cardParamText(map: Record<string, unknown>): string {
  const buttons = [1, 2, 3].map((n) => str(map[`btn${n}Text`])).filter((t) => t !== '');
  return [str(map['title']), str(map['markdown']), str(map['done']), buttons.map((b) => `[${b}]`).join(' ')].filter((l) => l !== '').join('\n');
}

/** The text of a message send, whatever the API. */
function messageText(path: string, body: Record<string, unknown>): string {
  if (path === '/v1.0/robot/groupMessages/send' || path === '/v1.0/robot/oToMessages/batchSend') return msgParamText(body);
  if (body['msgtype'] === 'template_card') return templateCardText(record(body['template_card']));
  if (path === '/cgi-bin/message/update_template_card') return templateCardText(record(body['template_card']));
  if (path === '/v1.0/card/instances/createAndDeliver' || path === '/v1.0/card/instances') return cardParamText(record(record(body['cardData'])['cardParamMap']));
  return str(record(body['markdown'])['content']) || str(record(body['markdown'])['text']) || str(record(body['text'])['content']);
}

const VIA_BY_PATH: Record<string, Via> = {
  '/cgi-bin/aibot/response': 'wecom-response-url',
  '/cgi-bin/webhook/send': 'wecom-webhook',
  '/cgi-bin/message/send': 'wecom-app',
  '/cgi-bin/message/update_template_card': 'wecom-card-update',
  '/robot/sendBySession': 'dingtalk-session',
  '/v1.0/robot/groupMessages/send': 'dingtalk-group',
  '/v1.0/robot/oToMessages/batchSend': 'dingtalk-batch',
  '/v1.0/card/instances/createAndDeliver': 'dingtalk-card',
  '/v1.0/card/instances': 'dingtalk-card-update',
};

/** How a message send travels, or undefined for token endpoints and unknown paths. */
function viaOf(path: string): Via | undefined {
  return VIA_BY_PATH[path];
}

function platformOf(via: Via): DoublePlatform {
  return via.startsWith('wecom') ? 'wecom' : 'dingtalk';
}

function faultAnswer(fault: FaultPhase, platform: DoublePlatform, path: string): Answer {
  if (fault.kind === 'http500') return { status: 500, body: { code: 'ServiceUnavailable', message: 'double: injected server error' } };
  // https://developer.work.weixin.qq.com/document/path/90313 : 45009 接口调用超过限制, 45033 接口并发调用超过限制
  if (platform === 'wecom') return { status: 200, body: { errcode: fault.errcode ?? 45009, errmsg: fault.errcode === 45033 ? 'api concurrent out of limit' : 'api freq out of limit' } };
  // The robot webhook (oapi) says 130101 "send too fast"; the new API answers HTTP 403 with a QpsLimit code.
  if (path === '/robot/sendBySession') return { status: 200, body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } };
  return { status: 403, body: { code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', message: 'double: too many requests' } };
}

export interface DoubleOptions {
  /** the access tokens it hands out (distinctive values let a test search the logs for them) */
  tokens?: { wecom?: string; dingtalk?: string };
  /** answers as a test says from the start (see `respond`) */
  respond?: Responder;
  /** answers to some paths as a test says from the start (see `on`) */
  routes?: Record<string, Responder>;
}

/** WeCom's plain success, for a test of a client alone, where the platform's state does not matter. */
export const WECOM_OK: Reply = { json: { errcode: 0, errmsg: 'ok' } };

export async function startPlatformDouble(options: DoubleOptions = {}): Promise<PlatformDouble> {
  const WECOM_TOKEN = options.tokens?.wecom ?? DEFAULT_WECOM_TOKEN;
  const DINGTALK_TOKEN = options.tokens?.dingtalk ?? DEFAULT_DINGTALK_TOKEN;
  const byPath = new Map<string, Responder>(Object.entries(options.routes ?? {}));
  let respond: Responder | undefined = options.respond;
  const requests: RecordedRequest[] = [];
  const delivered: DeliveredMessage[] = [];
  const replyUrls = new Map<string, string>();
  const tickets: string[] = [];
  const usedResponseCodes = new Set<string>();
  /** DingTalk cards by outTrackId: where each was delivered and its data as it now is. */
  const cardInstances = new Map<string, { to: string; params: Record<string, unknown> }>();
  const phases: Record<DoublePlatform, FaultPhase[]> = { wecom: [], dingtalk: [] };
  const faultCounts: Record<DoublePlatform, Record<FaultPhase['kind'], number>> = {
    wecom: { http500: 0, hang: 0, ratelimit: 0 },
    dingtalk: { http500: 0, hang: 0, ratelimit: 0 },
  };
  const hung = new Set<ServerResponse>();
  /** Files by the path they are downloaded from (a 智能机器人 URL, a DingTalk downloadUrl). */
  const files = new Map<string, ServedFile>();
  const media = new Map<string, ServedFile>();
  /** downloadCode → the path of its file on the double, or a whole URL a test chose */
  const downloadCodes = new Map<string, string>();
  let downloadFaults = 0;
  let delayMs = 0;
  let seq = 0;
  let base = '';

  /** Takes the next fault for a platform's message send, if one is queued. */
  function nextFault(via: Via, text: string): FaultPhase | undefined {
    const platform = platformOf(via);
    const phase = phases[platform][0];
    if (!phase || (phase.match && !phase.match(text)) || (phase.via && !phase.via.includes(via))) return undefined;
    if (phase.times !== undefined) {
      phase.times -= 1;
      if (phase.times <= 0) phases[platform].shift();
    }
    faultCounts[platform][phase.kind] += 1;
    return phase;
  }

  function deliver(
    rec: RecordedRequest,
    platform: DoublePlatform,
    via: Via,
    to: string,
    text: string,
    mentions: string[],
    card?: DeliveredMessage['card'],
  ): void {
    delivered.push({ platform, via, to, text, mentions, at: rec.at, request: rec, ...(card ? { card } : {}) });
  }

  /** A WeCom message's template card, if it is one. */
  function wecomCard(body: Record<string, unknown>): DeliveredMessage['card'] {
    if (body['msgtype'] !== 'template_card') return undefined;
    const tc = record(body['template_card']);
    return { id: str(tc['task_id']), data: tc };
  }

  /** The platform's answer to a well-behaved request; records what was delivered. */
  function answer(rec: RecordedRequest): Answer {
    const body = record(rec.body);
    switch (rec.path) {
      // ── WeCom ──────────────────────────────────────────────────────────
      case '/cgi-bin/gettoken':
        return { status: 200, body: { errcode: 0, errmsg: 'ok', access_token: WECOM_TOKEN, expires_in: 7200 } };
      case '/cgi-bin/webhook/send': {
        const key = rec.query.get('key') ?? '';
        if (!key) return { status: 200, body: { errcode: 93000, errmsg: 'invalid webhook url' } };
        const text = messageText(rec.path, body);
        deliver(rec, 'wecom', 'wecom-webhook', `key:${key}`, text, wecomMentions(text));
        return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
      }
      case '/cgi-bin/aibot/response': {
        const code = rec.query.get('response_code') ?? '';
        const chat = replyUrls.get(`wecom:${code}`);
        if (!chat) return { status: 200, body: { errcode: 40001, errmsg: 'invalid response_code' } };
        // 主动回复消息 (https://developer.work.weixin.qq.com/document/path/101138): each response_url
        // takes one message, markdown or template_card.
        replyUrls.delete(`wecom:${code}`);
        const text = messageText(rec.path, body);
        deliver(rec, 'wecom', 'wecom-response-url', `chat:${chat}`, text, wecomMentions(text), wecomCard(body));
        return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
      }
      case '/cgi-bin/message/send': {
        if (rec.query.get('access_token') !== WECOM_TOKEN) return { status: 200, body: { errcode: 40014, errmsg: 'invalid access_token' } };
        const text = messageText(rec.path, body);
        const card = wecomCard(body);
        deliver(rec, 'wecom', 'wecom-app', `user:${str(body['touser'])}`, text, [], card);
        // A template card's send answers with a response_code, good for one update_template_card
        // (https://developer.work.weixin.qq.com/document/path/94888).
        return { status: 200, body: { errcode: 0, errmsg: 'ok', invaliduser: '', ...(card ? { response_code: randomUUID().replace(/-/g, '') } : {}) } };
      }
      case '/cgi-bin/message/update_template_card': {
        if (rec.query.get('access_token') !== WECOM_TOKEN) return { status: 200, body: { errcode: 40014, errmsg: 'invalid access_token' } };
        // 更新模版卡片消息 (https://developer.work.weixin.qq.com/document/path/94888): a response_code
        // is used once, within 72 hours.
        const code = str(body['response_code']);
        if (!code || usedResponseCodes.has(code)) return { status: 200, body: { errcode: 40058, errmsg: 'invalid response_code' } };
        usedResponseCodes.add(code);
        const tc = record(body['template_card']);
        const to = strings(body['userids']).map((u) => `user:${u}`).join(',') || 'all';
        deliver(rec, 'wecom', 'wecom-card-update', to, templateCardText(tc), [], { id: str(tc['task_id']), data: tc });
        return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
      }
      // ── DingTalk api.dingtalk.com ──────────────────────────────────────
      case '/v1.0/oauth2/accessToken':
        return { status: 200, body: { accessToken: DINGTALK_TOKEN, expireIn: 7200 } };
      case '/v1.0/gateway/connections/open': {
        const ticket = randomUUID();
        tickets.push(ticket);
        return { status: 200, body: { endpoint: `${base.replace(/^http/, 'ws')}${STREAM_PATH}`, ticket } };
      }
      case '/v1.0/robot/groupMessages/send': {
        if (rec.headers['x-acs-dingtalk-access-token'] !== DINGTALK_TOKEN) {
          return { status: 401, body: { code: 'InvalidAuthentication', message: 'double: bad access token' } };
        }
        deliver(rec, 'dingtalk', 'dingtalk-group', `cid:${str(body['openConversationId'])}`, messageText(rec.path, body), []);
        return { status: 200, body: { processQueryKey: randomUUID() } };
      }
      case '/v1.0/robot/oToMessages/batchSend': {
        if (rec.headers['x-acs-dingtalk-access-token'] !== DINGTALK_TOKEN) {
          return { status: 401, body: { code: 'InvalidAuthentication', message: 'double: bad access token' } };
        }
        const ids = strings(body['userIds']);
        deliver(rec, 'dingtalk', 'dingtalk-batch', `user:${ids.join(',')}`, messageText(rec.path, body), []);
        return { status: 200, body: { processQueryKey: randomUUID(), invalidStaffIdList: [], flowControlledStaffIdList: [] } };
      }
      case '/v1.0/robot/messageFiles/download': {
        if (rec.headers['x-acs-dingtalk-access-token'] !== DINGTALK_TOKEN) {
          return { status: 401, body: { code: 'InvalidAuthentication', message: 'double: bad access token' } };
        }
        const path = downloadCodes.get(str(body['downloadCode']));
        if (!path || !str(body['robotCode'])) return { status: 400, body: { code: 'invalidParameter.downloadCode', message: 'double: unknown downloadCode' } };
        return { status: 200, body: { downloadUrl: path.startsWith('/') ? `${base}${path}` : path } };
      }
      case '/v1.0/card/instances/createAndDeliver': {
        // 创建并投放卡片 (https://open.dingtalk.com/document/orgapp/create-and-deliver-cards):
        // openSpaceId names a group (dtv1.card//IM_GROUP.<openConversationId>) or a person
        // (dtv1.card//IM_ROBOT.<userId>); the answer says per space whether the card arrived.
        if (rec.headers['x-acs-dingtalk-access-token'] !== DINGTALK_TOKEN) {
          return { status: 401, body: { code: 'InvalidAuthentication', message: 'double: bad access token' } };
        }
        const outTrackId = str(body['outTrackId']);
        const space = /^dtv1\.card\/\/(IM_GROUP|IM_ROBOT)\.(.+)$/.exec(str(body['openSpaceId']));
        if (!outTrackId || !str(body['cardTemplateId']) || !space) {
          return { status: 400, body: { code: 'param.invalid', message: 'double: cardTemplateId, outTrackId and openSpaceId are required' } };
        }
        const params = record(record(body['cardData'])['cardParamMap']);
        const to = space[1] === 'IM_GROUP' ? `cid:${space[2]}` : `user:${space[2]}`;
        cardInstances.set(outTrackId, { to, params: { ...params } });
        deliver(rec, 'dingtalk', 'dingtalk-card', to, messageText(rec.path, body), [], { id: outTrackId, data: { ...params } });
        return {
          status: 200,
          body: { success: true, result: { outTrackId, deliverResults: [{ success: true, spaceType: space[1], spaceId: space[2], carrierId: randomUUID() }] } },
        };
      }
      case '/v1.0/card/instances': {
        // 更新卡片 (https://open.dingtalk.com/document/orgapp/interactive-card-update-interface):
        // PUT, the card named by its outTrackId; updateCardDataByKey changes only the keys given.
        if (rec.headers['x-acs-dingtalk-access-token'] !== DINGTALK_TOKEN) {
          return { status: 401, body: { code: 'InvalidAuthentication', message: 'double: bad access token' } };
        }
        if (rec.method !== 'PUT') return { status: 404, body: { code: 'NotFound', message: `double: no route ${rec.method} ${rec.path}` } };
        const outTrackId = str(body['outTrackId']);
        const instance = cardInstances.get(outTrackId);
        // A card never created cannot be updated (the double's own check: an update must follow its card).
        if (!instance) return { status: 400, body: { code: 'InvalidParameter', message: 'double: no card with this outTrackId' } };
        const params = record(record(body['cardData'])['cardParamMap']);
        const byKey = record(body['cardUpdateOptions'])['updateCardDataByKey'] === true;
        instance.params = byKey ? { ...instance.params, ...params } : { ...params };
        deliver(rec, 'dingtalk', 'dingtalk-card-update', instance.to, cardParamText(instance.params), [], { id: outTrackId, data: { ...instance.params } });
        return { status: 200, body: { success: true, result: true } };
      }
      // ── DingTalk oapi.dingtalk.com ─────────────────────────────────────
      case '/robot/sendBySession': {
        const chat = replyUrls.get(`dingtalk:${rec.query.get('session') ?? ''}`);
        // 300001: the session no longer exists.
        if (!chat) return { status: 200, body: { errcode: 300001, errmsg: 'session not found' } };
        deliver(rec, 'dingtalk', 'dingtalk-session', `chat:${chat}`, messageText(rec.path, body), strings(record(body['at'])['atUserIds']));
        return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
      }
      default:
        return { status: 404, body: { code: 'NotFound', message: `double: no route ${rec.method} ${rec.path}` } };
    }
  }

  /**
   * A file download, answered with the bytes themselves, or undefined for a path that is not one.
   * Storage hosts take no credential: a request that brings one is recorded, for tests to refuse.
   */
  function download(rec: RecordedRequest, res: ServerResponse): boolean {
    let file: ServedFile | undefined;
    if (rec.path === '/cgi-bin/media/get') {
      if (rec.query.get('access_token') !== WECOM_TOKEN) {
        sendJson(res, { status: 200, body: { errcode: 40014, errmsg: 'invalid access_token' } });
        rec.outcome = 'refused';
        return true;
      }
      file = media.get(rec.query.get('media_id') ?? '');
      if (!file) {
        // 40007: invalid media_id (expired after three days, or never issued)
        sendJson(res, { status: 200, body: { errcode: 40007, errmsg: 'invalid media_id' } });
        rec.outcome = 'refused';
        return true;
      }
    } else {
      file = files.get(rec.path);
      if (!file) return false;
    }
    if (downloadFaults > 0) {
      downloadFaults -= 1;
      rec.outcome = 'http500';
      sendJson(res, { status: 500, body: { code: 'ServiceUnavailable', message: 'double: injected download error' } });
      return true;
    }
    const headers: Record<string, string | number> = { 'content-type': file.contentType, 'content-length': file.bytes.length };
    // A name that is not ASCII goes in the RFC 5987 form, as header values must be ASCII.
    if (file.filename) {
      headers['content-disposition'] = /^[\x20-\x7e]*$/.test(file.filename)
        ? `attachment; filename="${file.filename}"`
        : `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`;
    }
    res.writeHead(200, headers);
    res.end(file.bytes);
    return true;
  }

  function sendJson(res: ServerResponse, a: Answer): void {
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(a.body));
  }

  function send(res: ServerResponse, a: Answer): void {
    if (res.destroyed) return;
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(a.body));
  }

  const server = createServer((req, res) => {
    void readBody(req).then(async ({ text, body }) => {
      const url = new URL(req.url ?? '/', 'http://double');
      const rec: RecordedRequest = {
        seq: ++seq,
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        text,
        at: Date.now(),
        outcome: 'ok',
      };
      requests.push(rec);
      const told = byPath.get(rec.path)?.(rec) ?? respond?.(rec);
      if (told) {
        if (res.destroyed) return;
        res.statusCode = told.status ?? 200;
        if (told.text !== undefined) res.end(told.text);
        else {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(told.json ?? {}));
        }
        return;
      }
      const via = viaOf(rec.path);
      const platform = via && platformOf(via);
      const fault = via ? nextFault(via, messageText(rec.path, record(body))) : undefined;
      if (fault?.kind === 'hang') {
        rec.outcome = 'hang';
        hung.add(res);
        res.once('close', () => {
          hung.delete(res);
          rec.closedAt = Date.now();
        });
        return;
      }
      if (rec.method === 'GET' && download(rec, res)) return;
      if (platform && delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      if (fault && platform) {
        rec.outcome = fault.kind;
        send(res, faultAnswer(fault, platform, rec.path));
        return;
      }
      const a = answer(rec);
      if (a.status === 404) rec.outcome = 'not-found';
      else if (a.status >= 400 || (record(a.body)['errcode'] ?? 0) !== 0) rec.outcome = 'refused';
      send(res, a);
    });
  });

  // The Stream gateway's WebSocket shares the HTTP server, at the endpoint connections/open hands out.
  const wss = new WebSocketServer({ server, path: STREAM_PATH });
  const sockets: WsSocket[] = [];
  const frames: StreamFrame[] = [];
  const paths: string[] = [];
  const ackWaiters = new Map<string, (f: StreamFrame) => void>();
  wss.on('connection', (socket, req) => {
    sockets.push(socket);
    paths.push(req.url ?? '');
    socket.on('message', (data) => {
      let frame: StreamFrame;
      try {
        frame = record(JSON.parse(data.toString('utf8'))) as StreamFrame;
      } catch {
        return;
      }
      frames.push(frame);
      const id = frame.headers?.messageId;
      if (typeof id === 'string') ackWaiters.get(id)?.(frame);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function recover(): void {
    phases.wecom.length = 0;
    phases.dingtalk.length = 0;
    for (const res of hung) res.socket?.destroy();
    hung.clear();
  }

  const messages = (filter: (m: DeliveredMessage) => boolean = () => true): DeliveredMessage[] => delivered.filter(filter);

  const stream: StreamGateway = {
    get connections() {
      return sockets.length;
    },
    frames,
    tickets,
    paths,
    async waitForConnection(timeoutMs = 15_000) {
      await waitFor('the Stream client to connect to the gateway', () => sockets.some((s) => s.readyState === WS_OPEN), { timeoutMs });
    },
    async waitForConnections(count, timeoutMs = 15_000) {
      await waitFor(`${count} Stream connection(s) to the gateway`, () => sockets.length >= count && sockets[count - 1]!.readyState === WS_OPEN, { timeoutMs });
    },
    sendRaw(text) {
      const socket = [...sockets].reverse().find((s) => s.readyState === WS_OPEN);
      if (!socket) throw new Error('no open Stream connection to send on');
      socket.send(text);
    },
    drop() {
      [...sockets].reverse().find((s) => s.readyState === WS_OPEN)?.terminate();
    },
    async pushFrame(frame, timeoutMs = 10_000) {
      const socket = [...sockets].reverse().find((s) => s.readyState === WS_OPEN);
      if (!socket) throw new Error('no open Stream connection to push on');
      const { messageId } = frame.headers;
      const answered = new Promise<StreamFrame>((resolve, reject) => {
        const timer = setTimeout(() => {
          ackWaiters.delete(messageId);
          reject(new Error(`no answer to Stream frame ${messageId} within ${timeoutMs} ms`));
        }, timeoutMs);
        ackWaiters.set(messageId, (f) => {
          clearTimeout(timer);
          ackWaiters.delete(messageId);
          resolve(f);
        });
      });
      socket.send(JSON.stringify(frame));
      return answered;
    },
    async pushCardCallback(body, messageId = randomUUID(), timeoutMs = 10_000) {
      return stream.pushFrame(
        {
          specVersion: '1.0',
          type: 'CALLBACK',
          headers: {
            appId: 'double-app',
            connectionId: 'double-connection',
            contentType: 'application/json',
            messageId,
            time: String(Date.now()),
            topic: TOPIC_CARD,
          },
          data: JSON.stringify(body),
        },
        timeoutMs,
      );
    },
    async pushRobotMessage(body, timeoutMs = 10_000) {
      return stream.pushFrame(
        {
          specVersion: '1.0',
          type: 'CALLBACK',
          headers: {
            appId: 'double-app',
            connectionId: 'double-connection',
            contentType: 'application/json',
            messageId: randomUUID(),
            time: String(Date.now()),
            topic: TOPIC_ROBOT,
          },
          data: JSON.stringify(body),
        },
        timeoutMs,
      );
    },
  };

  return {
    base,
    requests,
    requestsTo: (path) => requests.filter((r) => r.path === path),
    get respond() {
      return respond;
    },
    set respond(r: Responder | undefined) {
      respond = r;
    },
    on(path, responder) {
      if (responder) byPath.set(path, responder);
      else byPath.delete(path);
    },
    delivered,
    wecomResponseUrl(chatId) {
      const code = randomUUID().replace(/-/g, '');
      replyUrls.set(`wecom:${code}`, chatId);
      return `${base}/cgi-bin/aibot/response?response_code=${code}`;
    },
    dingtalkSessionWebhook(conversationId) {
      const session = randomUUID().replace(/-/g, '');
      replyUrls.set(`dingtalk:${session}`, conversationId);
      return `${base}/robot/sendBySession?session=${session}`;
    },
    wecomEncryptedUrl(file, encodingAesKey) {
      const path = `/aibot-media/${randomUUID()}`;
      files.set(path, { bytes: encryptMedia(encodingAesKey, file), contentType: 'application/octet-stream' });
      return `${base}${path}?sign=${randomUUID().slice(0, 8)}`;
    },
    wecomMediaId(file) {
      const id = `MEDIA_${randomUUID().replace(/-/g, '')}`;
      media.set(id, file);
      return id;
    },
    dingtalkDownloadCode(file, opts = {}) {
      const code = `dc-${randomUUID()}`;
      // "The returned URL, which may be on another host": here another path of the double.
      const path = `/dingtalk-files/${randomUUID()}/${encodeURIComponent(file.filename ?? 'file')}`;
      files.set(path, file);
      downloadCodes.set(code, opts.downloadUrl ?? path);
      return code;
    },
    failDownloads(times) {
      downloadFaults = times;
    },
    misbehave(platform, list) {
      phases[platform].push(...list.map((p) => ({ ...p })));
    },
    recover,
    setDelay(ms) {
      delayMs = ms;
    },
    faults(platform) {
      return { ...faultCounts[platform] };
    },
    messages,
    async waitForMessages(count, filter = () => true, timeoutMs = 15_000) {
      return waitFor(`${count} message(s) at the platform double`, () => {
        const found = messages(filter);
        return found.length >= count ? found : undefined;
      }, {
        timeoutMs,
        detail: () => `got ${messages(filter).length}; all delivered:\n${delivered.map((m) => `  ${m.via} ${m.to}: ${m.text.split('\n')[0]}`).join('\n')}`,
      });
    },
    get hanging() {
      return hung.size;
    },
    stream,
    async close() {
      recover();
      for (const s of wss.clients) s.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // fetch keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      });
    },
  };
}

/** WeCom group markdown mentions people with `<@userid>`. */
function wecomMentions(text: string): string[] {
  return [...text.matchAll(/<@([^>\s]+)>/g)].map((m) => m[1] ?? '');
}

/** The `#N` ticket numbers a message names, in order. */
export function ticketNumbers(text: string): number[] {
  return [...text.matchAll(/#(\d+)/g)].map((m) => Number(m[1]));
}
