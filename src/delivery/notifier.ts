import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { CardsRepo, StoredCard } from '../db/cards-repo.js';
import type { OutboxRepo } from '../db/outbox-repo.js';
import type { RosterRepo } from '../db/roster-repo.js';
import { MENTION_RE } from '../chat/mentions.js';
import type { IncomingMessage, OutboundMessage, OutgoingCard, Platform, PlatformAdapter } from '../chat/types.js';
import { escapeUserText } from '../templates.js';
import { splitText } from './split.js';

export interface NotifierOptions {
  roster: RosterRepo;
  outbox: OutboxRepo;
  clock: Clock;
  /** Platforms messages are sent to, in order of preference: the configured ones, and the playground when it is on. */
  platforms: Platform[];
  maxBytes: Partial<Record<Platform, number>>;
  /** The cards sent (SPEC §7a). */
  cards: CardsRepo;
  /**
   * The platforms whose messages carry cards, and how their cards are updated: those whose adapter
   * shows cards, unless CARDS=0. Others get the text forms only.
   */
  cardPlatforms: Partial<Record<Platform, NonNullable<PlatformAdapter['cards']>>>;
}

/** A card before it goes out: each destination gives it an id of its own. */
type Draft = Omit<OutgoingCard, 'id'>;

/**
 * How long an update of a clicked card waits for the HTTP answer to that click to carry it (WeCom
 * 智能机器人 updates a card only there, within 5 s of the click) before the worker sends it its
 * own way. The route stops waiting before this.
 */
export const ANSWER_HOLD_MS = 4_500;

/**
 * The id of the card a message shows: the same for the same message (its dedupe key), so a repeated
 * cause finds the card it made before. Letters and digits only, as WeCom's task_id and DingTalk's
 * outTrackId both take.
 */
export function cardIdFor(dedupeKey: string): string {
  return `lb${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 30)}`;
}

interface Target {
  platform: Platform;
  kind: OutboundMessage['kind'];
  to: string;
  chatId?: string;
  replyUrl?: string;
  replyExpiresAt?: number;
  /** the reply URL takes one message: later parts of a split text go to the fallback */
  replyOnce?: boolean;
  replyUser?: string;
  /** for replies: the kind of chat answered */
  chatType?: 'group' | 'single';
}

/**
 * Turns "tell the project group / the coordinators / this person" into outbox rows, one per
 * platform and part. Must be called inside the transaction of the change that causes the
 * message; the dedupe key makes a repeated cause queue nothing new.
 */
export class Notifier {
  constructor(private readonly o: NotifierOptions) {}

  /** Answers the chat a message came from. */
  reply(msg: IncomingMessage, text: string, key: string, card?: Draft): void {
    const binding = this.o.roster.chat(msg.platform, msg.chatId);
    // The group the chat is bound to, else the chat itself where it is addressable, else (the
    // coordinators' group bound by chat id only) the coordinators' address on this platform.
    let to = binding?.groupAddress || msg.groupAddress || '';
    if (!to && binding?.kind === 'coordinators') to = this.o.roster.coordinators()[msg.platform] ?? '';
    this.queue(
      {
        platform: msg.platform,
        kind: 'reply',
        to,
        chatId: msg.chatId,
        replyUrl: msg.replyHandle?.url,
        replyExpiresAt: msg.replyHandle?.expiresAt,
        replyOnce: msg.replyHandle?.once,
        // Where the reply goes when neither its URL nor a group can take it (SPEC §7).
        replyUser: msg.senderId,
        chatType: msg.chatType,
      },
      text,
      key,
      card,
    );
  }

  /**
   * Tells the sender of a message, and nobody else: a direct message on the platform it came from
   * (a refused card click is answered to the clicker, not the group: SPEC §7a).
   */
  toSender(msg: IncomingMessage, text: string, key: string): void {
    this.queue({ platform: msg.platform, kind: 'person', to: msg.senderId }, text, key);
  }

