/**
 * How a mention travels through the core: `<@platformUserId|显示名>` in an outgoing text. Only the
 * roster puts these tokens there (text from chat is escaped: src/templates.ts), and each adapter
 * turns them into its platform's own syntax, or into a plain `@名字` where that is all it has.
 */

/** Matches a mention token `<@id|name>` (name optional). */
export const MENTION_RE = /<@([^|>\s]+)(?:\|([^>]*))?>/g;

/** Renders mention tokens with a platform's own syntax. */
export function renderMentions(text: string, render: (id: string, name: string) => string): string {
  return text.replace(MENTION_RE, (_m, id: string, name: string | undefined) => render(id, name ?? id));
}
