/**
 * The composition root: the one place that knows every part and builds, for each process, what it
 * needs and nothing else: the server (src/server.ts), the processor thread (src/processor-thread.ts)
 * and the command line (src/cli/). Everything else is handed its dependencies (jobs a JobContext,
 * the dashboard its read repositories, each route the inbound interface) and imports nothing from here.
 */
import type { FastifyInstance } from 'fastify';
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import { COMMANDS } from '../commands/index.js';
import { buildApp, type AppDeps } from './app.js';
import { DownloadWorker } from './attachments/downloads.js';
import { AttachmentStore } from './attachments/store.js';
import type { Platform, PlatformAdapter } from './chat/types.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { AttachmentsRepo } from './db/attachments-repo.js';
import { CardsRepo } from './db/cards-repo.js';
import { ExtensionsRepo } from './db/extensions-repo.js';
import { InboundRepo } from './db/inbound-repo.js';
import { JobRunsRepo } from './db/job-runs-repo.js';
import { LedgerRepo } from './db/ledger-repo.js';
import { LoginLinksRepo } from './db/login-links-repo.js';
import { LogsRepo } from './db/logs-repo.js';
import { checkpointOnlyPast, openDb, transactions, type Db } from './db/open.js';
import { OutboxRepo } from './db/outbox-repo.js';
import { RosterRepo } from './db/roster-repo.js';
import { SessionsRepo } from './db/sessions-repo.js';
import { SettingsRepo } from './db/settings-repo.js';
import { TicketsRepo } from './db/tickets-repo.js';
import { waitForAnswer } from './delivery/answers.js';
import { Notifier } from './delivery/notifier.js';
import { DeliveryWorker } from './delivery/worker.js';
import { LoginLinks } from './dashboard/login-links.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import type { Repos } from './db/repos.js';
import { InboxHandler } from './inbox/handler.js';
import { Inbox, InboxReader, inboxPathFor } from './inbox/inbox.js';
import { ProcessorLoop } from './inbox/loop.js';
import { LocalProcessor, ThreadProcessor, type Processor } from './inbox/processor.js';
import { findJob, JOBS } from './jobs/index.js';
import { runJob, type RunnerDeps } from './jobs/runner.js';
import { startScheduler } from './jobs/scheduler.js';
import { createDingtalkAdapter, DINGTALK_MAX_BYTES, startDingtalkStream, type DingtalkStreamHandle } from './platforms/dingtalk/index.js';
import { createPlaygroundAdapter, PLAYGROUND_MAX_BYTES, playgroundUploadsDir } from './platforms/playground/index.js';
import { createWecomAdapter, WECOM_MAX_BYTES } from './platforms/wecom/index.js';
import { Figures } from './reports/figures.js';
import { OperatorError } from './operator-errors.js';
import { importRoster } from './roster/import.js';
import { readRosterFile, RosterError, type Roster } from './roster/parse.js';
import { WorkCalendar } from './tickets/calendar.js';
import type { SlaConfig } from './tickets/sla.js';

/** The platforms messages are sent to: the configured ones, and the playground when it is on. */
export function enabledPlatforms(config: Config): Platform[] {
  const p: Platform[] = [];
  if (config.wecom) p.push('wecom');
  if (config.dingtalk) p.push('dingtalk');
  if (config.playground.enabled) p.push('playground');
  return p;
}

/** The longest message each platform takes in one piece; the notifier splits longer ones. */
const MAX_BYTES: Record<Platform, number> = { wecom: WECOM_MAX_BYTES, dingtalk: DINGTALK_MAX_BYTES, playground: PLAYGROUND_MAX_BYTES };

/**
 * The adapters of the platforms the configuration names: the delivery worker sends through them,
 * the processor fetches the files messages attach through them and reads which show cards.
 */
function createAdapters(config: Config, log: Logger, clock: Clock): Partial<Record<Platform, PlatformAdapter>> {
  const adapters: Partial<Record<Platform, PlatformAdapter>> = {};
  if (config.wecom) adapters.wecom = createWecomAdapter(config.wecom, log.child({ platform: 'wecom' }), clock);
  if (config.dingtalk) adapters.dingtalk = createDingtalkAdapter(config.dingtalk, log.child({ platform: 'dingtalk' }), clock);
  if (config.playground.enabled) {
    adapters.playground = createPlaygroundAdapter(config.attachments.dir ? playgroundUploadsDir(config.attachments.dir) : undefined);
  }
  return adapters;
}

