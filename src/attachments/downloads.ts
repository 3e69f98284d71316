import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { AttachmentFetch, IncomingMessage, Platform, PlatformAdapter } from '../chat/types.js';
import { MAX_MESSAGE_ITEMS } from '../chat/receiver.js';
import type { AttachmentCategory, AttachmentsRepo, Download, DownloadOutcome, StoredFile } from '../db/attachments-repo.js';
import type { Db } from '../db/open.js';
import type { RosterRepo } from '../db/roster-repo.js';
import type { TicketsRepo } from '../db/tickets-repo.js';
import type { Notifier } from '../delivery/notifier.js';
import { retryDelay } from '../delivery/worker.js';
import { chatMayShowConduct } from '../tickets/scope.js';
import { render } from '../templates.js';
import type { AttachmentStore, IngestRefusal } from './store.js';

export interface DownloadWorkerOptions {
  db: Db;
  repo: AttachmentsRepo;
  tickets: TicketsRepo;
  /** which chats are coordinators' groups, where a conduct complaint's files may be named */
  roster: Pick<RosterRepo, 'chat'>;
  /** undefined when evidence is not kept (an in-memory database without ATTACHMENTS_DIR) */
  store: AttachmentStore | undefined;
  adapters: Partial<Record<Platform, PlatformAdapter>>;
  notify: Notifier;
  clock: Clock;
  log: Logger;
  /** called after a download's outcome queued an answer, to send it */
  onQueued?: () => void;
  /** How often the table is looked at without being woken. */
  pollMs?: number;
  /** Files fetched at once, in all. */
  concurrency?: number;
  /** Files of one sender fetched at once. */
  perSender?: number;
  /** How long one try may take, body included. */
  tryTimeoutMs?: number;
}

/**
 * Eight files at once, two of them at most from one sender: one person's large or trickling
 * files (a video over a weak link, a storage host that crawls) leave six places to everyone
 * else, whose pictures may have only minutes before their links expire.
 */
const CONCURRENCY = 8;
const PER_SENDER = 2;
/** Rows looked at to pick the next ones: enough that the links expiring soonest are among them. */
const LOOK_AHEAD = 200;

/** A download that never comes is given up after this long, like a send (SPEC §8), or when its link expires. */
const GIVE_UP_AFTER_MS = 24 * 3_600_000;
/** A whole try takes at most this long by default (20 MB over a slow link); then it is given up, and made again later. */
const TRY_TIMEOUT_MS = 5 * 60_000;
/** Characters of a platform's reference kept in the audit row (a download URL can be long). */
const MAX_REF_CHARS = 500;

/** How a try ended. */
type Outcome =
  | { kind: 'stored'; file: StoredFile }
  | { kind: 'refused'; refused: IngestRefusal | 'url'; detail: string }
  | { kind: 'retry'; error: string }
  /** permanent: another try, or the same file sent again, would fail the same way */
  | { kind: 'failed'; error: string; permanent?: boolean };

const UNITS: Record<AttachmentCategory, [name: string, unit: string]> = {
  image: ['图片', '张'],
  audio: ['录音', '段'],
  video: ['视频', '段'],
  file: ['文件', '个'],
};
const ONE: Record<Download['kind'], string> = { image: '这张图片', file: '这个文件', audio: '这段录音', video: '这段视频' };

/**
 * Fetches the pictures, files and recordings that messages attached to tickets (SPEC §7b), off the
 * path that answers the platforms: the processor thread queues a row per file in the transaction of
 * the message, and this worker fetches it through the adapter of its platform into the attachments
 * folder. Like the outbox: a failure is tried again with backoff (1 s doubling to 5 min) until the
 * file comes, or for 24 h (less when the platform's link expires sooner), and then it is recorded on
 * the ticket. Once every file of a message is settled, the sender is told in one reply what became
 * of each (已附到 #N, or why not).
 */
export class DownloadWorker {
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping = false;
  private wakeScheduled = false;
  private readonly inFlight = new Map<number, { done: Promise<void>; abort: AbortController; lane: string }>();
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly perSender: number;
  private readonly tryTimeoutMs: number;
  private readonly settleOne;

  constructor(private readonly o: DownloadWorkerOptions) {
    this.pollMs = o.pollMs ?? 1_000;
    this.concurrency = o.concurrency ?? CONCURRENCY;
    this.perSender = o.perSender ?? PER_SENDER;
    this.tryTimeoutMs = o.tryTimeoutMs ?? TRY_TIMEOUT_MS;
    this.settleOne = o.db.transaction((d: Download, outcome: Exclude<Outcome, { kind: 'retry' }>) => this.settle(d, outcome));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    // Left by a download a crash cut short: its row is still pending and is fetched again.
    void this.o.store?.cleanTemp(this.o.clock.now().getTime()).catch(() => undefined);
    this.wake();
  }

