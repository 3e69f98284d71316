import { FixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { OutboxItem } from '../../src/db/outbox-repo.js';
import { openDb } from '../../src/db/open.js';
import { createLogger } from '../../src/log.js';
import type { IncomingMessage, Platform, PlatformAdapter } from '../../src/chat/types.js';
import { importRoster } from '../../src/roster/import.js';
import { readRosterFile } from '../../src/roster/parse.js';
import type { Roster } from '../../src/roster/schema.js';
import type { LocalProcessor } from '../../src/inbox/processor.js';
import { wireHandling, wireServer } from '../../src/wiring.js';

/**
 * The example roster, parsed once per test process and copied for each harness: parsing it is
 * most of a harness's start-up, and every harness gets the same roster either way.
 */
let exampleRoster: Roster | undefined;
function exampleRosterCopy(): Roster {
  exampleRoster ??= readRosterFile('roster.example.yaml');
  return structuredClone(exampleRoster);
}

export interface Said {
  /** the text of the reply to the sender's chat */
  reply: string;
  /** every message the command queued (card updates included: they carry `cardUpdate`) */
  out: OutboxItem[];
}

/**
 * The dispatcher and the jobs, as the processor has them, on an in-memory database with the example
 * roster, driven through the playground platform: `say('chen', 'XM001', '报告 …')` is 陈经理 typing
 * in XM001's group.
 */
export function harness(
  start = '2026-11-02T02:00:00Z',
  env: Record<string, string> = {},
  /**
   * adapters instead of those the configuration makes (nothing is sent: there is no delivery worker),
   * built from the configuration when given as a function
   */
  adapters:
    | Partial<Record<Platform, PlatformAdapter>>
    | ((config: ReturnType<typeof loadConfig>, clock: FixedClock) => Partial<Record<Platform, PlatformAdapter>>) = {},
) {
  const clock = new FixedClock(start);
  const config = loadConfig({ DATABASE_PATH: ':memory:', LOG_LEVEL: 'silent', ...env });
  const db = openDb(':memory:');
  importRoster(db, exampleRosterCopy(), clock.now().getTime());
  const extra = typeof adapters === 'function' ? adapters(config, clock) : adapters;
  const handling = wireHandling(db, config, createLogger('silent'), clock, { adapters: extra });
  const { dispatcher, outbox } = handling;
  let n = 0;
  const lastId = () => (db.prepare('SELECT max(id) AS id FROM outbox').get() as { id: number | null }).id ?? 0;

  function send(msg: Partial<IncomingMessage> & { senderId: string; chatId: string; text: string }): Said {
    const before = lastId();
    // A chat named after its sender is that person's private chat with the bot.
    const chatType = msg.chatId === msg.senderId ? 'single' : 'group';
    dispatcher.dispatch([{ platform: 'playground', msgId: `m${++n}`, chatType, groupAddress: msg.chatId, ...msg }]);
    const out = (db.prepare('SELECT id FROM outbox WHERE id > ? ORDER BY id').all(before) as { id: number }[]).map(
      (r) => outbox.get(r.id)!,
    );
    // An update of a card already sent (SPEC §7a) is no new message to the chat.
    return { reply: out.filter((m) => m.kind === 'reply' && !m.cardUpdate).map((m) => m.text).join('\n'), out };
  }

  const say = (senderId: string, chatId: string, text: string): Said => send({ senderId, chatId, text });

  /** The ticket number in a `#N 已登记` reply. */
  const ticketNo = (s: Said): number => {
    const m = /#(\d+)/.exec(s.reply);
    if (!m) throw new Error(`no ticket number in: ${s.reply}`);
    return Number(m[1]);
  };

  const { repos, figures, calendar, sla, notifier, jobs, cards, downloads, attachmentStore } = handling;
  return { config, db, clock, repos, figures, calendar, sla, notifier, outbox, cards, downloads, attachmentStore, dispatcher, jobs, say, send, ticketNo };
}

/**
 * The app as the server wires it (src/wiring.ts), on a harness's database: what its routes store
 * goes into the inbox and is handled by its processor, on this thread; `handled()` resolves once
 * everything stored so far is. Stopping it closes the harness's database too.
 */
export async function appOn(h: ReturnType<typeof harness>, log = createLogger('silent')) {
  const server = await wireServer(h.config, log, { clock: h.clock, db: h.db });
  server.processor.start();
  return { app: server.app, server, handled: () => (server.processor as LocalProcessor).idle(), stop: () => server.stop() };
}
