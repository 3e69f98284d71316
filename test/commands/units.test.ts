/**
 * One installation for a city and its counties (SPEC §11), on the example roster: 市护企办 (周协调,
 * 吴主任) with XM001–XM003, 东县 (蒋协调 dxxt, 韩县长 dxld) with DX001, 西县 (朱协调 xxxt) with XX001.
 * A county's coordinators and leaders see and act on their county only; the city's see both.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importRoster } from '../../src/roster/import.js';
import { parseRoster } from '../../src/roster/parse.js';
import { escalate } from '../../src/jobs/escalate.js';
import { meetingNotice } from '../../src/jobs/meeting-notice.js';
import { monthlyReport } from '../../src/jobs/monthly-report.js';
import { runJob } from '../../src/jobs/runner.js';
import { destinations, lastOutboxId, queued, textFor } from '../support/outbox.js';
import { auditOf, expectRefused, ok, setup, ticket, type Harness } from '../support/tickets.js';

const at = (beijing: string) => new Date(`${beijing}+08:00`);
const DX = 'coordinators:dongxian';
const XX = 'coordinators:xixian';

/** One ticket in each county and one of the city's own, Monday 2026-11-02 10:00. */
function city() {
  const h = setup();
  const dong = h.ticketNo(ok(h, 'dxqy', 'DX001', '报告 物流园门口被货车堵住，车辆进不去'));
  const xi = h.ticketNo(ok(h, 'xxqy', 'XX001', '报告 电站工地电缆被偷'));
  const own = h.ticketNo(ok(h, 'chen', 'XM001', '报告 工地夜间电缆被偷，损失约两万元'));
  return { h, dong, xi, own };
}

