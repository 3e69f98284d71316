import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { isSafeNumber, parse as parseLossless } from 'lossless-json';
import { z } from 'zod';
import type { IncomingAttachment, IncomingMessage, MessageKind } from '../../chat/types.js';

/** A reply URL from a callback may be used for this long (WeCom: response_url lives one hour). */
export const REPLY_URL_TTL_MS = 60 * 60 * 1000;

/**
 * A 智能机器人's picture or file URL is valid for five minutes
 * (https://developer.work.weixin.qq.com/document/path/100719, 图片/文件: "五分钟内有效").
 */
export const AIBOT_URL_TTL_MS = 5 * 60 * 1000;

/** A self-built app's MediaId is valid for three days (https://developer.work.weixin.qq.com/document/path/90254). */
export const MEDIA_ID_TTL_MS = 3 * 24 * 60 * 60 * 1000;

/**
 * How the adapter names an attachment for its own download (IncomingAttachment.ref): a 智能机器人's
 * encrypted URL, or a self-built app's MediaId for media/get.
 */
export const AIBOT_REF = 'aibot:';
export const MEDIA_REF = 'media:';

/**
 * Limits on a decrypted inner message. WeCom's deepest message (a card click's selected options)
 * nests about eight levels and its largest is a few KiB; anything far beyond is refused with 400
 * rather than handed to a parser that would spend the thread's time or stack on it.
 */
export const MAX_INNER_DEPTH = 32;
export const MAX_INNER_CHARS = 256 * 1024;

/** Why a body or an inner message was refused; routes answer 400 and log the check. */
export class WecomParseError extends Error {
  override name = 'WecomParseError';
  constructor(
    readonly check: 'envelope' | 'inner' | 'inner-fields',
    message: string,
  ) {
    super(message);
  }
}

/** What a decrypted callback turned out to be. */
export type InnerResult =
  | { kind: 'message'; message: IncomingMessage }
  /** Not a message from a person (an event, a stream refresh): answered 200 so WeCom does not retry. */
  | { kind: 'ignored'; msgType: string };

/**
 * The message types WeCom documents, in the JSON of 智能机器人
 * (https://developer.work.weixin.qq.com/document/path/100719) and the XML of group robots and
 * self-built apps (https://developer.work.weixin.qq.com/document/path/90239), as the core's kinds.
 * `mixed` is text with pictures; a type not listed is refused (SPEC §9).
 */
const KINDS: Record<string, MessageKind | 'ignored'> = {
  text: 'text',
  mixed: 'text',
  voice: 'voice',
  image: 'image',
  file: 'file',
  video: 'video',
  shortvideo: 'video',
  emotion: 'sticker',
  location: 'location',
  link: 'link',
  miniprogram: 'other',
  // Not a person's message: entering a chat, a card click (§7a), a stream refresh.
  event: 'ignored',
  stream: 'ignored',
};

// Entities stay as written and DOCTYPE is refused before parsing (see parseXml): WeCom never sends
// either, and expanding them is how XML bombs and external-entity reads work.
const xml = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
  maxNestedTags: MAX_INNER_DEPTH,
});

/** Parses the decrypted inner XML; every failure, the parser's own included, is a WecomParseError. */
function parseXml(text: string): Record<string, unknown> {
  // A DOCTYPE (and so any entity declaration) can only stand before the root element; after it,
  // such text is a user's words inside CDATA.
  const rootAt = text.search(/<[A-Za-z_]/);
  if (/<!DOCTYPE/i.test(rootAt < 0 ? text : text.slice(0, rootAt))) throw new WecomParseError('inner', 'XML with a DOCTYPE refused');
  let doc: unknown;
  try {
    const valid = XMLValidator.validate(text);
    if (valid !== true) throw new WecomParseError('inner', `malformed XML: ${valid.err.msg}`);
    doc = xml.parse(text);
  } catch (err) {
    if (err instanceof WecomParseError) throw err;
    // The parser throws plain errors for what it refuses (too deep, a reserved name): still bad input.
    throw new WecomParseError('inner', `XML refused by the parser: ${err instanceof Error ? err.message : String(err)}`);
  }
  const root = isRecord(doc) ? doc['xml'] : undefined;
  if (!isRecord(root)) throw new WecomParseError('inner', 'XML root element is not <xml>');
  return root;
}

