import { type Db, writeIfFree } from './open.js';
import type { CardUpdate, OutboundMessage, OutgoingCard, Platform } from '../chat/types.js';

export interface OutboxItem extends OutboundMessage {
  id: number;
  dedupeKey: string;
  lane: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}

export interface NewOutboxItem extends OutboundMessage {
  dedupeKey: string;
  /**
   * The inbound message (a card click) whose HTTP answer may carry this message instead of the
   * delivery worker: the platform updates a card only that way (WeCom 智能机器人). It waits
   * `holdMs` for that before the worker may send it its own way.
   */
  answerTo?: string;
  holdMs?: number;
}

interface Row {
  id: number;
  dedupe_key: string;
  platform: Platform;
  kind: OutboundMessage['kind'];
  lane: string;
  destination: string;
  reply_url: string | null;
  reply_expires_at: number | null;
  reply_user: string | null;
  chat_id: string | null;
  title: string;
  body: string;
  mentions: string;
  status: OutboxItem['status'];
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
  card: string | null;
  card_update: string | null;
  answer_to: string | null;
}

function toItem(r: Row): OutboxItem {
  return {
    id: r.id,
    dedupeKey: r.dedupe_key,
    platform: r.platform,
    kind: r.kind,
    lane: r.lane,
    to: r.destination,
    replyUrl: r.reply_url ?? undefined,
    replyExpiresAt: r.reply_expires_at ?? undefined,
    replyUser: r.reply_user ?? undefined,
    chatId: r.chat_id ?? undefined,
    title: r.title,
    text: r.body,
    mentions: JSON.parse(r.mentions) as string[],
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    ...(r.card ? { card: JSON.parse(r.card) as OutgoingCard } : {}),
    ...(r.card_update ? { cardUpdate: JSON.parse(r.card_update) as CardUpdate } : {}),
  };
}

/** The lane a message travels in: sends within a lane keep their order and share a rate limit. */
export function laneOf(m: OutboundMessage): string {
  if (m.kind === 'person') return `${m.platform}:person:${m.to}`;
  // A reply goes to the chat it answers; it shares the lane of that chat's group robot.
  return `${m.platform}:group:${m.to || m.chatId || ''}`;
}

/** The outbox table (SPEC §8). */
export class OutboxRepo {
  private readonly s;

