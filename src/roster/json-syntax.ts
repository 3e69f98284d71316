/**
 * The first syntax error of a JSON text. YAML accepts JSON, but also much that JSON does not
 * (`tru` reads as a string), and its messages speak of YAML; a JSON file gets JSON's rules.
 */
export function jsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  let i = 0;
  const fail = (message: string): never => {
    throw Object.assign(new Error(message), { offset: i });
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++;
  };
  const expect = (what: string): never =>
    fail(i >= text.length ? `文件意外结束，这里应有${what}` : `这里应有${what}，实际是 ${JSON.stringify(text[i])}`);
  const str = (): void => {
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined) fail('字符串缺少结尾的双引号');
      else if (c === '"') {
        i++;
        return;
      } else if (c === '\\') {
        const e = text[i + 1] ?? '';
        if ('"\\/bfnrt'.includes(e) && e !== '') i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else fail('字符串里有无效的转义');
      } else if (c < ' ') fail('字符串里有换行或控制字符（换行请写成 \\n）');
      else i++;
    }
  };
  /** An object's members or an array's elements, from its opening bracket to its closing one. */
  const entries = (close: '}' | ']', entry: () => void): void => {
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      space();
      entry();
      space();
      if (text[i] === ',') i++;
      else if (text[i] === close) {
        i++;
        return;
      } else expect(`“,”或“${close}”`);
    }
  };
  const member = (): void => {
    if (text[i] !== '"') expect(text[i] === '}' ? '“,”后面的键（是不是多了一个逗号？）' : '用双引号括起的键');
    str();
    space();
    if (text[i] !== ':') expect('键后面的“:”');
    i++;
    value();
  };
  const element = (): void => {
    if (text[i] === ']') expect('“,”后面的值（是不是多了一个逗号？）');
    value();
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      entries('}', member);
    } else if (c === '[') {
      entries(']', element);
    } else if (c === '"') {
      str();
    } else {
      const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
      m.lastIndex = i;
      if (m.exec(text)) i = m.lastIndex;
      else expect('一个值（双引号括起的字符串、数字、true、false、null、{ 或 [）');
    }
  };
  try {
    value();
    space();
    if (i < text.length) fail(`JSON 内容结束后还有多余的 ${JSON.stringify(text[i])}`);
    return undefined;
  } catch (e) {
    // Anything but our own failure (a stack overflow on absurd nesting) is reported where it stopped.
    const offset = (e as { offset?: unknown }).offset;
    return { offset: typeof offset === 'number' ? offset : i, message: (e as Error).message };
  }
}

/** The 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}
