import ExcelJS from 'exceljs';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { TICKET_HEADERS } from '../../src/reports/export.js';
import { say, startRig, ticketNo, type Rig } from '../support/app-rig.js';
import { getAs, signInCookie } from '../support/dashboard.js';

const TOKEN = 'dashboardPagesS3cr3tR8nT5vQ1';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function signedIn(): Promise<{ r: Rig; get: (url: string) => Promise<LightMyRequestResponse> }> {
  const r = (rig = await startRig({ ADMIN_TOKEN: TOKEN }));
  const cookie = await signInCookie(r.app, TOKEN);
  return { r, get: (url) => getAs(r.app, cookie, url) };
}

/** Words of zod's or Fastify's English that must not reach an operator. */
const ENGLISH = /Invalid|expected|Unsupported|Bad Request|must be|Too big|Too small|Not Found|Body/;

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

describe('dashboard errors, in Chinese for the operators (SPEC §10)', () => {
  it('names a bad filter and its allowed values in Chinese, on the page and in JSON', async () => {
    const { get } = await signedIn();
    const page = await get('/dashboard?state=bogus');
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('查询条件“状态”不正确：可选值为 待认领（open）、办理中（claimed）、待评价（resolved）、待回访（followup）、已销号（closed）、已撤回（withdrawn）');
    expect(page.body).not.toMatch(ENGLISH);

    const cases: [url: string, says: string][] = [
      ['/dashboard/api/tickets?state=bogus', '查询条件“状态”不正确：可选值为 待认领'],
      ['/dashboard/api/tickets?category=bogus', '查询条件“类别”不正确：可选值为 阻工、强揽'],
      ['/dashboard/api/tickets?page=0', '查询条件“页码”不正确：应为 1 到 1000000 之间的整数'],
      ['/dashboard/api/tickets?page=abc', '查询条件“页码”不正确'],
      ['/dashboard/api/tickets?overdue=yes', '查询条件“只看超期”不正确：只能为 1 或留空'],
      ['/dashboard/api/tickets?state=open&state=closed', '查询条件“状态”不正确'],
      [`/dashboard/api/tickets?q=${'长'.repeat(101)}`, '查询条件“搜索”不正确：最长 100 个字'],
      ['/dashboard/api/figures?month=2026-13', '查询条件“月份”不正确：应写成 年-月，例如 2026-11'],
      ['/dashboard/export/tickets.csv?project=' + 'x'.repeat(65), '查询条件“项目”不正确'],
    ];
    for (const [url, says] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      const { error } = res.json() as { error: string };
      expect(error, url).toContain(says);
      expect(error, url).not.toMatch(ENGLISH);
    }
  });

  it('answers a sign-in that is not a form, or too large, in Chinese, with a log line naming the check', async () => {
    const r = (rig = await startRig({ ADMIN_TOKEN: TOKEN }));
    const posts = [
      { headers: { 'content-type': 'application/json' }, payload: '{"token": ', status: 400 },
      { headers: { 'content-type': 'application/xml' }, payload: '<token>x</token>', status: 415 },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${'x'.repeat(20_000)}`, status: 413 },
    ];
    for (const p of posts) {
      const seen = r.logs.length;
      const res = await r.app.inject({ method: 'POST', url: '/dashboard/login', ...p });
      expect(res.statusCode, p.headers['content-type']).toBe(p.status);
      expect(res.body).toContain('请输入管理口令');
      expect(res.body).not.toMatch(ENGLISH);
      expect(r.logs.slice(seen).some((l) => l.level >= 40 && l.check === 'request')).toBe(true);
    }
  });

  it('says in Chinese that a page, an API or a ticket does not exist', async () => {
    const { get } = await signedIn();
    const page = await get('/dashboard/no-such-page');
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('页面不存在');
    const api = await get('/dashboard/api/no-such-thing');
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ error: '没有“/dashboard/api/no-such-thing”这个接口或导出。' });
    const ticket = await get('/dashboard/tickets/999');
    expect(ticket.statusCode).toBe(404);
    expect(ticket.body).toContain('没有找到工单 #999');
  });
});
