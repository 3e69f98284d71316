import { createHash, randomBytes } from 'node:crypto';
import { encrypt } from '@wecom/crypto';
import { NO_COMMAND, type CardButton, type OutgoingCard } from '../../chat/types.js';
import { wecomSignature } from './verify.js';

/*
 * The core's cards as WeCom draws them: a 按钮交互型 template card (button_interaction). The same
 * structure goes out as a 智能机器人's reply (https://developer.work.weixin.qq.com/document/path/101032,
 * 模板卡片类型) and as a self-built app's message (https://developer.work.weixin.qq.com/document/path/90236,
 * 发送应用消息 · 模板卡片消息); a click comes back with the button's `key` as `event_key`.
 */

/** The question_key of the choice drawn as a drop-down (the score of 满意). */
export const CHOICE_KEY = 'choice';

/** Characters each part shows at most: WeCom suggests these lengths and cuts what is longer. */
const TITLE_CHARS = 26;
const DESC_CHARS = 30;
const SUB_TITLE_CHARS = 112;
const KEYNAME_CHARS = 5;
const VALUE_CHARS = 26;
/** horizontal_content_list and button_list take at most six entries each. */
const MAX_ROWS = 6;

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * Where the card is drawn: the two products number their button styles differently (智能机器人: 1
 * blue, 2 blue on grey, 3 red on grey, 4 black on grey; a self-built app: 1 强调, 2 次强调, 3 中性,
 * 4 负向).
 */
export type CardProduct = 'aibot' | 'app';

const STYLES: Record<CardProduct, Record<CardButton['style'] | 'finished', number>> = {
  aibot: { primary: 1, plain: 2, danger: 3, finished: 4 },
  app: { primary: 1, plain: 2, danger: 4, finished: 3 },
};

/** WeCom's template_card (button_interaction) for a core card, with `taskId` as its task_id. */
export function templateCard(card: OutgoingCard, taskId: string, product: CardProduct): Record<string, unknown> {
  const style = STYLES[product];
  const finished = card.buttons.length === 0;
  const tc: Record<string, unknown> = {
    card_type: 'button_interaction',
    source: { desc: '联保' },
    main_title: {
      title: cut(card.title, TITLE_CHARS),
      ...(card.done.length > 0 ? { desc: cut(card.done.join('；'), DESC_CHARS) } : {}),
    },
    sub_title_text: cut(card.summary, SUB_TITLE_CHARS),
    horizontal_content_list: card.fields.slice(0, MAX_ROWS).map((f) => ({ keyname: cut(f.label, KEYNAME_CHARS), value: cut(f.value, VALUE_CHARS) })),
    // A button_interaction card needs a button: a finished one keeps a grey 已处理 that does nothing.
    button_list: finished
      ? [{ text: '已处理', style: style.finished, key: NO_COMMAND }]
      : card.buttons.slice(0, MAX_ROWS).map((b) => ({ text: b.label, style: style[b.style], key: b.command })),
    task_id: taskId,
  };
  if (card.choice && !finished) {
    tc['button_selection'] = {
      question_key: CHOICE_KEY,
      title: card.choice.label,
      option_list: card.choice.options.map((o) => ({ id: o.value, text: o.label })),
      selected_id: card.choice.initial,
    };
  }
  // A self-built app greys the buttons out for good with replace_text (更新模版卡片消息,
  // https://developer.work.weixin.qq.com/document/path/94888).
  if (finished && product === 'app') tc['replace_text'] = '已处理';
  return tc;
}

/**
 * A task_id for a card sent again as a new message (a 智能机器人 card shown again through the
 * click's response_url): WeCom refuses a task_id it has seen, so it differs from the card's.
 */
export function freshTaskId(cardId: string, seed: string): string {
  return `${cardId}_${createHash('sha256').update(seed).digest('hex').slice(0, 8)}`;
}

/**
 * The encrypted passive reply of a 智能机器人 callback (https://developer.work.weixin.qq.com/document/path/101033,
 * 加解密): `{encrypt, msgsignature, timestamp, nonce}`, the JSON encrypted with the receiveid of the
 * callback ('' for a 智能机器人) and signed like a callback.
 */
export function encryptedReply(
  secrets: { token: string; encodingAesKey: string; receiveId: string },
  body: unknown,
  nowMs: number,
  nonce: string = randomBytes(8).toString('hex'),
): { encrypt: string; msgsignature: string; timestamp: number; nonce: string } {
  const timestamp = Math.floor(nowMs / 1000);
  const encrypted = encrypt(secrets.encodingAesKey, JSON.stringify(body), secrets.receiveId);
  return { encrypt: encrypted, msgsignature: wecomSignature(secrets.token, String(timestamp), nonce, encrypted), timestamp, nonce };
}
