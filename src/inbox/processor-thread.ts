// The processor: a worker thread that handles the messages of the inbox, in order, in the main
// database, so that taking callbacks never waits for commands to run (see ./processor.ts).
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { startCore } from '../startup.js';
import type { IncomingMessage } from '../chat/types.js';
import { InboxReader } from './inbox.js';
import { MAX_TRIES } from './set-aside.js';
import type { ProcessorData, ToMain, ToProcessor } from './processor.js';

/** Messages handled in one transaction: small, so that the server's own writes rarely wait. */
const BATCH = 16;
/** Stored text read for one batch at most (a message is at most a few thousand characters). */
const BATCH_CHARS = 256 * 1024;
/** A transaction is committed after this long even if its batch is not through (slow commands). */
const BATCH_MS = 50;
const FIRST_RETRY_MS = 1_000;
/** How often the inbox is looked at without being woken. */
const POLL_MS = 2_000;
const MAX_RETRY_MS = 30_000;

/**
 * The thread's nice value (Linux): lowest. The thread that answers the platforms comes first, as a
 * late answer makes a duplicate (they retry after 5 s); this thread has a core to itself unless
 * callbacks arrive faster than it can handle them, and catches up when they slow down.
 */
const NICE = 19;

const data = workerData as ProcessorData;
// Only on Linux is the nice value a thread's own; elsewhere it would slow the whole server down.
if (process.platform === 'linux') setPriority(NICE);
const port = parentPort!;
const config = loadConfig(data.env);
const log = createLogger(config.logLevel).child({ component: 'processor' });
// The server itself has said what there is to say about the roster and the calendar.
const core = startCore(config, log, undefined, { loadRoster: false, warnings: false });
const inbox = new InboxReader(data.inboxPath);

const post = (m: ToMain): void => port.postMessage(m);
const marks = inbox.setAside;
/** The last inbox id handled: the thread starts where the server knows the last one ended. */
let last = data.startAfter;
let scheduled = false;
let retryTimer: NodeJS.Timeout | undefined;
let retryMs = FIRST_RETRY_MS;
let stopping = false;
let finished = false;
/** Messages that threw while the database took writes, by inbox id: how many times. */
const failures = new Map<number, number>();
const probe = core.db.prepare(
  "INSERT INTO settings (key, value) VALUES ('processor-probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
);

function schedule(): void {
  if (scheduled || retryTimer) return;
  scheduled = true;
  setImmediate(run);
}

/** Whether the main database takes a write: if not, a failing message is not to blame. */
function databaseWritable(): boolean {
  try {
    probe.run(String(Date.now()));
    return true;
  } catch {
    return false;
  }
}

function setAside(id: number, m: IncomingMessage | undefined, tries: number, reason: string): void {
  marks.setAside(id, tries, reason, Date.now());
  failures.delete(id);
  log.error(
    { inboxId: id, platform: m?.platform, chatId: m?.chatId, msgId: m?.msgId, tries, reason },
    'message set aside: it could not be handled, and the messages behind it go on (see `lianbao inbox`)',
  );
}

function retryLater(): void {
  log.error({ retryInMs: retryMs }, 'the inbox could not be processed; trying again');
  retryTimer = setTimeout(() => {
    retryTimer = undefined;
    schedule();
  }, retryMs);
  retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
}

/**
 * Handles the next batch. A batch that was started before and never finished (the thread, or the
 * whole process, died in it: out of memory, a crash) is gone through one message at a time, and a
 * message started MAX_TRIES times without finishing is set aside, as is one that keeps throwing
 * while the database is fine. Everything behind it goes on (SPEC §9).
 */
function run(): void {
  scheduled = false;
  if (finished) return;
  // Ids first, text later: the note of what is being handled is written before any message is
  // read, since reading one (an enormous row left by an earlier version) may be what fails.
  const ids = inbox.idsAfter(last, BATCH, BATCH_CHARS);
  if (ids.length === 0) {
    if (stopping) finish();
    return;
  }
  const first = ids[0]!;
  const mark = marks.mark();
  // Ids up to suspectTo were in a batch that never finished.
  const suspectTo = mark ? Math.max(mark.suspectTo, first <= mark.to ? mark.to : 0) : 0;
  const careful = first <= suspectTo;
  const to = careful ? first : ids[ids.length - 1]!;
  const tries = marks.begin(first, to, suspectTo);
  if (careful && tries > MAX_TRIES) {
    setAside(first, undefined, tries - 1, `handling it stopped the message processor ${tries - 1} times (out of memory or a crash)`);
    return schedule();
  }
  const rows = inbox.read(first, to);
  // Taken out of the queue meanwhile (`lianbao inbox`): look again.
  if (rows.length === 0) return schedule();
  const unreadable = rows.findIndex((r) => !r.message);
  if (unreadable === 0) {
    setAside(rows[0]!.id, undefined, 0, 'the stored message cannot be read');
    return schedule();
  }
  const batch = unreadable < 0 ? rows : rows.slice(0, unreadable);
  const messages = batch.map((r) => r.message!);
  let done: number;
  try {
    done = core.dispatcher.handleAll(messages, BATCH_MS).length;
  } catch {
    done = 0;
    for (const r of batch) {
      try {
        core.dispatcher.handle(r.message!);
        done += 1;
      } catch (err) {
        // Logged by the dispatcher. A database that takes no writes is no fault of the message: it
        // waits, first in line. Otherwise the message is to blame, and is set aside after a few tries.
        if (!databaseWritable()) break;
        const n = (failures.get(r.id) ?? 0) + 1;
        failures.set(r.id, n);
        if (n >= MAX_TRIES) {
          setAside(r.id, r.message, n, `handling it failed ${n} times: ${err instanceof Error ? err.message : String(err)}`);
          return schedule();
        }
        break;
      }
    }
  }
  if (done > 0) {
    inbox.checkpoint();
    last = batch[done - 1]!.id;
    for (const r of batch.slice(0, done)) failures.delete(r.id);
    retryMs = FIRST_RETRY_MS;
    post({ kind: 'progress', upTo: last });
  }
  if (done === 0) return retryLater();
  schedule();
}

function finish(): void {
  finished = true;
  clearInterval(poll);
  inbox.close();
  core.db.close();
  post({ kind: 'stopped', upTo: last });
  port.close();
}

port.on('message', (m: ToProcessor) => {
  if (m === 'stop') stopping = true;
  schedule();
});
// Messages another process puts in the inbox (`lianbao inbox retry`) are found without a wake.
const poll = setInterval(schedule, POLL_MS);
poll.unref();
post({ kind: 'ready' });
schedule();
