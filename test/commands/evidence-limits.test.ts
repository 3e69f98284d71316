/**
 * No message can stop the bot (SPEC §9), evidence included (§7b): one sender, even a stranger in a
 * project group, stores only so many files an hour, and no file is written when the disk would be
 * left with less than its reserve, so that a full disk never stops the database for everyone.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { png, sha256 } from '../support/files.js';
import { evidenceHarness } from '../support/evidence.js';

const harnesses: ReturnType<typeof evidenceHarness>[] = [];
function setup(env: Record<string, string> = {}) {
  const h = evidenceHarness('2026-11-02T02:00:00Z', env);
  harnesses.push(h);
  return h;
}
afterEach(() => {
  for (const h of harnesses.splice(0)) h.cleanup();
  vi.restoreAllMocks();
});

const MINUTE = 60_000;
const GIB = 1024 * 1024 * 1024;
/** A different small picture each time. */
let shade = 0;
const picture = () => png(4, 4, [++shade % 256, Math.floor(shade / 256), 7]);

function downloads(h: ReturnType<typeof setup>): number {
  return (h.db.prepare('SELECT count(*) AS n FROM downloads').get() as { n: number }).n;
}

describe('each sender\'s hourly budget of evidence', () => {
  it('stores 30 files an hour from a stranger who reported, refuses the 31st with when, and leaves others alone', async () => {
    const h = setup();
    const stranger = { senderId: 'stranger', senderName: '路人甲', chatId: 'XM001' };
    const no = h.ticketNo(h.send({ ...stranger, text: '报告 门口有人' }));
    const send = (bytes: Buffer, text = '') => {
      const ref = `f-${sha256(bytes).slice(0, 12)}`;
      h.platform.serve(ref, bytes);
      return h.send({ ...stranger, text, ...(text ? {} : { kind: 'image' as const }), attachments: [{ kind: 'image', ref }] });
    };
    for (let i = 0; i < 30; i++) {
      h.clock.advance(10_000);
      expect(send(picture()).reply).toBe('');
    }
    expect(await h.fetched()).toHaveLength(30);
    expect(h.kept()).toHaveLength(30);
    const asked = h.platform.asked.length;
    // The 31st, five minutes (30 × 10 s) after the first: that one leaves the hour at 11:00:10.
    const refused = send(picture());
    expect(refused.reply).toBe('这张图片没有保存：每人每小时最多保存 30 个附件，请在 11:01 以后再发送');
    expect(await h.fetched()).toEqual([]);
    expect(h.platform.asked).toHaveLength(asked);
    expect(h.kept()).toHaveLength(30);
    expect(downloads(h)).toBe(30);
    // Someone else adds to the same ticket as before.
    const other = picture();
    h.attach('chen', 'XM001', `补充 #${no}`, { bytes: other });
    expect(await h.fetched()).toEqual([`已附到 #${no}：图片1张`]);
    // At the time said, the stranger may send again.
    h.clock.advance(56 * MINUTE);
    expect(send(picture(), `补充 #${no}`).reply).toBe('');
    expect(await h.fetched()).toEqual([`已附到 #${no}：图片1张`]);
    expect(h.repos.attachments.ofTicket(no)).toHaveLength(32);
  });

  it('does not name a conduct complaint’s file in the project group when it refuses it', async () => {
    const h = setup({ ATTACHMENT_SENDER_PER_HOUR: '1' });
    h.say('chen', 'XM001', '报告 王警官吃拿卡要，上周收了我们的礼金');
    expect(h.attach('chen', 'XM001', '', { kind: 'file', bytes: picture(), name: '转账记录-1.png' }).reply).toBe('');
    const refused = h.attach('chen', 'XM001', '', { kind: 'file', bytes: picture(), name: '王警官收礼金转账记录.png' }).reply;
    expect(refused).toContain('这个文件没有保存：每人每小时最多保存 1 个附件');
    expect(refused).not.toContain('王警官');
  });

  it('counts files still being fetched, so a flood while the platform is slow is bounded too', async () => {
    const h = setup({ ATTACHMENT_SENDER_PER_HOUR: '3' });
    h.say('chen', 'XM001', '报告 村民堵门');
    for (let i = 0; i < 3; i++) expect(h.attach('chen', 'XM001', '', { serve: { fail: 'retryable' } }).reply).toBe('');
    expect(h.attach('chen', 'XM001', '', { bytes: picture() }).reply).toContain('每人每小时最多保存 3 个附件');
    expect(downloads(h)).toBe(3);
  });

  it('does not count a file again that was stored once, nor one that was refused', async () => {
    const h = setup({ ATTACHMENT_SENDER_PER_HOUR: '3' });
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    const red = png(8, 8, [220, 40, 40]);
    h.attach('chen', 'XM001', '', { bytes: red });
    h.attach('chen', 'XM001', '', { bytes: Buffer.from(red) });
    await h.fetched();
    // The same file on another ticket writes nothing new either.
    const other = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    h.attach('chen', 'XM001', '', { bytes: Buffer.from(red) });
    // A web page said to be a picture is refused, and stores nothing.
    h.attach('chen', 'XM001', '', { bytes: Buffer.from('<html></html>') });
    expect((await h.fetched()).sort()).toEqual([`已附到 #${other}：图片1张`, '这张图片的内容不是图片，没有保存：请直接发送照片'].sort());
    expect(h.attach('chen', 'XM001', '', { bytes: picture() }).reply).toBe('');
    expect(h.attach('chen', 'XM001', '', { bytes: picture() }).reply).toBe('');
    expect(await h.fetched()).toEqual([`已附到 #${other}：图片1张`, `已附到 #${other}：图片1张`]);
    expect(h.attach('chen', 'XM001', '', { bytes: picture() }).reply).toContain('每人每小时最多保存 3 个附件');
    expect(h.repos.attachments.ofTicket(no)).toHaveLength(1);
    expect(h.kept()).toHaveLength(3);
  });

  it('takes what fits of a message with several files, and says how many were not kept', async () => {
    const h = setup({ ATTACHMENT_SENDER_PER_HOUR: '3' });
    h.say('wang', 'XM001', '报告 有人强揽土方运输');
    h.attach('wang', 'XM001', '', { bytes: picture() });
    h.clock.advance(MINUTE);
    const said = h.attach('wang', 'XM001', '', { bytes: picture() }, { bytes: picture() }, { bytes: picture() });
    // Of the three counted, the first leaves the hour at 11:00.
    expect(said.reply).toBe('其中 1 个附件没有保存：每人每小时最多保存 3 个附件，请在 11:00 以后再发送');
    expect(await h.fetched()).toEqual(['已附到 #1：图片1张', '已附到 #1：图片2张']);
    expect(h.kept()).toHaveLength(3);
  });
});

