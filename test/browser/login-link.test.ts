/**
 * A person signs in to the dashboard as themselves (SPEC §11), in Chromium: 王警官 sends `登录` in
 * his private chat with the bot, opens the link it answers with, presses 登录, and sees the ledger
 * with only the tickets he is accountable for (SPEC §2) — no conduct complaint, nobody else's; a
 * ticket outside them is a 404 page. The same link a second time, and a link opened after its ten
 * minutes (the clock moved on), get a page saying so. A county's coordinator, signed in the same
 * way, sees that county's tickets and no others.
 */
import { Writable } from 'node:stream';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { accountable, accountableKey } from '../../src/tickets/accountable.js';
import { freePort, launchBrowser, seeded, serve, type SeededHarness } from '../support/browser.js';

const TOKEN = 'loginLinkBrowserS3cr3tK9wQx7';

let h: SeededHarness & { nos: number[] };
let close: (() => Promise<void>) | undefined;
let url: string;
let browser: Browser;
const logs: Record<string, unknown>[] = [];

/** 王警官 (or whoever) asks for a link in the private chat, through the bot as it runs in the server. */
function askForLink(person: string): string {
  const reply = h.send({ senderId: person, chatId: `single:${person}`, chatType: 'single', text: '登录' }).reply;
  const link = new RegExp(`${url.replace(/[.]/g, '\\.')}/dashboard/login/[A-Za-z0-9_-]{43}`).exec(reply)?.[0];
  if (!link) throw new Error(`no link in: ${reply}`);
  return link;
}

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  h = await seeded({ ADMIN_TOKEN: TOKEN, PUBLIC_URL: url });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  ({ close } = await serve(h, createLogger('info', sink), port));
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await close?.();
});

describe('signing in from a 登录 link', () => {
  it('shows an officer the ledger with only the tickets he is accountable for', async () => {
    const link = askForLink('wang');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await expect(page.locator('#link-title').textContent()).resolves.toBe('以 王警官 的身份登录');
    await Promise.all([page.waitForURL(`${url}/dashboard`), page.click('#link-submit')]);

    const officerOf = (code: string) => h.repos.roster.project(code)?.officerId ?? null;
    const all = h.nos.map((no) => h.repos.tickets.get(no)!);
    const mine = all.filter((t) => ['wang', 'dept:zhian'].includes(accountableKey(accountable(t, officerOf(t.projectCode))))).map((t) => t.no);
    const conduct = all.filter((t) => t.routing === 'coordinators').map((t) => t.no);
    expect(mine.length).toBeGreaterThan(3);
    expect(mine.length).toBeLessThan(all.length - 10);
    expect(conduct.length).toBeGreaterThan(0);

    const shown = (await page.locator('a.ticket-link').allTextContents()).map((s) => Number(s.replace('#', ''))).sort((a, b) => a - b);
    expect(shown).toEqual([...mine].sort((a, b) => a - b));
    expect(shown.filter((no) => conduct.includes(no))).toEqual([]);
    await expect(page.locator('body').textContent()).resolves.not.toContain('吃拿卡要');

    // A ticket of another officer's, typed into the address bar: as if it did not exist.
    const other = all.find((t) => !mine.includes(t.no) && t.routing !== 'coordinators')!;
    const res = await page.goto(`${url}/dashboard/tickets/${other.no}`);
    expect(res?.status()).toBe(404);
    await expect(page.locator('main').textContent()).resolves.toContain(`没有找到工单 #${other.no}`);
    await expect(page.locator('main').textContent()).resolves.not.toContain(other.description.slice(0, 8));

    // The same link again, even in this signed-in browser: refused with the page, no new session.
    const again = await page.goto(link);
    expect(again?.status()).toBe(410);
    await expect(page.locator('#problem-title').textContent()).resolves.toBe('登录链接已使用');
    await context.close();

    const fresh = await browser.newContext();
    const second = await fresh.newPage();
    expect((await second.goto(link))?.status()).toBe(410);
    await expect(second.locator('#problem-message').textContent()).resolves.toContain('重新发送“登录”');
    expect((await second.goto(`${url}/dashboard`))?.status()).toBe(401);
    await fresh.close();
    expect(logs.some((l) => l.check === 'login-link-used')).toBe(true);
  });

  it('shows a county coordinator that county’s tickets only (SPEC §11)', async () => {
    const dong = h.ticketNo(h.say('dxqy', 'DX001', '报告 物流园工地大门被村民堵住，车辆进不去'));
    const xi = h.ticketNo(h.say('xxqy', 'XX001', '报告 电站工地电缆夜里被偷'));
    const link = askForLink('dxxt');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await expect(page.locator('#link-title').textContent()).resolves.toBe('以 东县蒋协调 的身份登录');
    await Promise.all([page.waitForURL(`${url}/dashboard`), page.click('#link-submit')]);

    // Every ticket of the city's own projects and of 西县 is left out; 东县's is there.
    const shown = (await page.locator('a.ticket-link').allTextContents()).map((s) => Number(s.replace('#', '')));
    expect(shown).toEqual([dong]);
    expect(h.nos.length).toBeGreaterThan(10);
    const res = await page.goto(`${url}/dashboard/tickets/${xi}`);
    expect(res?.status()).toBe(404);
    await expect(page.locator('main').textContent()).resolves.not.toContain('电缆');
    await page.goto(`${url}/dashboard/figures`);
    await expect(page.locator('main').textContent()).resolves.toContain('东县护企办');
    await context.close();
  });

  it('refuses a link opened after its ten minutes', async () => {
    const link = askForLink('zhou');
    const context = await browser.newContext();
    const page = await context.newPage();
    // Opened in time, pressed too late: the clock moves on while the page is open.
    await page.goto(link);
    h.clock.advance(10 * 60_000 + 1);
    await page.click('#link-submit');
    await page.waitForSelector('#problem-title');
    await expect(page.locator('#problem-title').textContent()).resolves.toBe('登录链接已过期');
    expect((await page.goto(`${url}/dashboard`))?.status()).toBe(401);
    expect((await page.goto(link))?.status()).toBe(410);
    expect(logs.some((l) => l.check === 'login-link-expired')).toBe(true);
    await context.close();
  });
});