  /** Ends the downloads under way (they stay pending, and are fetched again at the next start). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    for (const f of this.inFlight.values()) f.abort.abort();
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }

  /** Called when a message queued downloads; a burst wakes the worker once. */
  wake(): void {
    if (!this.started || this.stopping || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.run();
    });
  }

  /** Fetches everything due now, and what that makes due; resolves when nothing due is left (tests, the CLI). */
  async drain(): Promise<void> {
    for (;;) {
      this.pump();
      if (this.inFlight.size === 0) return;
      await Promise.race([...this.inFlight.values()].map((f) => f.done));
    }
  }

  private run(): void {
    if (this.stopping) return;
    if (this.timer) clearTimeout(this.timer);
    let next: number | null = null;
    try {
      this.pump();
      next = this.o.repo.nextDueAt();
    } catch (err) {
      this.o.log.error({ err }, 'pending downloads cannot be read; trying again in a moment');
    }
    const now = this.o.clock.now().getTime();
    const wait = next === null || next <= now ? this.pollMs : Math.min(this.pollMs, next - now);
    this.timer = setTimeout(() => this.run(), Math.max(wait, 10));
    this.timer.unref();
  }

  /**
   * Starts a download for each due row while there is room: the links that expire soonest first
   * (a WeCom 智能机器人 picture's, five minutes after its message), and no more than `perSender`
   * of one sender's at once.
   */
  private pump(): void {
    if (this.stopping) return;
    if (this.inFlight.size >= this.concurrency) return;
    const now = this.o.clock.now().getTime();
    const busy = new Map<string, number>();
    for (const f of this.inFlight.values()) busy.set(f.lane, (busy.get(f.lane) ?? 0) + 1);
    const due = this.o.repo
      .due(now, LOOK_AHEAD + this.inFlight.size)
      .filter((d) => !this.inFlight.has(d.id))
      .sort((a, b) => (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity) || a.nextAttemptAt - b.nextAttemptAt || a.id - b.id);
    for (const d of due) {
      if (this.inFlight.size >= this.concurrency) break;
      const lane = laneOf(d);
      if ((busy.get(lane) ?? 0) >= this.perSender) continue;
      busy.set(lane, (busy.get(lane) ?? 0) + 1);
      const abort = new AbortController();
      const done = this.one(d, abort.signal)
        .catch((err: unknown) => this.o.log.error({ err, downloadId: d.id }, 'download failed unexpectedly; it stays queued'))
        .finally(() => {
          this.inFlight.delete(d.id);
          if (this.started && !this.stopping) this.wake();
        });
      this.inFlight.set(d.id, { done, abort, lane });
    }
  }

  private async one(d: Download, signal: AbortSignal): Promise<void> {
    const outcome = await this.fetch(d, signal);
    // Cut short by a stop: nothing is recorded, and the file is fetched again after the restart.
    if (signal.aborted && this.stopping) return;
    const where = { downloadId: d.id, platform: d.msgPlatform, msgId: d.msgId, ticketNo: d.ticketNo, kind: d.kind };
    if (outcome.kind === 'retry') {
      const now = this.o.clock.now().getTime();
      const at = now + retryDelay(d.attempts + 1);
      // Tried again for a day, as a send is; a link that expires before the next try is not worth it.
      if (now - d.createdAt < GIVE_UP_AFTER_MS && (d.expiresAt === null || at < d.expiresAt)) {
        this.o.repo.scheduleRetry(d.id, at, outcome.error);
        this.o.log.warn({ ...where, attempt: d.attempts + 1, retryAt: new Date(at).toISOString(), error: outcome.error }, 'download failed, will retry');
        return;
      }
      this.record(d, { kind: 'failed', error: outcome.error }, where);
      return;
    }
    this.record(d, outcome, where);
  }

  private record(d: Download, outcome: Exclude<Outcome, { kind: 'retry' }>, where: object): void {
    const replied = this.settleOne(d, outcome);
    if (outcome.kind === 'stored') {
      this.o.log.info({ ...where, sha256: outcome.file.sha256, size: outcome.file.size, type: outcome.file.mime }, 'attachment stored');
    } else if (outcome.kind === 'refused') {
      // Bad input is logged with the check it failed, like a refused request (SPEC §9).
      this.o.log.warn({ ...where, check: `attachment-${outcome.refused}`, reason: outcome.detail }, 'attachment refused');
    } else {
      this.o.log.error({ ...where, attempts: d.attempts + 1, error: outcome.error }, 'download failed for good; recorded on the ticket');
    }
    if (replied) this.o.onQueued?.();
  }

  /** One try: the platform's file into the attachments folder. */
  private async fetch(d: Download, signal: AbortSignal): Promise<Outcome> {
    const { store } = this.o;
    const adapter = this.o.adapters[d.msgPlatform];
    if (!store) return { kind: 'failed', error: 'evidence is not kept: ATTACHMENTS_DIR is empty', permanent: true };
    if (!adapter?.fetchAttachment) return { kind: 'failed', error: `platform ${d.msgPlatform} is not configured, or sends no files`, permanent: true };
    // The try's deadline is a timer kept here and cleared when the try ends, not
    // AbortSignal.timeout inside AbortSignal.any: Node can collect that timeout signal before it
    // fires, and a trickling download then runs on for as long as bytes keep coming
    // (https://github.com/nodejs/node/issues/57736).
    const both = new AbortController();
    const stop = (): void => both.abort(signal.reason);
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    const deadline = setTimeout(() => both.abort(new Error(`the try took longer than ${this.tryTimeoutMs / 1000} s`)), this.tryTimeoutMs);
    try {
      return await this.tryOnce(d, both.signal, store, adapter.fetchAttachment.bind(adapter));
    } finally {
      clearTimeout(deadline);
      signal.removeEventListener('abort', stop);
    }
  }

  private async tryOnce(d: Download, signal: AbortSignal, store: AttachmentStore, fetchAttachment: NonNullable<PlatformAdapter['fetchAttachment']>): Promise<Outcome> {
    let f: AttachmentFetch;
    try {
      f = await fetchAttachment(
        { kind: d.kind, ref: d.ref, ...(d.name ? { name: d.name } : {}), ...(d.expiresAt !== null ? { expiresAt: d.expiresAt } : {}) },
        { signal, maxBytes: store.maxBytes },
      );
    } catch (err) {
      return { kind: 'retry', error: err instanceof Error ? err.message : String(err) };
    }
    if (!f.ok) {
      if (f.refused) return { kind: 'refused', refused: f.refused, detail: f.error };
      return f.retryable ? { kind: 'retry', error: f.error } : { kind: 'failed', error: f.error, permanent: true };
    }
    if (f.size !== undefined && f.size > store.maxBytes) {
      return { kind: 'refused', refused: 'too_large', detail: `the platform says it is ${f.size} bytes` };
    }
    try {
      const r = await store.ingest(f.body, { kind: d.kind, name: d.name ?? f.name });
      if (!r.ok) return { kind: 'refused', refused: r.refused, detail: r.detail };
      return { kind: 'stored', file: r.file };
    } catch (err) {
      // The body was cut (a network blip, the try's deadline), or the disk refused the file: another try.
      return { kind: 'retry', error: signal.aborted && signal.reason instanceof Error ? signal.reason.message : err instanceof Error ? err.message : String(err) };
    }
  }

  /**
   * Records a download's outcome (on the ticket: its audit row), and, once the message's last file
   * is settled, queues the one reply that tells the sender. Returns whether a reply was queued.
   */
  private settle(d: Download, outcome: Exclude<Outcome, { kind: 'retry' }>): boolean {
    const { repo } = this.o;
    const now = this.o.clock.now().getTime();
    if (outcome.kind === 'stored') {
      const { file } = outcome;
      repo.keep(file, now);
      // On the ticket as of when it was sent, whenever it arrived.
      const added = repo.link(d.ticketNo, file.sha256, {
        name: d.name,
        at: d.createdAt,
        personId: d.actorId,
        personName: d.actorName,
        platform: d.msgPlatform,
        msgId: d.msgId,
      });
      if (!repo.settle(d.id, { status: 'done', outcome: added ? 'attached' : 'duplicate', sha256: file.sha256, size: file.size }, now)) return false;
      if (added) {
        this.audit(d, now, 'attach', {
          sha256: file.sha256,
          size: file.size,
          type: file.mime,
          category: file.category,
          ...(d.name ? { name: d.name } : {}),
          platformId: d.ref.slice(0, MAX_REF_CHARS),
        });
      }
    } else if (outcome.kind === 'refused') {
      if (!repo.settle(d.id, { status: 'refused', outcome: outcome.refused, error: outcome.detail }, now)) return false;
    } else {
      if (!repo.settle(d.id, { status: 'failed', outcome: outcome.permanent ? 'unavailable' : 'failed', error: outcome.error }, now)) return false;
      // A file that never came is part of the record: the ticket says so (SPEC §7b).
      this.audit(d, now, 'attach_failed', { kind: d.kind, ...(d.name ? { name: d.name } : {}), error: outcome.error.slice(0, MAX_REF_CHARS) });
    }
    if (repo.pendingOfMessage(d.msgPlatform, d.msgId) > 0) return false;
    this.o.notify.reply(d.reply, this.answer(repo.ofMessage(d.msgPlatform, d.msgId)), `evidence:${d.msgPlatform}:${d.msgId}:reply`);
    return true;
  }

  private audit(d: Download, at: number, action: 'attach' | 'attach_failed', detail: Record<string, unknown>): void {
    const ticket = this.o.tickets.get(d.ticketNo);
    this.o.tickets.audit({
      ticketNo: d.ticketNo,
      at,
      actorId: d.actorId,
      actorName: d.actorName,
      action,
      fromState: ticket?.state ?? null,
      toState: ticket?.state ?? null,
      detail,
      msgPlatform: d.msgPlatform,
      msgId: d.msgId,
    });
  }

  /**
   * The reply to a message whose files are all settled: what was attached where, and a line for
   * each one that was not. A conduct complaint's files are not named where the complaint may not
   * be shown (a project's group, where the officer complained about may read along): there they
   * are 这个文件, 这张图片.
   */
  private answer(downloads: Download[]): string {
    const attached = new Map<number, Record<AttachmentCategory, number>>();
    const items: Record<string, unknown>[] = [];
    const first = downloads[0];
    const showsConduct = first ? this.mayShowConduct(first.reply) : false;
    const conduct = new Map<number, boolean>();
    const isConduct = (no: number): boolean => {
      if (!conduct.has(no)) conduct.set(no, this.o.tickets.get(no)?.routing === 'coordinators');
      return conduct.get(no)!;
    };
    for (const d of downloads) {
      const ref = `#${d.ticketNo}`;
      const what = d.name && (showsConduct || !isConduct(d.ticketNo)) ? `「${d.name}」` : ONE[d.kind];
      const outcome = d.outcome as DownloadOutcome;
      if (outcome === 'attached') {
        const category = (d.sha256 && this.o.repo.file(d.sha256)?.category) || 'file';
        const counts = attached.get(d.ticketNo) ?? { image: 0, audio: 0, video: 0, file: 0 };
        counts[category] += 1;
        attached.set(d.ticketNo, counts);
        continue;
      }
      items.push({
        what,
        ref,
        duplicate: outcome === 'duplicate',
        tooLarge: outcome === 'too_large',
        maxMb: Math.round((this.o.store?.maxBytes ?? 0) / 1024 / 1024),
        type: outcome === 'type',
        notImage: outcome === 'not_image',
        url: outcome === 'url',
        failed: outcome === 'failed',
        unavailable: outcome === 'unavailable',
      });
    }
    const lines = [...attached].map(([no, counts]) => ({
      ref: `#${no}`,
      summary: (Object.keys(UNITS) as AttachmentCategory[])
        .filter((c) => counts[c] > 0)
        .map((c) => `${UNITS[c][0]}${counts[c]}${UNITS[c][1]}`)
        .join('、'),
    }));
    return render('evidence-settled', { attached: lines, items, leftOut: leftOutOf(first?.reply), maxItems: MAX_MESSAGE_ITEMS });
  }

  /** Whether the chat a message came from may name a conduct complaint's files: a private chat or a coordinators' group. */
  private mayShowConduct(msg: IncomingMessage): boolean {
    return chatMayShowConduct(msg.chatType, this.o.roster.chat(msg.platform, msg.chatId)?.kind);
  }
}

/** Whose files share the places of one sender (`perSender`). */
function laneOf(d: Download): string {
  return `${d.msgPlatform}:${d.actorId ?? d.reply.senderId}`;
}

/** The attachments a message brought over `MAX_MESSAGE_ITEMS`, in words (图片5张), or undefined when there were none. */
function leftOutOf(msg: IncomingMessage | undefined): string | undefined {
  const left = msg?.attachmentsLeftOut;
  if (!left) return undefined;
  const kinds = (Object.keys(left) as Download['kind'][]).filter((k) => (left[k] ?? 0) > 0);
  if (kinds.length === 0) return undefined;
  if (kinds.length === 1) {
    const [name, unit] = UNITS[kinds[0]!];
    return `${name}${left[kinds[0]!]}${unit}`;
  }
  return `${kinds.reduce((n, k) => n + (left[k] ?? 0), 0)}个附件`;
}
