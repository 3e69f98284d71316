/**
 * The playground's private chat with the bot, in Chromium: 陈经理 reports a conduct complaint (执法投诉)
 * privately; 周协调 sees it in 台账 in his own private chat, claims and resolves it in the coordinators'
 * group; the bot's direct message to 陈经理 shows as unread in her private chat, and its rating card
 * works there. A guest has no private chat, and the page says why.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '../support/harness.js';
import { freePort, launchBrowser, sendInPlayground, serve } from '../support/browser.js';

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

const PRIVATE = '@private';

const send = sendInPlayground;

async function open(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/playground`);
  await page.locator('#person option[value="chen"]').waitFor({ state: 'attached' });
  return page;
}

describe('the playground\'s private chat with the bot', () => {
  it('takes a conduct complaint privately, shows it in the coordinator\'s 台账, and the reporter\'s direct card works there', async () => {
    const page = await open();
    try {
      await page.selectOption('#person', 'chen');
      await page.selectOption('#chat', PRIVATE);
      expect(await page.locator('#chat-info').textContent()).toBe('私聊 · 只有 陈经理 和机器人看得到');

      const created = await send(page, '报告 执法人员检查时吃拿卡要', '已登记');
      const no = Number(/#(\d+)/.exec(created)?.[1]);
      expect(h.repos.tickets.get(no)).toMatchObject({ routing: 'coordinators', reporterPersonId: 'chen' });
      // Made privately: no hint to use a private chat next time.
      expect(created).not.toContain('下次');
      expect(await page.locator('#messages .msg-user').last().textContent()).toContain('报告 执法人员检查时吃拿卡要');
      // The outbox pane still shows everything: the answer as a message to 陈经理 alone.
      await page.locator('#outbox .out', { hasText: '→ 私信 陈经理' }).filter({ hasText: `#${no}` }).first().waitFor({ timeout: 10_000 });

      // Another person, another private chat: 周协调's, where 陈经理's words are not.
      await page.selectOption('#person', 'zhou');
      expect(await page.locator('#chat-info').textContent()).toBe('私聊 · 只有 周协调 和机器人看得到');
      expect(await page.locator('#messages').textContent()).not.toContain('吃拿卡要');
      const ledger = await send(page, '台账', `#${no}`);
      expect(ledger).toContain('吃拿卡要');

      // He claims and resolves it in the coordinators' group; the reporter hears directly.
      await page.selectOption('#chat', 'coordinators');
      await send(page, `认领 #${no}`, '已认领');
      await send(page, `办结 #${no} 已核实，相关人员已处理`, '已办结');
      const unread = page.locator('#unread button[data-conv="single:chen"]');
      await unread.waitFor({ timeout: 10_000 });
      expect(await unread.textContent()).toMatch(/^陈经理 私聊 · \d+ 条$/);

      // The chip opens 陈经理's private chat, as her: the rating card sent to her has working buttons.
      await unread.click();
      expect(await page.inputValue('#person')).toBe('chen');
      expect(await page.inputValue('#chat')).toBe(PRIVATE);
      expect(await unread.count()).toBe(0);
      const rate = page.locator('#messages [data-testid="card"]').filter({ hasText: `#${no} 已办结，请评价` }).last();
      await rate.waitFor({ timeout: 10_000 });
      // The card's message (its parent) is the direct message itself, tagged as one.
      const dm = rate.locator('xpath=..');
      expect(await dm.getAttribute('data-kind')).toBe('person');
      expect(await dm.locator('.meta .tag').textContent()).toBe('私信');
      await rate.locator('[data-testid="card-choice"]').selectOption('4');
      await rate.locator('[data-testid="card-button"]', { hasText: /^满意$/ }).click();
      await rate.locator('[data-testid="card-done"]', { hasText: '已由 陈经理 评价满意（4分）' }).waitFor({ timeout: 10_000 });
      expect(h.repos.tickets.get(no)).toMatchObject({ state: 'closed', rating: 4 });
      // Nothing of it was ever posted to the project group (SPEC §2).
      const inProject = (h.db.prepare("SELECT count(*) AS n FROM outbox WHERE platform = 'playground' AND (destination = 'XM001' OR chat_id = 'XM001')").get() as { n: number }).n;
      expect(inProject).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('says a guest has none, and takes nothing typed there', async () => {
    const page = await open();
    try {
      await page.selectOption('#person', 'guest');
      await page.selectOption('#chat', PRIVATE);
      const why = '访客不在名册中，没有与联保助手的私聊：请在“以谁的身份发言”里选名册中的人，或以访客身份到项目群里发言';
      expect(await page.locator('#messages').textContent()).toBe(why);
      expect(await page.isDisabled('#input')).toBe(true);
      expect(await page.isDisabled('#send')).toBe(true);
      // Back to someone in the roster, the chat opens.
      await page.selectOption('#person', 'wang');
      expect(await page.isDisabled('#input')).toBe(false);
      await send(page, '登录', '工作台账网页尚未对外发布');
    } finally {
      await page.close();
    }
  });
});

describe('links in the playground', () => {
  it('make the sign-in link of a private chat one to click, and leave any other address as text', async () => {
    const port = await freePort();
    const own = `http://127.0.0.1:${port}`;
    const linked = harness('2026-11-02T02:00:00Z', { RATE_SENDER_PER_MINUTE: '1000', ADMIN_TOKEN: 'playgroundLinksS3cr3tQ7mW2xZ', PUBLIC_URL: own });
    const server = await serve(linked, undefined, port);
    const page = await browser.newPage();
    try {
      await page.goto(`${own}/playground`);
      await page.locator('#person option[value="wang"]').waitFor({ state: 'attached' });
      await page.selectOption('#person', 'wang');
      await page.selectOption('#chat', PRIVATE);
      await send(page, '登录', '/dashboard/login/');
      const link = page.locator('#messages .msg-bot a').last();
      expect(await link.getAttribute('href')).toMatch(new RegExp(`^${own}/dashboard/login/[A-Za-z0-9_-]+$`));
      expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
      // An address someone typed, echoed in the bot's answer, is not made a link.
      await page.selectOption('#person', 'chen');
      await page.selectOption('#chat', 'XM001');
      expect(await send(page, '报告 村民堵门，视频见 http://evil.example/v', '已登记')).toContain('evil.example/v');
      expect(await page.locator('#messages .msg-bot a').count()).toBe(0);
    } finally {
      await page.close();
      await server.close();
    }
  });
});
