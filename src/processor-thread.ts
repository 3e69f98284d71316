// The processor: a worker thread that handles the messages of the inbox, in order, in the main
// database, so that taking callbacks never waits for commands to run (src/inbox/processor.ts).
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from './config.js';
import type { ProcessorData, ToMain, ToProcessor } from './inbox/processor.js';
import { createLogger } from './log.js';
import { wireProcessorThread } from './wiring.js';

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
const post = (m: ToMain): void => port.postMessage(m);

// The thread starts where the server knows the last handled message ended.
const loop = wireProcessorThread(config, log, data.inboxPath, data.startAfter, {
  onProgress: (upTo) => post({ kind: 'progress', upTo }),
  onStopped(upTo) {
    post({ kind: 'stopped', upTo });
    port.close();
  },
});

port.on('message', (m: ToProcessor) => {
  if (typeof m === 'object') {
    // Scheduled jobs handed over by the server, run one after another between batches of messages.
    void loop.runJob(m.name, m.at).then((outcome) => post({ kind: 'job-done', id: m.id, outcome }));
    return;
  }
  if (m === 'stop') loop.stop();
  else loop.wake();
});
post({ kind: 'ready' });
loop.wake();