function parseJson(text: string, check: 'envelope' | 'inner', maxDepth: number): Record<string, unknown> {
  if (!nestsAtMost(text, maxDepth)) {
    throw new WecomParseError(check, check === 'envelope' ? 'JSON envelope holds nested objects or arrays' : `JSON nested deeper than ${maxDepth} levels`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new WecomParseError(check, 'malformed JSON');
  }
  if (!isRecord(doc)) throw new WecomParseError(check, 'JSON is not an object');
  return doc;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether JSON text nests objects and arrays at most `max` deep, in one pass over the characters
 * without building anything. Malformed text may pass: JSON.parse refuses it afterwards.
 */
function nestsAtMost(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return false;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return true;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Both envelopes and both inner formats are told apart by their first character, whatever the content-type says. */
function format(text: string): 'json' | 'xml' | undefined {
  const first = text.trimStart()[0];
  return first === '{' ? 'json' : first === '<' ? 'xml' : undefined;
}

/**
 * Reads the encrypted field of a POST body: `{"encrypt":"…"}` (智能机器人,
 * https://developer.work.weixin.qq.com/document/path/101033), `{"Encrypt":"…"}` (a self-built app's
 * JSON callbacks) or
 * `<xml><ToUserName>…</ToUserName><AgentID>…</AgentID><Encrypt>…</Encrypt></xml>` (self-built app
 * and group-robot callbacks, https://developer.work.weixin.qq.com/document/path/90930).
 *
 * The body is not yet known to come from WeCom, so it is not parsed: one linear pass accepts only
 * those shapes (a flat JSON object; an `<xml>` root holding elements of text or CDATA only) and
 * takes the field out. Anything else — nested elements, a DOCTYPE, comments, attributes — is a 400
 * before any work proportional to its structure is done.
 */
export function parseEnvelope(body: string): string {
  const kind = format(body);
  if (!kind) throw new WecomParseError('envelope', 'body is neither JSON nor XML');
  let encrypted: unknown;
  if (kind === 'json') {
    // 智能机器人 writes `encrypt`; a self-built app in JSON mode writes `Encrypt`, as WeCom's
    // WXBizJsonMsgCrypt sample does (`{"ToUserName", "Encrypt", "AgentID"}`).
    const envelope = parseJson(body, 'envelope', 1);
    encrypted = envelope['encrypt'] ?? envelope['Encrypt'];
  } else {
    encrypted = xmlEnvelopeField(body, 'Encrypt');
  }
  if (typeof encrypted !== 'string' || encrypted === '') {
    throw new WecomParseError('envelope', `body lacks the ${kind === 'json' ? '"encrypt"' : '<Encrypt>'} field`);
  }
  return encrypted;
}

const NAME = /[A-Za-z_][A-Za-z0-9_.-]*/y;
const CDATA_OPEN = '<![CDATA[';

function skipSpace(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    // XML's white space (tab, LF, CR, space), and a byte-order mark at the very start.
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || (c === 0xfeff && i === 0)) i++;
    else break;
  }
  return i;
}

/**
 * The text of `<field>` in an `<xml>` envelope whose children are elements holding text or one
 * CDATA section each (or empty `<X/>`), after an optional XML declaration; undefined when absent.
 * Entities are left as written, as for the inner message.
 */
function xmlEnvelopeField(body: string, field: string): string | undefined {
  const fail = (why: string): never => {
    throw new WecomParseError('envelope', why);
  };
  let i = skipSpace(body, 0);
  if (body.startsWith('<?xml', i)) {
    const end = body.indexOf('?>', i);
    if (end < 0) fail('malformed XML declaration');
    i = skipSpace(body, end + 2);
  }
  if (body.startsWith('<!', i)) fail(/^<!DOCTYPE/i.test(body.slice(i, i + 9)) ? 'XML with a DOCTYPE refused' : 'XML comment or declaration in the envelope refused');
  if (!body.startsWith('<xml>', i)) fail('XML root element is not <xml>');
  i += '<xml>'.length;
  let value: string | undefined;
  for (;;) {
    i = skipSpace(body, i);
    if (body.startsWith('</xml>', i)) break;
    if (body[i] !== '<') fail(i >= body.length ? 'malformed XML: <xml> is not closed' : 'malformed XML envelope: text outside an element');
    NAME.lastIndex = i + 1;
    const name = NAME.exec(body)?.[0];
    if (name === undefined) fail('malformed XML envelope: not an element');
    i += 1 + name!.length;
    let text = '';
    if (body.startsWith('/>', i)) {
      i += 2;
    } else {
      if (body[i] !== '>') fail(`malformed XML envelope: <${name}> has attributes or is not closed`);
      i = skipSpace(body, i + 1);
      if (body.startsWith(CDATA_OPEN, i)) {
        const end = body.indexOf(']]>', i + CDATA_OPEN.length);
        if (end < 0) fail('malformed XML: unterminated CDATA section');
        text = body.slice(i + CDATA_OPEN.length, end);
        i = skipSpace(body, end + 3);
      } else {
        const end = body.indexOf('<', i);
        if (end < 0) fail(`malformed XML: <${name}> is not closed`);
        text = body.slice(i, end).trimEnd();
        i = end;
      }
      const close = `</${name}>`;
      if (!body.startsWith(close, i)) fail(`malformed XML envelope: <${name}> holds more than text`);
      i += close.length;
    }
    if (name === field) {
      if (value !== undefined) fail(`malformed XML envelope: <${field}> given twice`);
      value = text;
    }
  }
  if (skipSpace(body, i + '</xml>'.length) !== body.length) fail('malformed XML: content after </xml>');
  return value;
}

/** A choice made on the card, as 智能机器人 reports it (`selected_items.selected_item[]`). */
const jsonSelected = z.looseObject({
  selected_item: z
    .array(z.looseObject({ question_key: z.string().optional(), option_ids: z.looseObject({ option_id: z.array(z.string()).optional() }).optional() }))
    .optional(),
});

/**
 * A click on a template card's button (https://developer.work.weixin.qq.com/document/path/101027,
 * 模板卡片事件): `event.template_card_event` names the card (task_id) and the button (event_key).
 */
const jsonEvent = z.looseObject({
  eventtype: z.string().optional(),
  template_card_event: z
    .looseObject({
      card_type: z.string().optional(),
      event_key: z.string().optional(),
      task_id: z.string().optional(),
      selected_items: jsonSelected.optional(),
    })
    .optional(),
});

const text = z.looseObject({ content: z.string() });
const id = z.union([z.string(), z.number()]).transform(String);
/** A picture or file of 智能机器人: its encrypted download URL (and a name, where given). */
const jsonMedia = z.looseObject({ url: z.string().optional(), filename: z.string().optional(), name: z.string().optional() });
const jsonItem = z.looseObject({
  msgtype: z.string().optional(),
  msg_type: z.string().optional(),
  text: text.optional(),
  image: jsonMedia.optional(),
});
const jsonItems = z.looseObject({ msg_item: z.array(jsonItem) });

/** 智能机器人 (https://developer.work.weixin.qq.com/document/path/100719) and the group robot's JSON callback protocol. */
const jsonInner = z.looseObject({
  msgid: id.optional(),
  chatid: z.string().optional(),
  chattype: z.string().optional(),
  from: z.looseObject({ userid: z.string().optional(), userId: z.string().optional(), name: z.string().optional() }).optional(),
  response_url: z.string().optional(),
  webhook_url: z.string().optional(),
  msgtype: z.string(),
  text: text.optional(),
  // A voice message comes with its transcript only.
  voice: z.looseObject({ content: z.string().optional() }).optional(),
  image: jsonMedia.optional(),
  file: jsonMedia.optional(),
  mixed: jsonItems.optional(),
  mixed_message: jsonItems.optional(),
  event: jsonEvent.optional(),
});

const xmlText = z.looseObject({ Content: z.string() });
const xmlSelectedItem = z.looseObject({ QuestionKey: z.string().optional(), OptionIds: z.looseObject({ OptionId: z.union([z.string(), z.array(z.string())]).optional() }).optional() });
const xmlItem = z.looseObject({ MsgType: z.string().optional(), Text: xmlText.optional() });

/** Group-robot callback (From/UserId, ChatId, WebhookUrl) and self-built app message (FromUserName, Content). */
const xmlInner = z.looseObject({
  MsgId: z.string().optional(),
  ChatId: z.string().optional(),
  ChatType: z.string().optional(),
  From: z.looseObject({ UserId: z.string().optional(), Name: z.string().optional() }).optional(),
  FromUserName: z.string().optional(),
  MsgType: z.string(),
  Text: xmlText.optional(),
  Content: z.string().optional(),
  /** a voice message's transcript, where speech recognition gives one */
  Recognition: z.string().optional(),
  /** a picture's, file's or recording's id for media/get (self-built app) */
  MediaId: z.string().optional(),
  FileName: z.string().optional(),
  Title: z.string().optional(),
  WebhookUrl: z.string().optional(),
  MixedMessage: z
    .looseObject({ MsgItem: z.union([xmlItem, z.array(xmlItem)]) })
    .optional(),
  // A self-built app's 模板卡片事件推送 (https://developer.work.weixin.qq.com/document/path/90240).
  // A group robot's events nest their type (<Event><EventType>…</EventType></Event>).
  Event: z.union([z.string(), z.looseObject({ EventType: z.string().optional() })]).optional(),
  EventKey: z.string().optional(),
  TaskId: z.string().optional(),
  ResponseCode: z.string().optional(),
  CreateTime: z.string().optional(),
  SelectedItems: z.looseObject({ SelectedItem: z.union([xmlSelectedItem, z.array(xmlSelectedItem)]).optional() }).optional(),
});

/** The fields of either format under one set of names. */
interface Fields {
  msgId?: string;
  chatId?: string;
  chatType?: string;
  senderId?: string;
  senderName?: string;
  replyUrl?: string;
  /** the reply URL is a 智能机器人's response_url, good for one message */
  replyOnce?: boolean;
  msgType: string;
  /** Undefined when the message carries no text at all. */
  text?: string;
  /** A voice message's transcript (possibly empty). */
  transcript?: string;
  /** The pictures, files and recordings the message carries, in their order. */
  media: Omit<IncomingAttachment, 'expiresAt'>[];
  /** how long the platform hands them out */
  mediaTtlMs?: number;
  /** for an event: its type (enter_chat, template_card_event …) */
  eventType?: string;
  /** a click on a card's button: the card (task_id), the button's key, the choice made, the app's response_code */
  click?: { taskId?: string; key?: string; choice?: string; responseCode?: string; createTime?: string };
}

/** A 智能机器人 picture or file, when it has its URL. */
function aibotMedia(kind: 'image' | 'file', m: z.infer<typeof jsonMedia> | undefined): Omit<IncomingAttachment, 'expiresAt'>[] {
  if (!m?.url) return [];
  const name = m.filename ?? m.name;
  return [{ kind, ref: `${AIBOT_REF}${m.url}`, ...(name ? { name } : {}) }];
}

function joinTexts(items: { type?: string; text?: string }[]): string | undefined {
  const parts = items.filter((i) => i.type === 'text' && i.text !== undefined).map((i) => i.text as string);
  return parts.length > 0 ? parts.join('\n') : undefined;
}

function fromJson(doc: Record<string, unknown>): Fields {
  const r = jsonInner.safeParse(doc);
  if (!r.success) throw new WecomParseError('inner-fields', `inner JSON: ${describe(r.error)}`);
  const m = r.data;
  const mixed = m.mixed ?? m.mixed_message;
  const media =
    m.msgtype === 'image'
      ? aibotMedia('image', m.image)
      : m.msgtype === 'file'
        ? aibotMedia('file', m.file)
        : m.msgtype === 'mixed' && mixed
          ? mixed.msg_item.filter((i) => (i.msgtype ?? i.msg_type) === 'image').flatMap((i) => aibotMedia('image', i.image))
          : [];
  return {
    media,
    mediaTtlMs: AIBOT_URL_TTL_MS,
    msgId: m.msgid,
    chatId: m.chatid,
    chatType: m.chattype,
    senderId: m.from?.userid ?? m.from?.userId,
    senderName: m.from?.name,
    replyUrl: m.response_url ?? m.webhook_url,
    replyOnce: m.response_url !== undefined,
    msgType: m.msgtype,
    transcript: m.voice?.content,
    eventType: m.event?.eventtype,
    click: m.event?.template_card_event && {
      taskId: m.event.template_card_event.task_id,
      key: m.event.template_card_event.event_key,
      choice: m.event.template_card_event.selected_items?.selected_item?.[0]?.option_ids?.option_id?.[0],
    },
    text:
      m.msgtype === 'text'
        ? m.text?.content
        : m.msgtype === 'mixed' && mixed
          ? joinTexts(mixed.msg_item.map((i) => ({ type: i.msgtype ?? i.msg_type, text: i.text?.content })))
          : undefined,
  };
}

/**
 * A JSON inner message: 智能机器人's lower-case fields, or a self-built app's JSON callback, which
 * has the XML's PascalCase fields (MsgType, FromUserName, Content, MsgId …) with numbers where the
 * XML has digits, and is read like the XML. Its MsgId is a 64-bit integer, beyond what a double
 * holds exactly: two messages could come out with one id, and the second be taken for a retry of
 * the first, so such a number is read again digit for digit.
 */
function fromJsonText(plain: string): Fields {
  const doc = parseJson(plain, 'inner', MAX_INNER_DEPTH);
  if (!('MsgType' in doc)) return fromJson(doc);
  const exact = typeof doc['MsgId'] === 'number' && !Number.isSafeInteger(doc['MsgId']) ? (parseLossless(plain, null, losslessNumber) as Record<string, unknown>) : doc;
  return fromXml(Object.fromEntries(Object.entries(exact).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v])));
}

