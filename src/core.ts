import type { Logger } from 'pino';
import { COMMANDS } from '../commands/index.js';
import { DownloadWorker } from './attachments/downloads.js';
import { AttachmentStore } from './attachments/store.js';
import { AttachmentsRepo } from './db/attachments-repo.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { CardsRepo } from './db/cards-repo.js';
import type { Db } from './db/open.js';
import { ExtensionsRepo } from './db/extensions-repo.js';
import { LogsRepo } from './db/logs-repo.js';
import { OutboxRepo } from './db/outbox-repo.js';
import { RosterRepo } from './db/roster-repo.js';
import { TicketsRepo } from './db/tickets-repo.js';
import { Notifier } from './delivery/notifier.js';
import { DeliveryWorker } from './delivery/worker.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import type { Repos } from './dispatch/types.js';
import type { Platform, PlatformAdapter } from './chat/types.js';
import { Figures } from './reports/figures.js';
import { WorkCalendar } from './tickets/calendar.js';
import type { SlaConfig } from './tickets/sla.js';

/** Everything the server, the CLI and the jobs share, wired once. */
export interface Core {
  config: Config;
  db: Db;
  clock: Clock;
  log: Logger;
  repos: Repos;
  outbox: OutboxRepo;
  /** the cards sent (SPEC §7a) */
  cards: CardsRepo;
  notifier: Notifier;
  dispatcher: Dispatcher;
  worker: DeliveryWorker;
  /** fetches the files messages attach to tickets (SPEC §7b); started where messages are handled */
  downloads: DownloadWorker;
  /** the attachments folder; undefined when evidence is not kept (ATTACHMENTS_DIR empty) */
  attachmentStore: AttachmentStore | undefined;
  figures: Figures;
  adapters: Partial<Record<Platform, PlatformAdapter>>;
  /** platforms messages are sent to */
  platforms: Platform[];
  /** the working-day calendar with the roster's overrides as they are now */
  calendar(): WorkCalendar;
  sla(): SlaConfig;
}

export interface CoreOptions {
  config: Config;
  db: Db;
  clock: Clock;
  log: Logger;
  adapters: Partial<Record<Platform, PlatformAdapter>>;
}

export function enabledPlatforms(config: Config): Platform[] {
  const p: Platform[] = [];
  if (config.wecom) p.push('wecom');
  if (config.dingtalk) p.push('dingtalk');
  if (config.playground.enabled) p.push('playground');
  return p;
}

export function createCore(o: CoreOptions): Core {
  const roster = new RosterRepo(o.db);
  const attachments = new AttachmentsRepo(o.db);
  const repos: Repos = { roster, tickets: new TicketsRepo(o.db), logs: new LogsRepo(o.db), extensions: new ExtensionsRepo(o.db), attachments };
  const attachmentStore = o.config.attachments.dir ? new AttachmentStore(o.config.attachments.dir, o.config.attachments.maxBytes) : undefined;
  const outbox = new OutboxRepo(o.db);
  const platforms = enabledPlatforms(o.config).filter((p) => o.adapters[p]);
  const maxBytes: Partial<Record<Platform, number>> = {};
  for (const p of platforms) maxBytes[p] = o.adapters[p]!.maxBytes;
  // Cards go where the adapter can show them, unless CARDS=0 (SPEC §7a): then the text forms only.
  const cardPlatforms: Partial<Record<Platform, NonNullable<PlatformAdapter['cards']>>> = {};
  if (o.config.cards) for (const p of platforms) if (o.adapters[p]!.cards) cardPlatforms[p] = o.adapters[p]!.cards;
  const cards = new CardsRepo(o.db);

  // The roster can be re-imported by the CLI while the server runs, so the calendar is rebuilt
  // whenever its overrides change (reading them is a handful of rows).
  let cached: { key: string; overrides: object; cal: WorkCalendar } | undefined;
  const calendar = (): WorkCalendar => {
    const overrides = roster.calendarOverrides();
    // Within a batch of messages the roster hands out the same object: nothing to compare.
    if (cached?.overrides === overrides) return cached.cal;
    const key = JSON.stringify(overrides);
    if (cached?.key !== key) cached = { key, overrides, cal: new WorkCalendar(overrides, o.config.workdayEnd) };
    else cached.overrides = overrides;
    return cached.cal;
  };
  const sla = (): SlaConfig => roster.setting<SlaConfig>('sla') ?? {};

  const notifier = new Notifier({ roster, outbox, clock: o.clock, platforms, maxBytes, cards, cardPlatforms });
  const worker = new DeliveryWorker({
    outbox,
    adapters: o.adapters,
    clock: o.clock,
    log: o.log.child({ component: 'delivery' }),
    rates: o.config.rates,
  });
  const downloads = new DownloadWorker({
    db: o.db,
    repo: attachments,
    tickets: repos.tickets,
    store: attachmentStore,
    adapters: o.adapters,
    notify: notifier,
    clock: o.clock,
    log: o.log.child({ component: 'downloads' }),
    onQueued: () => worker.wake(),
  });
  const figures = new Figures(o.db, roster);
  const dispatcher = new Dispatcher({
    db: o.db,
    repos,
    cards,
    notify: notifier,
    clock: o.clock,
    log: o.log.child({ component: 'dispatch' }),
    commands: COMMANDS,
    calendar,
    sla,
    figures,
    senderPerMinute: o.config.rates.senderPerMinute,
    keepsEvidence: attachmentStore !== undefined,
    onQueued: () => {
      worker.wake();
      downloads.wake();
    },
  });
  return { ...o, repos, outbox, cards, notifier, dispatcher, worker, downloads, attachmentStore, figures, platforms, calendar, sla };
}
