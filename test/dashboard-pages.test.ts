import ExcelJS from 'exceljs';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { TICKET_HEADERS } from '../src/reports/export.js';
import { say, startRig, ticketNo, type Rig } from './security/support.js';

const TOKEN = 'dashboardPagesS3cr3tR8nT5vQ1';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function signedIn(): Promise<{ r: Rig; get: (url: string) => Promise<LightMyRequestResponse> }> {
  const r = (rig = await startRig({ ADMIN_TOKEN: TOKEN }));
  const login = await r.app.inject({
    method: 'POST',
    url: '/dashboard/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token: TOKEN }).toString(),
  });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  return { r, get: (url) => r.app.inject({ method: 'GET', url, headers: { cookie } }) };
}

describe('dashboard exports', () => {
  it('writes a text cell of the xlsx as it is (`=1+1` reads back as `=1+1`), and keeps the apostrophe in csv', async () => {
    const { r, get } = await signedIn();
    const no = ticketNo(await say(r, 'wecom', 'chen', 'XM001', '报告 =1+1'));
    const description = (r.db.prepare('SELECT description FROM tickets WHERE no = ?').get(no) as { description: string }).description;
    expect(description).toBe('=1+1');

    const xlsx = await get('/dashboard/export/tickets.xlsx');
    expect(xlsx.statusCode).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload);
    const sheet = book.getWorksheet('工单')!;
    const cell = sheet.getRow(2).getCell(TICKET_HEADERS.indexOf('内容') + 1);
    // A typed string cell, never a formula: the spreadsheet shows the text and runs nothing. In
    // exceljs a JS string is a String value; a formula is only ever an object { formula }
    // (https://github.com/exceljs/exceljs#value-types).
    expect(cell.value).toBe('=1+1');
    expect(cell.type).toBe(ExcelJS.ValueType.String);

    // CSV has no cell types: there the text keeps its leading apostrophe.
    const csv = await get('/dashboard/export/tickets.csv');
    expect(csv.body).toContain(`'=1+1`);
  });
});