/** Numbers a double holds exactly as numbers; the others as their digits. */
function losslessNumber(digits: string): number | string {
  return isSafeNumber(digits) ? Number(digits) : digits;
}

function fromXml(doc: Record<string, unknown>): Fields {
  const r = xmlInner.safeParse(doc);
  if (!r.success) throw new WecomParseError('inner-fields', `inner XML: ${describe(r.error)}`);
  const m = r.data;
  const items = m.MixedMessage ? [m.MixedMessage.MsgItem].flat() : [];
  // A self-built app's picture, file or recording is fetched with media/get by its MediaId.
  const mediaKind = ({ image: 'image', file: 'file', voice: 'audio' } as const)[m.MsgType as 'image' | 'file' | 'voice'];
  const name = m.FileName ?? m.Title;
  const media = mediaKind && m.MediaId ? [{ kind: mediaKind, ref: `${MEDIA_REF}${m.MediaId}`, ...(name ? { name } : {}) }] : [];
  return {
    media,
    mediaTtlMs: MEDIA_ID_TTL_MS,
    msgId: m.MsgId,
    chatId: m.ChatId,
    // A self-built app's messages come without ChatId/ChatType: they are always one-to-one.
    chatType: m.ChatType ?? (m.ChatId === undefined ? 'single' : undefined),
    senderId: m.From?.UserId ?? m.FromUserName,
    senderName: m.From?.Name,
    replyUrl: m.WebhookUrl,
    msgType: m.MsgType,
    transcript: m.Recognition,
    eventType: typeof m.Event === 'string' ? m.Event : m.Event?.EventType,
    click:
      m.Event === 'template_card_event'
        ? {
            taskId: m.TaskId,
            key: m.EventKey,
            choice: [[m.SelectedItems?.SelectedItem ?? []].flat()[0]?.OptionIds?.OptionId ?? []].flat()[0],
            responseCode: m.ResponseCode,
            createTime: m.CreateTime,
          }
        : undefined,
    text:
      m.MsgType === 'text'
        ? (m.Text?.Content ?? m.Content)
        : m.MsgType === 'mixed'
          ? joinTexts(items.map((i) => ({ type: i.MsgType, text: i.Text?.Content })))
          : undefined,
  };
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
}