describe('scope: a county sees its own county', () => {
  it('查询 of another county’s ticket, or the city’s, is refused; its own is shown', () => {
    const { h, dong, xi, own } = city();
    expect(ok(h, 'dxxt', DX, `查询 #${dong}`).reply).toContain(`#${dong}`);
    expectRefused(h, 'dxxt', DX, `查询 #${xi}`, `#${xi} 不在您的管辖范围内`);
    expectRefused(h, 'dxxt', DX, `查询 #${own}`, `#${own} 不在您的管辖范围内`);
    // The city's coordinators see both counties.
    expect(ok(h, 'zhou', 'coordinators', `查询 #${xi}`).reply).toContain(`#${xi}`);
    // Officers are not held by units: 西县's officer works his own ticket.
    expect(ok(h, 'xxjg', 'XX001', `认领 #${xi}`).reply).toContain('认领');
  });

  it('督办, 延期 and 批准延期 on another county’s ticket are refused and change nothing', () => {
    const { h, xi } = city();
    ok(h, 'xxjg', 'XX001', `认领 #${xi}`);
    ok(h, 'xxjg', 'XX001', `申请延期 #${xi} 2wd 需要调取监控`);
    expectRefused(h, 'dxxt', DX, `督办 #${xi} 抓紧`, `#${xi} 不在您的管辖范围内`);
    expectRefused(h, 'dxld', 'dxld', `督办 #${xi} 抓紧`, `#${xi} 不在您的管辖范围内`);
    expectRefused(h, 'dxxt', DX, `延期 #${xi} 2d 协调中`, `#${xi} 不在您的管辖范围内`);
    expectRefused(h, 'dxxt', DX, `批准延期 #${xi}`, `#${xi} 不在您的管辖范围内`);
    expectRefused(h, 'dxxt', DX, `驳回延期 #${xi} 理由不足`, `#${xi} 不在您的管辖范围内`);
    // Its own county's coordinator may.
    ok(h, 'xxxt', XX, `批准延期 #${xi}`);
  });

  it('台账 lists the county’s tickets only; the city’s coordinators list all', () => {
    const { h, dong, xi, own } = city();
    const county = ok(h, 'dxxt', DX, '台账 全部').reply;
    expect(county).toContain('东县护企办辖区项目');
    expect(county).toContain(`#${dong}`);
    expect(county).not.toContain(`#${xi}`);
    expect(county).not.toContain(`#${own}`);
    const all = ok(h, 'zhou', 'coordinators', '台账 全部').reply;
    for (const no of [dong, xi, own]) expect(all).toContain(`#${no}`);
    expect(ok(h, 'dxxt', DX, '会商 议题 物流园周边交通组织').reply).toContain('（东县护企办全部项目）');
    // Nor another unit's meeting, or a topic on it.
    expectRefused(h, 'dxxt', XX, '会商', '这里是西县护企办的会商，不在您的管辖范围内');
    expectRefused(h, 'dxxt', 'XX001', '会商 议题 东县人插一句', '这里是西县护企办的会商，不在您的管辖范围内');
    expectRefused(h, 'dxld', 'XM001', '会商', '这里是市护企办的会商');
    // In another county's group, a county's coordinator gets no list, and no figures.
    expectRefused(h, 'dxxt', XX, '台账', '本群是西县护企办的群，不在您的管辖范围内');
    expectRefused(h, 'dxxt', XX, '统计', '本群是西县护企办的群，不在您的管辖范围内');
    // In another county's project group, a county's coordinator gets no list.
    expectRefused(h, 'dxxt', 'XX001', '台账', 'XX001 不在您的管辖范围内');
  });

  it('绑定 to another county’s project is refused', () => {
    const { h } = city();
    expectRefused(h, 'dxxt', 'newgroup', '绑定 XX001', 'XX001 不在您的管辖范围内', '可以绑定的项目有：DX001');
    // Nor may a county take another unit's project group for one of its own.
    expectRefused(h, 'dxxt', 'XM001', '绑定 DX001', '本群是XM001（', '不在您的管辖范围内，不能改绑');
    expect(h.repos.roster.chat('playground', 'XM001')).toMatchObject({ kind: 'project', projectCode: 'XM001' });
    // The city's coordinators may.
    expect(ok(h, 'zhou', 'XM001', '绑定 DX001').reply).toContain('原为XM001');
  });

  it('会商 in a county’s group is that county’s meeting, on its own day and place, with its own projects', () => {
    const { h, dong, xi } = city();
    const county = ok(h, 'dxxt', DX, '会商').reply;
    expect(county).toContain('2026-11-10');
    expect(county).toContain('东县公安局二楼会议室');
    expect(county).toContain(`#${dong}`);
    expect(county).not.toContain(`#${xi}`);
    // 西县 keeps the city's time and place, on its own day.
    const west = ok(h, 'xxxt', XX, '会商').reply;
    expect(west).toContain('2026-11-12 15:00');
    expect(west).toContain('市公安局三楼会议室');
  });

  it('a conduct complaint in a county is its coordinators’, never its officer’s', () => {
    const { h } = city();
    const no = h.ticketNo(ok(h, 'dxqy', 'dxqy', '报告 派出所民警吃拿卡要'));
    const told = destinations(queued(h)).filter((d) => d.startsWith('group:coordinators'));
    expect(told).toContain(`group:${DX}`);
    expect(ok(h, 'dxxt', DX, `查询 #${no}`).reply).toContain('执法投诉');
    expectRefused(h, 'dxjg', 'dxjg', `查询 #${no}`, `#${no} 不在您的办理范围内`);
    expectRefused(h, 'xxxt', XX, `查询 #${no}`, `#${no} 不在您的管辖范围内`);
  });
});

