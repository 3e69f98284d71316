import type { RosterRepo } from '../db/roster-repo.js';
import { currentDeadline } from '../dispatch/helpers.js';
import { FIGURE_HEADERS, TICKET_HEADERS, figureRows, ticketRow, toCsv as csvText, type Cell } from '../reports/export.js';
import type { FiguresReport } from '../reports/figures.js';
import type { Ticket } from '../tickets/model.js';

/** A sheet of an export: a header row and the rows under it. */
export interface Sheet {
  name: string;
  header: readonly string[];
  rows: Cell[][];
}

/** Past its current claim or resolve deadline at `now` (a resolution waiting for 评价 is not late). */
export function isOverdue(t: Ticket, now: number): boolean {
  const d = currentDeadline(t);
  return d !== null && t.state !== 'resolved' && d.at < now;
}

/**
 * The ledger's tickets with the columns and values of `lianbao export`, in the ledger's order;
 * `attachments`: how many files each has (AttachmentsRepo.totals).
 */
export function ticketSheet(roster: RosterRepo, tickets: readonly Ticket[], now: number, attachments: ReadonlyMap<number, number>): Sheet {
  return { name: '工单', header: TICKET_HEADERS, rows: tickets.map((t) => ticketRow(t, roster, now, attachments.get(t.no) ?? 0)) };
}

const SHEET_OF_GROUP: Record<string, string> = { 合计: '合计', 部门: '按部门', 责任人: '按责任人', 项目: '按项目', 单位: '按单位' };

/** The figures as the CLI exports them: one table with the 分组 column, or one sheet per breakdown. */
export function figureTable(f: FiguresReport): Sheet {
  return { name: '统计', header: FIGURE_HEADERS, rows: figureRows(f) };
}

export function figureSheets(f: FiguresReport): Sheet[] {
  const sheets = new Map<string, Sheet>();
  for (const [group, ...cells] of figureRows(f)) {
    const name = SHEET_OF_GROUP[String(group)] ?? String(group);
    let sheet = sheets.get(name);
    if (!sheet) sheets.set(name, (sheet = { name, header: FIGURE_HEADERS.slice(1), rows: [] }));
    sheet.rows.push(cells);
  }
  return [...sheets.values()];
}

/** CSV with a UTF-8 byte-order mark, as the CLI writes it. */
export function toCsv(sheet: Sheet): Buffer {
  return Buffer.from(csvText(sheet.header, sheet.rows), 'utf8');
}

/**
 * An xlsx workbook with one worksheet per sheet, the header row bold and frozen. Text is written
 * as it is: an xlsx cell is typed, and a string cell is shown, never run, even when it starts
 * with `=` (only CSV, which has no types, needs the apostrophe `toCsv` adds).
 */
export async function toXlsx(sheets: Sheet[]): Promise<Buffer> {
  // exceljs takes a few hundred milliseconds to load: loaded by the first xlsx export, not by every start.
  const { default: excel } = await import('exceljs');
  const wb = new excel.Workbook();
  wb.creator = 'lianbao';
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name, { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.addRow([...s.header]).font = { bold: true };
    for (const r of s.rows) ws.addRow(r);
    s.header.forEach((h, i) => {
      const longest = Math.max(width(h), ...s.rows.map((r) => width(String(r[i] ?? ''))));
      ws.getColumn(i + 1).width = Math.min(60, Math.max(6, longest + 2));
    });
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

// Chinese characters take two columns in a spreadsheet.
function width(s: string): number {
  let n = 0;
  for (const ch of s) n += ch.charCodeAt(0) > 0x2e80 ? 2 : 1;
  return n;
}
