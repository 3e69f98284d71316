/**
 * Platform callbacks as the platforms send them: WeCom's signed and encrypted envelopes (built with
 * the protocol helpers of the adapter's own tests, written from WeCom's description) and DingTalk's
 * HMAC-signed robot messages. Also the credentials and variables that configure the server for them.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { encryptMessage, sign } from './wecom-protocol.js';

/** The WeCom credentials the e2e servers are started with. */
export const WECOM_TEST = {
  token: 'e2eWecomToken',
  // 43 characters from [A-Za-z0-9], as WeCom generates them.
  encodingAesKey: 'e2eAesKey0123456789abcdefghijklmnopqrstuvwx',
  corpId: 'wwe2e00000000001',
  agentId: '1000002',
  secret: 'e2e-wecom-app-secret',
} as const;

/** The DingTalk app the e2e servers are started with. */
export const DINGTALK_TEST = {
  appKey: 'dinge2eappkey',
  appSecret: 'e2e-dingtalk-app-secret-0123456789abcdefghijklmnop',
  robotCode: 'dinge2erobot',
} as const;

/** Variables that turn WeCom on, with every API call going to `apiBase`. */
export function wecomEnv(apiBase: string): Record<string, string> {
  return {
    WECOM_TOKEN: WECOM_TEST.token,
    WECOM_ENCODING_AES_KEY: WECOM_TEST.encodingAesKey,
    WECOM_CORP_ID: WECOM_TEST.corpId,
    WECOM_AGENT_ID: WECOM_TEST.agentId,
    WECOM_SECRET: WECOM_TEST.secret,
    WECOM_API_BASE: apiBase,
  };
}

/** Variables that turn DingTalk on, with both of its hosts at `base`. */
export function dingtalkEnv(base: string, mode: 'http' | 'stream' = 'http'): Record<string, string> {
  return {
    DINGTALK_APP_KEY: DINGTALK_TEST.appKey,
    DINGTALK_APP_SECRET: DINGTALK_TEST.appSecret,
    DINGTALK_ROBOT_CODE: DINGTALK_TEST.robotCode,
    DINGTALK_MODE: mode,
    DINGTALK_API_BASE: base,
    DINGTALK_OAPI_BASE: base,
  };
}

/** A ready-to-send HTTP callback; posting it again is what a platform retry does. */
export interface Callback {
  path: string;
  /** query string, without `?` */
  query: string;
  headers: Record<string, string>;
  body: string;
}

/** A text message in a WeCom chat. */
export interface WecomText {
  msgId: string;
  chatId: string;
  userId: string;
  text: string;
  /** 智能机器人 JSON: the response_url; group-robot XML: the WebhookUrl */
  replyUrl?: string;
}

function xmlEscapeCdata(s: string): string {
  return s.replace(/]]>/g, ']]]]><![CDATA[>');
}

/**
 * Encrypts and signs an inner message into its envelope: JSON `{"encrypt"}` (智能机器人), XML (group
 * robot, self-built app), or a self-built app's JSON `{"ToUserName", "Encrypt", "AgentID"}` (the
 * shape of WeCom's WXBizJsonMsgCrypt sample). `receiveId` is sealed inside: '' for robots, the corpid
 * for an app.
 */
function wecomEnvelope(inner: string, format: 'json' | 'xml' | 'app-json', receiveId = ''): Callback {
  const encrypted = encryptMessage(WECOM_TEST.encodingAesKey, inner, receiveId);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(6).toString('hex');
  const query = new URLSearchParams({ msg_signature: sign(WECOM_TEST.token, timestamp, nonce, encrypted), timestamp, nonce });
  const body =
    format === 'json'
      ? JSON.stringify({ encrypt: encrypted })
      : format === 'app-json'
        ? JSON.stringify({ ToUserName: receiveId, Encrypt: encrypted, AgentID: Number(WECOM_TEST.agentId) })
        : `<xml><ToUserName><![CDATA[${receiveId || 'e2e-robot'}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt><AgentID><![CDATA[${receiveId ? WECOM_TEST.agentId : ''}]]></AgentID></xml>`;
  return {
    path: '/wecom/callback',
    query: query.toString(),
    headers: { 'content-type': format === 'xml' ? 'text/xml' : 'application/json' },
    body,
  };
}

/**
 * A 智能机器人 callback with any inner message (https://developer.work.weixin.qq.com/document/path/100719):
 * `chatid` and `chattype: group` when `chatId` is given, `chattype: single` otherwise.
 */
