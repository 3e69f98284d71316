import { describe, it, expect } from 'vitest';
import { expectRefused, ok, setup, stored, ticket, ticketCount, ticketIn } from '../support/tickets.js';

describe('command words', () => {
  it('reads the Chinese words, their synonyms, English aliases and Traditional forms for 报告', () => {
    const h = setup();
    for (const word of ['报告', '诉求', '反映', 'report', 'Report', '報告', '訴求']) {
      const said = ok(h, 'chen', 'XM001', `${word} 工地电缆被偷`);
      expect(ticket(h, h.ticketNo(said)).description, word).toBe('工地电缆被偷');
    }
    expect(ticketCount(h)).toBe(7);
  });

  const claims = ['认领 #N', '签收 #N', 'claim #N', 'CLAIM N', '認領 #N', '簽收 N'];
  for (const form of claims) {
    it(`claims with “${form}”`, () => {
      const h = setup();
      const no = ticketIn(h, 'open');
      ok(h, 'wang', 'XM001', form.replace('N', String(no)));
      expect(ticket(h, no)).toMatchObject({ state: 'claimed', assigneeId: 'wang' });
    });
  }

  it('reads 辦結, 滿意, 不滿意 and 查詢', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    ok(h, 'wang', 'XM001', `辦結 #${no} 已處理`);
    expect(ticket(h, no).state).toBe('resolved');
    ok(h, 'chen', 'XM001', `不滿意 #${no} 沒解決`);
    expect(ticket(h, no).state).toBe('claimed');
    ok(h, 'wang', 'XM001', `resolve #${no} 已處理`);
    ok(h, 'chen', 'XM001', `滿意 #${no} 4`);
    expect(ticket(h, no)).toMatchObject({ state: 'closed', rating: 4 });
    expect(ok(h, 'chen', 'XM001', `查詢 #${no}`).reply).toContain('状态：已销号');
  });

  it('reads every English alias', () => {
    const h = setup();
    const no = h.ticketNo(ok(h, 'chen', 'XM001', 'report 工地电缆被偷'));
    ok(h, 'chen', 'XM001', `note #${no} 监控拍到了车牌`);
    ok(h, 'wang', 'XM001', `claim #${no}`);
    ok(h, 'wang', 'XM001', `progress #${no} 已到现场`);
    ok(h, 'wang', 'XM001', `summon #${no} 交警大队 查车牌`);
    ok(h, 'zhao', 'XM001', `checkin #${no}`);
    ok(h, 'zhou', 'coordinators', `supervise #${no}`);
    ok(h, 'zhou', 'coordinators', `extend #${no} 1d 等待比对`);
    ok(h, 'wang', 'XM001', `transfer #${no} @孙警官 嫌疑人在辖区`);
    ok(h, 'sun', 'XM001', `resolve #${no} 已抓获`);
    ok(h, 'chen', 'XM001', `reject #${no} 电缆没追回`);
    ok(h, 'sun', 'XM001', `resolve #${no} 已追回`);
    ok(h, 'chen', 'XM001', `accept #${no} 5 感谢`);
    expect(ticket(h, no)).toMatchObject({ state: 'closed', rating: 5, reopenCount: 1, assigneeId: 'sun', supervised: true });
    expect(h.repos.tickets.timeline(no).map((r) => r.action)).toEqual([
      'report', 'note', 'claim', 'progress', 'summon', 'checkin', 'supervise', 'extend', 'transfer', 'resolve', 'reject', 'resolve', 'accept',
    ]);
    const other = h.ticketNo(ok(h, 'chen', 'XM001', 'report 有人偷钢筋'));
    ok(h, 'chen', 'XM001', `withdraw #${other}`);
    expect(ticket(h, other).state).toBe('withdrawn');
    expect(ok(h, 'chen', 'XM001', `status #${other}`).reply).toContain('状态：已撤回');
    expect(ok(h, 'wang', 'XM001', 'list 全部').reply).toContain(`#${other}`);
    expect(ok(h, 'zhou', 'coordinators', 'stats').reply).toContain('工作统计');
    expect(ok(h, 'zhou', 'new-group', 'bind XM002').reply).toContain('XM002');
    expect(ok(h, 'wang', 'XM001', 'visit XM001 巡查').reply).toContain('走访日志');
    expect(ok(h, 'chen', 'XM001', 'meeting').reply).toContain('会商');
    expect(ok(h, 'chen', 'XM001', 'help').reply).toContain('可用命令');
  });

  it('does not read a longer English word as an alias', () => {
    const h = setup();
    expectRefused(h, 'chen', 'XM001', 'reporting 今天的情况', '没有“reporting”这个命令', '帮助');
    expect(ticketCount(h)).toBe(0);
  });

  it('reads 不满意 as 不满意, not as 满意', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved');
    ok(h, 'chen', 'XM001', `不满意 #${no} 满意度很低`);
    expect(ticket(h, no)).toMatchObject({ state: 'claimed', rating: null, reopenCount: 1 });
  });
});

