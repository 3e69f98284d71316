import type { OutboxItem } from '../../src/db/outbox-repo.js';
import type { Harness } from './tickets.js';

/** Every message queued after outbox id `after`, oldest first. */
export function queued(h: Harness, after = 0): OutboxItem[] {
  const ids = h.db.prepare('SELECT id FROM outbox WHERE id > ? ORDER BY id').all(after) as { id: number }[];
  return ids.map((r) => h.outbox.get(r.id)!);
}

/** The id of the last queued message, to look at what comes after it. */
export function lastOutboxId(h: Harness): number {
  return (h.db.prepare('SELECT coalesce(max(id), 0) AS id FROM outbox').get() as { id: number }).id;
}

/** `kind:to` of each message, e.g. `group:coordinators`, `person:li`. */
export const destinations = (items: OutboxItem[]): string[] => items.map((m) => `${m.kind}:${m.to}`);

/** The text of the one message queued for a destination. */
export function textFor(items: OutboxItem[], kind: 'group' | 'person', to: string): string {
  const found = items.filter((m) => m.kind === kind && m.to === to);
  if (found.length !== 1) throw new Error(`${found.length} messages to ${kind}:${to}; queued: ${destinations(items).join(', ')}`);
  return found[0]!.text;
}
