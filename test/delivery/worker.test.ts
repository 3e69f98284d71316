import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/clock.js';
import { openDb } from '../../src/db/open.js';
import { OutboxRepo } from '../../src/db/outbox-repo.js';
import { DeliveryWorker, retryDelay } from '../../src/delivery/worker.js';
import { createLogger } from '../../src/log.js';
import type { OutboundMessage, PlatformAdapter, SendResult } from '../../src/chat/types.js';

function setup(results: (m: OutboundMessage) => SendResult, rates = { groupPerMinute: 20, personPerMinute: 30 }, pollMs?: number) {
  const db = openDb(':memory:');
  const outbox = new OutboxRepo(db);
  const clock = new FixedClock('2026-11-02T02:00:00Z');
  const sent: OutboundMessage[] = [];
  const adapter: PlatformAdapter = {
    platform: 'wecom',
    maxBytes: 4096,
    send: async (m) => {
      const r = results(m);
      if (r.ok) sent.push(m);
      return r;
    },
  };
  const worker = new DeliveryWorker({ outbox, adapters: { wecom: adapter }, clock, log: createLogger('silent'), rates, pollMs });
  let n = 0;
  const queue = (to: string, text: string, kind: OutboundMessage['kind'] = 'group') =>
    outbox.enqueue({ dedupeKey: `k${++n}`, platform: 'wecom', kind, to, title: text, text, mentions: [] }, clock.now().getTime());
  return { db, outbox, clock, sent, worker, queue };
}