  /**
   * Posts to the project's groups on every platform. `except` skips the chat the command came
   * from, which has its reply already.
   */
  project(code: string, text: string, key: string, except?: IncomingMessage, card?: Draft): void {
    const project = this.o.roster.project(code);
    if (!project) return;
    const exceptBound = except && this.o.roster.chat(except.platform, except.chatId)?.projectCode === code;
    for (const platform of this.o.platforms) {
      const to = project.addresses[platform];
      if (!to) continue;
      if (exceptBound && except.platform === platform) continue;
      this.queue({ platform, kind: 'group', to }, text, key, card);
    }
  }

  /**
   * Posts to a unit's coordinators' group (护企办) on every platform; without a unit, the root's
   * (SPEC §11). A unit with no group of its own is reached through the nearest unit above that has
   * one. `except` skips the chat the command came from when it is that group.
   */
  coordinators(text: string, key: string, except?: IncomingMessage, card?: Draft, unitId: string | null = null): void {
    const { roster } = this.o;
    let unit = roster.unitOrRoot(unitId);
    let addresses = roster.coordinators(unit);
    while (unit !== null && Object.values(addresses).every((a) => !a)) {
      unit = roster.unit(unit)?.parentId ?? null;
      addresses = roster.coordinators(unit);
    }
    const here = roster.unitOrRoot(unit);
    for (const platform of this.o.platforms) {
      const to = addresses[platform];
      if (!to) continue;
      const from = except && except.platform === platform ? roster.chat(platform, except.chatId) : undefined;
      if (from?.kind === 'coordinators' && roster.unitOrRoot(from.unitId) === here) continue;
      this.queue({ platform, kind: 'group', to }, text, key, card);
    }
  }

  /**
   * Posts to the coordinators who supervise a ticket (SPEC §11): its project's unit's group and,
   * after a 提级, the group of the unit it was raised to.
   */
  supervisors(t: { projectCode: string; raisedUnit: string | null }, text: string, key: string, except?: IncomingMessage, card?: Draft): void {
    for (const unit of supervisingUnits(this.o.roster, t)) this.coordinators(text, key, except, card, unit);
  }

  /**
   * A department's group when it has one on a platform, else each of its people directly.
   * Returns false when the roster gives no way to reach the department at all.
   */
  department(departmentId: string, text: string, key: string): boolean {
    const dept = this.o.roster.department(departmentId);
    if (!dept) return false;
    let posted = false;
    for (const platform of this.o.platforms) {
      const to = dept.addresses[platform];
      if (!to) continue;
      this.queue({ platform, kind: 'group', to }, text, key);
      posted = true;
    }
    if (posted) return true;
    let reached = false;
    for (const p of this.o.roster.peopleOfDepartment(departmentId)) reached = this.person(p.id, text, key) || reached;
    return reached;
  }

  /** A direct message, on the first platform where the person has an account; false when there is none. */
  person(personId: string, text: string, key: string, card?: Draft): boolean {
    const p = this.o.roster.person(personId);
    if (!p) return false;
    for (const platform of this.o.platforms) {
      const to = p.addresses[platform];
      if (!to) continue;
      this.queue({ platform, kind: 'person', to }, text, key, card);
      return true;
    }
    return false;
  }

  /**
   * Replaces a card already sent with `content` (SPEC §7a: updated in place, for everyone). Where
   * the platform updates a card only in answer to a click on it, only the card clicked (`click`) is
   * updated, with what the click brought for it; elsewhere every copy is. `onlyOnClick`: only on
   * such a platform (a card the others have already shown as it is).
   */
  updateCard(card: StoredCard, content: Omit<OutgoingCard, 'id'>, key: string, click?: IncomingMessage, onlyOnClick = false): void {
    const how = this.o.cardPlatforms[card.platform];
    if (!how || (onlyOnClick && how.updatable !== 'on-click')) return;
    const clicked = click?.click?.cardId === card.id && click.platform === card.platform ? click : undefined;
    if (how.updatable === 'on-click' && !clicked) return;
    const { target } = card;
    const answer = clicked?.click?.answerable === true;
    const text = [content.title, ...content.done].join('\n');
    this.o.outbox.enqueue(
      {
        platform: card.platform,
        kind: target.kind,
        to: target.to,
        chatId: target.chatId,
        replyUser: target.replyUser,
        // The click's own reply URL, for a platform that can show the card again only through it.
        replyUrl: clicked?.replyHandle?.url,
        replyExpiresAt: clicked?.replyHandle?.expiresAt,
        title: titleOf(content.title),
        text,
        mentions: [],
        card: { ...content, id: card.id },
        cardUpdate: clicked?.click?.updateCode ? { code: clicked.click.updateCode } : {},
        dedupeKey: `${key}:card:${card.id}`,
        answerTo: answer ? clicked.msgId : undefined,
        holdMs: answer ? ANSWER_HOLD_MS : 0,
      },
      this.o.clock.now().getTime(),
    );
  }