describe('统计 per unit', () => {
  /** November: 东县 two tickets (one claimed in time), 西县 one never claimed; judged on 12-01. */
  function november() {
    const { h, dong, xi, own } = city();
    const dong2 = h.ticketNo(ok(h, 'dxqy', 'DX001', '报告 拖欠工资引发纠纷'));
    h.clock.set(at('2026-11-02T10:10'));
    ok(h, 'dxjg', 'DX001', `认领 #${dong}`);
    h.clock.set(at('2026-12-01T10:00'));
    return { h, dong, dong2, xi, own };
  }

  it('a county coordinator’s 统计 is the county’s; another county’s is refused', () => {
    const { h } = november();
    const reply = ok(h, 'dxxt', DX, '统计 2026-11').reply;
    expect(reply).toContain('2026年11月 工作统计**（东县护企办及下级单位）');
    expect(reply).toContain('收到2件');
    expect(reply).toContain('签收及时率50.0%（1/2）');
    expectRefused(h, 'dxxt', DX, '统计 2026-11 西县', '西县护企办不在您的管辖范围内');
  });

  it('the city’s 统计 lists each county with its figures, and can name one', () => {
    const { h } = november();
    const reply = ok(h, 'zhou', 'coordinators', '统计 2026-11').reply;
    expect(reply).toContain('收到4件');
    expect(reply).toContain('按单位：');
    expect(reply).toContain('· 东县护企办：收到2，签收及时率50.0%（1/2）');
    expect(reply).toContain('· 西县护企办：收到1，签收及时率0.0%（0/1）');
    expect(reply).toContain('· 市护企办（本级）：收到1');
    const named = ok(h, 'zhou', 'coordinators', '统计 西县 2026-11').reply;
    expect(named).toContain('（西县护企办及下级单位）');
    expect(named).toContain('收到1件');
    expectRefused(h, 'zhou', 'coordinators', '统计 2026-11 南县', '没有“南县”这个单位');
  });
});

describe('提级 and 回退', () => {
  function raised() {
    const { h, dong, xi } = city();
    const said = ok(h, 'dxxt', DX, `提级 #${dong} 涉及跨县运输企业，本县难以协调`);
    return { h, dong, xi, said };
  }

  it('提级 hands supervision to the city: both groups are told, the timeline and the ticket say so', () => {
    const { h, dong, said } = raised();
    expect(said.reply).toContain('由东县护企办提级到市护企办督办');
    expect(destinations(said.out).sort()).toEqual(['group:coordinators', `reply:${DX}`]);
    expect(ticket(h, dong)).toMatchObject({ raisedUnit: 'city', raisedEver: true });
    expect(auditOf(h, dong).at(-1)).toMatchObject({ action: 'raise', actorId: 'dxxt', detail: { from: 'dongxian', to: 'city', reason: '涉及跨县运输企业，本县难以协调' } });
    const detail = ok(h, 'zhou', 'coordinators', `查询 #${dong}`).reply;
    expect(detail.split('\n')[0]).toContain('已提级至市护企办');
    expect(detail).toContain('提级：由东县护企办提级到市护企办督办，涉及跨县运输企业');
    // Listed for the city: 台账 提级.
    expect(ok(h, 'zhou', 'coordinators', '台账 提级').reply).toContain(`#${dong}`);
    // Already at the top: no further.
    expectRefused(h, 'zhou', 'coordinators', `提级 #${dong} 再提`, '这是最上一级');
  });

  it('refuses 提级 without a reason, of another county’s ticket, or by someone who is not a coordinator', () => {
    const { h, xi, dong } = city();
    expectRefused(h, 'dxxt', DX, `提级 #${dong}`, '请写明提级原因');
    expectRefused(h, 'dxxt', DX, `提级 #${xi} 跨县`, `#${xi} 不在您的管辖范围内`);
    expectRefused(h, 'dxld', 'dxld', `提级 #${dong} 跨县`, '提级');
  });

  it('回退 is the city’s to give: the county cannot take it back, the city returns it', () => {
    const { h, dong } = raised();
    expectRefused(h, 'dxxt', DX, `回退 #${dong} 我们自己办`, '只有市护企办可以回退');
    const back = ok(h, 'zhou', 'coordinators', `回退 #${dong} 已明确责任单位，由县里继续督办`);
    expect(back.reply).toContain('由市护企办回退到东县护企办督办');
    expect(destinations(back.out).sort()).toEqual([`group:${DX}`, 'reply:coordinators']);
    expect(ticket(h, dong)).toMatchObject({ raisedUnit: null, raisedEver: true });
    expect(ok(h, 'dxxt', DX, `查询 #${dong}`).reply.split('\n')[0]).not.toContain('提级');
    expectRefused(h, 'zhou', 'coordinators', `回退 #${dong} 再退`, '没有提级');
  });

  it('a raised ticket’s tiers go to the city too, and the figures count it as 提级', async () => {
    const { h, dong } = raised();
    // 阻工 is urgent: claim by 15 min (roster sla), tier 2 at +6 h.
    const before = lastOutboxId(h);
    await runJob(h.jobs, escalate, at('2026-11-02T16:20'));
    const sent = destinations(queued(h, before));
    expect(sent).toContain(`group:${DX}`);
    expect(sent).toContain('group:coordinators');
    h.clock.set(at('2026-12-01T10:00'));
    expect(ok(h, 'zhou', 'coordinators', '统计 2026-11').reply).toContain('收到3件（其中提级1件）');
  });
});

