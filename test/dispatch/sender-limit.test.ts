import { describe, expect, it } from 'vitest';
import { SenderLimit } from '../../src/dispatch/sender-limit.js';

describe('the per-sender limit', () => {
  it('lets 20 commands a minute through, tells the sender once, and lets them go on a minute after', () => {
    const limit = new SenderLimit(20);
    const t0 = Date.parse('2026-11-02T02:00:00Z');
    const outcomes = Array.from({ length: 25 }, (_, i) => limit.check('wecom:chen', t0 + i * 1000));
    expect(outcomes.slice(0, 20)).toEqual(Array(20).fill(false));
    expect(outcomes.slice(20)).toEqual(['warn', true, true, true, true]);
    // Another sender is not held back.
    expect(limit.check('wecom:huang', t0 + 25_000)).toBe(false);
    // The first command leaves the minute at t0 + 60 s: room for one more, then the limit again,
    // without a second slow-down (the sender has not been quiet since being told).
    expect(limit.check('wecom:chen', t0 + 60_001)).toBe(false);
    expect(limit.check('wecom:chen', t0 + 60_002)).toBe(true);
    // A minute after the last command counted, the sender starts afresh, and is told again if need be.
    const later = t0 + 60_001 + 60_000;
    expect(Array.from({ length: 21 }, (_, i) => limit.check('wecom:chen', later + i)).slice(19)).toEqual([false, 'warn']);
  });

  it('remembers only the senders of the last minute, however many write, at a constant cost per command', () => {
    const limit = new SenderLimit(20);
    const t0 = Date.parse('2026-11-02T02:00:00Z');
    // 500 distinct senders a second for three minutes (a flood of new enterprise contacts).
    let most = 0;
    let held = 0;
    let checks = 0;
    for (let s = 0; s < 180; s += 1) {
      for (let i = 0; i < 500; i += 1) {
        if (limit.check(`dingtalk:u${s}-${i}`, t0 + s * 1000 + i * 2) !== false) held += 1;
        checks += 1;
      }
      most = Math.max(most, limit.size);
    }
    expect(held).toBe(0);
    expect(most).toBeLessThanOrEqual(61 * 500);
    // Counted, not timed: a few steps per command, however many senders are held (an eviction that
    // walked the senders, or a map's deleted slots, would grow with them).
    expect(limit.work / checks).toBeLessThan(4);
    // A regular sender in the middle of it is still counted across the minute.
    for (let i = 0; i < 20; i += 1) expect(limit.check('dingtalk:chen', t0 + 180_000 + i)).toBe(false);
    expect(limit.check('dingtalk:chen', t0 + 180_030)).toBe('warn');
    // Once the flood stops, a minute later only the senders still active are remembered.
    limit.check('dingtalk:huang', t0 + 240_100);
    expect(limit.size).toBe(1);
  });

  // SPEC §9 (low): a clock set back must not freeze the limit until it catches up.
  it('lets a sender go on a minute after a clock set back an hour, and forgets the senders of before', () => {
    const limit = new SenderLimit(20);
    const t0 = Date.parse('2026-11-02T02:00:00Z');
    for (let i = 0; i < 21; i += 1) limit.check('wecom:chen', t0 + i);
    expect(limit.check('wecom:chen', t0 + 100)).toBe(true);
    const back = t0 - 3_600_000;
    expect(limit.check('wecom:huang', back)).toBe(false);
    expect(limit.size).toBe(1);
    expect(limit.check('wecom:chen', back + 60_001)).toBe(false);
  });
});
