import type { Logger } from 'pino';
import { existsSync } from 'node:fs';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { createCore, type Core } from './core.js';
import { openDb } from './db/open.js';
import { createDingtalkAdapter } from './platforms/dingtalk/index.js';
import { createPlaygroundAdapter, playgroundUploadsDir } from './platforms/playground/index.js';
import { createWecomAdapter } from './platforms/wecom/index.js';
import type { Platform, PlatformAdapter } from './chat/types.js';
import { importRoster, rosterIsEmpty } from './roster/import.js';
import { readRosterFile } from './roster/parse.js';
import { WorkCalendar } from './tickets/calendar.js';

/** The adapters for the platforms the configuration names. */
export function createAdapters(config: Config, log: Logger, clock: Clock): Partial<Record<Platform, PlatformAdapter>> {
  const adapters: Partial<Record<Platform, PlatformAdapter>> = {};
  if (config.wecom) adapters.wecom = createWecomAdapter(config.wecom, log.child({ platform: 'wecom' }), clock);
  if (config.dingtalk) adapters.dingtalk = createDingtalkAdapter(config.dingtalk, log.child({ platform: 'dingtalk' }), clock);
  if (config.playground.enabled) {
    adapters.playground = createPlaygroundAdapter(config.attachments.dir ? playgroundUploadsDir(config.attachments.dir) : undefined);
  }
  return adapters;
}

/**
 * Opens the database and wires the core, as the server and the CLI both need. On an empty
 * database the roster file (the example one by default) is loaded, so that `npm start` works
 * with no configuration at all.
 */
export function startCore(
  config: Config,
  log: Logger,
  clock: Clock = systemClock,
  opts: { loadRoster?: boolean; warnings?: boolean } = {},
): Core {
  const db = openDb(config.databasePath);
  if ((opts.loadRoster ?? true) && rosterIsEmpty(db) && config.rosterFile && existsSync(config.rosterFile)) {
    const summary = importRoster(db, readRosterFile(config.rosterFile), clock.now().getTime());
    log.info({ file: config.rosterFile, ...summary }, 'empty database: roster loaded');
  }
  const core = createCore({ config, db, clock, log, adapters: createAdapters(config, log, clock) });
  const health = calendarHealth(core.calendar(), clock.now());
  if (opts.warnings ?? true) {
    if (!health.thisYear) {
      log.error(
        { year: health.year },
        `no holiday data for ${health.year}, this year: Monday to Friday count as working days, so deadlines in working days ignore its holidays and make-up days; add them to the roster's calendar section and import it`,
      );
    }
    if (!health.nextYear) {
      log.warn(
        { year: health.year + 1 },
        `no holiday data for ${health.year + 1} yet: add next year's holidays and make-up days to the roster's calendar section once the State Council publishes them (around November)`,
      );
    }
  }
  return core;
}

/** Which of this year and next (Shanghai years) have holiday data: for the start-up warning and `doctor`. */
export interface CalendarHealth {
  year: number;
  /** without it, deadlines in working days are wrong now: a failure */
  thisYear: boolean;
  /** published by the State Council around November: missing until then is expected, a warning */
  nextYear: boolean;
}

export function calendarHealth(calendar: WorkCalendar, now: Date): CalendarHealth {
  const year = Number(WorkCalendar.shanghaiDate(now).slice(0, 4));
  return { year, thisYear: calendar.hasData(year), nextYear: calendar.hasData(year + 1) };
}