describe('escalation up the tree', () => {
  it('tier 2 goes to the county’s group only; tier 3 also to the city’s', async () => {
    const h = setup();
    const no = h.ticketNo(ok(h, 'xxqy', 'XX001', '报告 电站工地电缆被偷')); // normal: claim by 14:00
    const sweep = async (when: string) => {
      const before = lastOutboxId(h);
      await runJob(h.jobs, escalate, at(when));
      return queued(h, before);
    };
    await sweep('2026-11-02T14:05'); // tier 1
    const tier2 = await sweep('2026-11-03T14:05');
    expect(destinations(tier2).filter((d) => d.startsWith('group:coordinators'))).toEqual([`group:${XX}`]);
    const tier3 = await sweep('2026-11-05T14:05');
    expect(destinations(tier3).filter((d) => d.startsWith('group:coordinators')).sort()).toEqual(['group:coordinators', `group:${XX}`]);
    expect(textFor(tier3, 'group', 'coordinators')).toContain(`#${no}`);
  });
});

describe('reports per unit', () => {
  /** October: 东县 2 tickets (1 claimed in time, 1 never), 西县 1 claimed in time, the city 1. */
  function october(): Harness {
    const h = setup('2026-10-12T02:00:00Z');
    const d1 = h.ticketNo(ok(h, 'dxqy', 'DX001', '报告 拖欠工资引发纠纷'));
    h.ticketNo(ok(h, 'dxqy', 'DX001', '报告 征地补偿纠纷'));
    const x1 = h.ticketNo(ok(h, 'xxqy', 'XX001', '报告 电站工地电缆被偷'));
    h.ticketNo(ok(h, 'chen', 'XM001', '报告 工地夜间电缆被偷'));
    h.clock.set(at('2026-10-12T10:30'));
    ok(h, 'dxjg', 'DX001', `认领 #${d1}`);
    ok(h, 'xxjg', 'XX001', `认领 #${x1}`);
    return h;
  }

  it('the city’s monthly report ranks the counties with figures a hand count gives; each county gets its own', async () => {
    const h = october();
    const before = lastOutboxId(h);
    await runJob(h.jobs, monthlyReport, at('2026-11-02T09:00'));
    const sent = queued(h, before);
    expect(destinations(sent).sort()).toEqual(
      ['group:coordinators', `group:${DX}`, `group:${XX}`, 'person:dxld', 'person:he', 'person:li', 'person:wu'].sort(),
    );
    const cityReport = textFor(sent, 'group', 'coordinators');
    // By hand: 西县 1 of 1 claimed in time; 东县 1 of 2 (the other never claimed, so late).
    expect(cityReport).toContain('**各单位排名**');
    expect(cityReport).toContain('1. 西县护企办：收到1，按时办结率0.0%（0/1），签收及时率100.0%（1/1）');
    expect(cityReport).toContain('2. 东县护企办：收到2，按时办结率0.0%（0/2），签收及时率50.0%（1/2）');
    const county = textFor(sent, 'group', DX);
    expect(county).toContain('联保工作月报**（东县护企办及下级单位）');
    expect(county).toContain('收到诉求2件');
    expect(textFor(sent, 'person', 'dxld')).toBe(county);
  });
});

