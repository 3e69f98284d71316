import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Inbox, InboxReader, inboxPathFor } from '../../src/inbox/inbox.js';
import { SignatureMemory } from '../../src/platforms/dingtalk/signatures.js';
import type { OneUseSignature } from '../../src/platforms/inbound.js';
import type { IncomingMessage } from '../../src/platforms/types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function inboxPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lianbao-signatures-'));
  dirs.push(dir);
  return inboxPathFor(join(dir, 'lianbao.db'));
}

const msg = (msgId: string): IncomingMessage => ({ platform: 'dingtalk', msgId, chatId: 'cidXM001', chatType: 'group', senderId: 'staff-chen', text: `报告 ${msgId}` });
const HOUR = 3600_000;
const sig = (sign: string, msgId: string, goodUntilMs = Date.now() + HOUR): OneUseSignature => ({ sign, msgId, goodUntilMs });
const stored = (path: string): string[] => {
  const reader = new InboxReader(path);
  try {
    return reader.after(0, 100).map((r) => r.message.msgId);
  } finally {
    reader.close();
  }
};

describe('the inbox spends a DingTalk signature in the transaction that stores its message', () => {
  it('stores the first message of a sign, refuses another message with it, and takes a retry of the first without storing it again, in one commit or across commits', async () => {
    const path = inboxPath();
    const inbox = new Inbox(path);
    // Three in one turn of the event loop: one transaction.
    expect(await Promise.all([inbox.accept(msg('a'), sig('S1', 'a')), inbox.accept(msg('forged'), sig('S1', 'forged')), inbox.accept(msg('a'), sig('S1', 'a'))])).toEqual([
      'stored',
      'reused',
      'repeat',
    ]);
    expect(await inbox.accept(msg('forged-2'), sig('S1', 'forged-2'))).toBe('reused');
    expect(await inbox.accept(msg('b'), sig('S2', 'b'))).toBe('stored');
    // A message without a signature (WeCom, Stream mode) is stored as before.
    expect(await inbox.accept(msg('c'))).toBe('stored');
    expect(stored(path)).toEqual(['a', 'b', 'c']);
    inbox.close();
  });

  it('spends the sign of a callback it does not store (a type the bot ignores)', async () => {
    const path = inboxPath();
    const inbox = new Inbox(path);
    expect(await inbox.accept(undefined, sig('S3', 'picture-1'))).toBe('stored');
    expect(await inbox.accept(msg('forged'), sig('S3', 'forged'))).toBe('reused');
    expect(stored(path)).toEqual([]);
    inbox.close();
  });

  it('remembers a spent sign when opened again (after a restart or a crash)', async () => {
    const path = inboxPath();
    const before = new Inbox(path);
    await before.accept(msg('a'), sig('S4', 'a'));
    before.close();
    const after = new Inbox(path);
    expect(await after.accept(msg('forged'), sig('S4', 'forged'))).toBe('reused');
    expect(await after.accept(msg('a'), sig('S4', 'a'))).toBe('repeat');
    after.close();
  });

  it('forgets a sign once the platform would refuse it anyway, so the table stays small', async () => {
    const path = inboxPath();
    const inbox = new Inbox(path);
    await inbox.accept(msg('old'), sig('S5', 'old', Date.now() - 1));
    await inbox.accept(msg('new'), sig('S6', 'new'));
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT sign FROM signatures ORDER BY sign').pluck().all()).toEqual(['S6']);
    db.close();
    inbox.close();
  });
});

describe('the in-memory equivalent (an app without an inbox)', () => {
  it('answers like the inbox, forgets expired signs, and gives a sign back when its message could not be stored', () => {
    const now = Date.parse('2026-11-02T02:00:00Z');
    const memory = new SignatureMemory();
    expect(memory.spend(sig('S1', 'a', now + HOUR), now)).toBe('stored');
    expect(memory.spend(sig('S1', 'forged', now + HOUR), now)).toBe('reused');
    expect(memory.spend(sig('S1', 'a', now + HOUR), now)).toBe('repeat');
    expect(memory.spend(sig('S2', 'b', now + HOUR), now)).toBe('stored');
    memory.release(sig('S2', 'b'));
    expect(memory.spend(sig('S2', 'b', now + HOUR), now)).toBe('stored');
    expect(memory.size).toBe(2);
    expect(memory.spend(sig('S3', 'c', now + 3 * HOUR), now + 2 * HOUR)).toBe('stored');
    expect(memory.size).toBe(1);
  });
});
