import { afterEach, describe, expect, it } from 'vitest';
import {
  dingtalkPost,
  dingtalkText,
  expectNoSecretsLogged,
  expectNotLoggedAtInfo,
  say,
  settle,
  snapshotRows,
  startRig,
  ticketNo,
  wecomPost,
  wecomText,
  type Recorded,
  type Rig,
} from '../support/app-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function start(env: Record<string, string> = {}): Promise<Rig> {
  rig = await startRig(env);
  return rig;
}

const count = (r: Rig, sql: string, ...params: unknown[]): number => (r.db.prepare(sql).get(...params) as { n: number }).n;

describe('hostile report text', () => {
  it('stores a SQL-looking report verbatim, and every table is still there', async () => {
    const r = await start();
    const sql = `'); DROP TABLE tickets; --`;
    const said = await say(r, 'wecom', 'chen', 'XM001', `报告 ${sql}`);
    expect(said.outcome).toBe('done');
    const no = ticketNo(said);
    const row = r.db.prepare('SELECT description FROM tickets WHERE no = ?').get(no) as { description: string };
    expect(row.description).toBe(sql);
    const tables = (r.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['tickets', 'audit_log', 'inbound_messages', 'outbox', 'people', 'projects']));
    // And it reads back as written.
    const detail = await say(r, 'dingtalk', 'chen', 'XM001', `查询 #${no}`);
    expect(detail.reply).toContain(sql);
    const quoted = await say(r, 'dingtalk', 'chen', 'XM001', `补充 #${no} 1" OR "1"="1; DELETE FROM audit_log; --`);
    expect(quoted.outcome).toBe('done');
    expect(count(r, 'SELECT count(*) AS n FROM audit_log WHERE ticket_no = ?', no)).toBe(2);
  });

  for (const platform of ['wecom', 'dingtalk'] as const) {
    it(`refuses a 10,000-character report on ${platform} with a reason, and stores nothing`, async () => {
      const r = await start();
      const long = `报告 ${'村民堵路阻工'.repeat(1667).slice(0, 10_000)}`;
      const before = snapshotRows(r.db);
      const said = await say(r, platform, 'chen', 'XM001', long);
      expect(said.outcome).toBe('refused');
      expect(said.queued.map((q) => q.kind)).toEqual(['reply']);
      expect(said.reply).toMatch(/10000字.*超过/);
      // The refusal does not echo the text back.
      expect(said.reply.length).toBeLessThan(200);
      expect(snapshotRows(r.db)).toEqual(before);
      expect(count(r, 'SELECT count(*) AS n FROM tickets')).toBe(0);
    });
  }
});

