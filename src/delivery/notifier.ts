import type { Clock } from '../clock.js';
import type { OutboxRepo } from '../db/outbox-repo.js';
import type { RosterRepo } from '../db/roster-repo.js';
import type { Person } from '../tickets/model.js';
import { MENTION_RE } from '../chat/mentions.js';
import type { IncomingMessage, OutboundMessage, Platform } from '../chat/types.js';
import { escapeUserText } from '../templates.js';
import { splitText } from './split.js';

/**
 * A mention in core text: `<@p:personId|名字>` for someone in the roster, or
 * `<@platform:userId|名字>` for a sender outside it. The notifier turns it into the
 * adapter-level token `<@platformUserId|名字>` for the platform a message goes to, or plain
 * `@名字` where that person has no account on it.
 */
export function mentionPerson(p: Pick<Person, 'id' | 'name'>): string {
  return `<@p:${tokenId(p.id)}|${tokenName(p.name)}>`;
}

export function mentionUser(platform: string, userId: string, name: string): string {
  // An id that could not be part of a token is nobody the platform knows: the name is shown instead.
  if (!/^[^<>|@\s]+$/.test(userId)) return `@${escapeUserText(tokenName(name))}`;
  return `<@${platform}:${userId}|${tokenName(name)}>`;
}

/**
 * The parts of a mention token: without the characters that end or split a token, so that a name
 * (a platform's display name is whatever its owner typed) cannot close the token early and open
 * another one, a mention of somebody else.
 */
function tokenName(s: string): string {
  return s.replace(/[<>|\s]+/g, ' ').trim() || '?';
}

function tokenId(s: string): string {
  return s.replace(/[<>|@\s]+/g, '') || '?';
}

export interface NotifierOptions {
  roster: RosterRepo;
  outbox: OutboxRepo;
  clock: Clock;
  /** Platforms messages are sent to: the configured ones, and the playground when it is on. */
  platforms: Platform[];
  maxBytes: Partial<Record<Platform, number>>;
}

interface Target {
  platform: Platform;
  kind: OutboundMessage['kind'];
  to: string;
  chatId?: string;
  replyUrl?: string;
  replyExpiresAt?: number;
}

/**
 * Turns "tell the project group / the coordinators / this person" into outbox rows, one per
 * platform and part. Must be called inside the transaction of the change that causes the
 * message; the dedupe key makes a repeated cause queue nothing new.
 */
export class Notifier {
  constructor(private readonly o: NotifierOptions) {}

  private enabled(p: Platform): boolean {
    return this.o.platforms.includes(p);
  }

  /** Answers the chat a message came from. */
  reply(msg: IncomingMessage, text: string, key: string): void {
    const binding = this.o.roster.chat(msg.platform, msg.chatId);
    let to = binding?.groupAddress ?? '';
    if (msg.platform === 'dingtalk' && msg.chatType === 'group') to = msg.chatId;
    if (msg.platform === 'playground') to = msg.chatId;
    if (!to && binding?.kind === 'coordinators') to = this.coordinatorsAddress(msg.platform) ?? '';
    this.queue(
      {
        platform: msg.platform,
        kind: 'reply',
        to,
        chatId: msg.chatId,
        replyUrl: msg.replyHandle?.url,
        replyExpiresAt: msg.replyHandle?.expiresAt,
      },
      text,
      key,
    );
  }

  /**
   * Posts to the project's groups on every platform. `except` skips the chat the command came
   * from, which has its reply already.
   */
  project(code: string, text: string, key: string, except?: IncomingMessage): void {
    const project = this.o.roster.project(code);
    if (!project) return;
    const exceptBound = except && this.o.roster.chat(except.platform, except.chatId)?.projectCode === code;
    const addresses: [Platform, string | null][] = [
      ['wecom', project.wecomWebhookKey],
      ['dingtalk', project.dingtalkConversationId],
      ['playground', project.code],
    ];
    for (const [platform, to] of addresses) {
      if (!to || !this.enabled(platform)) continue;
      if (exceptBound && except.platform === platform) continue;
      this.queue({ platform, kind: 'group', to, chatId: platform === 'playground' ? to : undefined }, text, key);
    }
  }

