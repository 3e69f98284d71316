import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { IncomingMessage, OutgoingCard } from '../../chat/types.js';

/*
 * The core's cards as DingTalk interactive cards (互动卡片): a card template made once in the
 * developer console (README: "DingTalk card template"), filled from the variables below. A card is
 * created and delivered with /v1.0/card/instances/createAndDeliver, updated with PUT
 * /v1.0/card/instances, and a click on a button whose action is 回传请求 comes back on the card
 * callback (Stream topic /v1.0/card/instances/callback, or the HTTP callback registered for the
 * route key) with the button's parameters in content.cardPrivateData.params.
 */

/** Buttons the template has places for. */
export const TEMPLATE_BUTTONS = 3;

/**
 * The template's variables (公有数据), all strings as cardParamMap takes them
 * (https://open.dingtalk.com/document/orgapp/instructions-for-filling-in-api-card-data):
 * - `title` the card's title; `markdown` what it says (a Markdown component);
 * - `done` who did what, a line each (shown when not empty);
 * - `btnNText`, `btnNCommand` for N = 1…3: a button's text, and the command its 回传请求 sends as
 *   the parameter `command` (a button with no text is hidden);
 * - `choiceShown` "true" when the card asks for a score: the 下拉单选 `choice` (5 to 1) is shown,
 *   and the buttons send its value as the parameter `choice`;
 * - `finished` "true" once no button is left.
 */
export function cardParams(card: OutgoingCard): Record<string, string> {
  const lines = [card.summary, ...card.fields.map((f) => `**${f.label}**：${f.value}`)];
  const params: Record<string, string> = {
    title: card.title,
    markdown: lines.filter((l) => l !== '').join('\n'),
    done: card.done.join('\n'),
    choiceShown: String(card.choice !== undefined && card.buttons.some((b) => b.withChoice)),
    finished: String(card.buttons.length === 0),
  };
  for (let n = 1; n <= TEMPLATE_BUTTONS; n++) {
    const b = card.buttons[n - 1];
    params[`btn${n}Text`] = b?.label ?? '';
    params[`btn${n}Command`] = b?.command ?? '';
  }
  return params;
}

/** Where a card is delivered: a group by its openConversationId, a person in the robot's 1:1 chat. */
export function openSpaceId(space: { group: string } | { user: string }): string {
  return 'group' in space ? `dtv1.card//IM_GROUP.${space.group}` : `dtv1.card//IM_ROBOT.${space.user}`;
}

const callbackSchema = z.looseObject({
  outTrackId: z.string().min(1),
  userId: z.string().min(1),
  content: z.string(),
  spaceType: z.string().nullish(),
  spaceId: z.string().nullish(),
});

const contentSchema = z.looseObject({
  cardPrivateData: z.looseObject({
    actionIds: z.array(z.string()).nullish(),
    params: z.record(z.string(), z.unknown()).nullish(),
  }),
});

/** A parameter's value as text: a string or a number; a select's value may come as `{value}` or `{index}`. */
function paramText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (typeof o['value'] === 'string' || typeof o['value'] === 'number') return String(o['value']);
  }
  return undefined;
}

/** What a card callback turned out to be. */
export type CardCallbackResult = { ok: true; message: IncomingMessage } | { ok: false; reason: string };

/**
 * A card callback (the body of the HTTP callback, the `data` of a Stream frame; 卡片回传请求,
 * https://open.dingtalk.com/document/orgapp/event-callback-card): `outTrackId` names the card,
 * `userId` the clicker (the card is created with userIdType 1, so it is their staffId), and
 * `content` is a JSON string whose cardPrivateData holds the button's actionIds and params.
 * `msgId` names the callback (the Stream frame's messageId; for HTTP, its signature and body).
 */
export function readCardCallback(body: unknown, msgId: string): CardCallbackResult {
  const parsed = callbackSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'not a card callback'}` };
  }
  const c = parsed.data;
  let content: z.infer<typeof contentSchema>;
  try {
    const inner = contentSchema.safeParse(JSON.parse(c.content));
    if (!inner.success) return { ok: false, reason: 'content: no cardPrivateData' };
    content = inner.data;
  } catch {
    return { ok: false, reason: 'content: not JSON' };
  }
  const params = content.cardPrivateData.params ?? {};
  const action = content.cardPrivateData.actionIds?.[0] ?? '';
  const group = c.spaceType === 'IM_GROUP' && c.spaceId ? c.spaceId : undefined;
  const message: IncomingMessage = {
    platform: 'dingtalk',
    msgId,
    // A card in a one-to-one chat is placed by the dispatcher in the chat it was sent to.
    chatId: group ?? '',
    chatType: group ? 'group' : 'single',
    senderId: c.userId,
    text: (paramText(params['command']) ?? '').trim(),
    click: { cardId: c.outTrackId },
  };
  if (group) message.groupAddress = group;
  // A template whose buttons send no command is still understood by their place: btn1, btn2 …
  const place = /^btn(\d)$/.exec(action);
  if (!message.text && place) message.click!.button = Number(place[1]) - 1;
  const choice = paramText(params['choice']);
  if (choice) message.click!.choice = choice;
  return { ok: true, message };
}

/** The id of an HTTP card callback, which carries none: its signed timestamp and its body. */
export function httpCallbackId(timestamp: string, body: string): string {
  return `card:${createHash('sha256').update(`${timestamp}\n${body}`).digest('hex').slice(0, 32)}`;
}