describe('meetings per unit', () => {
  it('each county’s notice goes on its own notice day to its own groups, with its own agenda', async () => {
    const { h, dong, xi } = city();
    let summary = '';
    const day = async (date: string) => {
      const before = lastOutboxId(h);
      const outcome = await runJob(h.jobs, meetingNotice, at(`${date}T09:00`));
      summary = outcome.status === 'done' ? outcome.summary : '';
      return queued(h, before);
    };
    // 东县 meets on the 10th (Tuesday): the notice three working days before, on Thursday the 5th.
    const notice = await day('2026-11-05');
    // The run's summary names every county, the ones with nothing to send that day too.
    expect(summary).toContain('东县护企办：2026-11-10 15:00 会商的通知已发到 1 个项目群和护企办');
    expect(summary).toContain('西县护企办：今天不发通知：会商在 2026-11-12 15:00，通知在 2026-11-09 发出');
    expect(destinations(notice).sort()).toEqual(['group:DX001', `group:${DX}`]);
    expect(textFor(notice, 'group', DX)).toContain('时间：2026-11-10 15:00');
    expect(textFor(notice, 'group', DX)).toContain('东县公安局二楼会议室');
    expect(textFor(notice, 'group', DX)).toContain(`#${dong}`);
    expect(textFor(notice, 'group', DX)).not.toContain(`#${xi}`);
    // 西县 meets on the 12th: its notice on Monday the 9th, in the city's place; an item its
    // coordinator raised in its group is on its agenda, not the city's.
    ok(h, 'xxxt', XX, '会商 议题 电站进场道路<协调>');
    const west = await day('2026-11-09');
    expect(destinations(west).sort()).toEqual(['group:XX001', `group:${XX}`]);
    expect(textFor(west, 'group', XX)).toContain('市公安局三楼会议室');
    expect(textFor(west, 'group', XX)).toContain('电站进场道路＜协调＞');
    expect(ok(h, 'zhou', 'coordinators', '会商').reply).not.toContain('电站进场道路');
  });
});

describe('a unit taken out of the roster', () => {
  /** The example roster with 西县 gone: its department, people and project move to the city. */
  function withoutXixian(h: Harness): void {
    const yaml = readFileSync('roster.example.yaml', 'utf8')
      .replace(/ {2}- id: xixian\n(?: {4}.*\n)+/, '')
      .replaceAll('unit: xixian', 'unit: city');
    expect(yaml).not.toContain('xixian');
    importRoster(h.db, parseRoster(yaml), h.clock.now().getTime());
  }

  it('leaves its group an ordinary chat: no conduct complaint listed there, and it may be bound to a project', () => {
    const { h, dong } = city();
    const conduct = h.ticketNo(ok(h, 'xxqy', 'xxqy', '报告 派出所民警乱罚款，还暗示要宴请'));
    expect(ok(h, 'zhou', XX, '台账 全部').reply).toContain(`#${conduct} `);
    withoutXixian(h);
    // Whoever is still in that group may be the officer complained about.
    expect(ok(h, 'zhou', XX, '台账 全部').reply).not.toContain(`#${conduct} `);
    expectRefused(h, 'zhou', XX, `查询 #${conduct}`, '是执法投诉，请在护企办群或私聊中办理');
    expect(ok(h, 'zhou', 'zhou', '台账 全部').reply).toContain(`#${conduct} `);
    // Someone outside the roster is told the group is bound to nothing, not that it is 护企办's.
    expect(h.say('visitor', XX, '报告 有人堵门').reply).toContain('本群还没有绑定项目');
    // It may become a project group.
    expect(ok(h, 'zhou', XX, '绑定 XX001').reply).toContain('XX001');
    // The county that stays keeps its group.
    expect(ok(h, 'dxxt', DX, '台账 全部').reply).toContain(`#${dong}`);
  });
});