  /** Posts to the coordinators' group (护企办) on every platform. */
  coordinators(text: string, key: string, except?: IncomingMessage): void {
    for (const platform of this.o.platforms) {
      const to = this.coordinatorsAddress(platform);
      if (!to) continue;
      if (except && except.platform === platform && this.o.roster.chat(platform, except.chatId)?.kind === 'coordinators') continue;
      this.queue({ platform, kind: 'group', to, chatId: platform === 'playground' ? to : undefined }, text, key);
    }
  }

  /**
   * A department's group when it has one on a platform, else each of its people directly.
   * Returns false when the roster gives no way to reach the department at all.
   */
  department(departmentId: string, text: string, key: string): boolean {
    const dept = this.o.roster.department(departmentId);
    if (!dept) return false;
    let posted = false;
    const addresses: [Platform, string | null][] = [
      ['wecom', dept.wecomWebhookKey],
      ['dingtalk', dept.dingtalkConversationId],
    ];
    for (const [platform, to] of addresses) {
      if (!to || !this.enabled(platform)) continue;
      this.queue({ platform, kind: 'group', to }, text, key);
      posted = true;
    }
    if (posted) return true;
    let reached = false;
    for (const p of this.o.roster.peopleOfDepartment(departmentId)) reached = this.person(p.id, text, key) || reached;
    return reached;
  }

  /** A direct message, on the first platform where the person has an account; false when there is none. */
  person(personId: string, text: string, key: string): boolean {
    const p = this.o.roster.person(personId);
    if (!p) return false;
    const options: [Platform, string | null][] = [
      ['wecom', p.wecomUserId],
      ['dingtalk', p.dingtalkUserId],
      ['playground', p.id],
    ];
    for (const [platform, to] of options) {
      if (!to || !this.enabled(platform)) continue;
      this.queue({ platform, kind: 'person', to }, text, key);
      return true;
    }
    return false;
  }

  private coordinatorsAddress(platform: Platform): string | undefined {
    const c = this.o.roster.coordinators();
    if (platform === 'wecom') return c.wecom?.webhookKey;
    if (platform === 'dingtalk') return c.dingtalk?.openConversationId;
    return 'coordinators';
  }

  private queue(t: Target, text: string, key: string): void {
    const rendered = this.renderMentions(t.platform, text);
    const parts = splitText(rendered.text, this.o.maxBytes[t.platform] ?? 4096);
    const now = this.o.clock.now().getTime();
    parts.forEach((part, i) => {
      this.o.outbox.enqueue(
        {
          ...t,
          // Only the first part may use a one-time reply URL; the rest go to the group.
          replyUrl: i === 0 ? t.replyUrl : undefined,
          replyExpiresAt: i === 0 ? t.replyExpiresAt : undefined,
          title: titleOf(part),
          text: part,
          mentions: rendered.mentions.filter((m) => part.includes(`<@${m}|`)),
          dedupeKey: `${key}:${t.platform}:${t.kind}:${t.to || t.chatId || ''}${parts.length > 1 ? `:${i + 1}` : ''}`,
        },
        now,
      );
    });
  }

  private renderMentions(platform: Platform, text: string): { text: string; mentions: string[] } {
    const mentions: string[] = [];
    const out = text.replace(MENTION_RE, (_m, ref: string, name: string | undefined) => {
      const display = name ?? ref;
      const colon = ref.indexOf(':');
      const scope = ref.slice(0, colon);
      const id = ref.slice(colon + 1);
      let userId: string | null = null;
      if (scope === 'p') {
        const p = this.o.roster.person(id);
        userId = platform === 'wecom' ? (p?.wecomUserId ?? null) : platform === 'dingtalk' ? (p?.dingtalkUserId ?? null) : (p?.id ?? null);
      } else if (scope === platform) {
        userId = id;
      }
      // The name is shown as text: whatever it holds, it is not markup.
      const shown = escapeUserText(display);
      if (!userId) return `@${shown}`;
      if (!mentions.includes(userId)) mentions.push(userId);
      return `<@${userId}|${shown}>`;
    });
    return { text: out, mentions };
  }
}

/** A short title for platforms that show one (DingTalk's markdown title, notifications). */
function titleOf(text: string): string {
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '联保';
  const plain = first.replace(MENTION_RE, (_m, _id, name: string | undefined) => `@${name ?? ''}`).replace(/[#*>`]/g, '').trim();
  return [...plain].slice(0, 30).join('') || '联保';
}
