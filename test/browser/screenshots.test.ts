import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../src/paths.js';
import { launchBrowser, seeded, serve } from '../support/browser.js';

const TOKEN = 'screenshot-token-7Hq2Lw9xK';
const OUT = join(ROOT, 'docs', 'screenshots');

// Regenerates the README's pictures from the seeded data: `SCREENSHOTS=1 npx vitest run test/browser/screenshots.test.ts`.
describe.runIf(process.env.SCREENSHOTS === '1')('screenshots for the README', () => {
  it('saves the ledger, a ticket, the figures and the ledger on a phone', { timeout: 120_000 }, async () => {
    mkdirSync(OUT, { recursive: true });
    const h = await seeded({ ADMIN_TOKEN: TOKEN });
    const { close, url } = await serve(h);
    const browser = await launchBrowser();
    try {
      const laptop = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN', colorScheme: 'light' });
      const page = await laptop.newPage();
      await page.goto(`${url}/dashboard`);
      await page.fill('#token', TOKEN);
      await Promise.all([page.waitForURL(`${url}/dashboard`), page.click('#login-submit')]);
      await page.screenshot({ path: join(OUT, 'dashboard-ledger.png') });
      const overdue = await page.$$eval('tr.overdue', (rows) => rows.length);
      expect(overdue).toBeGreaterThan(0);
      await page.goto(`${url}/dashboard/tickets/3`);
      await page.screenshot({ path: join(OUT, 'dashboard-ticket.png'), fullPage: true });
      await page.goto(`${url}/dashboard/figures?month=2026-11`);
      await page.screenshot({ path: join(OUT, 'dashboard-figures.png'), fullPage: true });
      await page.goto(`${url}/dashboard/meeting`);
      await page.screenshot({ path: join(OUT, 'dashboard-meeting.png'), fullPage: true });
      const cookies = await laptop.cookies();

      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', colorScheme: 'light' });
      await phone.addCookies(cookies);
      const mobile = await phone.newPage();
      await mobile.goto(`${url}/dashboard?overdue=1`);
      await mobile.screenshot({ path: join(OUT, 'dashboard-ledger-phone.png') });
    } finally {
      await browser.close();
      await close();
    }
  });
});