export function wecomAibotCallback(m: {
  msgId: string;
  userId: string;
  chatId?: string;
  replyUrl?: string;
  msgtype: string;
  /** the type's own field, e.g. `{ voice: { content: '…' } }` */
  content: Record<string, unknown>;
}): Callback {
  const inner: Record<string, unknown> = {
    msgid: m.msgId,
    aibotid: 'AIBOTE2E',
    ...(m.chatId ? { chatid: m.chatId, chattype: 'group' } : { chattype: 'single' }),
    from: { userid: m.userId },
    ...(m.replyUrl ? { response_url: m.replyUrl } : {}),
    msgtype: m.msgtype,
    ...m.content,
  };
  return wecomEnvelope(JSON.stringify(inner), 'json');
}

/**
 * A self-built app's message (接收消息, https://developer.work.weixin.qq.com/document/path/90239): one to
 * one, with no reply URL and no chat; the receiveid inside is the corpid. XML by default; `json` is
 * the app's JSON format, with the same PascalCase fields.
 */
export function wecomAppCallback(
  m: { msgId: string; userId: string; msgType?: string; text?: string; fields?: Record<string, string> },
  format: 'xml' | 'json' = 'xml',
): Callback {
  const fields: Record<string, string> = {
    ToUserName: WECOM_TEST.corpId,
    FromUserName: m.userId,
    CreateTime: String(Math.floor(Date.now() / 1000)),
    MsgType: m.msgType ?? 'text',
    ...(m.text !== undefined ? { Content: m.text } : {}),
    ...m.fields,
    MsgId: m.msgId,
    AgentID: WECOM_TEST.agentId,
  };
  if (format === 'json') {
    // Numbers where WeCom's JSON sample has them; a MsgId is a 64-bit integer, longer than a double holds.
    const json = Object.entries(fields)
      .map(([k, v]) => `${JSON.stringify(k)}: ${/^(CreateTime|MsgId|AgentID)$/.test(k) && /^\d+$/.test(v) ? v : JSON.stringify(v)}`)
      .join(', ');
    return wecomEnvelope(`{ ${json} }`, 'app-json', WECOM_TEST.corpId);
  }
  const xml = Object.entries(fields)
    .map(([k, v]) => (/^\d+$/.test(v) && k !== 'Content' ? `<${k}>${v}</${k}>` : `<${k}><![CDATA[${xmlEscapeCdata(v)}]]></${k}>`))
    .join('');
  return wecomEnvelope(`<xml>${xml}</xml>`, 'xml', WECOM_TEST.corpId);
}

/** A 智能机器人 callback (JSON inside a JSON envelope), as WeCom posts a group message that @-mentions the bot. */
export function wecomJsonCallback(m: WecomText): Callback {
  const inner: Record<string, unknown> = {
    msgid: m.msgId,
    aibotid: 'AIBOTE2E',
    chatid: m.chatId,
    chattype: 'group',
    from: { userid: m.userId },
    msgtype: 'text',
    // WeCom keeps the bot's mention at the start of the text; the adapter strips it.
    text: { content: `@联保助手 ${m.text}` },
  };
  if (m.replyUrl) inner['response_url'] = m.replyUrl;
  return wecomEnvelope(JSON.stringify(inner), 'json');
}

/** A group-robot callback (XML inside an XML envelope). */
export function wecomXmlCallback(m: WecomText): Callback {
  const inner = [
    '<xml>',
    m.replyUrl ? `<WebhookUrl><![CDATA[${m.replyUrl}]]></WebhookUrl>` : '',
    `<MsgId>${m.msgId}</MsgId>`,
    `<ChatId><![CDATA[${m.chatId}]]></ChatId>`,
    '<ChatType>group</ChatType>',
    `<From><UserId>${m.userId}</UserId></From>`,
    '<MsgType>text</MsgType>',
    `<Text><Content><![CDATA[@联保助手 ${xmlEscapeCdata(m.text)}]]></Content></Text>`,
    '</xml>',
  ].join('');
  return wecomEnvelope(inner, 'xml');
}

/** A text message in a DingTalk chat. */
export interface DingtalkText {
  msgId: string;
  conversationId: string;
  staffId: string;
  nick?: string;
  text: string;
  sessionWebhook?: string;
  /** ms since epoch; an hour from now unless given */
  sessionWebhookExpiredTime?: number;
  /** '2' a group (the default), '1' a one-to-one chat with the robot */
  conversationType?: '1' | '2';
  /** staff ids of the people @-mentioned besides the robot, as DingTalk resolves them in atUsers */
  atStaffIds?: string[];
  /** a message that is not text: its msgtype and its `content` (audio, picture, file …) */
  msgtype?: string;
  content?: Record<string, unknown>;
}

/**
 * The robot message JSON: the body of an HTTP callback and the `data` of a Stream frame alike
 * (https://open.dingtalk.com/document/orgapp/receive-message).
 */
