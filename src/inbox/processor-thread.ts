// The processor: a worker thread that handles the messages of the inbox, in order, in the main
// database, so that taking callbacks never waits for commands to run (see ./processor.ts).
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { startCore } from '../startup.js';
import { InboxReader } from './inbox.js';
import { InboxHandler } from './handler.js';
import { findJob } from '../jobs/index.js';
import { runJob, type RunOutcome } from '../jobs/runner.js';
import type { ProcessorData, ToMain, ToProcessor } from './processor.js';

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
let scheduled = false;
let retryTimer: NodeJS.Timeout | undefined;
let retryMs = FIRST_RETRY_MS;
let stopping = false;
let finished = false;
const probe = core.db.prepare(
  "INSERT INTO settings (key, value) VALUES ('processor-probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
);
const handler = new InboxHandler(
  {
    reader: inbox,
    handleAll: (messages) => core.dispatcher.handleAll(messages, BATCH_MS).length,
    handleOne: (message) => void core.dispatcher.handle(message),
    databaseWritable() {
      try {
        probe.run(String(Date.now()));
        return true;
      } catch {
        return false;
      }
    },
    log,
    now: () => Date.now(),
  },
  // The thread starts where the server knows the last handled message ended.
  data.startAfter,
);
let reported = data.startAfter;

function schedule(): void {
  if (scheduled || retryTimer) return;
  scheduled = true;
  setImmediate(run);
}

/** Handles the next batch (src/inbox/handler.ts), and tells the server how far it has come. */
function run(): void {
  scheduled = false;
  if (finished) return;
  const step = handler.step();
  if (handler.upTo > reported) {
    reported = handler.upTo;
    inbox.checkpoint();
    post({ kind: 'progress', upTo: reported });
  }
  if (step.kind === 'idle') {
    if (stopping && !jobRunning && jobs.length === 0) finish();
    return;
  }
  if (step.kind === 'failed') {
    log.error({ retryInMs: retryMs }, 'the inbox could not be processed; trying again');
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      schedule();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    return;
  }
  retryMs = FIRST_RETRY_MS;
  schedule();
}

function finish(): void {
  finished = true;
  clearInterval(poll);
  // Downloads under way are cut short and stay queued: the next start fetches them again.
  void core.downloads.stop().finally(() => {
    inbox.close();
    core.db.close();
    post({ kind: 'stopped', upTo: handler.upTo });
    port.close();
  });
}

/** Scheduled jobs handed over by the server, run one after another between batches of messages. */
const jobs: Extract<ToProcessor, { kind: 'job' }>[] = [];
let jobRunning = false;

async function runJobs(): Promise<void> {
  if (jobRunning) return;
  jobRunning = true;
  for (let j = jobs.shift(); j; j = jobs.shift()) {
    const job = findJob(j.name);
    let outcome: RunOutcome;
    try {
      if (!job) throw new Error(`unknown job ${j.name}`);
      outcome = await runJob(core, job, new Date(j.at));
    } catch (err) {
      // runJob records its own failures; this is a failure to record one.
      log.error({ err, job: j.name }, 'job could not be run');
      outcome = { status: 'failed', periodKey: '', error: err instanceof Error ? err.message : String(err) };
    }
    post({ kind: 'job-done', id: j.id, outcome });
  }
  jobRunning = false;
  if (stopping) schedule();
}

port.on('message', (m: ToProcessor) => {
  if (typeof m === 'object') {
    jobs.push(m);
    void runJobs();
    return;
  }
  if (m === 'stop') stopping = true;
  schedule();
});
// The files messages attach to tickets are fetched here too, off the thread that answers the
// platforms, and written with this thread's connection (SPEC §7b).
core.downloads.start();
// Messages another process puts in the inbox (`lianbao inbox retry`) are found without a wake.
const poll = setInterval(schedule, POLL_MS);
poll.unref();
post({ kind: 'ready' });
schedule();
