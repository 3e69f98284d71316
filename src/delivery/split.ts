/** UTF-8 bytes of one code point. */
function width(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * Splits a message into parts of at most `maxBytes` UTF-8 bytes, at line breaks where it can,
 * so that nothing is cut off (SPEC §8: split, never truncate). A single line longer than the
 * limit is cut between characters. Linear in the text's length: each line's size is counted
 * once, and a long line is walked once (SPEC §9).
 */
export function splitText(text: string, maxBytes: number): string[] {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return [text];
  const parts: string[] = [];
  let current = '';
  let currentBytes = 0;
  const push = () => {
    if (current.trim() !== '') parts.push(current.replace(/\n+$/, ''));
    current = '';
    currentBytes = 0;
  };
  for (const line of text.split('\n')) {
    const lineBytes = Buffer.byteLength(line, 'utf8');
    const joined = current === '' ? lineBytes : currentBytes + 1 + lineBytes;
    if (joined <= maxBytes) {
      current = current === '' ? line : `${current}\n${line}`;
      currentBytes = joined;
      continue;
    }
    push();
    if (lineBytes <= maxBytes) {
      current = line;
      currentBytes = lineBytes;
      continue;
    }
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < line.length; ) {
      const cp = line.codePointAt(i)!;
      const w = width(cp);
      if (bytes + w > maxBytes) {
        parts.push(line.slice(start, i));
        start = i;
        bytes = 0;
      }
      bytes += w;
      i += cp > 0xffff ? 2 : 1;
    }
    current = line.slice(start);
    currentBytes = bytes;
  }
  push();
  return parts;
}
