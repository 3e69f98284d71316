/**
 * Evidence over real callbacks, on both platforms, against the real server process (SPEC §7b): a
 * report followed within a minute by two photos and a PDF attaches all three to that ticket, each
 * kept under the SHA-256 of exactly what the platform double served; the ticket page in Chromium
 * shows the photos after the sign-in and refuses them without it; an oversize file and an HTML file
 * named .jpg are refused with a reply. The files come the way each platform hands them out:
 * - WeCom 智能机器人 (https://developer.work.weixin.qq.com/document/path/100719): `image` and `file`
 *   messages with a URL, the content AES-encrypted like the callback;
 * - DingTalk (https://open.dingtalk.com/document/orgapp/receive-message): `picture` and `file` with a
 *   downloadCode, exchanged at messageFiles/download
 *   (https://open.dingtalk.com/document/orgapp/download-the-file-content-of-the-robot-receiving-message)
 *   for a URL on another path, fetched without credentials.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { dingtalkCallback, dingtalkEnv, postCallback, WECOM_TEST, wecomAibotCallback, wecomEnv } from '../support/callbacks.js';
import { html, largePng, pdf, png, sha256 } from '../support/files.js';
import { startPlatformDouble, ticketNumbers, type DeliveredMessage, type PlatformDouble } from '../support/platform-double.js';
import { cleanupServers, queryDb, ServerProcess } from '../support/server-process.js';

const TOKEN = 'e2e-evidence-admin-token-58b1';

let double: PlatformDouble;
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  double = await startPlatformDouble();
  server = await ServerProcess.start({
    env: { ...wecomEnv(double.base), ...dingtalkEnv(double.base), ADMIN_TOKEN: TOKEN, ATTACHMENT_MAX_MB: '1' },
  });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await cleanupServers();
  await double?.close();
});

/** What a ticket holds as evidence, as the database records it. */
function evidenceOf(no: number): { sha256: string; mime: string; size: number }[] {
  return queryDb(
    server.databasePath,
    'SELECT a.sha256, a.mime, a.size FROM ticket_attachments t JOIN attachments a USING (sha256) WHERE t.ticket_no = ? ORDER BY t.added_at, t.rowid',
    no,
  );
}

/** Signs in to the dashboard in a fresh browser, and checks the photos show there, and not before. */
async function photosShownOnlyAfterSignIn(no: number, photos: Buffer[]): Promise<void> {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    const first = `${server.base}/dashboard/tickets/${no}/files/${sha256(photos[0]!)}`;
    const refused = await page.request.get(first);
    expect(refused.status()).toBe(401);
    expect(Buffer.from(await refused.body()).includes(photos[0]!)).toBe(false);
    await page.goto(`${server.base}/dashboard/tickets/${no}`);
    expect(await page.locator('img[data-testid="evidence-image"]').count()).toBe(0);

    await page.fill('#token', TOKEN);
    await Promise.all([page.waitForURL(`${server.base}/dashboard/tickets/${no}`), page.click('#login-submit')]);
    const images = page.locator('img[data-testid="evidence-image"]');
    await expect.poll(() => images.count()).toBe(photos.length);
    await expect.poll(() => images.evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0))).toBe(true);
    expect(await page.locator('a[data-testid="evidence-file"]').count()).toBe(1);
    const shown = await page.request.get(first);
    expect(shown.status()).toBe(200);
    expect(Buffer.from(await shown.body())).toEqual(photos[0]);
  } finally {
    await context.close();
  }
}

/** The files are where the server keeps them, under their hashes, beside the database. */
function keptOnDisk(files: Buffer[]): void {
  for (const f of files) {
    const path = join(dirname(server.databasePath), 'attachments', sha256(f));
    expect(existsSync(path), path).toBe(true);
    expect(readFileSync(path)).toEqual(f);
  }
}

describe('evidence over WeCom 智能机器人', () => {
  let seq = 0;
  /** Sends one message in 陈经理's chat with the bot and returns the reply through its response_url. */
  async function send(msgtype: string, content: Record<string, unknown>): Promise<DeliveredMessage> {
    const replyUrl = double.wecomResponseUrl('single:chenjl');
    const cb = wecomAibotCallback({ msgId: `wecom-evidence-${++seq}`, userId: 'chenjl', replyUrl, msgtype, content });
    expect(await postCallback(server.base, cb)).toBe(200);
    const code = new URL(replyUrl).searchParams.get('response_code');
    const [reply] = await double.waitForMessages(1, (m) => m.request.query.get('response_code') === code, 20_000);
    return reply!;
  }
  const picture = (file: Buffer) => ({ image: { url: double.wecomEncryptedUrl(file, WECOM_TEST.encodingAesKey) } });

  it('attaches two photos and a PDF sent within a minute of the report, as the double served them', async () => {
    const created = await send('text', { text: { content: '报告 村民堵住工地东门，混凝土车进不去' } });
    const no = ticketNumbers(created.text)[0]!;
    expect(created.text).toContain(`#${no} 已登记`);
    const photos = [png(160, 120, [200, 30, 30]), png(120, 160, [30, 30, 200])];
    const doc = pdf('东门现场情况说明');
    expect((await send('image', picture(photos[0]!))).text).toBe(`已附到 #${no}：图片1张`);
    expect((await send('image', picture(photos[1]!))).text).toBe(`已附到 #${no}：图片1张`);
    expect((await send('file', { file: { url: double.wecomEncryptedUrl(doc, WECOM_TEST.encodingAesKey) } })).text).toBe(`已附到 #${no}：文件1个`);

    expect(evidenceOf(no)).toEqual([
      { sha256: sha256(photos[0]!), mime: 'image/png', size: photos[0]!.length },
      { sha256: sha256(photos[1]!), mime: 'image/png', size: photos[1]!.length },
      { sha256: sha256(doc), mime: 'application/pdf', size: doc.length },
    ]);
    keptOnDisk([...photos, doc]);
    await photosShownOnlyAfterSignIn(no, photos);
  }, 90_000);

  it('refuses an oversize photo and a web page sent as a photo, with a reply each, and keeps neither', async () => {
    const no = ticketNumbers((await send('text', { text: { content: '报告 工地电缆被盗' } })).text)[0]!;
    expect((await send('image', picture(largePng(1024 * 1024 + 1)))).text).toBe('这张图片超过 1MB，没有保存：请压缩后再发，或分成几个文件发送');
    expect((await send('image', picture(html()))).text).toBe('这张图片的内容不是图片，没有保存：请直接发送照片');
    expect(evidenceOf(no)).toEqual([]);
    const refused = server.logs.filter((l) => l.msg === 'attachment refused').map((l) => l.check);
    expect(refused).toEqual(expect.arrayContaining(['attachment-too_large', 'attachment-not_image']));
  }, 60_000);
});

