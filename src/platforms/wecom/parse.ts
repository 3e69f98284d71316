import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import type { IncomingMessage } from '../types.js';

/** A reply URL from a callback may be used for this long (WeCom: response_url lives one hour). */
export const REPLY_URL_TTL_MS = 60 * 60 * 1000;

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
  /** A message type the bot does not handle (image, event, …): answered 200 so WeCom does not retry. */
  | { kind: 'ignored'; msgType: string };

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
});

function parseXml(text: string, check: 'envelope' | 'inner'): Record<string, unknown> {
  // A DOCTYPE (and so any entity declaration) can only stand before the root element; after it,
  // such text is a user's words inside CDATA.
  const rootAt = text.search(/<[A-Za-z_]/);
  if (/<!DOCTYPE/i.test(rootAt < 0 ? text : text.slice(0, rootAt))) throw new WecomParseError(check, 'XML with a DOCTYPE refused');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new WecomParseError(check, `malformed XML: ${valid.err.msg}`);
  const doc: unknown = xml.parse(text);
  const root = isRecord(doc) ? doc['xml'] : undefined;
  if (!isRecord(root)) throw new WecomParseError(check, 'XML root element is not <xml>');
  return root;
}

function parseJson(text: string, check: 'envelope' | 'inner'): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new WecomParseError(check, 'malformed JSON');
  }
  if (!isRecord(doc)) throw new WecomParseError(check, 'JSON is not an object');
  return doc;
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
 * Reads the encrypted field of a POST body: `{"encrypt":"…"}` (智能机器人) or
 * `<xml><Encrypt>…</Encrypt>…</xml>` (self-built app, group-robot callback).
 */
export function parseEnvelope(body: string): string {
  const kind = format(body);
  if (!kind) throw new WecomParseError('envelope', 'body is neither JSON nor XML');
  const doc = kind === 'json' ? parseJson(body, 'envelope') : parseXml(body, 'envelope');
  const encrypted = kind === 'json' ? doc['encrypt'] : doc['Encrypt'];
  if (typeof encrypted !== 'string' || encrypted === '') {
    throw new WecomParseError('envelope', `body lacks the ${kind === 'json' ? '"encrypt"' : '<Encrypt>'} field`);
  }
  return encrypted;
}

const text = z.looseObject({ content: z.string() });
const id = z.union([z.string(), z.number()]).transform(String);
const jsonItem = z.looseObject({ msgtype: z.string().optional(), msg_type: z.string().optional(), text: text.optional() });
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
  mixed: jsonItems.optional(),
  mixed_message: jsonItems.optional(),
});

const xmlText = z.looseObject({ Content: z.string() });
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
  WebhookUrl: z.string().optional(),
  MixedMessage: z
    .looseObject({ MsgItem: z.union([xmlItem, z.array(xmlItem)]) })
    .optional(),
});

/** The fields of either format under one set of names. */
interface Fields {
  msgId?: string;
  chatId?: string;
  chatType?: string;
  senderId?: string;
  senderName?: string;
  replyUrl?: string;
  msgType: string;
  /** Undefined when the message carries no text at all. */
  text?: string;
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
  return {
    msgId: m.msgid,
    chatId: m.chatid,
    chatType: m.chattype,
    senderId: m.from?.userid ?? m.from?.userId,
    senderName: m.from?.name,
    replyUrl: m.response_url ?? m.webhook_url,
    msgType: m.msgtype,
    text:
      m.msgtype === 'text'
        ? m.text?.content
        : m.msgtype === 'mixed' && mixed
          ? joinTexts(mixed.msg_item.map((i) => ({ type: i.msgtype ?? i.msg_type, text: i.text?.content })))
          : undefined,
  };
}

function fromXml(doc: Record<string, unknown>): Fields {
  const r = xmlInner.safeParse(doc);
  if (!r.success) throw new WecomParseError('inner-fields', `inner XML: ${describe(r.error)}`);
  const m = r.data;
  const items = m.MixedMessage ? [m.MixedMessage.MsgItem].flat() : [];
  return {
    msgId: m.MsgId,
    chatId: m.ChatId,
    // A self-built app's messages come without ChatId/ChatType: they are always one-to-one.
    chatType: m.ChatType ?? (m.ChatId === undefined ? 'single' : undefined),
    senderId: m.From?.UserId ?? m.FromUserName,
    senderName: m.From?.Name,
    replyUrl: m.WebhookUrl,
    msgType: m.MsgType,
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
 * Turns the decrypted inner message into an IncomingMessage, or says it is a type the bot ignores.
 * Throws WecomParseError for malformed content or a text message missing what the core needs.
 */
export function parseInner(plain: string, nowMs: number): InnerResult {
  const kind = format(plain);
  if (!kind) throw new WecomParseError('inner', 'decrypted message is neither JSON nor XML');
  const f = kind === 'json' ? fromJson(parseJson(plain, 'inner')) : fromXml(parseXml(plain, 'inner'));

  if (f.msgType === 'text' && f.text === undefined) throw new WecomParseError('inner-fields', 'text message lacks its content');
  if (f.text === undefined) return { kind: 'ignored', msgType: f.msgType };
  // Blackboard posts and other conversation kinds have no chat the core could answer in.
  if (f.chatType !== 'group' && f.chatType !== 'single') return { kind: 'ignored', msgType: `${f.msgType}/${f.chatType ?? '?'}` };

  if (!f.msgId) throw new WecomParseError('inner-fields', 'message lacks msgid');
  if (!f.senderId) throw new WecomParseError('inner-fields', 'message lacks the sender (from.userid)');
  // 智能机器人 omits chatid in one-to-one chats; the core still needs a stable chat per person.
  const chatId = f.chatType === 'single' ? `single:${f.senderId}` : f.chatId;
  if (!chatId) throw new WecomParseError('inner-fields', 'group message lacks chatid');

  const message: IncomingMessage = {
    platform: 'wecom',
    msgId: f.msgId,
    chatId,
    chatType: f.chatType,
    senderId: f.senderId,
    text: stripLeadingMentions(f.text),
  };
  if (f.senderName) message.senderName = f.senderName;
  if (f.replyUrl) message.replyHandle = { url: f.replyUrl, expiresAt: nowMs + REPLY_URL_TTL_MS };
  return { kind: 'message', message };
}
