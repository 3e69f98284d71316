import { afterEach, describe, expect, it, vi } from 'vitest';
import { splitText } from '../../src/delivery/split.js';

describe('splitText', () => {
  afterEach(() => vi.restoreAllMocks());

  it('splits at line breaks within the byte limit, losing nothing', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `#${i} 村民堵路阻工，车辆进不去`);
    const parts = splitText(lines.join('\n'), 4096);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(4096);
    expect(parts.join('\n')).toBe(lines.join('\n'));
  });

  it('cuts a single over-long line between characters', () => {
    const parts = splitText('阻'.repeat(3000), 4096);
    expect(parts.join('')).toBe('阻'.repeat(3000));
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(4096);
  });

  it('never cuts a character that takes two UTF-16 units', () => {
    const text = '😀'.repeat(3000);
    const parts = splitText(text, 4096);
    expect(parts.join('')).toBe(text);
    for (const p of parts) expect(p).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
  });

  // SPEC §9: message splitting is linear in the text's length. Counted, not timed: the characters
  // whose size is measured, whichever way they are measured, stay within a small multiple of the
  // text's length however long its one line is (measuring a growing chunk once per character, as
  // an earlier version did, measured about n²/2 characters: 8 s for a 700 KB line).
  it('measures each character a bounded number of times, even on one very long line', () => {
    let measured = 0;
    const byteLength = Buffer.byteLength.bind(Buffer);
    vi.spyOn(Buffer, 'byteLength').mockImplementation((s, enc) => {
      if (typeof s === 'string') measured += s.length;
      return byteLength(s, enc);
    });
    const encode = TextEncoder.prototype.encode;
    vi.spyOn(TextEncoder.prototype, 'encode').mockImplementation(function (this: TextEncoder, s?: string) {
      measured += s?.length ?? 0;
      return encode.call(this, s);
    });
    const text = '堵'.repeat(200_000);
    const parts = splitText(text, 4096);
    expect(parts.join('')).toBe(text);
    expect(measured).toBeLessThanOrEqual(3 * text.length);
  });
});
