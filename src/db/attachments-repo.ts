import type { AttachmentKind, IncomingMessage, Platform } from '../chat/types.js';
import type { Db } from './open.js';

/** How a stored file is counted and shown: 图片, 录音, 视频, 文件 (SPEC §7b). */
export type AttachmentCategory = 'image' | 'audio' | 'video' | 'file';

/** A file kept in the attachments folder, as its content shows it. */
export interface StoredFile {
  sha256: string;
  size: number;
  mime: string;
  category: AttachmentCategory;
}

/** A file on a ticket. */
export interface TicketAttachment extends StoredFile {
  ticketNo: number;
  name: string | null;
  addedAt: number;
  addedBy: string | null;
  addedByName: string;
}

export type DownloadStatus = 'pending' | 'done' | 'refused' | 'failed';

/**
 * What came of a download: `attached`, or `duplicate` (the ticket had the file already); refused
 * `too_large`, `type` (not a kind of file kept), `not_image` (said to be a picture, and is not),
 * `url` (a download address that is not https, or is internal); `failed` (never came, tries ran
 * out), `unavailable` (never came, and another try would not bring it).
 */
export type DownloadOutcome = 'attached' | 'duplicate' | 'too_large' | 'type' | 'not_image' | 'url' | 'failed' | 'unavailable';

/** A file to fetch for a ticket, as the message that brought it named it. */
export interface NewDownload {
  msgPlatform: Platform;
  msgId: string;
  seq: number;
  ticketNo: number;
  kind: AttachmentKind;
  ref: string;
  name: string | null;
  actorId: string | null;
  actorName: string;
  /** the message it came with (its text left out), for the answer */
  reply: IncomingMessage;
  expiresAt: number | null;
}

export interface Download extends NewDownload {
  id: number;
  status: DownloadStatus;
  outcome: DownloadOutcome | null;
  sha256: string | null;
  size: number | null;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  settledAt: number | null;
}

interface DownloadRow {
  id: number;
  msg_platform: Platform;
  msg_id: string;
  seq: number;
  ticket_no: number;
  kind: AttachmentKind;
  ref: string;
  name: string | null;
  actor_id: string | null;
  actor_name: string;
  reply: string;
  status: DownloadStatus;
  outcome: DownloadOutcome | null;
  sha256: string | null;
  size: number | null;
  attempts: number;
  next_attempt_at: number;
  expires_at: number | null;
  last_error: string | null;
  created_at: number;
  settled_at: number | null;
}

function toDownload(r: DownloadRow): Download {
  return {
    id: r.id,
    msgPlatform: r.msg_platform,
    msgId: r.msg_id,
    seq: r.seq,
    ticketNo: r.ticket_no,
    kind: r.kind,
    ref: r.ref,
    name: r.name,
    actorId: r.actor_id,
    actorName: r.actor_name,
    reply: JSON.parse(r.reply) as IncomingMessage,
    status: r.status,
    outcome: r.outcome,
    sha256: r.sha256,
    size: r.size,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    expiresAt: r.expires_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    settledAt: r.settled_at,
  };
}

interface TicketAttachmentRow {
  ticket_no: number;
  sha256: string;
  name: string | null;
  added_at: number;
  added_by: string | null;
  added_by_name: string;
  size: number;
  mime: string;
  category: AttachmentCategory;
}

const EMPTY_COUNTS: Readonly<Record<AttachmentCategory, number>> = { image: 0, audio: 0, video: 0, file: 0 };

