import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

/** Where a node sits in a roster document: keys and list indexes from the top. */
export type Path = readonly (string | number)[];

/** `people[2].department`: a path as problems name it. */
export function formatPath(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}


/** Maps document paths to line and column; a path that does not exist maps to its deepest existing parent. */
export class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** `onKey`: point at the key of the last segment rather than its value (for unknown keys). */
  at(path: Path, onKey = false): { line: number; column: number } {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const [i, seg] of path.entries()) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) === String(seg) : p.key === seg));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        if (onKey && i === path.length - 1 && keyStart !== undefined) {
          offset = keyStart;
          break;
        }
        node = pair.value;
        offset = rangeStart(node) ?? keyStart ?? offset;
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
        if (node === undefined) break;
        offset = rangeStart(node) ?? offset;
      } else {
        break;
      }
    }
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: unknown }).range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}

