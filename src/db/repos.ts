import type { AttachmentsRepo } from './attachments-repo.js';
import type { ExtensionsRepo } from './extensions-repo.js';
import type { LogsRepo } from './logs-repo.js';
import type { RosterRepo } from './roster-repo.js';
import type { TicketsRepo } from './tickets-repo.js';

/** The repositories commands, jobs, reports and the dashboard read and write tickets through. */
export interface Repos {
  roster: RosterRepo;
  tickets: TicketsRepo;
  logs: LogsRepo;
  extensions: ExtensionsRepo;
  attachments: AttachmentsRepo;
}