  private queue(t: Target, text: string, key: string, draft?: Draft): void {
    const rendered = this.renderMentions(t.platform, text);
    const parts = splitText(rendered.text, this.o.maxBytes[t.platform] ?? 4096);
    const now = this.o.clock.now().getTime();
    const { replyOnce, chatType, ...target } = t;
    // A card stands for a whole message: one that had to be split goes as its text form.
    const withCard = draft !== undefined && parts.length === 1 && this.o.cardPlatforms[t.platform] !== undefined;
    parts.forEach((part, i) => {
      // A URL good for one message carries the first part; the rest take the fallback. The parts
      // share a lane, so they arrive in order whichever way each goes.
      const url = i === 0 || !replyOnce;
      const dedupeKey = `${key}:${t.platform}:${t.kind}:${t.to || t.chatId || ''}${parts.length > 1 ? `:${i + 1}` : ''}`;
      const card = withCard ? { ...draft, id: cardIdFor(dedupeKey) } : undefined;
      const queued = this.o.outbox.enqueue(
        {
          ...target,
          replyUrl: url ? t.replyUrl : undefined,
          replyExpiresAt: url ? t.replyExpiresAt : undefined,
          title: titleOf(part),
          text: part,
          mentions: rendered.mentions.filter((m) => part.includes(`<@${m}|`)),
          dedupeKey,
          card,
        },
        now,
      );
      if (queued && card) {
        this.o.cards.insert(
          {
            id: card.id,
            platform: t.platform,
            chatId: t.kind === 'person' ? undefined : (t.chatId ?? t.to),
            chatType: t.kind === 'person' ? 'single' : t.kind === 'group' ? 'group' : chatType,
            target: { kind: t.kind, to: t.to, chatId: t.chatId, replyUser: t.replyUser },
            content: card,
          },
          now,
        );
      }
    });
  }

  private renderMentions(platform: Platform, text: string): { text: string; mentions: string[] } {
    const mentions: string[] = [];
    const out = text.replace(MENTION_RE, (_m, ref: string, name: string | undefined) => {
      const display = name ?? ref;
      const colon = ref.indexOf(':');
      const scope = ref.slice(0, colon);
      const id = ref.slice(colon + 1);
      // A roster person is mentioned by their user id on this platform; someone outside the
      // roster only on the platform they wrote from.
      const userId = scope === 'p' ? this.o.roster.person(id)?.addresses[platform] : scope === platform ? id : undefined;
      // The name is shown as text: whatever it holds, it is not markup.
      const shown = escapeUserText(display);
      if (!userId) return `@${shown}`;
      if (!mentions.includes(userId)) mentions.push(userId);
      return `<@${userId}|${shown}>`;
    });
    return { text: out, mentions };
  }
}

/**
 * The units whose coordinators supervise a ticket: its project's (null: the root), and the unit it
 * was 提级 to, if any.
 */
export function supervisingUnits(roster: Pick<RosterRepo, 'project' | 'unitOrRoot'>, t: { projectCode: string; raisedUnit: string | null }): (string | null)[] {
  const own = roster.unitOrRoot(roster.project(t.projectCode)?.unitId ?? null);
  const raised = t.raisedUnit === null ? own : roster.unitOrRoot(t.raisedUnit);
  return raised === own ? [own] : [own, raised];
}

/** A short title for platforms that show one (DingTalk's markdown title, notifications). */
function titleOf(text: string): string {
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '联保';
  const plain = first.replace(MENTION_RE, (_m, _id, name: string | undefined) => `@${name ?? ''}`).replace(/[#*>`]/g, '').trim();
  return [...plain].slice(0, 30).join('') || '联保';
}
