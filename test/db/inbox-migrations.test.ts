/**
 * The inbox file has numbered migrations of its own (src/db/inbox-migrations/), run by the same
 * loader as the database's. Versions before them created the inbox's tables themselves and left
 * PRAGMA user_version at 0: such a file, with messages acknowledged and not yet handled in it,
 * is taken up in place, nothing lost; an inbox newer than the code is refused.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from '../../src/chat/types.js';
import { openInbox } from '../../src/db/inbox-store.js';
import { DatabaseTooNewError, loadMigrations } from '../../src/db/open.js';
import { Inbox, InboxReader, inboxPathFor } from '../../src/inbox/inbox.js';
import { readSetAside } from '../../src/inbox/set-aside.js';
import { INBOX_MIGRATIONS_DIR } from '../../src/paths.js';
import { tempFolders } from '../support/temp.js';

const LATEST = loadMigrations(INBOX_MIGRATIONS_DIR).length;

const temp = tempFolders('lianbao-inbox-migrations-');
function tempInbox(): string {
  const dir = temp();
  return inboxPathFor(join(dir, 'lianbao.db'));
}

const msg = (msgId: string): IncomingMessage => ({ platform: 'dingtalk', msgId, chatId: 'cidXM001', chatType: 'group', senderId: 'staff-chen', text: `报告 ${msgId}` });

/**
 * The schema the version before the inbox's migrations created for itself (src/inbox/inbox.ts and
 * set-aside.ts of that version), statement by statement as it ran them.
 */
const EARLIER_SCHEMA = [
  'CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, message TEXT NOT NULL) STRICT',
  'CREATE TABLE IF NOT EXISTS signatures (signed_at INTEGER PRIMARY KEY, msg_id TEXT NOT NULL) STRICT',
  'CREATE TABLE IF NOT EXISTS processing (one INTEGER PRIMARY KEY CHECK (one = 1), batch_from INTEGER NOT NULL, batch_to INTEGER NOT NULL, tries INTEGER NOT NULL, suspect_to INTEGER NOT NULL) STRICT',
  'CREATE TABLE IF NOT EXISTS set_aside (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, message TEXT NOT NULL, tries INTEGER NOT NULL, reason TEXT NOT NULL, set_aside_at INTEGER NOT NULL) STRICT',
];

/** The inbox as the version before its migrations left it: its own tables, user_version 0, and what was in them. */
function earlierVersionInbox(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  for (const statement of EARLIER_SCHEMA) db.exec(statement);
  const now = Date.now();
  // Two messages acknowledged and not yet handled (ids 3 and 4: 1 and 2 were handled and pruned).
  db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('inbox', 2)").run();
  const insert = db.prepare('INSERT INTO inbox (received_at, message) VALUES (?, ?)');
  insert.run(now, JSON.stringify(msg('waiting-1')));
  insert.run(now, JSON.stringify(msg('waiting-2')));
  // The DingTalk signature the second message came with, spent.
  db.prepare('INSERT INTO signatures (signed_at, msg_id) VALUES (?, ?)').run(now, 'waiting-2');
  db.prepare('INSERT INTO set_aside (id, received_at, message, tries, reason, set_aside_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    2,
    now,
    JSON.stringify(msg('poison')),
    3,
    'handling it stopped the message processor 3 times (out of memory or a crash)',
    now,
  );
  db.prepare('INSERT INTO processing (one, batch_from, batch_to, tries, suspect_to) VALUES (1, 3, 4, 1, 0)').run();
  expect(db.pragma('user_version', { simple: true })).toBe(0);
  db.close();
}

describe('the inbox migrations', () => {
  it('are numbered one after another from 001', () => {
    expect(loadMigrations(INBOX_MIGRATIONS_DIR).map((m) => m.version)).toEqual(Array.from({ length: LATEST }, (_, i) => i + 1));
  });

  it('make a fresh inbox at the latest version, with every table', () => {
    const db = openInbox(tempInbox());
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
    expect(tables).toEqual(['inbox', 'processing', 'set_aside', 'signatures']);
    db.close();
  });

  it('take up an inbox the earlier version wrote, in place: its waiting messages, spent signatures and set-aside messages kept', async () => {
    const path = tempInbox();
    earlierVersionInbox(path);
    const inbox = new Inbox(path);
    const reader = new InboxReader(path);
    expect(inbox.store.db.pragma('user_version', { simple: true })).toBe(LATEST);
    // The waiting messages are handled after the restart, in order, with their ids.
    expect(reader.after(0, 10).map((r) => [r.id, r.message?.msgId])).toEqual([
      [3, 'waiting-1'],
      [4, 'waiting-2'],
    ]);
    // The signature it had spent is still spent: the same message again is a repeat, another one is refused.
    const signedAtMs = inbox.store.db.prepare('SELECT signed_at FROM signatures').pluck().get() as number;
    expect(await inbox.accept(msg('waiting-2'), { signedAtMs, msgId: 'waiting-2', keepMs: 3_600_000 })).toBe('repeat');
    expect(await inbox.accept(msg('forged'), { signedAtMs, msgId: 'forged', keepMs: 3_600_000 })).toBe('reused');
    // Ids go on after the last one ever used.
    await inbox.accept(msg('new'));
    expect(reader.after(4, 10).map((r) => [r.id, r.message?.msgId])).toEqual([[5, 'new']]);
    // The set-aside message is still there for `lianbao inbox`, and the batch note for the handler.
    expect(reader.setAside.list().map((r) => [r.id, readSetAside(r).message?.msgId, r.tries])).toEqual([[2, 'poison', 3]]);
    expect(reader.setAside.mark()).toEqual({ from: 3, to: 4, tries: 1, suspectTo: 0 });
    reader.close();
    inbox.close();
  });

  it('refuse an inbox newer than this version of lianbao', () => {
    const path = tempInbox();
    const made = openInbox(path);
    made.pragma(`user_version = ${LATEST + 1}`);
    made.close();
    expect(() => new Inbox(path)).toThrow(DatabaseTooNewError);
    expect(() => new InboxReader(path)).toThrow(/^inbox schema version \d+ is newer than this version of lianbao understands/);
  });
});
