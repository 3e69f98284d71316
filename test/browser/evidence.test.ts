/**
 * Evidence in a browser (SPEC §7b): the playground attaches a picture to a report, and the
 * dashboard's ticket page shows the photos after the sign-in, and none of them without it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlaygroundAdapter, playgroundUploadsDir } from '../../src/platforms/playground/index.js';
import { harness } from '../support/harness.js';
import { html, png, sha256 } from '../support/files.js';
import { launchBrowser, serve } from '../support/browser.js';

const TOKEN = 'browser-evidence-token-7c1d2e';
const dir = mkdtempSync(join(tmpdir(), 'lianbao-browser-evidence-'));
const attachments = join(dir, 'attachments');

let h: ReturnType<typeof harness>;
let url: string;
let close: (() => Promise<void>) | undefined;
let browser: Browser;

beforeAll(async () => {
  h = harness(
    '2026-11-02T02:00:00Z',
    { RATE_SENDER_PER_MINUTE: '1000', ATTACHMENTS_DIR: attachments, ADMIN_TOKEN: TOKEN, PLAYGROUND: '1' },
    { playground: createPlaygroundAdapter(playgroundUploadsDir(attachments)) },
  );
  ({ url, close } = await serve(h));
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await close?.();
  rmSync(dir, { recursive: true, force: true });
});

async function botSays(page: Page, expected: string): Promise<string> {
  const answer = page.locator('#messages .msg-bot').filter({ hasText: expected }).last();
  await answer.waitFor({ timeout: 15_000 });
  return (await answer.textContent()) ?? '';
}

const red = png(120, 90, [210, 40, 30]);
const green = png(90, 120, [30, 160, 60]);

describe('evidence in a browser', () => {
  let no = 0;

  it('the playground attaches a picture to the report just made, and refuses a web page named .jpg', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${url}/playground`);
      await page.locator('#person option[value="chen"]').waitFor({ state: 'attached' });
      await page.selectOption('#person', 'chen');
      await page.selectOption('#chat', 'XM001');
      await page.fill('#input', '报告 村民堵住工地东门，见照片');
      await page.click('#send');
      no = Number(/#(\d+)/.exec(await botSays(page, '已登记'))?.[1]);
      expect(no).toBeGreaterThan(0);

      await page.setInputFiles('#file', { name: '东门.png', mimeType: 'image/png', buffer: red });
      expect(await botSays(page, '已附到')).toContain(`已附到 #${no}：图片1张`);
      // With words typed, the picture goes with them: 补充 #N and the photo in one message.
      await page.fill('#input', `补充 #${no} 又来了十几个人`);
      await page.setInputFiles('#file', { name: '东门2.png', mimeType: 'image/png', buffer: green });
      await botSays(page, '补充情况');
      await expect.poll(async () => (await page.locator('#messages .msg-bot').filter({ hasText: `已附到 #${no}` }).count())).toBe(2);
      const typed = await page.locator('#messages .msg-user').allTextContents();
      expect(typed.some((t) => t.includes('［图片］东门.png'))).toBe(true);

      await page.setInputFiles('#file', { name: '现场.jpg', mimeType: 'image/jpeg', buffer: html() });
      expect(await botSays(page, '不是图片')).toContain('「现场.jpg」的内容不是图片，没有保存');
      expect(h.repos.attachments.ofTicket(no).map((a) => a.sha256)).toEqual([sha256(red), sha256(green)]);
    } finally {
      await page.close();
    }
  });

  it('the ticket page shows the photos after the sign-in, and refuses them without it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const photo = `${url}/dashboard/tickets/${no}/files/${sha256(red)}`;
      const without = await page.request.get(photo);
      expect(without.status()).toBe(401);
      expect(Buffer.from(await without.body()).includes(red)).toBe(false);

      await page.goto(`${url}/dashboard/tickets/${no}`);
      expect(await page.locator('img[data-testid="evidence-image"]').count()).toBe(0);
      await page.fill('#token', TOKEN);
      await Promise.all([page.waitForURL(`${url}/dashboard/tickets/${no}`), page.click('#login-submit')]);

      const images = page.locator('img[data-testid="evidence-image"]');
      await expect.poll(() => images.count()).toBe(2);
      // Drawn, not broken: the browser fetched and decoded each photo with the sign-in cookie.
      await expect
        .poll(() => images.evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth)))
        .toEqual([120, 90]);
      const shown = await page.request.get(photo);
      expect(shown.status()).toBe(200);
      expect(shown.headers()['content-type']).toBe('image/png');
      expect(shown.headers()['x-content-type-options']).toBe('nosniff');
    } finally {
      await context.close();
    }
  });
});