/**
 * Removes the @-mentions that open a message (the bot's own, `@机器人 `, and any others before the
 * text): WeCom puts the bot's display name there, followed by a space (often U+2005). Mentions later
 * in the text are arguments (转办 #12 @王警官) and stay.
 */
export function stripLeadingMentions(s: string): string {
  return s.replace(/^\s*(?:@[^\s@]+(?:\s+|$))+/u, '').trim();
}

/**
 * A click on a card's button (SPEC §7a) as the core's message: its text is the button's key, which
 * is the command the button stands for; the card is its task_id. 智能机器人 takes the updated card
 * only in its answer to this callback (within 5 s, https://developer.work.weixin.qq.com/document/path/101031);
 * a self-built app's card is updated with the click's response_code instead
 * (https://developer.work.weixin.qq.com/document/path/94888). An app event has no MsgId: the
 * response_code, new with every click, names it.
 */
function clickMessage(f: Fields, nowMs: number): IncomingMessage {
  const click = f.click ?? {};
  if (!f.senderId) throw new WecomParseError('inner-fields', 'card event lacks the clicker (from.userid / FromUserName)');
  if (!click.taskId) throw new WecomParseError('inner-fields', 'card event lacks task_id');
  const msgId = f.msgId || (click.responseCode ? `card:${click.responseCode}` : `card:${f.senderId}:${click.createTime ?? ''}:${click.taskId}:${click.key ?? ''}`);
  const group = f.chatType === 'group' && f.chatId !== undefined;
  const message: IncomingMessage = {
    platform: 'wecom',
    msgId,
    chatId: group ? f.chatId! : `single:${f.senderId}`,
    chatType: group ? 'group' : 'single',
    senderId: f.senderId,
    text: (click.key ?? '').trim(),
    click: { cardId: click.taskId },
  };
  if (click.choice) message.click!.choice = click.choice;
  if (click.responseCode) message.click!.updateCode = click.responseCode;
  else message.click!.answerable = true;
  if (f.senderName) message.senderName = f.senderName;
  if (f.replyUrl) {
    message.replyHandle = { url: f.replyUrl, expiresAt: nowMs + REPLY_URL_TTL_MS };
    if (f.replyOnce) message.replyHandle.once = true;
  }
  return message;
}

