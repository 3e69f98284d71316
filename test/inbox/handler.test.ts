/**
 * SPEC §9: a stored message that fails to be handled — an exception, a crash or an out-of-memory
 * of the thread handling it — is retried a few times, then set aside, and the messages behind it
 * go on; a restart never replays it. A crash is played here by a handler that throws `Crash`: the
 * thread (or the whole process) is gone, so the handler and its reader are dropped and new ones
 * are made on the same inbox file, as the next start would.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Inbox, InboxReader, inboxPathFor } from '../../src/inbox/inbox.js';
import { InboxHandler, MAX_ROW_CHARS, type Step } from '../../src/inbox/handler.js';
import { readSetAside } from '../../src/inbox/set-aside.js';
import { createLogger } from '../../src/log.js';
import type { IncomingMessage } from '../../src/chat/types.js';
import { tempFolders } from '../support/temp.js';

class Crash extends Error {}

const temp = tempFolders('lianbao-handler-');

const msg = (msgId: string, text = `报告 ${msgId}`): IncomingMessage => ({
  platform: 'wecom',
  msgId,
  chatId: 'wrXM001',
  chatType: 'group',
  senderId: 'chenjl',
  text,
});

async function inboxWith(ids: string[]): Promise<string> {
  const dir = temp();
  const path = inboxPathFor(join(dir, 'lianbao.db'));
  const inbox = new Inbox(path);
  for (const id of ids) await inbox.accept(msg(id));
  inbox.close();
  return path;
}

/**
 * One start of the processor: handles until idle, or until `poison` is met (a crash). `handled`
 * collects what was committed; `throws` makes a message throw (an exception, the thread lives on).
 */
function start(path: string, handled: string[], opts: { crashOn?: string } = {}) {
  const reader = new InboxReader(path);
  // The thread dies while reading the message (as it did parsing an enormous one): nothing of
  // the batch is handled, and nothing after it runs.
  const read = reader.read.bind(reader);
  reader.read = (from, to) => {
    const rows = read(from, to);
    if (rows.some((r) => r.message?.msgId === opts.crashOn)) throw new Crash();
    return rows;
  };
  const handler = new InboxHandler(
    {
      reader,
      dispatch(messages) {
        handled.push(...messages.map((m) => m.msgId));
        return messages.length;
      },
      databaseWritable: () => true,
      log: createLogger('silent'),
      now: () => Date.parse('2026-11-02T02:00:00Z'),
    },
    0,
  );
  /** Steps until idle or a crash; the steps taken, or 'crashed'. */
  const run = (maxSteps = 50): Step[] | 'crashed' => {
    const steps: Step[] = [];
    try {
      for (let i = 0; i < maxSteps; i++) {
        const s = handler.step();
        steps.push(s);
        if (s.kind === 'idle' || s.kind === 'failed') break;
      }
    } catch (err) {
      if (err instanceof Crash) return 'crashed';
      throw err;
    } finally {
      reader.close();
    }
    return steps;
  };
  return { reader, handler, run };
}