  constructor(readonly db: Db) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO outbox (dedupe_key, platform, kind, lane, destination, reply_url, reply_expires_at, reply_user, chat_id, title,
           body, mentions, next_attempt_at, created_at, card, card_update, answer_to)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (dedupe_key) DO NOTHING`,
      ),
      // The first message of each lane: later messages of a lane wait for the earlier ones. The
      // lanes are walked one by one through outbox_lane, so the cost grows with the number of
      // lanes, not with the messages waiting in them (a group robot allows 20 a minute, so a busy
      // group can have thousands queued, and this runs after every message and every send).
      heads: db.prepare<[], { lane: string; id: number }>(
        `WITH RECURSIVE lanes (lane) AS (
           SELECT min(lane) FROM outbox WHERE status = 'pending'
           UNION ALL
           SELECT (SELECT min(lane) FROM outbox WHERE status = 'pending' AND lane > lanes.lane) FROM lanes WHERE lanes.lane IS NOT NULL
         )
         SELECT lane, (SELECT min(id) FROM outbox WHERE status = 'pending' AND lane = lanes.lane) AS id
         FROM lanes WHERE lane IS NOT NULL`,
      ),
      dueRow: db.prepare<[number, number], Row>("SELECT * FROM outbox WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?"),
      nextDue: db.prepare<[], { t: number | null }>(
        "SELECT min(next_attempt_at) AS t FROM outbox WHERE status = 'pending'",
      ),
      sent: db.prepare("UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?"),
      retry: db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?'),
      failed: db.prepare("UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?"),
      shift: db.prepare<[number]>("UPDATE outbox SET next_attempt_at = next_attempt_at + ? WHERE status = 'pending'"),
      requeue: db.prepare(
        "UPDATE outbox SET status = 'pending', next_attempt_at = ?, created_at = ?, attempts = 0 WHERE id = ? AND status = 'failed'",
      ),
      get: db.prepare<[number], Row>('SELECT * FROM outbox WHERE id = ?'),
      byStatus: db.prepare<[string, number], Row>('SELECT * FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?'),
      recent: db.prepare<[string, number], Row>('SELECT * FROM outbox WHERE platform = ? ORDER BY id DESC LIMIT ?'),
      counts: db.prepare<[], { status: string; n: number }>('SELECT status, count(*) AS n FROM outbox GROUP BY status'),
      takeAnswer: db.prepare<[number, string, string], Row>(
        `UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1
         WHERE id = (SELECT min(id) FROM outbox WHERE platform = ? AND answer_to = ? AND status = 'pending') RETURNING *`,
      ),
    };
    this.markAll = db.transaction((sent: readonly { id: number; at: number }[]) => {
      for (const m of sent) this.s.sent.run(m.at, m.id);
    });
  }

  /** Queues a message; false when a message with this dedupe key was queued before. */
  enqueue(m: NewOutboxItem, now: number): boolean {
    // Positional: binding from an object costs several times more in better-sqlite3.
    const info = this.s.insert.run(
      m.dedupeKey,
      m.platform,
      m.kind,
      // A message waiting to be carried by the answer to a click holds up nothing behind it.
      m.answerTo ? `${m.platform}:answer:${m.answerTo}` : laneOf(m),
      m.to,
      m.replyUrl ?? null,
      m.replyExpiresAt ?? null,
      m.replyUser ?? null,
      m.chatId ?? null,
      m.title,
      m.text,
      JSON.stringify(m.mentions),
      now + (m.holdMs ?? 0),
      now,
      m.card ? JSON.stringify(m.card) : null,
      m.cardUpdate ? JSON.stringify(m.cardUpdate) : null,
      m.answerTo ?? null,
    );
    return info.changes === 1;
  }

  /**
   * Takes the message waiting to be carried by the answer to an inbound click (`answerTo`), marking
   * it sent: the caller answers the platform with it. Undefined when there is none (the click was
   * refused, or changed nothing shown), or the worker has taken it its own way already.
   */
  takeAnswer(platform: Platform, inboundMsgId: string, now: number): OutboxItem | undefined {
    const r = this.s.takeAnswer.get(now, platform, inboundMsgId);
    return r && toItem(r);
  }

  /**
   * The first message of each lane, when it is due, oldest first. Lanes `skip` has (those with a
   * send under way) are passed over without reading their message.
   */
  due(now: number, limit = 100, skip?: { has(lane: string): boolean }): OutboxItem[] {
    const heads = this.s.heads.all().filter((h) => !skip?.has(h.lane));
    heads.sort((a, b) => a.id - b.id);
    const out: OutboxItem[] = [];
    for (const h of heads) {
      if (out.length >= limit) break;
      const r = this.s.dueRow.get(h.id, now);
      if (r) out.push(toItem(r));
    }
    return out;
  }

  nextDueAt(): number | null {
    return this.s.nextDue.get()?.t ?? null;
  }

  /**
   * Marks several messages sent in one transaction if the write lock is free; false, with nothing
   * marked, when another connection holds it.
   */
  tryMarkSentMany(sent: readonly { id: number; at: number }[]): boolean {
    return writeIfFree(this.db, () => this.markAll(sent));
  }

  private readonly markAll;

  scheduleRetry(id: number, at: number, error: string): void {
    this.s.retry.run(at, error, id);
  }

  markFailed(id: number, error: string): void {
    this.s.failed.run(error, id);
  }

  /** Moves every pending message's next attempt by `ms` (the clock was set back by -ms). */
  shiftPending(ms: number): void {
    this.s.shift.run(ms);
  }

  /** Puts a failed message back in the queue (`lianbao outbox --retry <id>`). */
  requeue(id: number, now: number): boolean {
    return this.s.requeue.run(now, now, id).changes === 1;
  }

  get(id: number): OutboxItem | undefined {
    const r = this.s.get.get(id);
    return r && toItem(r);
  }

  list(status: OutboxItem['status'], limit = 100): OutboxItem[] {
    return this.s.byStatus.all(status, limit).map(toItem);
  }

  recent(platform: Platform, limit = 200): OutboxItem[] {
    return this.s.recent.all(platform, limit).map(toItem);
  }

  counts(): Record<OutboxItem['status'], number> {
    const c = { pending: 0, sent: 0, failed: 0 };
    for (const r of this.s.counts.all()) c[r.status as OutboxItem['status']] = r.n;
    return c;
  }
}
