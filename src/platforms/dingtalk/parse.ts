import { z } from 'zod';
import type { IncomingAttachment, IncomingMessage, MessageKind } from '../../chat/types.js';

/** What a robot message body turned out to be. */
export type DingtalkParseResult =
  | { kind: 'message'; message: IncomingMessage }
  /** A body that is not a robot message we can attribute: the caller answers 400. */
  | { kind: 'invalid'; reason: string };

/**
 * The message types DingTalk sends a robot (https://open.dingtalk.com/document/orgapp/receive-message),
 * as the core's kinds: rich text is text (its pictures carry no words), audio comes with DingTalk's
 * transcript in `content.recognition`. A type not listed is refused (SPEC §9).
 */
const KINDS: Record<string, MessageKind> = {
  text: 'text',
  richText: 'text',
  audio: 'voice',
  picture: 'image',
  video: 'video',
  file: 'file',
};

const optionalString = z.string().nullish();
// DingTalk sends ms as a number; a numeric string is read the same so a proxy re-encoding it does not cost a reply path.
const optionalMs = z
  .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
  .nullish();

/**
 * The fields of a robot message (HTTP callback body, or the `data` of a Stream `/v1.0/im/bot/messages/get`
 * frame — the two are the same JSON). Unknown fields are dropped.
 */
const robotMessageSchema = z.object({
  msgId: z.string().min(1),
  msgtype: z.string().min(1),
  conversationId: z.string().min(1),
  conversationType: z.enum(['1', '2']),
  senderStaffId: optionalString,
  senderId: optionalString,
  senderNick: optionalString,
  sessionWebhook: optionalString,
  sessionWebhookExpiredTime: optionalMs,
  robotCode: optionalString,
  chatbotUserId: optionalString,
  // The people @-mentioned, as DingTalk resolved them: the robot itself has a dingtalkId only,
  // someone of the organisation a staffId too.
  atUsers: z.array(z.object({ dingtalkId: optionalString, staffId: optionalString })).nullish(),
  text: z.object({ content: z.string() }).nullish(),
  content: z.unknown().optional(),
});

const richTextSchema = z.object({
  richText: z.array(z.unknown()),
});

const audioSchema = z.object({ recognition: z.string().nullish() });

/**
 * What a picture, file, recording or video carries for its download: a downloadCode, turned into
 * a download URL by messageFiles/download, and a file's name
 * (https://open.dingtalk.com/document/orgapp/receive-message: picture {downloadCode,
 * pictureDownloadCode}, file {downloadCode, fileName, fileId, spaceId}, audio {downloadCode,
 * recognition, duration}, video {downloadCode, videoType, duration}).
 */
const mediaSchema = z.looseObject({ downloadCode: z.string().min(1).nullish(), fileName: z.string().nullish() });

/** The attachment kinds of DingTalk's message types. */
const MEDIA_KINDS: Record<string, IncomingAttachment['kind']> = { picture: 'image', file: 'file', audio: 'audio', video: 'video' };

/** A message's attachments: its own file, or the pictures of a rich text. */
function attachmentsOf(msgtype: string, content: unknown): IncomingAttachment[] {
  const kind = MEDIA_KINDS[msgtype];
  if (kind) {
    const m = mediaSchema.safeParse(content);
    if (!m.success || !m.data.downloadCode) return [];
    return [{ kind, ref: m.data.downloadCode, ...(m.data.fileName ? { name: m.data.fileName } : {}) }];
  }
  if (msgtype !== 'richText') return [];
  const rich = richTextSchema.safeParse(content);
  if (!rich.success) return [];
  return rich.data.richText.flatMap((part) => {
    const m = mediaSchema.safeParse(part);
    const picture = m.success && m.data.downloadCode && (part as { type?: unknown }).type !== 'text';
    return picture ? [{ kind: 'image' as const, ref: m.data.downloadCode! }] : [];
  });
}

/** Turns a robot message body into the core's message, or says why it cannot. */
export function parseRobotMessage(body: unknown): DingtalkParseResult {
  const parsed = robotMessageSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    return { kind: 'invalid', reason: `${field}: ${issue?.message ?? 'not a robot message'}` };
  }
  const m = parsed.data;
  // Members of other organisations have no staff id; senderId is their stable id within DingTalk.
  const senderId = m.senderStaffId || m.senderId;
  if (!senderId) return { kind: 'invalid', reason: 'senderStaffId/senderId: missing' };
  const known = Object.hasOwn(KINDS, m.msgtype) ? KINDS[m.msgtype] : undefined;
  if (!known) return { kind: 'invalid', reason: `msgtype: unknown message type ${JSON.stringify(m.msgtype.slice(0, 40))}` };

  let kind: MessageKind = known;
  let text = '';
  if (m.msgtype === 'text') {
    if (!m.text) return { kind: 'invalid', reason: 'text.content: missing' };
    // DingTalk removes the @robot but leaves the space that followed it.
    text = m.text.content.trim();
  } else if (m.msgtype === 'richText') {
    const rich = richTextSchema.safeParse(m.content);
    if (!rich.success) return { kind: 'invalid', reason: 'content.richText: missing' };
    text = richTextToText(rich.data.richText);
    // Pictures with no words are a picture.
    if (text === '') kind = 'image';
  } else if (m.msgtype === 'audio') {
    // The transcript is read as if it had been typed (SPEC §7); without one, the dispatcher says so.
    const audio = audioSchema.safeParse(m.content);
    text = audio.success ? (audio.data.recognition ?? '').trim() : '';
  }

  const message: IncomingMessage = {
    platform: 'dingtalk',
    msgId: m.msgId,
    chatId: m.conversationId,
    chatType: m.conversationType === '2' ? 'group' : 'single',
    senderId,
    text,
  };
  if (kind !== 'text') message.kind = kind;
  const attachments = attachmentsOf(m.msgtype, m.content);
  if (attachments.length > 0) message.attachments = attachments;
  const mentions = (m.atUsers ?? []).filter((u) => u.staffId && u.dingtalkId !== m.chatbotUserId).map((u) => ({ userId: u.staffId as string }));
  if (mentions.length > 0) message.mentions = mentions;
  // A group's conversationId is its openConversationId, where the robot API sends to it.
  if (m.conversationType === '2') message.groupAddress = m.conversationId;
  if (m.senderNick) message.senderName = m.senderNick;
  if (m.sessionWebhook) {
    message.replyHandle = { url: m.sessionWebhook };
    if (typeof m.sessionWebhookExpiredTime === 'number') message.replyHandle.expiresAt = m.sessionWebhookExpiredTime;
  }
  return { kind: 'message', message };
}

/**
 * Joins the text parts of a richText message (pictures and other parts carry no words). In rich text
 * the @robot mention can survive as literal text at the start, so a leading `@name` is dropped.
 */
function richTextToText(parts: unknown[]): string {
  const words = parts
    .map((p) => (typeof p === 'object' && p !== null && 'text' in p && typeof p.text === 'string' ? p.text : ''))
    .join('');
  return words.trim().replace(/^@\S+\s*/u, '').trim();
}
