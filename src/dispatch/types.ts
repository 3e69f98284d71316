import type { Logger } from 'pino';
import type { Repos } from '../db/repos.js';
import type { Clock } from '../clock.js';
import type { ChatBinding } from '../db/roster-repo.js';
import type { Notifier } from '../delivery/notifier.js';
import type { IncomingMessage } from '../chat/types.js';
import type { WorkCalendar } from '../tickets/calendar.js';
import type { SlaConfig } from '../tickets/sla.js';
import type { Actor, DeadlineRules, Outcome } from '../tickets/lifecycle.js';
import type { Project, Role, Ticket } from '../tickets/model.js';
import type { Figures } from '../reports/figures.js';
import type { CardDraft } from './cards.js';
import type { Scope } from '../tickets/scope.js';

/** A refusal: rendered to the chat as one sentence; the command's changes are rolled back. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Who sent a message, as far as the roster knows. */
export interface Sender {
  /** roster id; null for someone outside the roster writing in a project group */
  personId: string | null;
  name: string;
  roles: Role[];
  /** an enterprise contact's project */
  projectCode: string | null;
  departmentId: string | null;
  /** the unit whose coordinator or leader they are (SPEC §11); null: the root */
  unitId: string | null;
  platform: IncomingMessage['platform'];
  userId: string;
}

export type { Repos };

/**
 * Sign-in links to the dashboard (SPEC §11), handed to `登录` when the dashboard is published
 * (PUBLIC_URL and ADMIN_TOKEN set): a link for a person, valid for a few minutes, or, when they
 * asked for too many lately, when the next may be asked for. Writes inside the message's transaction.
 */
export interface LoginLinkIssuer {
  issue(personId: string, now: number): { ok: true; url: string; expiresAt: number } | { ok: false; retryAt: number };
}

/** Everything a command may use while it runs, inside the message's transaction. */
export interface CommandContext {
  msg: IncomingMessage;
  sender: Sender;
  /** what the chat is bound to, if anything */
  chat: ChatBinding | null;
  /** the project the chat belongs to, or the enterprise sender's own project */
  project: Project | null;
  repos: Repos;
  notify: Notifier;
  clock: Clock;
  calendar: WorkCalendar;
  sla: SlaConfig;
  /** the deadlines of the roster's sla section on the working-day calendar, for the lifecycle */
  rules: DeadlineRules;
  /** the sender as the lifecycle sees them */
  actor: Actor;
  /** what the sender may see and act on by unit (SPEC §11, src/tickets/scope.ts) */
  scope: Scope;
  figures: Figures;
  /** the dashboard's sign-in links; undefined when the dashboard is not published to people */
  loginLinks?: LoginLinkIssuer;
  log: Logger;
  /** the instant the message is processed, ms */
  now: number;
  /** every command, for 帮助 */
  commands: readonly Command[];
  /** Answers in the chat the message came from; with a card where the platform shows one (SPEC §7a). */
  reply(template: string, view: object, card?: CardDraft): void;
  /**
   * Answers in this chat and posts to the ticket's project groups elsewhere; a conduct complaint
   * goes to the coordinators' group and its reporter instead. A card goes with each message where
   * the platform shows one.
   */
  announce(ticket: Ticket, template: string, view: object, card?: CardDraft): void;
  /** A dedupe key for the n-th message this inbound message causes. */
  key(what: string): string;
  /**
   * Stores a step of the ticket's lifecycle: the ticket as it became, and its events as audit
   * rows with the sender and this message. Returns the ticket.
   */
  apply(outcome: Outcome): Ticket;
  /** Writes the events of a ticket just created, with the sender and this message. */
  record(ticket: Ticket, events: Outcome['events']): void;
  /**
   * Names the ticket this message reports or adds to (报告, 补充): its pictures and files become
   * evidence of it, and so do those its sender sends on their own in this chat within 10 minutes
   * (SPEC §7b). Takes effect only if the command succeeds.
   */
  attachEvidence(ticket: Ticket): void;
}

export interface Command {
  /** the Chinese command word */
  name: string;
  /** other words: English, Traditional forms, synonyms */
  aliases: readonly string[];
  /** roles that may use the command at all (finer checks are in run) */
  roles: readonly Role[];
  usage: string;
  example: string;
  summary: string;
  /**
   * How 帮助 shows the command to this sender, when part of it is not theirs to use (an enterprise
   * may read 会商 but not add 议题). Without it, usage, summary and example are shown as they are.
   */
  helpFor?(sender: Sender): Pick<Command, 'usage' | 'summary' | 'example'>;
  run(ctx: CommandContext, args: string): void;
}