/**
 * Opens (and migrates) the main database. For the server, an empty one gets the roster file (the
 * example one by default), so that `npm start` works with no configuration at all, and the
 * holiday data of this year and next is checked.
 */
export function openMainDb(config: Config, log: Logger, clock: Clock, opts: { loadRoster?: boolean; warnings?: boolean } = {}): Db {
  const db = openDb(config.databasePath);
  const roster = new RosterRepo(db);
  if ((opts.loadRoster ?? true) && roster.isEmpty() && config.rosterFile) {
    const summary = importRoster(db, readStartRoster(config.rosterFile), clock.now().getTime());
    log.info({ file: config.rosterFile, ...summary }, 'empty database: roster loaded');
  }
  if (opts.warnings ?? true) {
    const health = new WorkCalendar(roster.calendarOverrides(), config.workdayEnd).health(clock.now());
    // In Chinese, as `lianbao doctor` says it: operators read the log (SPEC §10).
    const how = '加到名册的 calendar 部分（holidays 放假、workdays 调休上班），再运行 lianbao import';
    if (!health.thisYear) {
      log.error(
        { year: health.year },
        `没有今年（${health.year} 年）的节假日数据：现在周一至周五都按工作日算，按工作日计算的时限不对。请把国务院办公厅公布的 ${health.year} 年放假安排${how}`,
      );
    }
    if (!health.nextYear) {
      log.warn(
        { year: health.year + 1 },
        `还没有 ${health.year + 1} 年的节假日数据：国务院办公厅一般在 11 月前后公布下一年的放假安排，公布后请${how}`,
      );
    }
  }
  return db;
}

/**
 * The roster an empty database is filled with at start-up. A ROSTER_FILE that is not there, or is a
 * folder, stops the server: started on an empty roster it would answer nobody, and say nothing.
 */