describe('delivery worker', () => {
  it('sends in order per destination and marks each sent', async () => {
    const s = setup(() => ({ ok: true }));
    for (const t of ['a1', 'b1', 'a2', 'b2', 'a3']) s.queue(t[0]!, t);
    await s.worker.drain();
    expect(s.sent.filter((m) => m.to === 'a').map((m) => m.text)).toEqual(['a1', 'a2', 'a3']);
    expect(s.sent.filter((m) => m.to === 'b').map((m) => m.text)).toEqual(['b1', 'b2']);
    expect(s.outbox.counts()).toEqual({ pending: 0, sent: 5, failed: 0 });
  });

  it('running, sends a burst over many lanes once each, in order, and marks every one sent', async () => {
    const s = setup(() => ({ ok: true }), { groupPerMinute: 1000, personPerMinute: 1000 });
    const lanes = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't'];
    for (let i = 0; i < 30; i++) for (const l of lanes) s.queue(l, `${l}${i}`);
    s.worker.start();
    await expect.poll(() => s.outbox.counts().sent, { timeout: 10_000 }).toBe(600);
    await s.worker.stop();
    expect(s.sent).toHaveLength(600);
    for (const l of lanes) {
      expect(s.sent.filter((m) => m.to === l).map((m) => m.text)).toEqual(Array.from({ length: 30 }, (_, i) => `${l}${i}`));
    }
  });

  it('never queues the same dedupe key twice', () => {
    const s = setup(() => ({ ok: true }));
    const m = { dedupeKey: 'escalate:#1:tier1', platform: 'wecom' as const, kind: 'group' as const, to: 'a', title: 't', text: 't', mentions: [] };
    expect(s.outbox.enqueue(m, 0)).toBe(true);
    expect(s.outbox.enqueue(m, 0)).toBe(false);
  });

  it('retries a retryable failure with backoff, holding back later messages of the same lane', async () => {
    let failing = true;
    const s = setup((m) => (failing && m.text === 'a1' ? { ok: false, retryable: true, error: 'HTTP 500' } : { ok: true }));
    s.queue('a', 'a1');
    s.queue('a', 'a2');
    s.queue('b', 'b1');
    await s.worker.drain();
    expect(s.sent.map((m) => m.text)).toEqual(['b1']); // a2 waits behind a1
    const a1 = s.outbox.list('pending')[1]!;
    expect(a1.text).toBe('a1');
    expect(a1.attempts).toBe(1);
    expect(a1.nextAttemptAt - s.clock.now().getTime()).toBe(1_000);
    expect(a1.lastError).toBe('HTTP 500');
    failing = false;
    s.clock.advance(1_000);
    await s.worker.drain();
    expect(s.sent.map((m) => m.text)).toEqual(['b1', 'a1', 'a2']);
  });

  it('backs off from 1 s doubling to 5 minutes', () => {
    expect([1, 2, 3, 4, 9, 10, 20].map(retryDelay)).toEqual([1_000, 2_000, 4_000, 8_000, 256_000, 300_000, 300_000]);
  });

  it('marks a permanent failure failed at once, and a retryable one failed after 24 hours', async () => {
    const s = setup((m) => (m.to === 'bad' ? { ok: false, retryable: false, error: 'errcode 93000' } : { ok: false, retryable: true, error: 'HTTP 503' }));
    s.queue('bad', 'x');
    s.queue('down', 'y');
    await s.worker.drain();
    expect(s.outbox.list('failed').map((m) => m.to)).toEqual(['bad']);
    s.clock.advance(24 * 3_600_000);
    await s.worker.drain();
    expect(s.outbox.list('failed').map((m) => m.to).sort()).toEqual(['bad', 'down']);
    // lianbao outbox --retry puts it back
    const down = s.outbox.list('failed').find((m) => m.to === 'down')!;
    expect(s.outbox.requeue(down.id, s.clock.now().getTime())).toBe(true);
    expect(s.outbox.get(down.id)!.status).toBe('pending');
  });

  it('keeps a group within its per-minute limit and sends the rest the next minute', async () => {
    const s = setup(() => ({ ok: true }), { groupPerMinute: 3, personPerMinute: 30 });
    for (let i = 0; i < 5; i++) s.queue('g', `m${i}`);
    await s.worker.drain();
    expect(s.sent).toHaveLength(3);
    s.clock.advance(60_001);
    await s.worker.drain();
    expect(s.sent.map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('running, waits for a full lane to have room instead of looking at the outbox again and again', async () => {
    const s = setup(() => ({ ok: true }), { groupPerMinute: 3, personPerMinute: 30 }, 200);
    for (let i = 0; i < 5; i++) s.queue('g', `m${i}`);
    let looks = 0;
    const due = s.outbox.due.bind(s.outbox);
    s.outbox.due = (...args) => ((looks += 1), due(...args));
    s.worker.start();
    await expect.poll(() => s.sent.length).toBe(3);
    const before = looks;
    await new Promise((r) => setTimeout(r, 600));
    // One look per poll interval at most (it was one every 10 ms).
    expect(looks - before).toBeLessThanOrEqual(4);
    s.clock.advance(60_001);
    await expect.poll(() => s.sent.map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    await s.worker.stop();
  });

  it('while another connection holds the write lock, keeps serving and marks the sent message once the lock is free, sending it once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lianbao-lock-'));
    try {
      const db = openDb(join(dir, 'lianbao.db'));
      // The processor thread's connection, in the middle of committing a batch of messages.
      const processor = openDb(join(dir, 'lianbao.db'));
      const outbox = new OutboxRepo(db);
      const clock = new FixedClock('2026-11-02T02:00:00Z');
      const sent: OutboundMessage[] = [];
      const adapter: PlatformAdapter = { platform: 'wecom', maxBytes: 4096, send: async (m) => (sent.push(m), { ok: true }) };
      const worker = new DeliveryWorker({
        outbox,
        adapters: { wecom: adapter },
        clock,
        log: createLogger('silent'),
        rates: { groupPerMinute: 20, personPerMinute: 30 },
        pollMs: 10,
      });
      outbox.enqueue({ dedupeKey: 'k1', platform: 'wecom', kind: 'group', to: 'a', title: '回执', text: '回执', mentions: [] }, clock.now().getTime());
      processor.exec('BEGIN IMMEDIATE');
      worker.start();
      await expect.poll(() => sent.length).toBe(1);
      // The server's thread goes on (timers fire) while the mark waits, and polls do not send again.
      let ticks = 0;
      await new Promise<void>((resolve) => {
        const t = setInterval(() => ++ticks === 10 && (clearInterval(t), resolve()), 5);
      });
      expect(outbox.counts()).toEqual({ pending: 1, sent: 0, failed: 0 });
      processor.exec('COMMIT');
      await expect.poll(() => outbox.counts().sent).toBe(1);
      await worker.stop();
      expect(sent.map((m) => m.text)).toEqual(['回执']);
      processor.close();
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // SPEC §9: nothing is sent twice because the database cannot be written. `query_only` makes the
  // connection refuse writes the way a database file restored read-only (owned by root) does.
  it('when a send cannot be recorded, sends nothing more (not even that message again) until it can, and says why', async () => {
    const s = setup(() => ({ ok: true }), undefined, 10);
    s.queue('a', 'a1');
    s.queue('a', 'a2');
    s.queue('b', 'b1');
    s.db.pragma('query_only = 1');
    s.worker.start();
    await expect.poll(() => s.sent.length).toBeGreaterThan(0);
    await expect.poll(() => s.worker.problem()).toMatch(/sending is paused.*readonly/);
    // Polls go on meanwhile; nothing goes out again, and a2 waits behind the unrecorded a1.
    await new Promise((r) => setTimeout(r, 300));
    expect(s.sent.map((m) => m.text).sort()).toEqual(['a1', 'b1']);
    s.db.pragma('query_only = 0');
    await expect.poll(() => s.outbox.counts(), { timeout: 5_000 }).toEqual({ pending: 0, sent: 3, failed: 0 });
    expect(s.worker.problem()).toBeUndefined();
    expect(s.sent.map((m) => m.text).sort()).toEqual(['a1', 'a2', 'b1']);
    await s.worker.stop();
  });

  it('when a failed send cannot be scheduled for a retry, does not send it again at once', async () => {
    let calls = 0;
    const s = setup(() => (calls++, { ok: false, retryable: true, error: 'HTTP 500' }), undefined, 10);
    s.queue('a', 'a1');
    s.db.pragma('query_only = 1');
    s.worker.start();
    await expect.poll(() => s.worker.problem()).toMatch(/sending is paused/);
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toBe(1);
    s.db.pragma('query_only = 0');
    await expect.poll(() => s.outbox.list('pending')[0]?.attempts).toBe(1);
    expect(s.worker.problem()).toBeUndefined();
    await s.worker.stop();
  });

  // SPEC §9 (low): a clock set back must not hold a full lane until the clock catches up.
  it('after the clock is set back an hour, a full lane is not held back for that hour', async () => {
    const s = setup(() => ({ ok: true }), { groupPerMinute: 2, personPerMinute: 30 });
    for (const t of ['m1', 'm2', 'm3']) s.queue('a', t);
    await s.worker.drain();
    expect(s.sent.map((m) => m.text)).toEqual(['m1', 'm2']);
    s.clock.set(new Date(s.clock.now().getTime() - 3_600_000));
    await s.worker.drain();
    expect(s.sent.map((m) => m.text)).toEqual(['m1', 'm2', 'm3']);
  });

  it('sends what a previous process left pending (restart)', async () => {
    const s = setup(() => ({ ok: true }));
    s.queue('a', 'left over');
    const again = new DeliveryWorker({
      outbox: new OutboxRepo(s.db),
      adapters: { wecom: { platform: 'wecom', maxBytes: 4096, send: async (m) => (s.sent.push(m), { ok: true }) } },
      clock: s.clock,
      log: createLogger('silent'),
      rates: { groupPerMinute: 20, personPerMinute: 30 },
    });
    await again.drain();
    expect(s.sent.map((m) => m.text)).toEqual(['left over']);
  });
});
