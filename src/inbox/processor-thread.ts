// The processor: a worker thread that handles the messages of the inbox, in order, in the main
// database, so that taking callbacks never waits for commands to run (see ./processor.ts).
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { startCore } from '../startup.js';
import { InboxReader } from './inbox.js';
import type { ProcessorData, ToMain, ToProcessor } from './processor.js';

/** Messages handled in one transaction: small, so that the server's own writes rarely wait. */
const BATCH = 16;
/** A transaction is committed after this long even if its batch is not through (slow commands). */
const BATCH_MS = 50;
const FIRST_RETRY_MS = 1_000;
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
let last = 0;
let scheduled = false;
let retryTimer: NodeJS.Timeout | undefined;
let retryMs = FIRST_RETRY_MS;
let stopping = false;

function schedule(): void {
  if (scheduled || retryTimer) return;
  scheduled = true;
  setImmediate(run);
}

/** Handles the next batch; one message at a time when the batch as a whole failed. */
function run(): void {
  scheduled = false;
  const rows = inbox.after(last, BATCH);
  if (rows.length === 0) {
    if (stopping) finish();
    return;
  }
  let done: number;
  try {
    done = core.dispatcher.handleAll(rows.map((r) => r.message), BATCH_MS).length;
  } catch {
    done = 0;
    for (const r of rows) {
      try {
        core.dispatcher.handle(r.message);
        done += 1;
      } catch {
        // Logged by the dispatcher. The database itself failed: the message stays first in line.
        break;
      }
    }
  }
  if (done > 0) {
    inbox.checkpoint();
    last = rows[done - 1]!.id;
    retryMs = FIRST_RETRY_MS;
    post({ kind: 'progress', upTo: last });
  }
  if (done === 0) {
    log.error({ retryInMs: retryMs }, 'the inbox could not be processed; trying again');
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      schedule();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    return;
  }
  schedule();
}

function finish(): void {
  inbox.close();
  core.db.close();
  post({ kind: 'stopped', upTo: last });
  port.close();
}

port.on('message', (m: ToProcessor) => {
  if (m === 'stop') stopping = true;
  schedule();
});
post({ kind: 'ready' });
schedule();