describe('evidence over DingTalk', () => {
  let seq = 0;
  /** Sends one message in 陈经理's one-to-one chat with the robot and returns the reply through its sessionWebhook. */
  async function send(m: { text?: string; msgtype?: string; content?: Record<string, unknown> }): Promise<DeliveredMessage> {
    const sessionWebhook = double.dingtalkSessionWebhook('cidChenSingle');
    const cb = dingtalkCallback({
      msgId: `dingtalk-evidence-${++seq}`,
      conversationId: 'cidChenSingle',
      conversationType: '1',
      staffId: 'staff-chen',
      nick: '陈经理',
      text: m.text ?? '',
      sessionWebhook,
      ...(m.msgtype ? { msgtype: m.msgtype, content: m.content } : {}),
    });
    expect(await postCallback(server.base, cb)).toBe(200);
    const session = new URL(sessionWebhook).searchParams.get('session');
    const [reply] = await double.waitForMessages(1, (r) => r.request.query.get('session') === session, 20_000);
    return reply!;
  }
  const picture = (file: Buffer) => ({ msgtype: 'picture', content: { downloadCode: double.dingtalkDownloadCode({ bytes: file, contentType: 'image/png', filename: 'photo.png' }) } });
  const file = (bytes: Buffer, fileName: string, contentType: string) => ({
    msgtype: 'file',
    content: { downloadCode: double.dingtalkDownloadCode({ bytes, contentType, filename: fileName }), fileName, fileId: 'f', spaceId: 's' },
  });

  it('attaches two photos and a PDF sent within a minute of the report, as the double served them', async () => {
    const created = await send({ text: '报告 项目南门有人拦车，渣土车出不去' });
    const no = ticketNumbers(created.text)[0]!;
    expect(created.text).toContain(`#${no} 已登记`);
    const photos = [png(150, 100, [20, 180, 40]), png(100, 150, [180, 180, 20])];
    const doc = pdf('南门现场情况说明');
    // One hiccup of DingTalk's storage: the file is fetched again, not lost.
    double.failDownloads(1);
    expect((await send(picture(photos[0]!))).text).toBe(`已附到 #${no}：图片1张`);
    expect((await send(picture(photos[1]!))).text).toBe(`已附到 #${no}：图片1张`);
    expect((await send(file(doc, '情况说明.pdf', 'application/pdf'))).text).toBe(`已附到 #${no}：文件1个`);

    expect(evidenceOf(no)).toEqual([
      { sha256: sha256(photos[0]!), mime: 'image/png', size: photos[0]!.length },
      { sha256: sha256(photos[1]!), mime: 'image/png', size: photos[1]!.length },
      { sha256: sha256(doc), mime: 'application/pdf', size: doc.length },
    ]);
    // The files came from the URL messageFiles/download gave, without DingTalk's token.
    const fetched = double.requests.filter((r) => r.path.startsWith('/dingtalk-files/'));
    expect(fetched.length).toBeGreaterThanOrEqual(4);
    expect(fetched.every((r) => r.headers['x-acs-dingtalk-access-token'] === undefined)).toBe(true);
    keptOnDisk([...photos, doc]);
    await photosShownOnlyAfterSignIn(no, photos);
  }, 90_000);

  it('refuses an oversize file and an HTML file named .jpg, with a reply each, and keeps neither', async () => {
    const no = ticketNumbers((await send({ text: '报告 夜间电缆被偷' })).text)[0]!;
    expect((await send(file(largePng(1024 * 1024 + 1), '监控截图.png', 'image/png'))).text).toBe(
      '「监控截图.png」超过 1MB，没有保存：请压缩后再发，或分成几个文件发送',
    );
    expect((await send(file(html(), '现场.jpg', 'image/jpeg'))).text).toBe('「现场.jpg」的内容不是图片，没有保存：请直接发送照片');
    expect(evidenceOf(no)).toEqual([]);
  }, 60_000);
});
