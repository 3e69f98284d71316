import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { say, snapshotRows, startRig, ticketNo, type Rig, type Said } from '../support/app-rig.js';

/** Senders here write many commands within one minute; the throttle has its own test. */
const UNTHROTTLED = { RATE_SENDER_PER_MINUTE: '1000' };
const PLATFORMS = ['wecom', 'dingtalk'] as const;
const CHINESE = /[\u4e00-\u9fff]/;

let rig: Rig;
beforeEach(async () => {
  rig = await startRig(UNTHROTTLED);
});
afterEach(async () => {
  await rig.close();
});

/** A refused command: one reply in the sender's chat, a Chinese sentence, and nothing changed. */
async function expectRefusal(platform: 'wecom' | 'dingtalk', who: Parameters<typeof say>[2], group: 'XM001' | 'XM002', text: string): Promise<Said> {
  const before = snapshotRows(rig.db);
  const said = await say(rig, platform, who, group, text);
  expect(said.outcome, `${platform} ${text} → ${said.reply}`).toBe('refused');
  expect(said.queued.map((q) => q.kind), `${text}: only a reply`).toEqual(['reply']);
  expect(said.reply, `${text}: says why in Chinese`).toMatch(CHINESE);
  expect(snapshotRows(rig.db), `${platform} ${text}: nothing changed`).toEqual(before);
  return said;
}

describe('an enterprise contact cannot use officer or coordinator commands', () => {
  for (const platform of PLATFORMS) {
    it(`陈经理 is refused each of them on ${platform}, and nothing changes`, async () => {
      const no = ticketNo(await say(rig, platform, 'chen', 'XM001', '报告 工地夜间电缆被偷，损失约两万元'));
      expect((await say(rig, platform, 'wang', 'XM001', `认领 #${no}`)).outcome).toBe('done');
      const attempts = [
        `认领 #${no}`,
        `签收 ${no}`,
        `claim #${no}`,
        `認領#${no}`,
        `进展 #${no} 已到现场处置`,
        `转办 #${no} 交警大队 需要交警处理`,
        `转办 #${no} @王警官 请接手`,
        `吹哨 #${no} 交警大队 请协助疏导`,
        `报到 #${no}`,
        `办结 #${no} 已处理完毕`,
        `/办结 ＃${no} 已处理完毕`,
        `督办 #${no} 本周内解决`,
        `延期 #${no} 2d 需要更多时间`,
        '台账',
        '台账 全部',
        '统计',
        '统计 2026-10',
        '绑定 XM002',
        '走访 XM001 现场查看施工情况',
        '会商 议题 协调解决进场道路问题',
      ];
      for (const text of attempts) await expectRefusal(platform, 'chen', 'XM001', text);
    });
  }
});

describe('an enterprise sees only its own project', () => {
  const DESCRIPTION = '项目部仓库夜间电缆被偷约三百米';
  const RESOLUTION = '已抓获嫌疑人追回全部电缆';
  const SECRET_PARTS = [DESCRIPTION, RESOLUTION, '陈经理', '黄工', '经开区新材料产业园', '村民围堵东门'];

  /** #A: resolved (reported by 陈经理); #B: open (reported by 黄工); both XM001. */
  async function twoTickets(platform: 'wecom' | 'dingtalk'): Promise<[number, number]> {
    const a = ticketNo(await say(rig, platform, 'chen', 'XM001', `报告 ${DESCRIPTION}`));
    expect((await say(rig, platform, 'wang', 'XM001', `认领 #${a}`)).outcome).toBe('done');
    expect((await say(rig, platform, 'wang', 'XM001', `办结 #${a} ${RESOLUTION}`)).outcome).toBe('done');
    const b = ticketNo(await say(rig, platform, 'huang', 'XM001', '报告 村民围堵东门'));
    return [a, b];
  }

  for (const platform of PLATFORMS) {
    it(`刘经理 of XM002 cannot see or act on XM001's tickets on ${platform}, and the refusal tells nothing of them`, async () => {
      const tickets = await twoTickets(platform);
      // Someone outside the roster writing in XM002's group counts as an enterprise contact of XM002.
      const stranger = { wecom: 'wo-stranger-1', dingtalk: 'staff-stranger-1' };
      for (const who of ['liu', stranger] as const) {
        for (const no of tickets) {
          for (const text of [`查询 #${no}`, `补充 #${no} 我们这边也看到了`, `满意 #${no} 5 很好`, `不满意 #${no} 没解决`, `撤回 #${no}`, `详情 ${no}`]) {
            const said = await expectRefusal(platform, who, 'XM002', text);
            for (const part of SECRET_PARTS) expect(said.reply, `${text} leaks "${part}"`).not.toContain(part);
            // The refusal stays in the asker's chat; XM001's group hears nothing of it.
            expect(said.queued.every((q) => q.destination !== 'KEY-XM001' && q.destination !== 'cidXM001')).toBe(true);
          }
        }
      }
    });
  }

  it('an enterprise writing in another project’s group still sees only its own project', async () => {
    const [a] = await twoTickets('dingtalk');
    const said = await expectRefusal('dingtalk', 'liu', 'XM001', `查询 #${a}`);
    for (const part of SECRET_PARTS) expect(said.reply).not.toContain(part);
  });

  it("the meeting agenda shown to XM002 lists none of XM001's tickets", async () => {
    await twoTickets('wecom');
    const said = await say(rig, 'wecom', 'liu', 'XM002', '会商');
    expect(said.outcome).toBe('done');
    for (const part of SECRET_PARTS) expect(said.reply).not.toContain(part);
  });

  it('the same commands work for the project’s own contact (the control for the cases above)', async () => {
    const [a] = await twoTickets('dingtalk');
    const said = await say(rig, 'dingtalk', 'huang', 'XM001', `查询 #${a}`);
    expect(said.outcome).toBe('done');
    expect(said.reply).toContain(DESCRIPTION);
  });
});
