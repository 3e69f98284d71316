/**
 * Evidence on the ticket (SPEC §7b, 取证快): pictures and files sent with a 报告 or 补充 #N, or on
 * their own right after one, become part of that ticket's record; only someone who may 补充 the
 * ticket attaches to it; bad files are refused with one line each, and nothing half-stored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compoundFile, html, largePng, pdf, png, sha256 } from '../support/files.js';
import { boundMessage } from '../../src/chat/receiver.js';
import { evidenceHarness } from '../support/evidence.js';
import { snapshotRows } from '../support/tickets.js';

const harnesses: ReturnType<typeof evidenceHarness>[] = [];
function setup(env: Record<string, string> = {}) {
  const h = evidenceHarness('2026-11-02T02:00:00Z', env);
  harnesses.push(h);
  return h;
}
afterEach(() => {
  for (const h of harnesses.splice(0)) h.cleanup();
});

const MINUTE = 60_000;
const red = png(32, 24, [220, 40, 40]);
const blue = png(24, 32, [40, 40, 220]);
const report = pdf('现场情况说明');

function attachments(h: ReturnType<typeof setup>, no: number) {
  return h.repos.attachments.ofTicket(no).map((a) => ({ sha256: a.sha256, mime: a.mime, category: a.category, name: a.name }));
}

describe('a report followed by photos and a file', () => {
  it('attaches two photos and a PDF sent within a minute of the report to that ticket', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵住工地东门，混凝土车进不去'));
    h.clock.advance(20_000);
    expect(h.attach('chen', 'XM001', '', { bytes: red }).reply).toBe('');
    h.clock.advance(20_000);
    h.attach('chen', 'XM001', '', { bytes: blue });
    h.clock.advance(15_000);
    h.attach('chen', 'XM001', '', { kind: 'file', bytes: report, name: '情况说明.pdf' });
    // Each message gets its answer once its file is in; two are fetched at a time, so in either order.
    expect((await h.fetched()).sort()).toEqual([`已附到 #${no}：图片1张`, `已附到 #${no}：图片1张`, `已附到 #${no}：文件1个`].sort());
    expect(attachments(h, no)).toEqual([
      { sha256: sha256(red), mime: 'image/png', category: 'image', name: null },
      { sha256: sha256(blue), mime: 'image/png', category: 'image', name: null },
      { sha256: sha256(report), mime: 'application/pdf', category: 'file', name: '情况说明.pdf' },
    ]);
    expect(h.kept()).toEqual([sha256(red), sha256(blue), sha256(report)].sort());
    // The audit log holds each file's hash, size, type and the platform's id for it (责任倒查).
    // Logged as each file arrives: two are fetched at a time, so in either order.
    const rows = h.repos.tickets.timeline(no).filter((r) => r.action === 'attach');
    expect(rows.map((r) => r.detail).sort((a, b) => String(a.platformId).localeCompare(String(b.platformId)))).toEqual([
      { sha256: sha256(red), size: red.length, type: 'image/png', category: 'image', platformId: 'file-1' },
      { sha256: sha256(blue), size: blue.length, type: 'image/png', category: 'image', platformId: 'file-2' },
      { sha256: sha256(report), size: report.length, type: 'application/pdf', category: 'file', name: '情况说明.pdf', platformId: 'file-3' },
    ]);
    expect(rows.every((r) => r.actorId === 'chen' && r.msgPlatform === 'playground')).toBe(true);
  });

  it('attaches the pictures sent with the report itself, and answers once for all of them', async () => {
    const h = setup();
    const said = h.attach('chen', 'XM001', '报告 工地电缆被盗，见照片', { bytes: red }, { bytes: blue });
    const no = h.ticketNo(said);
    expect(said.reply).toContain(`#${no} 已登记`);
    expect(await h.fetched()).toEqual([`已附到 #${no}：图片2张`]);
    expect(attachments(h, no)).toHaveLength(2);
  });

  it('attaches pictures sent with 补充 #N, with or without words', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    h.clock.advance(30 * MINUTE);
    const withWords = h.attach('wang', 'XM001', `补充 #${no} 监控截图`, { bytes: red });
    expect(withWords.reply).toContain(`**#${no} 补充情况**（王警官）`);
    expect(await h.fetched()).toEqual([`已附到 #${no}：图片1张`]);
    expect(h.attach('wang', 'XM001', `补充 #${no}`, { bytes: blue }).reply).toBe('');
    expect(await h.fetched()).toEqual([`已附到 #${no}：图片1张`]);
    expect(attachments(h, no).map((a) => a.sha256)).toEqual([sha256(red), sha256(blue)]);
  });
});

describe('which ticket a lone picture goes to', () => {
  it('asks for 补充 #N when its sender reported nothing here in the last 10 minutes', async () => {
    const h = setup();
    const before = snapshotRows(h.db);
    const said = h.attach('chen', 'XM001', '', { bytes: red });
    expect(said.reply).toMatchInlineSnapshot(
      `"图片没有保存：不知道要附到哪张工单。请发送“补充 #工单号”并在同一条消息里附上图片，新的问题请发送“报告 问题描述”"`,
    );
    expect(await h.fetched()).toEqual([]);
    expect(snapshotRows(h.db)).toEqual(before);
    expect(h.platform.asked).toEqual([]);
    expect(h.kept()).toEqual([]);
  });

  it('counts the 10 minutes from the latest report, note or attachment', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    h.clock.advance(9 * MINUTE);
    h.attach('chen', 'XM001', '', { bytes: red });
    h.clock.advance(9 * MINUTE);
    h.attach('chen', 'XM001', '', { bytes: blue });
    h.clock.advance(10 * MINUTE + 1);
    expect(h.attach('chen', 'XM001', '', { bytes: png(3, 3, [1, 1, 1]) }).reply).toContain('不知道要附到哪张工单');
    expect(await h.fetched()).toEqual([`已附到 #${no}：图片1张`, `已附到 #${no}：图片1张`]);
  });

  it('goes to the sender\'s own latest ticket in that chat, not someone else\'s, nor one from another chat', async () => {
    const h = setup();
    const first = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    const second = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    h.say('huang', 'XM001', '报告 有人强揽土方运输');
    h.attach('chen', 'XM001', '', { bytes: red });
    // huang reported in XM001; the coordinators' chat is another chat.
    expect(h.attach('zhou', 'XM001', '', { bytes: blue }).reply).toContain('不知道要附到哪张工单');
    expect(h.attach('chen', 'coordinators', '', { bytes: blue }).reply).toContain('不知道要附到哪张工单');
    expect(await h.fetched()).toEqual([`已附到 #${second}：图片1张`]);
    expect(attachments(h, first)).toEqual([]);
  });

  it('is added only by someone who may 补充 the ticket: a withdrawn ticket takes nothing more', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    h.say('chen', 'XM001', `撤回 #${no} 已经散了`);
    const before = snapshotRows(h.db);
    expect(h.attach('chen', 'XM001', '', { bytes: red }).reply).toBe(`#${no} 当前状态为「已撤回」，如有新情况请重新“报告”`);
    expect(snapshotRows(h.db)).toEqual(before);
    expect(await h.fetched()).toEqual([]);
  });

  it('keeps a conduct complaint\'s rules: an officer cannot attach to it, its reporter can', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'chen', '报告 执法人员吃拿卡要'));
    expect(h.attach('wang', 'XM001', `补充 #${no} 我这里有照片`, { bytes: red }).reply).toContain('不在您的办理范围内');
    h.attach('chen', 'chen', '', { bytes: blue });
    expect(await h.fetched()).toEqual([`已附到 #${no}：图片1张`]);
    expect(attachments(h, no).map((a) => a.sha256)).toEqual([sha256(blue)]);
  });

  it('never names a conduct complaint\'s files in a project group, where the officer may read along; does in a private chat', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 王警官吃拿卡要，上周收了我们的礼金'));
    expect(h.repos.tickets.get(no)?.routing).toBe('coordinators');
    const exe = Buffer.from('MZ\x90\x00 not a document', 'latin1');
    h.attach('chen', 'XM001', '', { kind: 'file', bytes: exe, name: '王警官收礼金转账记录.exe' });
    expect(await h.fetched()).toEqual(['这个文件不是可以作为证据保存的类型，没有保存：可以发送图片、录音、视频、PDF 或办公文档']);
    h.attach('chen', 'XM001', '', { kind: 'file', bytes: report, name: '王警官收礼金证据.pdf' });
    expect(await h.fetched()).toEqual([`已附到 #${no}：文件1个`]);
    h.attach('chen', 'XM001', '', { kind: 'file', bytes: report, name: '王警官收礼金证据-再发一次.pdf' });
    expect(await h.fetched()).toEqual([`这个文件已在 #${no} 中，同一文件只保存一次`]);
    h.attach('chen', 'XM001', '', { kind: 'file', name: '王警官.pdf', serve: { fail: 'url' } });
    expect(await h.fetched()).toEqual(['这个文件没有保存：平台给出的下载地址不是公网的 https 地址，不能下载']);
    // Its reporter, in a private chat with the bot, is told which file.
    h.say('chen', 'chen', `补充 #${no} 再补一份`);
    h.attach('chen', 'chen', '', { kind: 'file', bytes: exe, name: '转账记录.exe' });
    expect(await h.fetched()).toEqual(['「转账记录.exe」不是可以作为证据保存的类型，没有保存：可以发送图片、录音、视频、PDF 或办公文档']);
    // An ordinary ticket's files are named in the project group as before.
    const other = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    h.attach('chen', 'XM001', '', { kind: 'file', bytes: exe, name: 'setup.exe' });
    expect(await h.fetched()).toEqual(['「setup.exe」不是可以作为证据保存的类型，没有保存：可以发送图片、录音、视频、PDF 或办公文档']);
    expect(other).not.toBe(no);
  });

  it('says how many pictures of a message over 20 were not kept, and why', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    const many = Array.from({ length: 25 }, (_, i) => {
      h.platform.serve(`many-${i}`, png(4 + i, 4, [i, 100, 100]));
      return { kind: 'image' as const, ref: `many-${i}` };
    });
    // As the inbox keeps a message (src/inbox/inbox.ts): at most 20 attachments.
    h.send(boundMessage({ platform: 'playground', msgId: 'many', chatType: 'group', senderId: 'chen', chatId: 'XM001', text: `补充 #${no} 现场照片`, attachments: many }));
    expect(await h.fetched()).toEqual([`已附到 #${no}：图片20张\n另有图片5张没有保存：一条消息最多带20个附件，其余的请分开发送`]);
    expect(attachments(h, no)).toHaveLength(20);
  });

  it('says how to attach pictures sent with a command that takes none', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    h.clock.advance(20 * MINUTE);
    const said = h.attach('wang', 'XM001', `认领 #${no}`, { bytes: red });
    expect(said.reply).toContain(`#${no} 已认领`);
    expect(said.reply).toContain('图片没有附到工单：要作为证据保存，请发送“补充 #工单号”并在同一条消息里附上图片');
    expect(await h.fetched()).toEqual([]);
  });

  it('stores a recording nothing could be made out of with the ticket its sender just reported', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    const amr = Buffer.concat([Buffer.from('#!AMR\n', 'latin1'), Buffer.alloc(64, 0x3c)]);
    expect(h.attach('chen', 'XM001', '', { kind: 'audio', bytes: amr }).reply).toBe('');
    expect(await h.fetched()).toEqual([`已附到 #${no}：录音1段`]);
    expect(attachments(h, no)).toEqual([{ sha256: sha256(amr), mime: 'audio/amr', category: 'audio', name: null }]);
  });
});

describe('bad files', () => {
  it('refuses an oversize file and a web page named .jpg with one line each, and keeps neither', async () => {
    const h = setup({ ATTACHMENT_MAX_MB: '1' });
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    h.attach('chen', 'XM001', '', { bytes: largePng(1024 * 1024 + 1) });
    h.attach('chen', 'XM001', '', { kind: 'file', bytes: html(), name: '现场照片.jpg' });
    h.attach('chen', 'XM001', '', { kind: 'file', bytes: compoundFile(), name: 'setup.msi' });
    expect((await h.fetched()).sort()).toEqual(
      [
        '这张图片超过 1MB，没有保存：请压缩后再发，或分成几个文件发送',
        '「现场照片.jpg」的内容不是图片，没有保存：请直接发送照片',
        '「setup.msi」不是可以作为证据保存的类型，没有保存：可以发送图片、录音、视频、PDF 或办公文档',
      ].sort(),
    );
    expect(attachments(h, no)).toEqual([]);
    expect(h.kept()).toEqual([]);
    expect(h.temporary()).toEqual([]);
    expect(h.repos.tickets.timeline(no).map((r) => r.action)).toEqual(['report']);
  });

  it('keeps a second copy of the same file once, and says so', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    h.attach('chen', 'XM001', '', { bytes: red });
    h.attach('chen', 'XM001', '', { bytes: Buffer.from(red) });
    expect((await h.fetched()).sort()).toEqual([`已附到 #${no}：图片1张`, `这张图片已在 #${no} 中，同一文件只保存一次`].sort());
    expect(attachments(h, no)).toHaveLength(1);
    expect(h.kept()).toEqual([sha256(red)]);
    // The same file on another ticket is stored once still, and is that ticket's evidence too.
    const other = h.ticketNo(h.say('chen', 'XM001', '报告 工地电缆被盗'));
    h.attach('chen', 'XM001', '', { bytes: red });
    expect(await h.fetched()).toEqual([`已附到 #${other}：图片1张`]);
    expect(h.kept()).toEqual([sha256(red)]);
  });

  it('refuses a file whose download address is not https', async () => {
    const h = setup();
    h.say('chen', 'XM001', '报告 村民堵门');
    h.attach('chen', 'XM001', '', { serve: { fail: 'url' } });
    expect(await h.fetched()).toEqual(['这张图片没有保存：平台给出的下载地址不是公网的 https 地址，不能下载']);
    expect(h.kept()).toEqual([]);
  });
});

describe('a platform that does not hand the file out at once', () => {
  it('does not ask to send again a file the platform will never hand out', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    h.attach('chen', 'XM001', '', { kind: 'file', name: '监控录像说明.pdf', serve: { fail: 'permanent' } });
    expect(await h.fetched()).toEqual([`「监控录像说明.pdf」无法下载，没有保存（已记入 #${no}）`]);
    expect(h.repos.tickets.timeline(no).filter((r) => r.action === 'attach_failed')).toHaveLength(1);
  });

  it('tries again with backoff, and the evidence arrives', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    h.attach('chen', 'XM001', '', { serve: { fail: 'retryable', times: 2, then: red } });
    expect(await h.fetched()).toEqual([]);
    h.clock.advance(1_000);
    expect(await h.fetched()).toEqual([]);
    h.clock.advance(2_000);
    expect(await h.fetched()).toEqual([`已附到 #${no}：图片1张`]);
    expect(h.platform.asked).toHaveLength(3);
  });

  it('records on the ticket a file that never came, and tells the sender', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    h.attach('chen', 'XM001', '', { kind: 'file', name: '监控录像说明.pdf', serve: { fail: 'retryable' } });
    let replies: string[] = [];
    for (let i = 0; i < 400 && replies.length === 0; i++) {
      h.clock.advance(5 * MINUTE);
      replies = await h.fetched();
    }
    expect(replies).toEqual([`「监控录像说明.pdf」没有下载成功，没有保存（已记入 #${no}）：请重新发送`]);
    const failed = h.repos.tickets.timeline(no).filter((r) => r.action === 'attach_failed');
    expect(failed.map((r) => r.detail)).toEqual([{ kind: 'file', name: '监控录像说明.pdf', error: 'HTTP 503' }]);
    // Given up after 24 hours, as a send is.
    expect(failed[0]!.at - h.repos.tickets.timeline(no)[0]!.at).toBeGreaterThanOrEqual(24 * 60 * MINUTE);
  });

  it('gives up a file whose link expires, when it expires, not a day later', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    const expiresAt = h.clock.now().getTime() + 5 * MINUTE;
    h.send({ senderId: 'chen', chatId: 'XM001', text: '', kind: 'image', attachments: [{ kind: 'image', ref: 'gone', expiresAt }] });
    h.platform.serve('gone', { fail: 'retryable' });
    let replies: string[] = [];
    for (let i = 0; i < 20 && replies.length === 0; i++) {
      h.clock.advance(MINUTE);
      replies = await h.fetched();
    }
    expect(replies).toEqual([`这张图片没有下载成功，没有保存（已记入 #${no}）：请重新发送`]);
    expect(h.clock.now().getTime()).toBeLessThanOrEqual(expiresAt + 5 * MINUTE);
  });
});

describe('查询 #N', () => {
  it('lists the evidence by kind, and the timeline shows each file', async () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵住工地东门，混凝土车进不去'));
    h.clock.advance(MINUTE);
    for (const file of [{ bytes: red }, { bytes: blue }, { kind: 'file' as const, bytes: report, name: '情况说明.pdf' }]) {
      h.attach('chen', 'XM001', '', file);
      await h.fetched();
    }
    expect(h.say('wang', 'XM001', `查询 #${no}`).reply).toMatchInlineSnapshot(`
      "**#1** 状态：待认领
      项目：XM001 经开区新材料产业园
      类别：阻工·紧急
      内容：村民堵住工地东门，混凝土车进不去
      报告人：陈经理　承办：待王警官认领（治安大队）
      签收时限：2026-11-02 10:15
      附件：3（图片2，文件1）
      办理经过：
      11-02 10:00 陈经理 报告挂号：村民堵住工地东门，混凝土车进不去
      11-02 10:01 陈经理 附证据：图片，1 KB
      11-02 10:01 陈经理 附证据：图片，1 KB
      11-02 10:01 陈经理 附证据：文件「情况说明.pdf」，1 KB"
    `);
  });

  it('says nothing of evidence a ticket does not have', () => {
    const h = setup();
    const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵门'));
    expect(h.say('chen', 'XM001', `查询 #${no}`).reply).not.toContain('附件');
  });
});
