/**
 * The core's own words for chat (SPEC §7): the platforms it speaks on, a message as it arrives and
 * as it leaves, a mention, and the one interface every platform adapter implements. Adapters under
 * `src/platforms/` translate their payloads into these and back; nothing here knows a payload, and
 * nothing in the core imports from `src/platforms/`.
 */

export type Platform = 'wecom' | 'dingtalk' | 'playground';

export const PLATFORMS: readonly Platform[] = ['wecom', 'dingtalk', 'playground'];

/**
 * Someone's or something's address on each platform where it has one: a person's user id, or where
 * a group's messages are sent (WeCom: the group robot's webhook key; DingTalk: the group's
 * openConversationId; the playground: its chat id). Kept as data, so a platform is a key, not a field.
 */
export type PlatformAddresses = Readonly<Partial<Record<Platform, string>>>;

/** Where a reply may be sent directly (WeCom `response_url` or `WebhookUrl`, DingTalk `sessionWebhook`). */
export interface ReplyHandle {
  url: string;
  /** ms since epoch; after this the URL is not used. */
  expiresAt?: number;
  /**
   * The URL takes one message only (WeCom's response_url): the first part of a split reply goes
   * through it and the rest through the fallback (SPEC §7).
   */
  once?: boolean;
}

/**
 * What a message was, as far as the core cares: `text` (typed text, rich text, text with pictures),
 * `voice` (`text` holds its transcript, read like typed text), or a kind the bot cannot act on yet,
 * answered with one line saying what it can do (SPEC §7).
 */
export type MessageKind = 'text' | 'voice' | 'image' | 'file' | 'video' | 'sticker' | 'location' | 'link' | 'other';

/** Someone the platform itself says was @-mentioned (not the bot), by their user id on it. */
export interface Mention {
  userId: string;
}

/** What a platform says an attachment is; its content decides what it is kept as (SPEC §7b). */
export type AttachmentKind = 'image' | 'file' | 'audio' | 'video';

/**
 * A picture, file, recording or video that came with a message, as the platform names it for a
 * later download (WeCom's media id or URL, DingTalk's downloadCode). SPEC §7b makes them evidence
 * of a ticket: the core fetches them through the adapter of the platform they came from.
 */
export interface IncomingAttachment {
  kind: AttachmentKind;
  /** what the platform's download takes; only the adapter that wrote it reads it */
  ref: string;
  /** the file's name, where the platform gives one */
  name?: string;
  /** ms since epoch after which the platform no longer hands it out (WeCom's picture URLs live 5 minutes) */
  expiresAt?: number;
}

/** A chat message as the core sees it, whatever platform it came from. */
export interface IncomingMessage {
  platform: Platform;
  /** The platform's message id; the same id twice is processed once. */
  msgId: string;
  /** WeCom chatid, DingTalk conversationId (= openConversationId), playground chat id. */
  chatId: string;
  chatType: 'group' | 'single';
  /**
   * Where group messages to this chat are sent, when the platform makes the chat itself
   * addressable (a DingTalk group's openConversationId, a playground chat); absent otherwise
   * (a WeCom group is reached through a robot webhook key from the roster, a 1:1 chat not at all).
   */
  groupAddress?: string;
  /** WeCom userid, DingTalk senderStaffId (or senderId), playground person id. */
  senderId: string;
  senderName?: string;
  /** The text with the bot's @-mention removed and white space trimmed (a voice message's transcript). */
  text: string;
  /** `text` when absent. */
  kind?: MessageKind;
  /**
   * People @-mentioned in the text, as the platform resolved them (DingTalk atUsers[].staffId), in
   * the order given; they name people in commands before any name matching does.
   */
  mentions?: Mention[];
  attachments?: IncomingAttachment[];
  /** The attachments left out of `attachments`, by kind, when the message brought more than one keeps (`boundMessage`). */
  attachmentsLeftOut?: Partial<Record<AttachmentKind, number>>;
  /**
   * Set when the text was longer than any command takes: its length in characters as it arrived.
   * `text` then holds only its start (`boundMessage`), and the message is refused.
   */
  oversize?: number;
  replyHandle?: ReplyHandle;
  /** Set when the message is a click on a card's button (SPEC §7a): `text` is the command it stands for. */
  click?: CardClick;
}

/**
 * A button of a card (SPEC §7a). A click on it is the command it carries, run exactly as if the
 * clicker had typed it: the platform hands the command text back with the click (WeCom's button
 * `key`, a DingTalk card's `command` parameter, the playground's form).
 */
export interface CardButton {
  label: string;
  /** The command as it would be typed, e.g. `认领 #12`. */
  command: string;
  /** the action the card is for, a lesser one, or one that turns something down */
  style: 'primary' | 'plain' | 'danger';
  /** The ticket the command acts on: the button goes once that ticket has moved on. */
  ticket: number;
  /**
   * What the command still needs that a click cannot give (`不满意的原因`): a click asks the clicker
   * for it (`请回复不满意的原因`), and their next message in that chat is taken as it.
   */
  ask?: string;
  /** The value of the card's choice (the score of 满意) is added to the command. */
  withChoice?: boolean;
}

