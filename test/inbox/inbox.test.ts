import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Inbox, InboxReader, inboxPathFor } from '../../src/inbox/inbox.js';
import type { IncomingMessage } from '../../src/chat/types.js';
import { tempFolders } from '../support/temp.js';

const temp = tempFolders('lianbao-inbox-');

function files() {
  const dir = temp();
  return inboxPathFor(join(dir, 'lianbao.db'));
}

const msg = (msgId: string): IncomingMessage => ({ platform: 'wecom', msgId, chatId: 'wrXM001', chatType: 'group', senderId: 'chenjl', text: `报告 ${msgId}` });

describe('the inbox', () => {
  it('lives beside the database', () => {
    expect(inboxPathFor('/var/lib/lianbao/lianbao.db')).toBe('/var/lib/lianbao/lianbao.inbox.db');
    expect(inboxPathFor('/data/tickets')).toBe('/data/tickets.inbox');
  });

  it('gives the processor the messages in the order they were accepted, the same in one turn as across turns', async () => {
    const path = files();
    const stored: number[] = [];
    const inbox = new Inbox(path, () => stored.push(1));
    await Promise.all(['a', 'b', 'c'].map((id) => inbox.accept(msg(id))));
    await inbox.accept(msg('d'));
    // The three accepted together shared a commit.
    expect(stored).toHaveLength(2);
    const reader = new InboxReader(path);
    expect(reader.after(0, 10).map((r) => r.message.msgId)).toEqual(['a', 'b', 'c', 'd']);
    expect(reader.after(0, 10)[0]!.message).toEqual(msg('a'));
    reader.close();
    inbox.close();
  });

  it('never gives a new message the id of one already handled and pruned, so none is skipped', async () => {
    const path = files();
    const inbox = new Inbox(path);
    const reader = new InboxReader(path);
    await inbox.accept(msg('first'));
    const [first] = reader.after(0, 10);
    inbox.prune(first!.id);
    expect(inbox.countAfter(0)).toBe(0);
    await inbox.accept(msg('second'));
    expect(reader.after(first!.id, 10).map((r) => r.message.msgId)).toEqual(['second']);
    expect(inbox.countAfter(first!.id)).toBe(1);
    reader.close();
    inbox.close();
  });

  it('keeps what it stored when it is opened again (after a crash)', async () => {
    const path = files();
    const before = new Inbox(path);
    await before.accept(msg('kept'));
    before.close();
    const reader = new InboxReader(path);
    expect(reader.after(0, 10).map((r) => r.message.msgId)).toEqual(['kept']);
    reader.close();
  });

  it('is copied from its WAL into its file by the processor, so the server thread does not wait for that', async () => {
    const path = files();
    const inbox = new Inbox(path);
    const reader = new InboxReader(path);
    const fileSize = () => statSync(path).size;
    const before = fileSize();
    for (let batch = 0; batch < 16; batch++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => inbox.accept(msg(`m${batch}-${i}`))));
    }
    // 320 messages written, and the writer has not copied them into the file itself.
    expect(fileSize()).toBe(before);
    for (let i = 0; i < 16; i++) reader.checkpoint();
    expect(fileSize()).toBeGreaterThan(before + 320 * 100);
    expect(reader.after(0, 1000)).toHaveLength(320);
    reader.close();
    inbox.close();
  });
});
