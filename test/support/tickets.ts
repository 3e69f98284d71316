import { expect } from 'vitest';
import type { TicketState } from '../../src/tickets/model.js';
import type { Db } from '../../src/db/open.js';
import { harness, type Said } from './harness.js';

export type Harness = ReturnType<typeof harness>;

/**
 * A harness whose senders are never told to slow down, for tests that drive one person through
 * many commands within the same minute. The throttle itself is tested with a plain `harness()`.
 */
export function setup(start = '2026-11-02T02:00:00Z'): Harness {
  return harness(start, { RATE_SENDER_PER_MINUTE: '1000' });
}

/** Everything a chat command may change, row by row, to show that a refused one changed nothing. */
export function snapshotRows(db: Db): Record<string, unknown[]> {
  const all = (sql: string) => db.prepare(sql).all();
  return {
    tickets: all('SELECT * FROM tickets ORDER BY no'),
    audit: all('SELECT * FROM audit_log ORDER BY id'),
    summoned: all('SELECT * FROM ticket_departments ORDER BY ticket_no, department_id'),
    visits: all('SELECT * FROM visits ORDER BY id'),
    agenda: all('SELECT * FROM agenda_items ORDER BY id'),
    chats: all('SELECT * FROM chats ORDER BY platform, chat_id'),
  };
}

/** The same for a harness. */
export function stored(h: Harness): Record<string, unknown[]> {
  return snapshotRows(h.db);
}

/** The id of the last message the bot received, as the audit log records it. */
export function lastMsgId(h: Harness): string {
  return (h.db.prepare('SELECT msg_id FROM inbound_messages ORDER BY rowid DESC LIMIT 1').get() as { msg_id: string }).msg_id;
}

/** The audit rows of a ticket, as the log holds them. */
export function auditOf(h: Harness, no: number) {
  return h.repos.tickets.timeline(no);
}

/** The last audit row of a ticket. */
export function lastAudit(h: Harness, no: number) {
  const rows = auditOf(h, no);
  const row = rows[rows.length - 1];
  if (!row) throw new Error(`#${no} has no audit rows`);
  return row;
}

export function ticket(h: Harness, no: number) {
  const t = h.repos.tickets.get(no);
  if (!t) throw new Error(`no ticket #${no}`);
  return t;
}

export function ticketCount(h: Harness): number {
  return (h.db.prepare('SELECT count(*) AS n FROM tickets').get() as { n: number }).n;
}

/**
 * Sends a command that must be refused: the sender gets one reply that contains every part
 * given, nothing else is sent, and nothing stored changes. Returns the reply.
 */
export function expectRefused(h: Harness, person: string, chat: string, text: string, ...parts: (string | RegExp)[]): string {
  const before = stored(h);
  const said = h.say(person, chat, text);
  expect(said.out.map((m) => m.kind), `${text}: only a reply`).toEqual(['reply']);
  for (const part of parts) {
    if (typeof part === 'string') expect(said.reply).toContain(part);
    else expect(said.reply).toMatch(part);
  }
  expect(stored(h), `${text}: nothing changed`).toEqual(before);
  return said.reply;
}

/** Sends a command that must succeed (not refused), and returns what was said. */
export function ok(h: Harness, person: string, chat: string, text: string): Said {
  const said = h.say(person, chat, text);
  const outcome = (h.db.prepare('SELECT outcome FROM inbound_messages ORDER BY rowid DESC LIMIT 1').get() as { outcome: string }).outcome;
  expect(outcome, `${text} → ${said.reply}`).toBe('done');
  return said;
}

export const OBSTRUCTION = '报告 村民堵路阻工，车辆进不去';
export const THEFT = '报告 工地夜间电缆被偷，损失约两万元';

/**
 * A ticket of XM001 reported by 陈经理 and worked by 王警官 (the project officer), brought to
 * `state` through the ordinary commands.
 */
export function ticketIn(h: Harness, state: TicketState, text = THEFT): number {
  const no = h.ticketNo(ok(h, 'chen', 'XM001', text));
  if (state === 'withdrawn') ok(h, 'chen', 'XM001', `撤回 #${no} 已自行解决`);
  if (state === 'claimed' || state === 'resolved' || state === 'closed') ok(h, 'wang', 'XM001', `认领 #${no}`);
  if (state === 'resolved' || state === 'closed') ok(h, 'wang', 'XM001', `办结 #${no} 已追回被盗电缆`);
  if (state === 'closed') ok(h, 'chen', 'XM001', `满意 #${no}`);
  expect(ticket(h, no).state).toBe(state);
  return no;
}

/** Messages of one kind the command queued, by destination. */
export function sentTo(said: Said, kind: 'group' | 'person' | 'reply'): string[] {
  return said.out.filter((m) => m.kind === kind && !m.cardUpdate).map((m) => m.to);
}

/** The text of the message queued for one destination. */
export function textTo(said: Said, kind: 'group' | 'person', to: string): string {
  const m = said.out.find((o) => o.kind === kind && o.to === to && !o.cardUpdate);
  if (!m) throw new Error(`nothing sent to ${kind} ${to}; sent: ${said.out.map((o) => `${o.kind}:${o.to}`).join(', ')}`);
  return m.text;
}
