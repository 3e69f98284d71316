import { z } from 'zod';
import type { LedgerFilter } from '../db/ledger-repo.js';
import { monthOf, monthPeriod, type Period } from '../reports/figures.js';
import { CATEGORIES, STATE_NAMES, type TicketState } from '../tickets/model.js';

const STATES = ['open', 'claimed', 'resolved', 'followup', 'closed', 'withdrawn'] as const satisfies readonly TicketState[];

// An empty form field means "any", as the page's "全部" options send it.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v), schema.optional());

const month = z.string().refine((v) => monthPeriod(v) !== null, { message: '月份应写成 年-月，例如 2026-11' });

/** The ledger's query string: filters, text search and page. */
export const ledgerQuery = z.object({
  project: optional(z.string().max(64)),
  dept: optional(z.string().max(64)),
  state: optional(z.enum(STATES)),
  category: optional(z.enum(CATEGORIES)),
  overdue: optional(z.enum(['1'])),
  supervised: optional(z.enum(['1'])),
  month: optional(month),
  q: optional(z.string().max(100)),
  page: optional(z.coerce.number().int().min(1).max(1_000_000)),
});
export type LedgerQuery = z.infer<typeof ledgerQuery>;

/** A month, and (SPEC §11) the unit whose figures: its id; absent, the viewer's own. */
export const monthQuery = z.object({ month: optional(month), unit: optional(z.string().max(64)) });
export const visitsQuery = z.object({ project: optional(z.string().max(64)) });

/** The repository filter a ledger query stands for at `now`. */
export function toLedgerFilter(q: LedgerQuery, now: number): LedgerFilter {
  const period = q.month ? monthPeriod(q.month) : null;
  return {
    projectCode: q.project,
    departmentKey: q.dept,
    state: q.state,
    category: q.category,
    overdueAt: q.overdue ? now : undefined,
    supervised: q.supervised ? true : undefined,
    received: period ? { from: period.from, to: period.to } : undefined,
    text: q.q,
  };
}

/** The month a query names, or the current one. */
export function chosenMonth(text: string | undefined, now: number): { key: string; period: Period } {
  const period = (text && monthPeriod(text)) || monthOf(now);
  const d = new Date(period.from + 8 * 3_600_000);
  return { key: `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`, period };
}

/** `YYYY-MM` of the month `delta` months from `key`. */
export function shiftMonth(key: string, delta: number): string {
  const [y, m] = key.split('-').map(Number) as [number, number];
  const i = y * 12 + (m - 1) + delta;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** A query string of the values that are set, for links that keep the current view. */
export function queryString(values: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/**
 * Each query field in the operators' words: its name on the page and what it may hold. A problem
 * is told with these rather than the schema library's English, whatever was wrong with the value
 * (unknown, too long, given twice).
 */
const FIELDS: Record<string, { name: string; rule: string }> = {
  project: { name: '项目', rule: '应为项目编号，最长 64 个字符' },
  dept: { name: '部门', rule: '应为部门编号，最长 64 个字符' },
  state: { name: '状态', rule: `可选值为 ${STATES.map((s) => `${STATE_NAMES[s]}（${s}）`).join('、')}` },
  category: { name: '类别', rule: `可选值为 ${CATEGORIES.join('、')}` },
  overdue: { name: '只看超期', rule: '只能为 1 或留空' },
  supervised: { name: '只看督办', rule: '只能为 1 或留空' },
  month: { name: '月份', rule: '应写成 年-月，例如 2026-11' },
  q: { name: '搜索', rule: '最长 100 个字' },
  page: { name: '页码', rule: '应为 1 到 1000000 之间的整数' },
};

/** The first problem of a query that did not validate, in words. */
export function queryProblem(err: z.ZodError): string {
  const issue = err.issues[0];
  const field = issue ? FIELDS[String(issue.path[0])] : undefined;
  if (!field) return '查询条件不正确，请从台账页面重新筛选。';
  return `查询条件“${field.name}”不正确：${field.rule}。`;
}