function readStartRoster(file: string): Roster {
  const stat = existsSync(file) ? statSync(file) : undefined;
  const unset = file === 'roster.example.yaml' ? '（没有设置 ROSTER_FILE 时，本地试用读当前文件夹里的 roster.example.yaml）' : '';
  if (!stat) {
    throw new OperatorError(
      `ROSTER_FILE 指向的名册文件 ${file} 不存在${unset}：数据库是空的，服务器启动时要从它导入名册。请检查路径，或先用 lianbao import <名册文件> 导入名册`,
    );
  }
  if (stat.isDirectory()) {
    // `docker compose up` bind-mounts ./roster.yaml; when that file was never made, Docker makes
    // an empty folder by that name on the host and mounts it instead.
    const docker = /\.(ya?ml|json)$/i.test(basename(file))
      ? `。在 Docker 里这通常是因为 ./${basename(file)} 还没有建好，Docker 就建了一个同名的空文件夹：请删掉这个文件夹，运行 cp roster.example.yaml ${basename(file)}，填好名册后再启动`
      : `：请写出名册文件本身，例如 ROSTER_FILE=${file.replace(/\/+$/, '')}/roster.yaml`;
    throw new OperatorError(`ROSTER_FILE 指向的 ${file} 是一个文件夹，不是名册文件${docker}`);
  }
  try {
    return readRosterFile(file);
  } catch (err) {
    if (err instanceof RosterError) throw err;
    throw new OperatorError(`ROSTER_FILE：${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The repositories on one connection to the main database, and what reads through them. */
export interface Store {
  repos: Repos;
  outbox: OutboxRepo;
  /** the cards sent (SPEC §7a) */
  cards: CardsRepo;
  /** the evidence files (ATTACHMENTS_DIR); undefined when none are kept */
  attachmentStore: AttachmentStore | undefined;
  figures: Figures;
  /** the working-day calendar with the roster's overrides as they are now */
  calendar(): WorkCalendar;
  sla(): SlaConfig;
}

export function openStore(db: Db, config: Pick<Config, 'workdayEnd' | 'attachments'>): Store {
  const roster = new RosterRepo(db);
  const repos: Repos = {
    roster,
    tickets: new TicketsRepo(db),
    logs: new LogsRepo(db),
    extensions: new ExtensionsRepo(db),
    attachments: new AttachmentsRepo(db),
  };
  const { dir, maxBytes } = config.attachments;
  const attachmentStore = dir ? new AttachmentStore(dir, maxBytes) : undefined;
  // The roster can be re-imported by the CLI while the server runs, so the calendar is rebuilt
  // whenever its overrides change (reading them is a handful of rows).
  let cached: { key: string; overrides: object; cal: WorkCalendar } | undefined;
  const calendar = (): WorkCalendar => {
    const overrides = roster.calendarOverrides();
    // Within a batch of messages the roster hands out the same object: nothing to compare.
    if (cached?.overrides === overrides) return cached.cal;
    const key = JSON.stringify(overrides);
    if (cached?.key !== key) cached = { key, overrides, cal: new WorkCalendar(overrides, config.workdayEnd) };
    else cached.overrides = overrides;
    return cached.cal;
  };
  const sla = (): SlaConfig => roster.setting<SlaConfig>('sla') ?? {};
  return { repos, outbox: new OutboxRepo(db), cards: new CardsRepo(db), attachmentStore, figures: new Figures(db, roster), calendar, sla };
}

/** The dispatcher's bounds on evidence (SPEC §7b): the attachments disk's reserve, and each sender's hourly files. */
function evidenceBounds(files: AttachmentStore | undefined, perSenderPerHour: number) {
  return files && { room: (bytes: number) => files.room(bytes), maxBytes: files.maxBytes, perSenderPerHour };
}

/** What handling messages and running jobs take: the processor (in a thread or not) and `lianbao jobs run`. */
export interface Handling extends Store {
  notifier: Notifier;
  dispatcher: Dispatcher;
  jobs: RunnerDeps;
  /** fetches the files messages attach to tickets (SPEC §7b); started with the processor */
  downloads: DownloadWorker;
  settings: SettingsRepo;
}

/**
 * The dispatcher, the jobs and the downloads on one connection to the main database. `onQueued` is
 * called when they may have queued messages: to wake the delivery worker where there is one in
 * this thread. No delivery worker is built here: the server's thread sends.
 */
export function wireHandling(
  db: Db,
  config: Config,
  log: Logger,
  clock: Clock,
  o: { onQueued?: () => void; store?: Store; adapters?: Partial<Record<Platform, PlatformAdapter>> } = {},
): Handling {
  const { onQueued, store = openStore(db, config) } = o;
  const adapters = { ...createAdapters(config, log, clock), ...o.adapters };
  const platforms = enabledPlatforms(config);
  const maxBytes: Partial<Record<Platform, number>> = {};
  for (const p of platforms) maxBytes[p] = MAX_BYTES[p];
  // Cards go where the adapter can show them, unless CARDS=0 (SPEC §7a): then the text forms only.
  const cardPlatforms: Partial<Record<Platform, NonNullable<PlatformAdapter['cards']>>> = {};
  if (config.cards) for (const p of platforms) if (adapters[p]?.cards) cardPlatforms[p] = adapters[p].cards;
  const notifier = new Notifier({ roster: store.repos.roster, outbox: store.outbox, clock, platforms, maxBytes, cards: store.cards, cardPlatforms });
  const downloads = new DownloadWorker({
    db,
    repo: store.repos.attachments,
    tickets: store.repos.tickets,
    roster: store.repos.roster,
    store: store.attachmentStore,
    adapters,
    notify: notifier,
    clock,
    log: log.child({ component: 'downloads' }),
    onQueued,
  });
  const dispatcher = new Dispatcher({
    db,
    repos: store.repos,
    cards: store.cards,
    notify: notifier,
    clock,
    log: log.child({ component: 'dispatch' }),
    commands: COMMANDS,
    calendar: store.calendar,
    sla: store.sla,
    figures: store.figures,
    // `登录` sends sign-in links only where people can open them (SPEC §11).
    loginLinks: config.publicUrl && config.adminToken ? new LoginLinks(new LoginLinksRepo(db), config.publicUrl) : undefined,
    senderPerMinute: config.rates.senderPerMinute,
    keepsEvidence: store.attachmentStore !== undefined,
    evidence: evidenceBounds(store.attachmentStore, config.attachments.perSenderPerHour),
    onQueued: () => {
      onQueued?.();
      downloads.wake();
    },
  });
  const jobs: RunnerDeps = {
    runs: new JobRunsRepo(db),
    jobs: {
      repos: store.repos,
      notify: notifier,
      figures: store.figures,
      calendar: store.calendar,
      clock,
      tx: transactions(db),
      backup: { ...config.backup, copyTo: (file) => db.backup(file), attachmentsDir: config.attachments.dir },
    },
    log,
    onQueued,
  };
  return { ...store, notifier, dispatcher, jobs, downloads, settings: new SettingsRepo(db) };
}

/** The delivery worker: sends what the outbox holds to the platforms the configuration names. */
export function wireDelivery(
  config: Config,
  log: Logger,
  clock: Clock,
  outbox: OutboxRepo,
): { worker: DeliveryWorker; platforms: Platform[]; adapters: Partial<Record<Platform, PlatformAdapter>> } {
  const adapters = createAdapters(config, log, clock);
  const platforms = enabledPlatforms(config).filter((p) => adapters[p]);
  return { worker: new DeliveryWorker({ outbox, adapters, clock, log: log.child({ component: 'delivery' }), rates: config.rates }), platforms, adapters };
}

/** A transaction is committed after this long even if its batch is not through (slow commands). */
const BATCH_MS = 50;

/** The processor's loop: the inbox read through `reader`, handled by `handling`. */
function wireProcessorLoop(
  handling: Handling,
  reader: InboxReader,
  log: Logger,
  startAfter: number,
  hooks: { onProgress(upTo: number): void; onStopped(upTo: number): void },
): ProcessorLoop {
  const handler = new InboxHandler(
    {
      reader,
      dispatch: (messages) => handling.dispatcher.dispatch(messages, BATCH_MS).length,
      databaseWritable() {
        try {
          handling.settings.probe('processor-probe', Date.now());
          return true;
        } catch {
          return false;
        }
      },
      log,
      now: () => Date.now(),
    },
    startAfter,
  );
  const loop = new ProcessorLoop({
    reader,
    handler,
    log,
    runJob: (name, at) => {
      const job = findJob(name);
      if (!job) return Promise.reject(new Error(`unknown job ${name}`));
      return runJob(handling.jobs, job, new Date(at));
    },
    onProgress: hooks.onProgress,
    onStopped(upTo) {
      // Downloads under way are cut short and stay queued: the next start fetches them again.
      void handling.downloads.stop().finally(() => hooks.onStopped(upTo));
    },
  });
  // The files messages attach are fetched where the messages are handled, off the thread that
  // answers the platforms, and written with this connection (SPEC §7b).
  handling.downloads.start();
  return loop;
}

/**
 * The processor thread's own (src/processor-thread.ts): a connection to the database and one to the
 * inbox, and the loop on them. It queues messages; the server's thread sends them.
 */
export function wireProcessorThread(
  config: Config,
  log: Logger,
  inboxPath: string,
  startAfter: number,
  hooks: { onProgress(upTo: number): void; onStopped(upTo: number): void },
): ProcessorLoop {
  // The server itself has said what there is to say about the roster and the calendar.
  const db = openMainDb(config, log, systemClock, { loadRoster: false, warnings: false });
  const reader = new InboxReader(inboxPath);
  return wireProcessorLoop(wireHandling(db, config, log, systemClock), reader, log, startAfter, {
    onProgress: hooks.onProgress,
    onStopped(upTo) {
      reader.close();
      db.close();
      hooks.onStopped(upTo);
    },
  });
}

/** Everything the server runs, built and not yet started. */
export interface ServerWiring {
  app: FastifyInstance;
  /** what the app was built from */
  deps: AppDeps;
  db: Db;
  inbox: Inbox;
  processor: Processor;
  worker: DeliveryWorker;
  /** Starts the scheduled jobs, each run by the processor; `caughtUp` once the missed runs are made up. */
  startScheduler(): { stop(): Promise<void>; caughtUp: Promise<void> };
  /** DingTalk Stream mode: lianbao connects out, so no public URL is needed; undefined otherwise. */
  startStream(): DingtalkStreamHandle | undefined;
  /**
   * Stops taking callbacks and finishes those in flight (their work runs on the next turn of the
   * event loop), lets the processor handle what is stored, sends what that queued (as far as the
   * limits allow), and closes the files.
   */
  stop(): Promise<void>;
}

/**
 * The server: the main database, the HTTP app, the inbox every way in stores its messages in, the
 * processor that handles them, the delivery worker that sends what they queue, and the schedule.
 * The processor runs in a thread of its own (`env`: the variables it reads its configuration
 * from), except on an in-memory database, which a thread cannot share: there it runs on this
 * thread, on the same connections (tests, a quick trial). `db`: a main database already open.
 */
export async function wireServer(
  config: Config,
  log: Logger,
  o: { clock?: Clock; env?: Record<string, string | undefined>; db?: Db } = {},
): Promise<ServerWiring> {
  const clock = o.clock ?? systemClock;
  const db = o.db ?? openMainDb(config, log, clock);
  const store = openStore(db, config);
  const { worker, platforms, adapters } = wireDelivery(config, log, clock, store.outbox);
  const wakeWorker = (): void => worker.wake();
  let processor: Processor | undefined;
  const inbox = new Inbox(inboxPathFor(config.databasePath), () => processor?.wake(), () => clock.now().getTime());
  if (config.databasePath === ':memory:') {
    const handling = wireHandling(db, config, log, clock, { onQueued: wakeWorker, store, adapters });
    const reader = new InboxReader(inbox.store);
    processor = new LocalProcessor({ inbox, log, onProgress: wakeWorker }, (startAfter, hooks) =>
      wireProcessorLoop(handling, reader, log.child({ component: 'processor' }), startAfter, hooks),
    );
  } else {
    processor = new ThreadProcessor({ inbox, log, onProgress: wakeWorker, env: o.env ?? {}, inboxPath: inboxPathFor(config.databasePath) });
    // The processor writes most, so its commits copy the WAL back into the database (with an
    // fsync); this thread, which answers callbacks, does it only if the WAL has grown far.
    checkpointOnlyPast(db, 10_000);
  }
  const running = processor;
  const tx = transactions(db);
  const settings = new SettingsRepo(db);
  // A WeCom card click is answered with the card as it now is, once the processor has handled it.
  const answers = { inbound: new InboundRepo(db), outbox: store.outbox, tx, clock };
  const deps: AppDeps = {
    config,
    log,
    clock,
    ingest: inbox,
    answer: (msg, waitMs) => waitForAnswer(answers, msg, waitMs),
    readiness: {
      write: (waitMs) => tx.soon(() => settings.probe('readyz', clock.now().getTime()), waitMs),
      databasePath: config.databasePath === ':memory:' ? undefined : config.databasePath,
      platforms,
      problems: () => [worker.problem(), running.problem()],
    },
    metrics: {
      tickets: store.repos.tickets,
      outbox: store.outbox,
      attachments: store.repos.attachments,
      clock,
      inbox: { waiting: () => running.waiting(), setAside: () => inbox.setAsideCount() },
      ...(store.attachmentStore ? { attachmentsDisk: () => store.attachmentStore!.room(config.attachments.maxBytes) } : {}),
    },
    playground: config.playground.enabled
      ? {
          remote: config.playground.remote,
          attachments: config.attachments,
          roster: store.repos.roster,
          outbox: store.outbox,
          onSent: (listener) => worker.onSent(listener),
        }
      : undefined,
    dashboard: config.adminToken
      ? {
          adminToken: config.adminToken,
          clock,
          repos: store.repos,
          figures: store.figures,
          attachmentStore: store.attachmentStore,
          ledger: new LedgerRepo(db, store.repos.tickets),
          sessions: new SessionsRepo(db),
          loginLinks: new LoginLinksRepo(db),
          publicUrl: config.publicUrl,
          calendar: store.calendar,
          tx,
        }
      : undefined,
  };
  const app = await buildApp(deps);
  return {
    app,
    deps,
    db,
    inbox,
    processor,
    worker,
    startScheduler: () =>
      startScheduler({ runs: new JobRunsRepo(db), clock, log, run: (job, now) => running.runJob(job, now) }, JOBS, config.schedules),
    startStream: () =>
      config.dingtalk?.mode === 'stream'
        ? startDingtalkStream(config.dingtalk, { accept: (m, s) => inbox.accept(m, s), clock }, log.child({ platform: 'dingtalk' }))
        : undefined,
    async stop() {
      await app.close();
      await new Promise((r) => setImmediate(r));
      await running.stop();
      inbox.close();
      await worker.stop();
      db.close();
    },
  };
}
