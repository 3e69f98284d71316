// exceljs takes a few hundred milliseconds to load; only an xlsx export needs it, so it is
// loaded then rather than with every server and CLI start.
import type ExcelJS from 'exceljs';
import type { Db } from '../db/open.js';
import { RosterRepo } from '../db/roster-repo.js';
import { formatTime } from '../tickets/format.js';
import { STATE_NAMES, URGENCY_NAMES, type TicketState, type Urgency } from '../tickets/model.js';
import { Figures, type FigureRow, type FiguresReport, type Period } from './figures.js';
import { figureRowView } from './view.js';

/** One spreadsheet cell: counts stay numbers so spreadsheet programs can sum them. */
export type Cell = string | number;

export const TICKET_HEADERS = [
  '编号',
  '项目编号',
  '项目名称',
  '类别',
  '紧急程度',
  '状态',
  '报告人',
  '报告时间',
  '承办人',
  '承办部门',
  '签收时间',
  '签收时限',
  '办结时间',
  '办结时限',
  '评价',
  '评语',
  '重办次数',
  '督办',
  // Evidence sent for it (SPEC §7b): the number of files.
  '附件',
  '内容',
] as const;

/** The figure columns, in the order of the chat's 统计 and the reports. */
const FIGURE_COLUMNS = [
  ['名称', 'name'],
  ['收到', 'received'],
  ['签收', 'claimed'],
  ['签收及时', 'claimedOnTime'],
  ['签收及时率', 'claimRate'],
  ['办结', 'resolved'],
  ['按时办结', 'resolvedOnTime'],
  ['按时办结率', 'resolveRate'],
  ['销号', 'closed'],
  ['满意', 'satisfied'],
  ['不满意', 'dissatisfied'],
  ['未评价', 'unrated'],
  ['满意率', 'satisfactionRate'],
  ['重办', 'reopened'],
  ['超期', 'overdue'],
  ['签收用时中位数', 'medianClaim'],
  ['办结用时中位数', 'medianResolve'],
] as const;

export const FIGURE_HEADERS = ['分组', ...FIGURE_COLUMNS.map(([h]) => h)] as const;

/** The breakdowns of the figures: the 分组 value in csv, and the sheet name in xlsx. */
const BREAKDOWNS = [
  { group: '合计', sheet: '合计', rows: (f: FiguresReport) => [f.overall] },
  { group: '部门', sheet: '按部门', rows: (f: FiguresReport) => f.byDepartment },
  { group: '民警', sheet: '按民警', rows: (f: FiguresReport) => f.byOfficer },
  { group: '项目', sheet: '按项目', rows: (f: FiguresReport) => f.byProject },
] as const;

/** What `lianbao export` writes for one month. */
export interface MonthExport {
  period: Period;
  /** one row per ticket received in the month, in TICKET_HEADERS order */
  tickets: Cell[][];
  figures: FiguresReport;
}

interface TicketRow {
  no: number;
  project_code: string;
  category: string;
  urgency: Urgency;
  state: TicketState;
  reporter_name: string;
  assignee_id: string | null;
  department_id: string | null;
  routing: string;
  created_at: number;
  first_claim: number | null;
  claim_deadline: number | null;
  resolved_at: number | null;
  resolve_deadline: number | null;
  rating: number | null;
  rating_comment: string | null;
  close_kind: 'confirmed' | 'auto' | null;
  reopen_count: number;
  supervised: number;
  attachments: number;
  description: string;
}

const time = (ms: number | null): string => (ms === null ? '' : formatTime(ms));

function rating(r: TicketRow): string {
  if (r.close_kind === 'confirmed') return r.rating === null ? '满意' : `满意（${r.rating}分）`;
  if (r.close_kind === 'auto') return '未评价（逾期自动销号）';
  if (r.state === 'resolved') return '待评价';
  return '';
}

/**
 * The tickets received in a period, one row each. 签收时间 is the first 认领 in the audit log,
 * as the figures count it, so a later transfer does not move it.
 */
