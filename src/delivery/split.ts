const encoder = new TextEncoder();

function bytes(s: string): number {
  return encoder.encode(s).length;
}

/**
 * Splits a message into parts of at most `maxBytes` UTF-8 bytes, at line breaks where it can,
 * so that nothing is cut off (SPEC §8: split, never truncate). A single line longer than the
 * limit is cut between characters.
 */
export function splitText(text: string, maxBytes: number): string[] {
  if (bytes(text) <= maxBytes) return [text];
  const parts: string[] = [];
  let current = '';
  const push = () => {
    if (current.trim() !== '') parts.push(current.replace(/\n+$/, ''));
    current = '';
  };
  for (const line of text.split('\n')) {
    const candidate = current === '' ? line : `${current}\n${line}`;
    if (bytes(candidate) <= maxBytes) {
      current = candidate;
      continue;
    }
    push();
    if (bytes(line) <= maxBytes) {
      current = line;
      continue;
    }
    let chunk = '';
    for (const ch of line) {
      if (bytes(chunk + ch) > maxBytes) {
        parts.push(chunk);
        chunk = '';
      }
      chunk += ch;
    }
    current = chunk;
  }
  push();
  return parts;
}
