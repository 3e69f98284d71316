import { boundMessage, type Accepted, type Ingest, type OneUseSignature } from '../chat/receiver.js';
import type { IncomingMessage } from '../chat/types.js';
import { InboxStore, openInbox, SetAsideRepo, type InboxEntry } from '../db/inbox-store.js';

/** Where the inbox of a database lives: beside it, `lianbao.db` → `lianbao.inbox.db`. */
export function inboxPathFor(databasePath: string): string {
  if (databasePath === ':memory:') return ':memory:';
  return databasePath.endsWith('.db') ? `${databasePath.slice(0, -3)}.inbox.db` : `${databasePath}.inbox`;
}

/** Messages stored in one transaction at most; the rest wait for the next turn of the event loop. */
const MAX_BATCH = 256;
/** WAL pages after which the writer checkpoints by itself (about 40 MB). */
const WRITER_CHECKPOINT_PAGES = 10_000;
/** Batches the processor handles between two checkpoints of the inbox. */
const CHECKPOINT_EVERY = 16;

/** An inbox file by its path (opened here), or a store already open (one connection for both sides). */
type InboxAt = string | InboxStore;
const storeAt = (at: InboxAt): InboxStore => (typeof at === 'string' ? new InboxStore(openInbox(at)) : at);

export interface InboxRow {
  id: number;
  /** undefined when the stored text is not a message (a damaged row): it is set aside unread */
  message: IncomingMessage | undefined;
}

/**
 * Verified platform messages waiting to be processed, in a SQLite file of their own: the one place
 * every way in hands its messages to (`Ingest`). A callback is answered once its message is
 * committed here (a crash after that loses nothing: the processor takes it up after restart); the
 * processor reads the file and handles the messages in order, in the main database. Only this
 * class writes the queue, so taking a callback never waits for the processor's transactions. A
 * message processed twice (after a crash, or a platform's retry) is recognised by its id in the
 * main database and has no second effect.
 */
export class Inbox implements Ingest {
  readonly store: InboxStore;
  private readonly pending: (InboxEntry & { resolve: (taken: Accepted) => void; reject: (err: unknown) => void })[] = [];

  /**
   * `onStored` is called after each commit, so the processor can be woken; `now` (ms) times what
   * is stored and how long spent signatures are kept.
   */
  constructor(
    at: InboxAt,
    private readonly onStored: () => void = () => {},
    private readonly now: () => number = Date.now,
  ) {
    this.store = storeAt(at);
    // Copying the WAL back into the file (a checkpoint, with its fsync) is left to the processor,
    // so that answering callbacks never waits for it; this connection does it only when the WAL
    // has grown far (the processor not running).
    this.store.checkpointOnlyPast(WRITER_CHECKPOINT_PAGES);
  }

  /**
   * Stores a verified message (with `signature`, only if that signature has not come with another
   * message: see OneUseSignature); resolves once it is committed, which is when the platform may be
   * answered. The messages accepted within one turn of the event loop share a commit. Every way in
   * keeps at most so much of a message (`boundMessage`).
   */
  accept(message: IncomingMessage | undefined, signature?: OneUseSignature): Promise<Accepted> {
    return new Promise((resolve, reject) => {
      this.pending.push({ message: message && JSON.stringify(boundMessage(message)), signature, resolve, reject });
      if (this.pending.length === 1) setImmediate(this.flush);
    });
  }

  private readonly flush = (): void => {
    const batch = this.pending.splice(0, MAX_BATCH);
    if (this.pending.length > 0) setImmediate(this.flush);
    let taken: Accepted[];
    try {
      taken = this.store.storeAll(batch, this.now());
    } catch (err) {
      for (const b of batch) b.reject(err);
      return;
    }
    batch.forEach((b, i) => b.resolve(taken[i]!));
    this.onStored();
  };

  /** Forgets the messages the processor has handled, up to and including `id`. */
  prune(id: number): void {
    this.store.prune(id);
  }

  /** Messages stored after `id`. */
  countAfter(id: number): number {
    return this.store.countAfter(id);
  }

  /** Messages set aside because they could not be handled (`lianbao inbox`). */
  setAsideCount(): number {
    return (this.setAside ??= new SetAsideRepo(this.store.db)).count();
  }

  private setAside: SetAsideRepo | undefined;

  close(): void {
    this.store.close();
  }
}

/** The processor's view of an inbox: the messages after the last one it handled, in order. */
export class InboxReader {
  private readonly store: InboxStore;
  /** The batch note and the messages set aside. */
  readonly setAside: SetAsideRepo;

  constructor(at: InboxAt) {
    this.store = storeAt(at);
    this.setAside = new SetAsideRepo(this.store.db);
  }

  /**
   * The next messages after `id`, by id and stored size (characters): at most `limit`, and no more
   * than `maxChars` in all (but always the first), so that a batch's messages fit in memory.
   */
  idsAfter(id: number, limit: number, maxChars = Infinity): { id: number; size: number }[] {
    const next: { id: number; size: number }[] = [];
    let chars = 0;
    for (const r of this.store.next(id, limit)) {
      if (next.length > 0 && chars + r.size > maxChars) break;
      next.push(r);
      chars += r.size;
    }
    return next;
  }

  /**
   * The messages with ids from `from` to `to`, in order. Each is bounded as it would be at the
   * door (`boundMessage`), whichever version of the server stored it.
   */
  read(from: number, to: number): InboxRow[] {
    return this.store.read(from, to).map((r) => ({ id: r.id, message: readMessage(r.message) }));
  }

  /** Up to `limit` messages stored after `id`, in order. */
  after(id: number, limit: number): InboxRow[] {
    const next = this.idsAfter(id, limit);
    return next.length === 0 ? [] : this.read(next[0]!.id, next[next.length - 1]!.id);
  }

  /**
   * Copies the inbox's WAL back into its file every few batches, without waiting for the writer
   * (PASSIVE), so that the server's thread never has to.
   */
  checkpoint(): void {
    this.batches += 1;
    if (this.batches % CHECKPOINT_EVERY === 0) this.store.checkpoint();
  }

  private batches = 0;

  close(): void {
    this.store.close();
  }
}

function readMessage(raw: string): IncomingMessage | undefined {
  try {
    const m: unknown = JSON.parse(raw);
    if (typeof m !== 'object' || m === null || typeof (m as IncomingMessage).text !== 'string') return undefined;
    return boundMessage(m as IncomingMessage);
  } catch {
    return undefined;
  }
}
