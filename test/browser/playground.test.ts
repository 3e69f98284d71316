import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '../support/harness.js';
import { launchBrowser, sendInPlayground, serve } from '../support/browser.js';

let h: ReturnType<typeof harness>;
let url: string;
let close: () => Promise<void>;
let browser: Browser;

beforeAll(async () => {
  h = harness('2026-11-02T02:00:00Z', { RATE_SENDER_PER_MINUTE: '1000' });
  ({ url, close } = await serve(h));
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await close?.();
});

const send = sendInPlayground;

describe('the playground in a browser', () => {
  it('reports, claims and resolves a ticket, showing every reply and outbound message', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${url}/playground`);
      await page.locator('#person option[value="chen"]').waitFor({ state: 'attached' });
      await page.selectOption('#person', 'chen');
      await page.selectOption('#chat', 'XM001');

      const created = await send(page, '报告 村民堵路阻工，车辆进不去', '已登记');
      const no = Number(/#(\d+)/.exec(created)?.[1]);
      expect(no).toBeGreaterThan(0);
      expect(created).toContain('阻工');
      expect(created).toContain('经开区新材料产业园');

      await page.selectOption('#person', 'wang');
      const claimed = await send(page, `认领 #${no}`, '已认领');
      expect(claimed).toContain('王警官');

      const resolved = await send(page, `办结 #${no} 已劝离，道路恢复通行`, '已办结');
      expect(resolved).toContain('已劝离，道路恢复通行');

      // What people typed shows in the chat too, as whoever typed it.
      const typed = await page.locator('#messages .msg-user').allTextContents();
      expect(typed.some((t) => t.includes('陈经理') && t.includes('报告 村民堵路阻工'))).toBe(true);
      expect(typed.some((t) => t.includes('王警官') && t.includes(`认领 #${no}`))).toBe(true);

      // Every message the bot sent appears in the outbox pane, replies and the rest alike.
      // An update of a card already shown is no message of its own (SPEC §7a): it changes that card.
      const sent = () =>
        (h.db.prepare("SELECT count(*) AS n FROM outbox WHERE platform = 'playground' AND status = 'sent' AND card_update IS NULL").get() as { n: number }).n;
      await expect.poll(async () => (await page.locator('#outbox .out').count()) === sent() && sent() >= 3).toBe(true);
      expect((await page.locator('#outbox').textContent()) ?? '').toContain(`#${no} 已办结`);

      expect(h.repos.tickets.get(no)?.state).toBe('resolved');
    } finally {
      await page.close();
    }
  });

  it('shows the times of messages in Beijing time, whatever time zone the browser is in', async () => {
    // Chromium's time zone for this page only (https://playwright.dev/docs/api/class-browser#browser-new-page, timezoneId).
    const page = await browser.newPage({ timezoneId: 'America/New_York' });
    try {
      await page.goto(`${url}/playground`);
      await page.locator('#person option[value="chen"]').waitFor({ state: 'attached' });
      await page.selectOption('#person', 'chen');
      await page.selectOption('#chat', 'XM001');
      await send(page, '帮助', '可用命令');
      // The harness's clock stands at 2026-11-02 10:00 in Beijing (21:00 the day before in New York).
      const answer = page.locator('#messages .msg-bot').filter({ hasText: '可用命令' }).last();
      expect(await answer.locator('time').textContent()).toBe('10:00');
      expect(await answer.locator('time').getAttribute('title')).toBe('2026-11-02 10:00:00（北京时间）');
      const typed = page.locator('#messages .msg-user').filter({ hasText: '帮助' }).last();
      await expect.poll(() => typed.locator('time').textContent()).toBe('10:00');
    } finally {
      await page.close();
    }
  });

  it('says a paste is too long, and the limit, giving the text back', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${url}/playground`);
      await page.locator('#person option[value="chen"]').waitFor({ state: 'attached' });
      await page.selectOption('#person', 'chen');
      await page.selectOption('#chat', 'XM001');
      const paste = `报告 ${'村民堵路'.repeat(5_001)}`;
      await page.fill('#input', paste);
      await page.click('#send');
      await expect.poll(() => page.locator('#error').textContent()).toBe('消息太长：一条消息最多 20000 个字符，请删减或分几条发送');
      expect(await page.inputValue('#input')).toBe(paste);
    } finally {
      await page.close();
    }
  });

  it('shows the cards with working buttons: a refused click is told privately, a click claims and closes, the card changes', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${url}/playground`);
      await page.locator('#person option[value="chen"]').waitFor({ state: 'attached' });
      await page.selectOption('#person', 'chen');
      await page.selectOption('#chat', 'XM001');

      await page.fill('#input', '报告 【卡片】村民堵路阻工，车辆进不去');
      await page.click('#send');
      const card = page.locator('#messages [data-testid="card"]').filter({ hasText: '【卡片】村民堵路阻工' }).last();
      await card.waitFor({ timeout: 10_000 });
      const no = Number(/#(\d+)/.exec((await card.locator('.card-title').textContent()) ?? '')?.[1]);
      expect(no).toBeGreaterThan(0);
      const claim = card.locator('[data-testid="card-button"]', { hasText: '认领' });
      expect(await claim.getAttribute('data-command')).toBe(`认领 #${no}`);

      // The enterprise may not claim: told in a direct message, and the card keeps its button.
      await claim.click();
      await page.locator('#outbox .out', { hasText: '→ 私信 陈经理' }).filter({ hasText: '“认领”只能由' }).waitFor({ timeout: 10_000 });
      expect(h.repos.tickets.get(no)?.state).toBe('open');
      expect(await claim.count()).toBe(1);

      // The officer's click claims it; the card shows who did, for everyone, without its button.
      await page.selectOption('#person', 'wang');
      await claim.click();
      await card.locator('[data-testid="card-done"]', { hasText: '已由 王警官 认领' }).waitFor({ timeout: 10_000 });
      expect(await card.locator('[data-testid="card-button"]').count()).toBe(0);
      expect(h.repos.tickets.get(no)).toMatchObject({ state: 'claimed', assigneeId: 'wang' });

      await send(page, `办结 #${no} 已劝离，道路恢复通行`, '已办结');
      const rate = page.locator('#messages [data-testid="card"]').filter({ hasText: `#${no} 已办结，请评价` }).last();
      await rate.waitFor({ timeout: 10_000 });
      await page.selectOption('#person', 'chen');
      await rate.locator('[data-testid="card-choice"]').selectOption('4');
      await rate.locator('[data-testid="card-button"]', { hasText: /^满意$/ }).click();
      await rate.locator('[data-testid="card-done"]', { hasText: '已由 陈经理 评价满意（4分）' }).waitFor({ timeout: 10_000 });
      expect(h.repos.tickets.get(no)).toMatchObject({ state: 'closed', rating: 4 });
    } finally {
      await page.close();
    }
  });
});