describe('the inbox handler', () => {
  it('handles everything in order in batches when nothing goes wrong', async () => {
    const path = await inboxWith(['a', 'b', 'c']);
    const handled: string[] = [];
    expect(start(path, handled).run()).toEqual([{ kind: 'handled', upTo: 3 }, { kind: 'idle' }]);
    expect(handled).toEqual(['a', 'b', 'c']);
  });

  it('sets aside a message that crashed the processor three times, and handles the messages around it', async () => {
    const path = await inboxWith(['a', 'poison', 'c', 'd']);
    const handled: string[] = [];
    // The batch a–d dies; the next start goes one at a time: a is handled, then poison dies, and
    // dies again at each start until it has been started three times on its own.
    let crashes = 0;
    while (start(path, handled, { crashOn: 'poison' }).run() === 'crashed') {
      crashes += 1;
      if (crashes > 10) throw new Error('never set aside');
    }
    expect(crashes).toBe(4);
    // Each start here begins at the first stored message, as a restarted process does before the
    // handled ones are pruned: 'a' comes again, and the dispatcher knows it by its message id.
    expect([...new Set(handled)]).toEqual(['a', 'c', 'd']);
    // It is kept for `lianbao inbox`, and a later start does not meet it again.
    const reader = new InboxReader(path);
    const aside = reader.setAside.list().map(readSetAside);
    expect(aside.map((r) => [r.message?.msgId, r.tries])).toEqual([['poison', 3]]);
    expect(aside[0]!.reason).toContain('stopped the message processor 3 times');
    reader.close();
    expect(start(path, handled, { crashOn: 'poison' }).run()).not.toBe('crashed');
    expect(handled).not.toContain('poison');
  });

  it('after a crash in a batch of ordinary messages, goes through it one at a time and sets nothing aside', async () => {
    const path = await inboxWith(['a', 'b', 'c']);
    const handled: string[] = [];
    let crashOn: string | undefined = 'b';
    const first = start(path, handled, { crashOn });
    expect(first.run()).toBe('crashed');
    crashOn = undefined;
    expect(start(path, handled, { crashOn }).run()).toEqual([
      { kind: 'handled', upTo: 1 },
      { kind: 'handled', upTo: 2 },
      { kind: 'handled', upTo: 3 },
      { kind: 'idle' },
    ]);
    expect(handled).toEqual(['a', 'b', 'c']);
  });

  it('sets aside a failing message after three tries within one thread, not when the database is the trouble', async () => {
    const path = await inboxWith(['a', 'bad', 'c']);
    const handled: string[] = [];
    const reader = new InboxReader(path);
    let writable = false;
    const handler = new InboxHandler(
      {
        reader,
        dispatch: (ms) => {
          if (ms.some((m) => m.msgId === 'bad')) throw new Error(ms.length === 1 ? 'no' : 'batch');
          handled.push(...ms.map((m) => m.msgId));
          return ms.length;
        },
        databaseWritable: () => writable,
        log: createLogger('silent'),
        now: () => 0,
      },
      0,
    );
    // The database refuses writes: the message waits first in line, however often it is tried.
    for (let i = 0; i < 6; i++) handler.step();
    expect(reader.setAside.count()).toBe(0);
    writable = true;
    const steps = Array.from({ length: 4 }, () => handler.step().kind);
    expect(steps).toContain('set-aside');
    expect(reader.setAside.list().map((r) => readSetAside(r).message?.msgId)).toEqual(['bad']);
    expect(handled).toEqual(['a', 'c']);
    reader.close();
  });

  it('logs a message the database cannot take once a try, not once for the batch and again alone', async () => {
    const path = await inboxWith(['a']);
    const reader = new InboxReader(path);
    const lines: string[] = [];
    const log = createLogger('info', { write: (l: string) => void lines.push(l) });
    const handler = new InboxHandler(
      {
        reader,
        // As the dispatcher does: a batch of one that fails is logged with its error.
        dispatch: (ms) => {
          if (ms.length === 1) log.error({ msgId: ms[0]!.msgId }, 'message could not be stored');
          throw new Error('attempt to write a readonly database');
        },
        databaseWritable: () => false,
        log,
        now: () => 0,
      },
      0,
    );
    for (let i = 0; i < 3; i++) expect(handler.step().kind).toBe('failed');
    expect(lines.filter((l) => l.includes('message could not be stored'))).toHaveLength(3);
    reader.close();
  });

  it(`sets aside unread a stored row over ${MAX_ROW_CHARS} characters (left by an earlier version), never reading it`, async () => {
    const path = await inboxWith([]);
    const inbox = new Inbox(path);
    await inbox.accept(msg('before'));
    // Written as a version that kept texts of any length did; this one cuts them at the door.
    inbox.store.db.prepare('INSERT INTO inbox (received_at, message) VALUES (?, ?)').run(0, JSON.stringify(msg('huge', `补充 #1 ${'堵'.repeat(MAX_ROW_CHARS)}`)));
    await inbox.accept(msg('after'));
    inbox.close();
    const handled: string[] = [];
    const p = start(path, handled);
    let read = 0;
    const original = p.reader.read.bind(p.reader);
    p.reader.read = (from, to) => {
      const rows = original(from, to);
      read += rows.filter((r) => r.message?.msgId === 'huge').length;
      return rows;
    };
    p.run();
    expect(handled).toEqual(['before', 'after']);
    expect(read).toBe(0);
    const reader = new InboxReader(path);
    expect(reader.setAside.list()[0]!.reason).toContain('too large to read');
    reader.close();
  });
});
