// exceljs takes a few hundred milliseconds to load; only an xlsx export needs it, so it is
// loaded then rather than with every server and CLI start.
import type ExcelJS from 'exceljs';
import type { AttachmentsRepo } from '../db/attachments-repo.js';
import type { RosterRepo } from '../db/roster-repo.js';
import type { TicketsRepo } from '../db/tickets-repo.js';
import { workDeadline } from '../tickets/escalation.js';
import { formatTime } from '../tickets/format.js';
import { STATE_NAMES, URGENCY_NAMES, type Ticket } from '../tickets/model.js';
import { EVERYTHING, inScope, subtreeScope, type Scope } from '../tickets/scope.js';
import { accountableName, accountableOf } from '../tickets/view.js';
import type { Figures, FigureRow, FiguresReport, Period } from './figures.js';
import { figureRowView } from './view.js';

/** What a month's export reads. */
export interface ExportRepos {
  tickets: TicketsRepo;
  roster: RosterRepo;
  attachments: Pick<AttachmentsRepo, 'totals'>;
}

/** One spreadsheet cell: counts stay numbers so spreadsheet programs can sum them. */
export type Cell = string | number;

export const TICKET_HEADERS = [
  '编号',
  '项目编号',
  '项目名称',
  // The unit whose coordinators supervise the project (SPEC §11), the root's name without units.
  '单位',
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
  '责任人',
  '是否超期',
  '超期时长',
  '评价',
  '评语',
  '重办次数',
  '督办',
  // Evidence sent for it (SPEC §7b): the number of files.
  '附件',
  '内容',
] as const;

/** The figure columns, in the order of the chat's 统计 and the reports; each rate beside its counts. */
const FIGURE_COLUMNS = [
  ['名称', 'name'],
  ['收到', 'received'],
  ['应签收', 'claimDue'],
  ['签收', 'claimed'],
  ['签收及时', 'claimedOnTime'],
  ['签收及时率', 'claimRate'],
  ['应办结', 'resolveDue'],
  ['办结', 'resolved'],
  ['按时办结', 'resolvedOnTime'],
  ['按时办结率', 'resolveRate'],
  ['销号', 'closed'],
  ['满意', 'satisfied'],
  ['不满意', 'dissatisfied'],
  ['满意率', 'satisfactionRate'],
  ['回访满意（代评）', 'proxySatisfied'],
  ['回访不满意（代评）', 'proxyDissatisfied'],
  ['回访满意率（代评）', 'proxyRate'],
  ['待回访', 'awaitingFollowup'],
  ['未评价', 'unrated'],
  ['重办', 'reopened'],
  ['当前超期', 'overdue'],
  ['签收用时中位数', 'medianClaim'],
  ['办结用时中位数', 'medianResolve'],
  // 提级 to a unit above (SPEC §11).
  ['提级', 'raised'],
] as const;

export const FIGURE_HEADERS = ['分组', ...FIGURE_COLUMNS.map(([h]) => h)] as const;

/** The breakdowns of the figures: the 分组 value in csv, and the sheet name in xlsx. */
const BREAKDOWNS = [
  { group: '合计', sheet: '合计', rows: (f: FiguresReport) => [f.overall] },
  { group: '部门', sheet: '按部门', rows: (f: FiguresReport) => f.byDepartment },
  // Per whoever is accountable (SPEC §2): an officer, the officers of a department, or 护企办.
  { group: '责任人', sheet: '按责任人', rows: (f: FiguresReport) => f.byOfficer },
  { group: '项目', sheet: '按项目', rows: (f: FiguresReport) => f.byProject },
  // Per unit below the one exported, each with the units below it (SPEC §11); left out when no
  // unit below it had tickets, as in 统计 and the reports.
  { group: '单位', sheet: '按单位', rows: (f: FiguresReport) => (f.byUnit.some((r) => r.key !== f.unit.ownRow) ? f.byUnit : []) },
] as const;

/** What `lianbao export` writes for one month. */
export interface MonthExport {
  period: Period;
  /** one row per ticket received in the month, in TICKET_HEADERS order */
  tickets: Cell[][];
  figures: FiguresReport;
}

