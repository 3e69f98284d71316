/**
 * How a mention travels through the core: `<@platformUserId|显示名>` in an outgoing text. Only the
 * roster puts these tokens there (text from chat is escaped: src/templates.ts), and each adapter
 * turns them into its platform's own syntax, or into a plain `@名字` where that is all it has.
 */

import { escapeUserText } from '../templates.js';

/** Matches a mention token `<@id|name>` (name optional). */
export const MENTION_RE = /<@([^|>\s]+)(?:\|([^>]*))?>/g;

/** Renders mention tokens with a platform's own syntax. */
export function renderMentions(text: string, render: (id: string, name: string) => string): string {
  return text.replace(MENTION_RE, (_m, id: string, name: string | undefined) => render(id, name ?? id));
}

/**
 * A mention in core text: `<@p:personId|名字>` for someone in the roster, or
 * `<@platform:userId|名字>` for a sender outside it. The notifier turns it into the
 * adapter-level token `<@platformUserId|名字>` for the platform a message goes to, or plain
 * `@名字` where that person has no account on it.
 */
export function mentionPerson(p: { id: string; name: string }): string {
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