describe('the disk\'s reserve', () => {
  it('keeps no file when the disk would be left with less than its reserve, and the ticket says so', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    // 20 GiB disk: its reserve is 1 GiB, and a file may be 20 MB.
    const space = vi.spyOn(h.attachmentStore!, 'freeSpace').mockReturnValue({ freeBytes: GIB + 10 * 1024 * 1024, totalBytes: 20 * GIB });
    const said = h.attach('chen', 'XM001', `补充 #${no} 门口照片`, { bytes: picture(), name: '门口.png' });
    expect(said.reply).toContain(`**#${no} 补充情况**（陈经理）`);
    expect(said.reply).toContain('「门口.png」没有保存：服务器存储空间不足（已记入 #1），请通知管理员清理磁盘后重新发送');
    expect(await h.fetched()).toEqual([]);
    expect(h.platform.asked).toEqual([]);
    expect(h.kept()).toEqual([]);
    expect(h.temporary()).toEqual([]);
    expect(downloads(h)).toBe(0);
    expect(h.repos.attachments.ofTicket(no)).toEqual([]);
    const failed = h.repos.tickets.timeline(no).filter((r) => r.action === 'attach_failed');
    expect(failed.map((r) => r.detail)).toEqual([{ kind: 'image', name: '门口.png', error: '磁盘空间不足：可用 1034 MB，需保留 1024 MB', reason: 'disk_reserve' }]);
    expect(h.say('chen', 'XM001', `查询 #${no}`).reply).toContain('陈经理 证据未能下载：图片「门口.png」，服务器存储空间不足，没有保存，请发送人重新发送');
    // With room again, the next picture is kept.
    space.mockReturnValue({ freeBytes: 5 * GIB, totalBytes: 20 * GIB });
    h.attach('chen', 'XM001', '', { bytes: picture() });
    expect(await h.fetched()).toEqual([`已附到 #${no}：图片1张`]);
  });

  it('keeps 5 % of a large disk free', () => {
    const h = setup();
    vi.spyOn(h.attachmentStore!, 'freeSpace').mockReturnValue({ freeBytes: 5 * GIB, totalBytes: 200 * GIB });
    h.say('chen', 'XM001', '报告 村民堵门');
    expect(h.attach('chen', 'XM001', '', { bytes: picture() }).reply).toContain('服务器存储空间不足');
  });

  it('writes nothing when the disk filled after the message came; the file is fetched again once there is room', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    const bytes = picture();
    h.attach('chen', 'XM001', '', { bytes });
    const space = vi.spyOn(h.attachmentStore!, 'freeSpace').mockReturnValue({ freeBytes: GIB, totalBytes: 20 * GIB });
    expect(await h.fetched()).toEqual([]);
    expect(h.kept()).toEqual([]);
    expect(h.temporary()).toEqual([]);
    expect(h.repos.attachments.ofTicket(no)).toEqual([]);
    space.mockReturnValue({ freeBytes: 5 * GIB, totalBytes: 20 * GIB });
    h.clock.advance(1_000);
    expect(await h.fetched()).toEqual([`已附到 #${no}：图片1张`]);
    expect(h.kept()).toEqual([sha256(bytes)]);
  });
});
