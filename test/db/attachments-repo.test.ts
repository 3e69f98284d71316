/**
 * The evidence tables: a file is on a ticket once, downloads wait their turn and are settled once,
 * and the ticket a lone picture goes to is the sender's latest, only while it is recent.
 */
import { describe, expect, it } from 'vitest';
import { AttachmentsRepo, type NewDownload } from '../../src/db/attachments-repo.js';
import { openDb } from '../../src/db/open.js';
import { TicketsRepo } from '../../src/db/tickets-repo.js';
import { report } from '../../src/tickets/lifecycle.js';
import { importRoster } from '../../src/roster/import.js';
import { readRosterFile } from '../../src/roster/parse.js';

const T0 = Date.UTC(2026, 10, 2, 2);

function setup() {
  const db = openDb(':memory:');
  importRoster(db, readRosterFile('roster.example.yaml'), T0);
  const tickets = new TicketsRepo(db);
  // Two tickets as a 报告 makes them (src/tickets/lifecycle.ts), deadlines an hour apart.
  const { ticket: base } = report(
    {
      projectCode: 'XM001',
      category: '阻工',
      urgency: 'urgent',
      description: '堵门',
      reporter: { platform: 'wecom', userId: 'chenjl', personId: 'chen', name: '陈经理' },
      source: { platform: 'wecom', chatId: 'wrXM001' },
      officerDepartmentId: null,
    },
    { deadline: (_t, _kind, from) => from + 3_600_000, add: (from) => from },
    T0,
  );
  tickets.insert(base);
  tickets.insert(base);
  return { db, repo: new AttachmentsRepo(db) };
}

function download(seq: number, over: Partial<NewDownload> = {}): NewDownload {
  return {
    msgPlatform: 'wecom', msgId: 'm1', seq, ticketNo: 1, kind: 'image', ref: `media:${seq}`, name: null, actorId: 'chen',
    actorName: '陈经理', reply: { platform: 'wecom', msgId: 'm1', chatId: 'wrXM001', chatType: 'group', senderId: 'chenjl', text: '报告 很长的描述' },
    expiresAt: null, ...over,
  };
}

const FILE = { sha256: 'a'.repeat(64), size: 10, mime: 'image/png', category: 'image' } as const;
const BY = { name: null, at: T0, personId: 'chen', personName: '陈经理', platform: 'wecom', msgId: 'm1' };

describe('evidence tables', () => {
  it('put a file on a ticket once, and count what a ticket has by category', () => {
    const { repo } = setup();
    repo.keep(FILE, T0);
    repo.keep(FILE, T0 + 1);
    repo.keep({ sha256: 'b'.repeat(64), size: 20, mime: 'application/pdf', category: 'file' }, T0);
    expect(repo.link(1, FILE.sha256, BY)).toBe(true);
    expect(repo.link(1, FILE.sha256, { ...BY, msgId: 'm2' })).toBe(false);
    expect(repo.link(2, FILE.sha256, BY)).toBe(true);
    expect(repo.link(1, 'b'.repeat(64), { ...BY, name: '说明.pdf' })).toBe(true);
    expect(repo.counts(1)).toEqual({ image: 1, audio: 0, video: 0, file: 1 });
    expect(repo.ofTicket(1).map((a) => [a.category, a.name])).toEqual([['image', null], ['file', '说明.pdf']]);
    expect(repo.counts(2)).toEqual({ image: 1, audio: 0, video: 0, file: 0 });
  });

  it('hand out downloads when due, oldest first, and settle each once', () => {
    const { repo } = setup();
    expect(repo.queue(download(0), T0)).toBe(true);
    expect(repo.queue(download(0), T0)).toBe(false);
    expect(repo.queue(download(1), T0)).toBe(true);
    // The message's text is not kept with it.
    expect(repo.due(T0, 10).map((d) => [d.seq, d.reply.text])).toEqual([[0, ''], [1, '']]);
    repo.scheduleRetry(1, T0 + 1000, 'HTTP 500');
    expect(repo.due(T0, 10).map((d) => d.seq)).toEqual([1]);
    expect(repo.nextDueAt()).toBe(T0);
    expect(repo.settle(2, { status: 'done', outcome: 'attached', sha256: FILE.sha256, size: 10 }, T0)).toBe(true);
    expect(repo.settle(2, { status: 'failed', outcome: 'failed' }, T0)).toBe(false);
    expect(repo.pendingOfMessage('wecom', 'm1')).toBe(1);
    expect(repo.due(T0 + 1000, 10).map((d) => [d.seq, d.attempts, d.lastError])).toEqual([[0, 1, 'HTTP 500']]);
  });

  it('remember the ticket a sender last added to in a chat, for as long as asked', () => {
    const { repo } = setup();
    repo.setTarget('wecom', 'wrXM001', 'chenjl', 1, T0);
    repo.setTarget('wecom', 'wrXM001', 'chenjl', 2, T0 + 60_000);
    expect(repo.target('wecom', 'wrXM001', 'chenjl', T0)).toBe(2);
    expect(repo.target('wecom', 'wrXM001', 'chenjl', T0 + 60_001)).toBeUndefined();
    expect(repo.target('wecom', 'other', 'chenjl', 0)).toBeUndefined();
    expect(repo.target('dingtalk', 'wrXM001', 'chenjl', 0)).toBeUndefined();
  });
});