/** A choice on a card, read with a click on a button that takes it (the score of 满意). */
export interface CardChoice {
  label: string;
  options: readonly { value: string; label: string }[];
  initial: string;
}

/**
 * A card: a message whose buttons stand for commands (SPEC §7a). It travels beside the message's
 * text form (`OutboundMessage.text`), which says the same in words and is what a platform that
 * cannot show this card, or this destination, gets instead.
 */
export interface OutgoingCard {
  /**
   * This card where it was sent (WeCom's task_id, DingTalk's outTrackId, the playground's card id):
   * a click names it, and an update replaces it.
   */
  id: string;
  title: string;
  /** one line under the title: the matter in a few words */
  summary: string;
  fields: readonly { label: string; value: string }[];
  choice?: CardChoice;
  /** the buttons still offered; none once everything it asked for is done */
  buttons: readonly CardButton[];
  /** what was done with it, a line each: `已由 王警官 认领 09:12` */
  done: readonly string[];
}

/** What an update of a card already sent needs besides the card (SPEC §7a: updated in place). */
export interface CardUpdate {
  /** WeCom self-built app: the response_code of the click, good for one update within 72 h. */
  code?: string;
}

/**
 * The command text of a button that stands for nothing: what a platform that cannot show a card
 * without a button (WeCom's button_interaction) puts on a finished card. A click on it does nothing.
 */
export const NO_COMMAND = 'lianbao:finished';

/** A click on a card's button, as the platform reported it; the message's `text` is the button's command. */
export interface CardClick {
  /** the card clicked (`OutgoingCard.id`) */
  cardId: string;
  /** When the platform names the button by its place only (`text` then empty): 0 for the first. */
  button?: number;
  /** the value of the card's choice when the button was clicked, if the platform reported one */
  choice?: string;
  /** WeCom self-built app: the click's response_code, which lets the card be updated once */
  updateCode?: string;
  /**
   * The platform takes the updated card in its HTTP answer to this very click, and only there
   * (WeCom 智能机器人, within 5 s): the route waits for the click to be handled to answer with it.
   */
  answerable?: boolean;
}

/**
 * A message on its way out. `text` is markdown in which a mention of a person is written
 * `<@platformUserId|显示名>`; each adapter turns that into its own syntax.
 */
export interface OutboundMessage {
  platform: Platform;
  kind: 'group' | 'person' | 'reply';
  /** group: webhook key / openConversationId / playground chat id; person: user id;
   *  reply: the group address used when the reply URL cannot be used (may be empty). */
  to: string;
  /** For replies: the URL from the callback, if any. */
  replyUrl?: string;
  replyExpiresAt?: number;
  /**
   * For replies: the sender's user id, where the reply goes as a direct message when neither the
   * reply URL nor a group can take it (a 1:1 chat, a self-built app's message, an expired URL).
   */
  replyUser?: string;
  /** Chat the reply belongs to (playground shows it in that chat). */
  chatId?: string;
  title: string;
  text: string;
  /** Platform user ids mentioned in `text`. */
  mentions: string[];
  /** A card to show where the platform and the destination can (SPEC §7a); `text` is its text form. */
  card?: OutgoingCard;
  /** Set when the message replaces the card `card.id`, already sent, instead of sending anything new. */
  cardUpdate?: CardUpdate;
}

export type SendResult =
  | { ok: true }
  | { ok: false; retryable: boolean; error: string };

/**
 * The content of an attachment as the platform hands it out, to be read once; or why not. A
 * `refused` failure is one no retry can mend and the sender is told of (`url`: the platform named a
 * download address that is not https, nor the configured test double's).
 */
export type AttachmentFetch =
  | {
      ok: true;
      /** the file's bytes, as they arrive */
      body: AsyncIterable<Uint8Array>;
      /** its length where the platform says it beforehand */
      size?: number;
      /** the file's name where the download gives one */
      name?: string;
    }
  | { ok: false; retryable: boolean; error: string; refused?: 'url' | 'too_large' };

/** What each platform implements to carry the core's messages out. */
export interface PlatformAdapter {
  readonly platform: Platform;
  /** Longest text, in UTF-8 bytes, one message may carry; longer texts are split. */
  readonly maxBytes: number;
  /**
   * How the platform takes cards, when it can show them at all (SPEC §7a); without it every card
   * goes out as its text form. `any-time`: a card it showed can be replaced by its id whenever its
   * buttons change (DingTalk, the playground); `on-click`: only in answer to a click on it (WeCom).
   */
  readonly cards?: { updatable: 'any-time' | 'on-click' };
  send(msg: OutboundMessage): Promise<SendResult>;
  /**
   * Opens the content of an attachment that came with a message on this platform (SPEC §7b).
   * `signal` aborts the download (the body ends with an error); `maxBytes` lets the adapter refuse
   * a file the platform says is larger before reading any of it. Absent where the platform sends none.
   */
  fetchAttachment?(attachment: IncomingAttachment, opts: { signal: AbortSignal; maxBytes: number }): Promise<AttachmentFetch>;
}