const time = (ms: number | null): string => (ms === null ? '' : formatTime(ms));

function rating(t: Ticket): string {
  const score = t.rating === null ? '' : `（${t.rating}分）`;
  if (t.closeKind === 'confirmed') return `满意${score}`;
  if (t.closeKind === 'followup') return `回访满意（代评）${score}`;
  if (t.closeKind === 'auto') return '未评价（逾期自动销号）';
  if (t.state === 'resolved') return '待评价';
  if (t.state === 'followup') return '待回访';
  return '';
}

/**
 * The tickets received in a period, one row each, with "overdue" judged at `now`. 签收时间 is the
 * first 认领, as the figures count it, so a later transfer does not move it; 责任人 is whoever is
 * accountable (SPEC §2), the same rule the figures group by.
 */
export function ticketRows(repos: ExportRepos, period: Period, now: number, scope: Scope = EVERYTHING): Cell[][] {
  const tickets = repos.tickets
    .receivedIn(period.from, period.to)
    .filter((t) => inScope(scope, { unitId: repos.roster.project(t.projectCode)?.unitId ?? null }));
  const attachments = repos.attachments.totals(tickets.map((t) => t.no));
  return tickets.map((t) => ticketRow(t, repos.roster, now, attachments.get(t.no) ?? 0));
}

/** One ticket as a row of TICKET_HEADERS; `attachments`: how many files are its evidence. */
export function ticketRow(t: Ticket, roster: RosterRepo, now: number, attachments: number): Cell[] {
  const work = workDeadline(t);
  const late = work !== null && work.at < now ? now - work.at : null;
  return [
    t.no,
    t.projectCode,
    roster.project(t.projectCode)?.name ?? '',
    roster.unitName(roster.project(t.projectCode)?.unitId ?? null),
    t.category,
    URGENCY_NAMES[t.urgency],
    STATE_NAMES[t.state],
    t.reporterName,
    time(t.createdAt),
    t.assigneeId ? (roster.person(t.assigneeId)?.name ?? t.assigneeId) : '',
    t.routing === 'coordinators' ? '护企办' : t.departmentId ? (roster.department(t.departmentId)?.name ?? t.departmentId) : '',
    time(t.firstClaimedAt),
    time(t.claimDeadline),
    time(t.resolvedAt),
    time(t.resolveDeadline),
    accountableName(accountableOf(t, roster), roster),
    late === null ? '否' : '是',
    // Hours, to one decimal: a number a spreadsheet can sort and sum.
    late === null ? '' : Math.round(late / 360_000) / 10,
    rating(t),
    t.ratingComment ?? '',
    t.reopenCount,
    t.supervised ? '是' : '否',
    attachments,
    t.description,
  ];
}

/** One figure line as cells, from the same view the chat and the reports show. */
function figureCells(r: FigureRow): Cell[] {
  const view: Record<string, Cell> = figureRowView(r);
  return FIGURE_COLUMNS.map(([, key]) => view[key] ?? '');
}

/** Every figure line with its 分组 (合计 / 部门 / 民警 / 项目), in FIGURE_HEADERS order. */
export function figureRows(report: FiguresReport): Cell[][] {
  return BREAKDOWNS.flatMap((b) => b.rows(report).map((r) => [b.group, ...figureCells(r)]));
}

/** The month's tickets and figures, with "overdue" judged at `now`. */
export function collectMonth(
  from: { repos: ExportRepos; figures: Pick<Figures, 'compute'> },
  period: Period,
  now: number,
  /** a unit below the root: its tickets and those of the units below it, and its figures (SPEC §11) */
  unitId: string | null = null,
): MonthExport {
  const scope = subtreeScope(from.repos.roster.units(), unitId);
  return { period, tickets: ticketRows(from.repos, period, now, scope), figures: from.figures.compute(period, now, { unitId }) };
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
  for (const b of BREAKDOWNS) {
    const rows = b.rows(data.figures);
    if (b.group !== '单位' || rows.length > 0) addSheet(book, b.sheet, headers, rows.map(figureCells));
  }
  await book.xlsx.writeFile(file);
}
