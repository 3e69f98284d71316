import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Inbox, InboxReader, inboxPathFor } from '../../src/inbox/inbox.js';
import type { OneUseSignature } from '../../src/chat/receiver.js';
import type { IncomingMessage } from '../../src/chat/types.js';
import { tempFolders } from '../support/temp.js';

const temp = tempFolders('lianbao-signatures-');

function inboxPath(): string {
  const dir = temp();
  return inboxPathFor(join(dir, 'lianbao.db'));
}

const msg = (msgId: string): IncomingMessage => ({ platform: 'dingtalk', msgId, chatId: 'cidXM001', chatType: 'group', senderId: 'staff-chen', text: `报告 ${msgId}` });
const HOUR = 3600_000;
/** A signature made `ago` ms before now (DingTalk's are named by their signed timestamp). */
const sig = (ago: number, msgId: string, keepMs = HOUR): OneUseSignature => ({ signedAtMs: Date.now() - ago, msgId, keepMs });
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
    const s1 = sig(1_000, 'a');
    // Three in one turn of the event loop: one transaction.
    expect(await Promise.all([inbox.accept(msg('a'), s1), inbox.accept(msg('forged'), { ...s1, msgId: 'forged' }), inbox.accept(msg('a'), s1)])).toEqual([
      'stored',
      'reused',
      'repeat',
    ]);
    expect(await inbox.accept(msg('forged-2'), { ...s1, msgId: 'forged-2' })).toBe('reused');
    expect(await inbox.accept(msg('b'), { ...s1, signedAtMs: s1.signedAtMs + 1, msgId: 'b' })).toBe('stored');
    // A message without a signature (WeCom, Stream mode) is stored as before.
    expect(await inbox.accept(msg('c'))).toBe('stored');
    expect(stored(path)).toEqual(['a', 'b', 'c']);
    inbox.close();
  });

  it('spends the sign of a callback it does not store (a type the bot ignores)', async () => {
    const path = inboxPath();
    const inbox = new Inbox(path);
    const s3 = sig(1_000, 'picture-1');
    expect(await inbox.accept(undefined, s3)).toBe('stored');
    expect(await inbox.accept(msg('forged'), { ...s3, msgId: 'forged' })).toBe('reused');
    expect(stored(path)).toEqual([]);
    inbox.close();
  });

  it('remembers a spent sign when opened again (after a restart or a crash)', async () => {
    const path = inboxPath();
    const before = new Inbox(path);
    const s4 = sig(1_000, 'a');
    await before.accept(msg('a'), s4);
    before.close();
    const after = new Inbox(path);
    expect(await after.accept(msg('forged'), { ...s4, msgId: 'forged' })).toBe('reused');
    expect(await after.accept(msg('a'), s4)).toBe('repeat');
    after.close();
  });

  it('forgets a sign once the platform would refuse it anyway, so the table stays small', async () => {
    const path = inboxPath();
    const inbox = new Inbox(path);
    const old = sig(2 * HOUR, 'old');
    const recent = sig(1_000, 'new');
    await inbox.accept(msg('old'), old);
    await inbox.accept(msg('new'), recent);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT msg_id FROM signatures ORDER BY signed_at').pluck().all()).toEqual(['new']);
    db.close();
    inbox.close();
  });
});
