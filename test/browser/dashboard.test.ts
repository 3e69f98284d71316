import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { FIGURE_HEADERS, TICKET_HEADERS } from '../../src/reports/export.js';
import ExcelJS from 'exceljs';
import { harness } from '../support/harness.js';
import { launchBrowser, seeded, serve, type SeededHarness } from '../support/browser.js';

const TOKEN = 'dashboard-test-token-3f9a';

/** A small CSV reader (quoted fields, doubled quotes), enough to read back an export. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

let h: SeededHarness;
let close: (() => Promise<void>) | undefined;
let url: string;
let browser: Browser;
const logs: Record<string, unknown>[] = [];

/** Tickets past their claim or resolve deadline now, as the tickets repository lists them. */
function overdueNos(): number[] {
  return h.repos.tickets
    .list({ overdueAt: h.clock.now().getTime(), limit: 10_000 })
    .tickets.map((t) => t.no)
    .sort((a, b) => a - b);
}

async function signIn(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/dashboard`);
  await page.fill('#token', TOKEN);
  await Promise.all([page.waitForURL(`${url}/dashboard`), page.click('#login-submit')]);
  return page;
}

beforeAll(async () => {
  h = await seeded({ ADMIN_TOKEN: TOKEN });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  ({ url, close } = await serve(h, createLogger('info', sink)));
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await close?.();
});

describe('the dashboard without a sign-in', () => {
  it('answers every page, list and export with 401 and shows no ticket', async () => {
    for (const path of ['/dashboard', '/dashboard?overdue=1', '/dashboard/tickets/1', '/dashboard/figures', '/dashboard/meeting', '/dashboard/visits', '/dashboard/no-such-page']) {
      const res = await fetch(url + path);
      const body = await res.text();
      expect(res.status, path).toBe(401);
      expect(body, path).toContain('请输入管理口令');
      expect(body, path).not.toContain('混凝土车');
      expect(body, path).not.toContain('王警官');
    }
    for (const path of ['/dashboard/api/tickets', '/dashboard/api/figures', '/dashboard/export/tickets.csv', '/dashboard/export/tickets.xlsx', '/dashboard/export/figures.csv']) {
      const res = await fetch(url + path);
      expect(res.status, path).toBe(401);
      expect(await res.json(), path).toEqual({ error: expect.stringContaining('需要登录') });
    }
  });

  it('refuses a wrong token with 401, sets no cookie and logs the failed check', async () => {
    const before = logs.length;
    const res = await fetch(`${url}/dashboard/login`, { method: 'POST', body: new URLSearchParams({ token: 'not-the-token' }), redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('口令不正确');
    const line = logs.slice(before).find((l) => l.check === 'admin-token');
    expect(line).toBeDefined();
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });

  it('does not take a forged cookie, or the token itself as the cookie', async () => {
    for (const cookie of [`lianbao_admin=${TOKEN}`, 'lianbao_admin=1794841200000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'lianbao_admin=']) {
      const res = await fetch(`${url}/dashboard/api/tickets`, { headers: { cookie } });
      expect(res.status, cookie).toBe(401);
    }
  });

  it('keeps the sign-in in an HttpOnly, SameSite=Strict cookie that holds no token', async () => {
    const res = await fetch(`${url}/dashboard/login`, { method: 'POST', body: new URLSearchParams({ token: TOKEN, next: '/dashboard/figures' }), redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard/figures');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^lianbao_admin=[^;]+;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/dashboard');
    expect(cookie).not.toContain('Secure'); // plain http here
    expect(cookie).not.toContain(TOKEN);
    const api = await fetch(`${url}/dashboard/api/tickets`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { total: number }).total).toBe(h.nos.length);
  });

  it('exports the month’s figures and an xlsx workbook with the CLI’s columns', async () => {
    const login = await fetch(`${url}/dashboard/login`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }), redirect: 'manual' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csv = await fetch(`${url}/dashboard/export/figures.csv?month=2026-11`, { headers: { cookie } });
    expect(csv.headers.get('content-disposition')).toContain('lianbao-figures-2026-11.csv');
    const [header, overall] = parseCsv((await csv.text()).replace(/^\uFEFF/, ''));
    expect(header).toEqual([...FIGURE_HEADERS]);
    expect(overall?.slice(0, 3)).toEqual(['合计', '合计', String(h.nos.length)]);

    const xlsx = await fetch(`${url}/dashboard/export/tickets.xlsx?project=XM003`, { headers: { cookie } });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await xlsx.arrayBuffer()));
    const sheet = book.getWorksheet('工单')!;
    expect(sheet.getRow(1).values).toEqual([undefined, ...TICKET_HEADERS]);
    const xm003 = h.db.prepare("SELECT count(*) AS n FROM tickets WHERE project_code = 'XM003'").get() as { n: number };
    expect(sheet.rowCount - 1).toBe(xm003.n);
    for (let i = 2; i <= sheet.rowCount; i++) expect(sheet.getRow(i).getCell(2).value).toBe('XM003');
  });

  it('never sends a sign-in elsewhere than the dashboard', async () => {
    const res = await fetch(`${url}/dashboard/login`, { method: 'POST', body: new URLSearchParams({ token: TOKEN, next: 'https://example.com/' }), redirect: 'manual' });
    expect(res.headers.get('location')).toBe('/dashboard');
  });
});

describe('the dashboard on its own', () => {
  it('serves the stylesheet with the playground off, slows guessing after ten wrong tokens, and still takes the right one', async () => {
    const solo = harness('2026-11-02T02:00:00Z', { ADMIN_TOKEN: TOKEN, PLAYGROUND: '0' });
    const server = await serve(solo);
    try {
      const css = await fetch(`${server.url}/assets/style.css`);
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toContain('text/css');
      expect((await fetch(`${server.url}/playground`)).status).toBe(404);
      const attempt = (token: string) =>
        fetch(`${server.url}/dashboard/login`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
      for (let i = 0; i < 10; i++) expect((await attempt(`guess-${i}`)).status).toBe(401);
      const blocked = await attempt(TOKEN);
      expect(blocked.status).toBe(429);
      expect(blocked.headers.get('set-cookie')).toBeNull();
      expect(await blocked.text()).toContain('口令错误次数过多');
      // Once the address may try again, the right token signs in.
      solo.clock.advance(Number(blocked.headers.get('retry-after')) * 1000);
      const admitted = await attempt(TOKEN);
      expect(admitted.status).toBe(303);
      expect(admitted.headers.get('set-cookie')).toMatch(/^lianbao_admin=/);
    } finally {
      await server.close();
    }
  });
});

describe('the dashboard in a browser', () => {
  it('signs in with the token once and then shows the ledger', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const first = await page.goto(`${url}/dashboard`);
      expect(first?.status()).toBe(401);
      expect(await page.locator('#ledger').count()).toBe(0);
      await page.fill('#token', TOKEN);
      await Promise.all([page.waitForURL(`${url}/dashboard`), page.click('#login-submit')]);
      expect(await page.locator('#total').getAttribute('data-total')).toBe(String(h.nos.length));
      expect(await page.locator('#ledger tbody tr').count()).toBe(h.nos.length);
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({ name: 'lianbao_admin', httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
      expect(cookie?.value).not.toContain(TOKEN);
      // Asked once: another page opens straight away.
      const again = await page.goto(`${url}/dashboard/figures`);
      expect(again?.status()).toBe(200);
    } finally {
      await context.close();
    }
  });

  it('shows a wrong token the form again with 401 and no data', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${url}/dashboard/login`);
      await page.fill('#token', 'wrong-token');
      const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/dashboard/login') && r.request().method() === 'POST'), page.click('#login-submit')]);
      expect(res.status()).toBe(401);
      await expect.poll(() => page.locator('#login-error').textContent()).toContain('口令不正确');
      expect(await page.content()).not.toContain('混凝土车');
      expect(await context.cookies()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('filters to the overdue tickets, each marked overdue', async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context);
      await page.check('#f-overdue');
      await Promise.all([page.waitForURL(/overdue=1/), page.click('#apply')]);
      const expected = overdueNos();
      expect(expected.length).toBeGreaterThan(0);
      const rows = page.locator('#ledger tbody tr');
      const shown = (await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-no'))))).sort((a, b) => a - b);
      expect(shown).toEqual(expected);
      expect(await page.locator('#ledger tbody tr.overdue').count()).toBe(expected.length);
      for (const text of await rows.allTextContents()) expect(text).toContain('已超期');
      expect(await page.locator('#f-overdue').isChecked()).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('finds a ticket by its words and opens its timeline', async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context);
      await page.fill('#f-q', '拆迁补偿');
      await Promise.all([page.waitForURL(/q=/), page.click('#apply')]);
      const row = page.locator('#ledger tbody tr');
      expect(await row.count()).toBe(1);
      const no = Number(await row.getAttribute('data-no'));
      await Promise.all([page.waitForURL(`${url}/dashboard/tickets/${no}`), row.locator('a.ticket-link').click()]);
      expect(await page.locator('#ticket-title').textContent()).toBe(`工单 #${no}`);
      const lines = await page.locator('#timeline li').allTextContents();
      expect(lines).toHaveLength(h.repos.tickets.timeline(no).length);
      expect(lines[0]).toContain('马经理 报告挂号：拆迁补偿纠纷');
      expect(lines.some((l) => l.includes('孙警官 认领'))).toBe(true);
      expect(lines.some((l) => l.includes('钱警官 报到：经侦大队'))).toBe(true);
      expect(lines.some((l) => l.includes('不满意，退回重办'))).toBe(true);
      expect(await page.locator('main').textContent()).toContain('经侦大队');
    } finally {
      await context.close();
    }
  });

  it('exports the overdue view as CSV with the same rows', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    try {
      const page = await signIn(context);
      await page.goto(`${url}/dashboard?overdue=1`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
      expect(download.suggestedFilename()).toMatch(/\.csv$/);
      const bytes = readFileSync((await download.path())!);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const [header, ...rows] = parseCsv(bytes.toString('utf8').slice(1));
      // The columns of `lianbao export`.
      expect(header).toEqual([...TICKET_HEADERS]);
      const col = (name: string) => header!.indexOf(name);
      expect(rows.map((r) => Number(r[col('编号')])).sort((a, b) => a - b)).toEqual(overdueNos());
      for (const r of rows) {
        const t = h.repos.tickets.get(Number(r[col('编号')]))!;
        expect(r[col('状态')]).toMatch(/^(待认领|办理中)$/);
        expect(r[col('内容')]).toBe(t.description);
        expect(r[col('报告人')]).toBe(t.reporterName);
      }
    } finally {
      await context.close();
    }
  });

  it('shows the month’s figures with charts', async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context);
      await page.goto(`${url}/dashboard/figures?month=2026-11`);
      expect(await page.locator('#figures-title').textContent()).toBe('2026年11月工作统计');
      expect(await page.locator('.kpi').first().textContent()).toContain(String(h.nos.length));
      expect(await page.locator('figure.chart svg').count()).toBe(4);
      expect(await page.locator('#by-department tbody tr').first().textContent()).toContain('治安大队');
    } finally {
      await context.close();
    }
  });

  it('shows the meeting agenda and the visit log', async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context);
      await page.goto(`${url}/dashboard/meeting`);
      const meeting = await page.locator('main').textContent();
      expect(meeting).toContain('2026-11-25');
      expect(meeting).toContain('协调解决XM001进场道路被堵问题');
      await page.goto(`${url}/dashboard/visits?project=XM002`);
      expect(await page.locator('#visits').textContent()).toContain('梳理渣土车通行问题');
    } finally {
      await context.close();
    }
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      const page = await signIn(context);
      expect(await page.locator('#ledger tbody tr').count()).toBe(h.nos.length);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
    } finally {
      await context.close();
    }
  });

  it('signs out, and the cookie it had is refused afterwards', async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context);
      const [before] = await context.cookies();
      await Promise.all([page.waitForURL(`${url}/dashboard/login`), page.click('form[action="/dashboard/logout"] button')]);
      const res = await page.goto(`${url}/dashboard`);
      expect(res?.status()).toBe(401);
      // A copy of the cookie taken before 退出 (from another machine, say) no longer opens anything.
      const copied = await fetch(`${url}/dashboard/api/tickets`, { headers: { cookie: `${before!.name}=${before!.value}` } });
      expect(copied.status).toBe(401);
    } finally {
      await context.close();
    }
  });
});