export function dingtalkRobotMessage(m: DingtalkText): Record<string, unknown> {
  const now = Date.now();
  const body: Record<string, unknown> = {
    conversationId: m.conversationId,
    atUsers: [{ dingtalkId: '$:LWCP_v1:$robot' }, ...(m.atStaffIds ?? []).map((id) => ({ dingtalkId: `$:LWCP_v1:$${id}`, staffId: id }))],
    chatbotCorpId: 'ding-e2e-corp',
    chatbotUserId: '$:LWCP_v1:$robot',
    msgId: m.msgId,
    senderNick: m.nick ?? m.staffId,
    isAdmin: false,
    senderStaffId: m.staffId,
    createAt: now,
    senderCorpId: 'ding-e2e-corp',
    conversationType: m.conversationType ?? '2',
    senderId: `$:LWCP_v1:$${m.staffId}`,
    isInAtList: true,
    robotCode: DINGTALK_TEST.robotCode,
    msgtype: m.msgtype ?? 'text',
  };
  if (body['conversationType'] === '2') body['conversationTitle'] = `${m.conversationId} 联保群`;
  if (m.msgtype && m.msgtype !== 'text') body['content'] = m.content ?? {};
  // DingTalk removes the @robot but keeps the space around it.
  else body['text'] = { content: ` ${m.text} ` };
  if (m.sessionWebhook) {
    body['sessionWebhook'] = m.sessionWebhook;
    body['sessionWebhookExpiredTime'] = m.sessionWebhookExpiredTime ?? now + 60 * 60 * 1000;
  }
  return body;
}

let lastTimestamp = 0;

/** A DingTalk HTTP callback: sign = base64(HMAC-SHA256(app secret, timestamp + "\n" + app secret)). */
export function dingtalkCallback(m: DingtalkText): Callback {
  // Each callback gets its own millisecond, as DingTalk's do: a sign is good for one message (SPEC §9).
  lastTimestamp = Math.max(Date.now(), lastTimestamp + 1);
  const timestamp = String(lastTimestamp);
  const signature = createHmac('sha256', DINGTALK_TEST.appSecret).update(`${timestamp}\n${DINGTALK_TEST.appSecret}`).digest('base64');
  return {
    path: '/dingtalk/callback',
    query: '',
    headers: { 'content-type': 'application/json; charset=utf-8', timestamp, sign: signature },
    body: JSON.stringify(dingtalkRobotMessage(m)),
  };
}

/** Posts a callback to the server at `base`; resolves with the HTTP status, or 0 when the connection failed. */
export async function postCallback(base: string, cb: Callback, timeoutMs = 10_000): Promise<number> {
  try {
    const res = await fetch(`${base}${cb.path}${cb.query ? `?${cb.query}` : ''}`, {
      method: 'POST',
      headers: cb.headers,
      body: cb.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** A click on a DingTalk card's button. */
export interface DingtalkCardClick {
  /** the card's outTrackId */
  outTrackId: string;
  /** the clicker's staffId (the cards are created with userIdType 1) */
  staffId: string;
  /** the button's place, for its actionId (btn1 …) */
  button: number;
  /** the parameters its 回传请求 sends: the command the button stands for, the score chosen */
  params: Record<string, unknown>;
  /** the group the card is in; a card in the robot's 1:1 chat when omitted */
  openConversationId?: string;
}

/**
 * A card callback's JSON (卡片回传请求, https://open.dingtalk.com/document/orgapp/event-callback-card):
 * the body of the HTTP card callback and the `data` of a Stream frame on /v1.0/card/instances/callback
 * alike; `content` is a JSON string whose cardPrivateData holds the button's actionIds and params.
 */
export function dingtalkCardCallbackBody(c: DingtalkCardClick): Record<string, unknown> {
  return {
    type: 'actionCallback',
    corpId: 'ding-e2e-corp',
    outTrackId: c.outTrackId,
    userId: c.staffId,
    userIdType: 1,
    ...(c.openConversationId ? { spaceType: 'IM_GROUP', spaceId: c.openConversationId } : { spaceType: 'IM_ROBOT' }),
    content: JSON.stringify({ cardPrivateData: { actionIds: [`btn${c.button}`], params: c.params } }),
    extension: '{}',
  };
}

/** The HTTP card callback, signed like a robot callback (SPEC §7a: `POST /dingtalk/card-callback`). */
export function dingtalkCardCallback(c: DingtalkCardClick): Callback {
  lastTimestamp = Math.max(Date.now(), lastTimestamp + 1);
  const timestamp = String(lastTimestamp);
  const signature = createHmac('sha256', DINGTALK_TEST.appSecret).update(`${timestamp}\n${DINGTALK_TEST.appSecret}`).digest('base64');
  return {
    path: '/dingtalk/card-callback',
    query: '',
    headers: { 'content-type': 'application/json; charset=utf-8', timestamp, sign: signature },
    body: JSON.stringify(dingtalkCardCallbackBody(c)),
  };
}