export function ticketRows(db: Db, period: Period): Cell[][] {
  const roster = new RosterRepo(db);
  const rows = db
    .prepare(
      `SELECT t.*, (SELECT min(at) FROM audit_log a WHERE a.ticket_no = t.no AND a.from_state = 'open' AND a.to_state = 'claimed') AS first_claim,
         (SELECT count(*) FROM ticket_attachments x WHERE x.ticket_no = t.no) AS attachments
       FROM tickets t WHERE created_at >= ? AND created_at < ? ORDER BY no`,
    )
    .all(period.from, period.to) as TicketRow[];
  return rows.map((r) => [
    r.no,
    r.project_code,
    roster.project(r.project_code)?.name ?? '',
    r.category,
    URGENCY_NAMES[r.urgency],
    STATE_NAMES[r.state],
    r.reporter_name,
    time(r.created_at),
    r.assignee_id ? (roster.person(r.assignee_id)?.name ?? r.assignee_id) : '',
    r.department_id ? (roster.department(r.department_id)?.name ?? r.department_id) : r.routing === 'coordinators' ? '护企办' : '',
    time(r.first_claim),
    time(r.claim_deadline),
    time(r.resolved_at),
    time(r.resolve_deadline),
    rating(r),
    r.rating_comment ?? '',
    r.reopen_count,
    r.supervised === 1 ? '是' : '否',
    r.attachments,
    r.description,
  ]);
}

/** One figure line as cells, from the same view the chat and the reports show. */
function figureCells(r: FigureRow): Cell[] {
  const view: Record<string, Cell> = { ...figureRowView(r), claimedOnTime: r.claimedOnTime, resolvedOnTime: r.resolvedOnTime };
  return FIGURE_COLUMNS.map(([, key]) => view[key] ?? '');
}

/** Every figure line with its 分组 (合计 / 部门 / 民警 / 项目), in FIGURE_HEADERS order. */
export function figureRows(report: FiguresReport): Cell[][] {
  return BREAKDOWNS.flatMap((b) => b.rows(report).map((r) => [b.group, ...figureCells(r)]));
}

/** The month's tickets and figures, with "overdue" judged at `now`. */
export function collectMonth(db: Db, period: Period, now: number): MonthExport {
  return { period, tickets: ticketRows(db, period), figures: new Figures(db, new RosterRepo(db)).compute(period, now) };
}

/**
 * A spreadsheet program runs a cell that starts with = + - or @ as a formula; text that came
 * from chat must not be able to do that, so such text gets a leading apostrophe.
 */
function defuse(cell: Cell): Cell {
  return typeof cell === 'string' && /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

function csvField(cell: Cell): string {
  const s = String(defuse(cell));
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * RFC 4180 csv with a header row, CRLF line ends, and a UTF-8 byte order mark so that spreadsheet
 * programs read the Chinese.
 */
export function toCsv(header: readonly string[], rows: readonly Cell[][]): string {
  return `\uFEFF${[header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;
}

/** Display width: CJK characters take two columns. */
function displayWidth(cell: Cell): number {
  let w = 0;
  for (const ch of String(cell).split('\n')[0] ?? '') w += /[\u1100-\uffff]/.test(ch) ? 2 : 1;
  return w;
}

function addSheet(book: ExcelJS.Workbook, name: string, header: readonly string[], rows: readonly Cell[][], wrapLast = false): void {
  const sheet = book.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.addRow([...header]);
  sheet.getRow(1).font = { bold: true };
  for (const r of rows) sheet.addRow(r);
  header.forEach((h, i) => {
    const widest = Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? '')));
    const column = sheet.getColumn(i + 1);
    column.width = Math.min(Math.max(widest + 2, 8), wrapLast && i === header.length - 1 ? 60 : 40);
    if (wrapLast && i === header.length - 1) column.alignment = { wrapText: true, vertical: 'top' };
  });
}

/** The month as a workbook: a sheet 工单 and one sheet per breakdown of the figures. */
export async function writeXlsx(file: string, data: MonthExport): Promise<void> {
  const { default: excel } = await import('exceljs');
  const book: ExcelJS.Workbook = new excel.Workbook();
  book.creator = 'lianbao';
  book.title = `${data.period.label} 联保工单及统计`;
  addSheet(book, '工单', TICKET_HEADERS, data.tickets, true);
  const headers = FIGURE_COLUMNS.map(([h]) => h);
  for (const b of BREAKDOWNS) addSheet(book, b.sheet, headers, b.rows(data.figures).map(figureCells));
  await book.xlsx.writeFile(file);
}