describe('a forged mention in user text never becomes a real mention', () => {
  // Every syntax a mention has somewhere in the system: core tokens, WeCom's, the adapter-level one.
  const FORGED = '<@p:li|李局长> <@lij> <@lij|李局长> <@wecom:lij|李局长> <@dingtalk:staff-li|李局长> <@staff-li>';

  /** What reached a platform, as one string per request. */
  const bodies = (requests: Recorded[]): string[] => requests.map((q) => q.text);

  it('in a report and a note sent through WeCom and DingTalk', async () => {
    const r = await start({ RATE_SENDER_PER_MINUTE: '1000' });
    const expires = r.clock.now().getTime() + 3600_000;
    // Replies go through each platform's reply URL (on the configured host), where mentions are real.
    const wx = await wecomPost(
      r,
      wecomText({ msgid: 'wx-forge-1', userid: 'chenjl', text: `报告 ${FORGED} 紧急`, responseUrl: r.api.wecomResponseUrl('wrXM001') }),
    );
    expect(wx.statusCode).toBe(200);
    const dt = await dingtalkPost(
      r,
      dingtalkText({
        msgId: 'dt-forge-1',
        staffId: 'staff-huang',
        text: `报告 ${FORGED} 紧急`,
        sessionWebhook: r.api.dingtalkSessionWebhook('cidXM001'),
        sessionWebhookExpiredTime: expires,
      }),
    );
    expect(dt.statusCode).toBe(200);
    await settle(r);
    expect(count(r, 'SELECT count(*) AS n FROM tickets')).toBe(2);
    await say(r, 'wecom', 'chen', 'XM001', `补充 #1 ${FORGED}`);
    await say(r, 'dingtalk', 'huang', 'XM001', `补充 #2 ${FORGED}`);
    await settle(r);

    const sent = bodies(r.api.requests.filter((q) => q.method === 'POST' && !q.path.includes('token')));
    expect(sent.length).toBeGreaterThan(4);
    const paths = r.api.requests.map((q) => q.path);
    expect(paths).toEqual(expect.arrayContaining(['/cgi-bin/aibot/response', '/robot/sendBySession', '/cgi-bin/webhook/send', '/v1.0/robot/groupMessages/send']));
    for (const body of sent) {
      // A WeCom markdown mention is <@userid>; a DingTalk one is the id in at.atUserIds (a bare
      // "@id" in the text without it is just text, as the user typed it).
      expect(body).not.toMatch(/<@(lij|staff-li|p:li|wecom:|dingtalk:)/);
      const at = (JSON.parse(body) as { at?: { atUserIds?: string[] } }).at;
      expect(at?.atUserIds ?? []).not.toContain('staff-li');
    }
    // 李局长 got no direct message either.
    expect(r.api.requests.filter((q) => q.path === '/cgi-bin/message/send' || q.path.endsWith('/batchSend'))).toEqual([]);
    const mentioned = (r.db.prepare('SELECT mentions FROM outbox').all() as { mentions: string }[]).flatMap((m) => JSON.parse(m.mentions) as string[]);
    expect(mentioned).not.toContain('lij');
    expect(mentioned).not.toContain('staff-li');
    // The user's words arrive, shown as text.
    expect(sent.some((b) => b.includes('＜@p:li｜李局长＞'))).toBe(true);
    // The control: the project officer the reply asks to claim is mentioned for real.
    expect(sent.some((b) => b.includes('<@wangjg>'))).toBe(true);
    expect(mentioned).toContain('staff-wang');
  });
});

describe('a sender over 20 commands a minute', () => {
  it('is told to slow down once, and nothing beyond the 20th is processed', async () => {
    const r = await start();
    const results = [];
    for (let i = 1; i <= 25; i++) results.push(await say(r, 'dingtalk', 'chen', 'XM001', `报告 第${i}次 工地电缆被偷`));
    expect(results.slice(0, 20).map((s) => s.outcome)).toEqual(Array(20).fill('done'));
    expect(results.slice(20).map((s) => s.outcome)).toEqual(Array(5).fill('throttled'));
    expect(count(r, 'SELECT count(*) AS n FROM tickets')).toBe(20);
    expect(count(r, "SELECT count(*) AS n FROM tickets WHERE description LIKE '第21次%'")).toBe(0);
    // One slow-down, in the sender's chat; the other four get no answer at all.
    expect(results[20]?.queued.map((q) => q.kind)).toEqual(['reply']);
    expect(results[20]?.reply).toContain('太快');
    expect(results.slice(21).map((s) => s.queued.length)).toEqual([0, 0, 0, 0]);
    expect(results.slice(0, 20).every((s) => !s.reply.includes('太快'))).toBe(true);

    // Others are not held back by it, and a minute later the sender may go on.
    expect((await say(r, 'dingtalk', 'huang', 'XM001', '报告 塔吊电缆被偷')).outcome).toBe('done');
    r.clock.advance(61_000);
    expect((await say(r, 'dingtalk', 'chen', 'XM001', '报告 第26次 工地电缆被偷')).outcome).toBe('done');
    expect(count(r, 'SELECT count(*) AS n FROM tickets')).toBe(22);
    expectNotLoggedAtInfo(r, '工地电缆被偷');
    expectNoSecretsLogged(r);
  });
});
