/**
 * The words a roster's problems are told in: Chinese, for the operator who edits the file, with a
 * did-you-mean where a name is close to one that exists.
 */
import type { ErrorCode } from 'yaml';
import { z } from 'zod';
import { editDistance } from '../util/edit-distance.js';

/** zod's own messages, for the issues the schema does not word itself. */
export const ZH_CN = z.locales.zhCN();

/** How a schema's expected type is named. */
export function expectedName(expected: string): string {
  const names: Record<string, string> = {
    string: '文字',
    number: '数字',
    int: '整数',
    array: '列表',
    object: '映射（键: 值）',
    boolean: ' true 或 false',
  };
  return names[expected] ?? expected;
}

/** What a value is, as a problem names it: `文字 "abc"`, `数字 3`, `列表` … */
export function describe(v: unknown): string {
  if (v === undefined || v === null) return '空值';
  if (typeof v === 'string') return `文字 ${JSON.stringify(v)}`;
  if (typeof v === 'number') return `数字 ${String(v)}`;
  if (typeof v === 'boolean') return ` ${String(v)}`;
  if (Array.isArray(v)) return '列表';
  return '映射';
}

// YAML reads an unquoted 13800000000 or 0125 as a number (dropping the leading zero), which is
// never what a user id means; tell the operator how to write it instead of converting silently.
export function typeHint(expected: string, actual: unknown): string {
  if (expected === 'string' && (typeof actual === 'number' || typeof actual === 'boolean')) return '（请给这个值加上引号）';
  if (expected === 'array' && typeof actual === 'string') return `（请写成列表：[${actual}]）`;
  return '';
}

/** The candidate a misspelt name most likely meant: one edit away, or one per three letters for longer names. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** A reference to something the roster does not have, with the closest name it does have. */
export function unknownRef(kind: '部门' | '项目' | '人员', ref: string, known: Iterable<string>): string {
  const guess = closest(ref, [...known]);
  return `名册里没有${kind} "${ref}"${guess ? `，是不是 "${guess}"？` : ''}`;
}

/** The usual YAML mistakes in words an operator can act on; the parser's own words for the rest. */
const YAML_PROBLEMS: Partial<Record<ErrorCode, string>> = {
  DUPLICATE_KEY: '同一个键写了两次',
  BAD_INDENT: '缩进不对：同一层的各项要从同一列开始',
  TAB_AS_INDENT: '缩进里有 Tab：请只用空格缩进',
  MISSING_CHAR: '缺少符号：列表项前的“- ”，或配对的引号、括号',
  MULTILINE_IMPLICIT_KEY: '键要写在一行里（是不是少了“:”，或缩进不对？）',
  BLOCK_AS_IMPLICIT_KEY: '一行里只能有一个“键: 值”（值里有“: ”时请加引号）',
  UNEXPECTED_TOKEN: '这里有多余的内容（是不是缩进不对，或少了“- ”？）',
  BAD_SCALAR_START: '值不能以这个符号开头：请给值加上引号',
  BAD_DQ_ESCAPE: '双引号里有无效的转义：“\\”要写成“\\\\”，或改用单引号',
  MULTIPLE_DOCS: '文件里只能有一份名册（去掉中间的“---”）',
};

/** A YAML parser error in the operator's words. */
export function yamlProblem(code: ErrorCode, message: string): string {
  return `YAML 格式错误：${YAML_PROBLEMS[code] ?? message}`;
}