describe('ticket numbers and spacing', () => {
  const forms = [
    '认领 #N',
    '认领 N',
    '/认领 N',
    '/ 认领 #N',
    '认领#N',
    '认领N',
    '认领 # N',
    '认领＃Ｎ',
    '认领　＃Ｎ',
    '  认领   #N  ',
    '@联保助手 认领 #N',
    '@联保助手 /认领 #N',
    '@联保助手\u2005认领 #N',
    '@联保助手 @王警官 认领#N',
  ];
  for (const form of forms) {
    it(`reads “${form}”`, () => {
      const h = setup();
      const no = ticketIn(h, 'open');
      const wide = String(no).replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
      ok(h, 'wang', 'XM001', form.replace('Ｎ', wide).replace('N', String(no)));
      expect(ticket(h, no).state).toBe('claimed');
    });
  }

  it('takes the text right after the number', () => {
    const h = setup();
    const no = ticketIn(h, 'claimed');
    ok(h, 'wang', 'XM001', `进展#${no}已到现场`);
    expect(h.repos.tickets.timeline(no).at(-1)?.detail).toEqual({ text: '已到现场' });
  });

  it('reads a full-width rating and duration', () => {
    const h = setup();
    const no = ticketIn(h, 'resolved');
    ok(h, 'zhou', 'coordinators', `延期 ＃${no} ２ｄ 负责人出差`);
    expect(ticket(h, no).confirmDeadline).toBe(new Date('2026-11-07T18:00:00+08:00').getTime());
    ok(h, 'chen', 'XM001', `满意 ＃${no} ４ 不错`);
    expect(ticket(h, no).rating).toBe(4);
  });
});

describe('what is not a command', () => {
  it('refuses an unknown command word, saying how to find the right one, and stores nothing', () => {
    const h = setup();
    expectRefused(h, 'chen', 'XM001', '看看 在吗', '没有“看看”这个命令', '帮助');
    expectRefused(h, 'wang', 'XM001', '认领了 #1', '没有看懂工单号', '认领 #12');
    expectRefused(h, 'chen', 'XM001', 'lookup', '没有“lookup”这个命令');
  });

  it('answers a bare mention of the bot with how to use it', () => {
    const h = setup();
    for (const text of ['@联保助手', '@联保助手 ', '']) {
      const reply = expectRefused(h, 'chen', 'XM001', text, '帮助');
      expect(reply).not.toContain('没有“');
    }
  });

  it('does not take a word in the middle of a message as a command', () => {
    const h = setup();
    const before = stored(h);
    const said = h.say('chen', 'XM001', '请问怎么报告问题');
    // A sentence, not a would-be command word: the help hint, whole.
    expect(said.reply).toBe('您好，我是联保助手：遇到阻工、强揽、盗窃等问题，请发送“报告 问题描述”登记；发送“帮助”查看全部命令');
    expect(stored(h)).toEqual(before);
  });
});