/** Evidence: the files kept, the files on each ticket, the downloads under way, and where a lone picture goes. */
export class AttachmentsRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      queue: db.prepare(
        `INSERT INTO downloads (msg_platform, msg_id, seq, ticket_no, kind, ref, name, actor_id, actor_name, reply, next_attempt_at,
           expires_at, created_at, sender_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      // A file counts while it is being fetched, and once it was stored new for this download (the
      // same content counted once); one refused, failed, already on the ticket or already kept
      // before it was sent wrote nothing, and does not count.
      senderFiles: db.prepare<[string, string, number], { created_at: number; sha256: string | null }>(
        `SELECT d.created_at, CASE WHEN d.status = 'pending' THEN NULL ELSE d.sha256 END AS sha256
         FROM downloads d LEFT JOIN attachments a ON a.sha256 = d.sha256
         WHERE d.msg_platform = ? AND d.sender_id = ? AND d.created_at > ?
           AND (d.status = 'pending' OR (d.outcome = 'attached' AND a.stored_at >= d.created_at))
         ORDER BY d.created_at, d.id`,
      ),
      due: db.prepare<[number, number], DownloadRow>(
        "SELECT * FROM downloads WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
      ),
      nextDue: db.prepare<[], { t: number | null }>("SELECT min(next_attempt_at) AS t FROM downloads WHERE status = 'pending'"),
      get: db.prepare<[number], DownloadRow>('SELECT * FROM downloads WHERE id = ?'),
      retry: db.prepare("UPDATE downloads SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ? AND status = 'pending'"),
      settle: db.prepare(
        `UPDATE downloads SET status = ?, outcome = ?, sha256 = ?, size = ?, last_error = ?, attempts = attempts + 1, settled_at = ?
         WHERE id = ? AND status = 'pending'`,
      ),
      ofMessage: db.prepare<[string, string], DownloadRow>('SELECT * FROM downloads WHERE msg_platform = ? AND msg_id = ? ORDER BY seq'),
      pendingOfMessage: db.prepare<[string, string], { n: number }>(
        "SELECT count(*) AS n FROM downloads WHERE msg_platform = ? AND msg_id = ? AND status = 'pending'",
      ),
      pendingCount: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM downloads WHERE status = 'pending'"),
      byStatus: db.prepare<[], { status: DownloadStatus; n: number }>('SELECT status, count(*) AS n FROM downloads GROUP BY status'),
      keep: db.prepare('INSERT INTO attachments (sha256, size, mime, category, stored_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      file: db.prepare<[string], { sha256: string; size: number; mime: string; category: AttachmentCategory }>(
        'SELECT sha256, size, mime, category FROM attachments WHERE sha256 = ?',
      ),
      link: db.prepare(
        `INSERT INTO ticket_attachments (ticket_no, sha256, name, added_at, added_by, added_by_name, msg_platform, msg_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      ofTicket: db.prepare<[number], TicketAttachmentRow>(
        `SELECT t.ticket_no, t.sha256, t.name, t.added_at, t.added_by, t.added_by_name, a.size, a.mime, a.category
         FROM ticket_attachments t JOIN attachments a USING (sha256) WHERE t.ticket_no = ? ORDER BY t.added_at, t.rowid`,
      ),
      onTicket: db.prepare<[number, string], TicketAttachmentRow>(
        `SELECT t.ticket_no, t.sha256, t.name, t.added_at, t.added_by, t.added_by_name, a.size, a.mime, a.category
         FROM ticket_attachments t JOIN attachments a USING (sha256) WHERE t.ticket_no = ? AND t.sha256 = ?`,
      ),
      totals: db.prepare<[string], { ticket_no: number; n: number }>(
        'SELECT ticket_no, count(*) AS n FROM ticket_attachments WHERE ticket_no IN (SELECT value FROM json_each(?)) GROUP BY ticket_no',
      ),
      counts: db.prepare<[number], { category: AttachmentCategory; n: number }>(
        'SELECT a.category, count(*) AS n FROM ticket_attachments t JOIN attachments a USING (sha256) WHERE t.ticket_no = ? GROUP BY a.category',
      ),
      setTarget: db.prepare(
        `INSERT INTO evidence_targets (platform, chat_id, sender_id, ticket_no, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (platform, chat_id, sender_id) DO UPDATE SET ticket_no = excluded.ticket_no, at = excluded.at`,
      ),
      target: db.prepare<[string, string, string, number], { ticket_no: number }>(
        'SELECT ticket_no FROM evidence_targets WHERE platform = ? AND chat_id = ? AND sender_id = ? AND at >= ?',
      ),
    };
  }

  /** Queues a file to fetch; false when the message's attachment was queued before. */
  queue(d: NewDownload, now: number): boolean {
    // The message's text is not needed to answer it, and may be long.
    const reply: IncomingMessage = { ...d.reply, text: '', mentions: undefined, attachments: undefined };
    return (
      this.s.queue.run(
        d.msgPlatform,
        d.msgId,
        d.seq,
        d.ticketNo,
        d.kind,
        d.ref,
        d.name,
        d.actorId,
        d.actorName,
        JSON.stringify(reply),
        now,
        d.expiresAt,
        now,
        d.reply.senderId,
      ).changes === 1
    );
  }

  /**
   * When each file a sender has in the attachments folder since `since` was sent, or is still
   * being fetched, oldest first: what their hourly budget counts (SPEC §7b). One sent at `since` is out.
   */
  senderFiles(platform: Platform, senderId: string, since: number): number[] {
    const seen = new Set<string>();
    const at: number[] = [];
    for (const r of this.s.senderFiles.all(platform, senderId, since)) {
      if (r.sha256 !== null) {
        if (seen.has(r.sha256)) continue;
        seen.add(r.sha256);
      }
      at.push(r.created_at);
    }
    return at;
  }

  /** Downloads due at `now`, the longest waiting first. */
  due(now: number, limit: number): Download[] {
    return this.s.due.all(now, limit).map(toDownload);
  }

  nextDueAt(): number | null {
    return this.s.nextDue.get()?.t ?? null;
  }

  get(id: number): Download | undefined {
    const r = this.s.get.get(id);
    return r && toDownload(r);
  }

  pending(): number {
    return this.s.pendingCount.get()?.n ?? 0;
  }

  /** Downloads by status, for /metrics. */
  downloadCounts(): Record<DownloadStatus, number> {
    const c: Record<DownloadStatus, number> = { pending: 0, done: 0, refused: 0, failed: 0 };
    for (const r of this.s.byStatus.all()) c[r.status] = r.n;
    return c;
  }

  scheduleRetry(id: number, at: number, error: string): void {
    this.s.retry.run(at, error, id);
  }

  /** Records what came of a download; false when it was settled before. */
  settle(
    id: number,
    how: { status: Exclude<DownloadStatus, 'pending'>; outcome: DownloadOutcome; sha256?: string; size?: number; error?: string },
    now: number,
  ): boolean {
    return this.s.settle.run(how.status, how.outcome, how.sha256 ?? null, how.size ?? null, how.error ?? null, now, id).changes === 1;
  }

  /** Every download a message brought, in their order in it. */
  ofMessage(platform: string, msgId: string): Download[] {
    return this.s.ofMessage.all(platform, msgId).map(toDownload);
  }

  pendingOfMessage(platform: string, msgId: string): number {
    return this.s.pendingOfMessage.get(platform, msgId)?.n ?? 0;
  }

  /** Records a kept file (once: the same content is the same file). */
  keep(f: StoredFile, now: number): void {
    this.s.keep.run(f.sha256, f.size, f.mime, f.category, now);
  }

  file(sha256: string): StoredFile | undefined {
    return this.s.file.get(sha256);
  }

  /** Adds a kept file to a ticket; false when the ticket has it already. */
  link(
    ticketNo: number,
    sha256: string,
    by: { name: string | null; at: number; personId: string | null; personName: string; platform: string; msgId: string },
  ): boolean {
    return this.s.link.run(ticketNo, sha256, by.name, by.at, by.personId, by.personName, by.platform, by.msgId).changes === 1;
  }

  ofTicket(no: number): TicketAttachment[] {
    return this.s.ofTicket.all(no).map(toTicketAttachment);
  }

  onTicket(no: number, sha256: string): TicketAttachment | undefined {
    const r = this.s.onTicket.get(no, sha256);
    return r && toTicketAttachment(r);
  }

  /** How many files each of these tickets has (tickets with none are left out): for exports. */
  totals(nos: readonly number[]): Map<number, number> {
    return new Map(this.s.totals.all(JSON.stringify(nos)).map((r) => [r.ticket_no, r.n]));
  }

  /** How many files of each category a ticket has. */
  counts(no: number): Record<AttachmentCategory, number> {
    const c = { ...EMPTY_COUNTS };
    for (const r of this.s.counts.all(no)) c[r.category] = r.n;
    return c;
  }

  /** Remembers the ticket a sender reported or added to in a chat, as of `at`. */
  setTarget(platform: string, chatId: string, senderId: string, ticketNo: number, at: number): void {
    this.s.setTarget.run(platform, chatId, senderId, ticketNo, at);
  }

  /** The ticket a sender last reported or added to in a chat, if that was at `since` or later. */
  target(platform: string, chatId: string, senderId: string, since: number): number | undefined {
    return this.s.target.get(platform, chatId, senderId, since)?.ticket_no;
  }
}

function toTicketAttachment(r: TicketAttachmentRow): TicketAttachment {
  return {
    ticketNo: r.ticket_no,
    sha256: r.sha256,
    name: r.name,
    addedAt: r.added_at,
    addedBy: r.added_by,
    addedByName: r.added_by_name,
    size: r.size,
    mime: r.mime,
    category: r.category,
  };
}