/** What `parseInner` calls an 智能机器人's enter_chat event: not a message, but one to welcome. */
export const ENTER_CHAT = 'event/enter_chat';

/**
 * Turns the decrypted inner message into an IncomingMessage, or says it is a type the bot ignores.
 * Throws WecomParseError for malformed content or a text message missing what the core needs.
 */
export function parseInner(plain: string, nowMs: number): InnerResult {
  if (plain.length > MAX_INNER_CHARS) throw new WecomParseError('inner', `decrypted message over ${MAX_INNER_CHARS} characters`);
  const kind = format(plain);
  if (!kind) throw new WecomParseError('inner', 'decrypted message is neither JSON nor XML');
  const f = kind === 'json' ? fromJsonText(plain) : fromXml(parseXml(plain));

  if (f.msgType === 'event' && f.eventType === 'template_card_event') return { kind: 'message', message: clickMessage(f, nowMs) };
  // Someone opened the 智能机器人's one-to-one chat for the first time today: a welcome is due, as a
  // passive reply (https://developer.work.weixin.qq.com/document/path/101027, 进入会话事件).
  if (f.msgType === 'event' && f.eventType === 'enter_chat') return { kind: 'ignored', msgType: ENTER_CHAT };

  const known = Object.hasOwn(KINDS, f.msgType) ? KINDS[f.msgType] : undefined;
  if (!known) throw new WecomParseError('inner-fields', `unknown message type ${JSON.stringify(f.msgType.slice(0, 40))}`);
  if (known === 'ignored') return { kind: 'ignored', msgType: f.msgType };
  if (f.msgType === 'text' && f.text === undefined) throw new WecomParseError('inner-fields', 'text message lacks its content');
  // Blackboard posts and other conversation kinds have no chat the core could answer in.
  if (f.chatType !== 'group' && f.chatType !== 'single') return { kind: 'ignored', msgType: `${f.msgType}/${f.chatType ?? '?'}` };

  if (!f.msgId) throw new WecomParseError('inner-fields', 'message lacks msgid');
  if (!f.senderId) throw new WecomParseError('inner-fields', 'message lacks the sender (from.userid)');
  // 智能机器人 omits chatid in one-to-one chats; the core still needs a stable chat per person.
  const chatId = f.chatType === 'single' ? `single:${f.senderId}` : f.chatId;
  if (!chatId) throw new WecomParseError('inner-fields', 'group message lacks chatid');

  // Text with pictures but no words is a picture; a voice message is read as its transcript.
  const messageKind: MessageKind = known === 'text' && f.text === undefined ? 'image' : known;
  const message: IncomingMessage = {
    platform: 'wecom',
    msgId: f.msgId,
    chatId,
    chatType: f.chatType,
    senderId: f.senderId,
    text: messageKind === 'voice' ? (f.transcript ?? '').trim() : messageKind === 'text' ? stripLeadingMentions(f.text ?? '') : '',
  };
  if (messageKind !== 'text') message.kind = messageKind;
  if (f.media.length > 0) {
    const expiresAt = f.mediaTtlMs === undefined ? undefined : nowMs + f.mediaTtlMs;
    message.attachments = f.media.map((a) => (expiresAt === undefined ? a : { ...a, expiresAt }));
  }
  if (f.senderName) message.senderName = f.senderName;
  if (f.replyUrl) {
    message.replyHandle = { url: f.replyUrl, expiresAt: nowMs + REPLY_URL_TTL_MS };
    // https://developer.work.weixin.qq.com/document/path/101138: a response_url answers once; a
    // WebhookUrl is the group robot's own webhook, good for every part of a long reply.
    if (f.replyOnce) message.replyHandle.once = true;
  }
  return { kind: 'message', message };
}
