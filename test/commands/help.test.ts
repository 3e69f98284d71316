import { describe, it, expect } from 'vitest';
import { ok, setup } from '../support/tickets.js';

/** The command words a help text lists, in order. */
function words(reply: string): string[] {
  return reply
    .split('\n')
    .filter((l) => l.startsWith('· '))
    .map((l) => l.slice(2).split(/[ ：]/)[0]!);
}

describe('帮助', () => {
  it('shows an enterprise contact only what they may use, each with an example', () => {
    const h = setup();
    const reply = ok(h, 'chen', 'XM001', '帮助').reply;
    expect(reply).toContain('陈经理');
    expect(reply).toContain('企业');
    expect(reply).toContain('XM001 经开区新材料产业园');
    expect(words(reply)).toEqual(['报告', '补充', '满意', '不满意', '撤回', '查询', '会商', '帮助']);
    expect(reply).not.toContain('认领');
    expect(reply).not.toContain('台账');
    // An enterprise may read the meeting’s agenda but not add to it, so it is not offered.
    expect(reply).not.toContain('议题');
    for (const line of reply.split('\n').filter((l) => l.startsWith('· '))) expect(line).toContain('例：');
  });

  it('shows an officer the commands for working tickets, but not the coordinators’', () => {
    const h = setup();
    const list = words(ok(h, 'wang', 'XM001', '帮助').reply);
    expect(list).toEqual(expect.arrayContaining(['认领', '进展', '转办', '改类', '吹哨', '报到', '办结', '申请延期', '台账', '走访', '会商']));
    for (const w of ['满意', '不满意', '回访', '督办', '延期', '批准延期', '驳回延期', '统计', '绑定']) expect(list).not.toContain(w);
    expect(ok(h, 'wang', 'XM001', '帮助').reply).toContain('会商 议题');
  });

  it('shows a coordinator 认领 and the coordinators’ commands', () => {
    const h = setup();
    const list = words(ok(h, 'zhou', 'coordinators', '帮助').reply);
    expect(list).toEqual(expect.arrayContaining(['认领', '转办', '改类', '办结', '回访', '督办', '延期', '批准延期', '驳回延期', '台账', '统计', '绑定']));
    // 满意 and 不满意 are the enterprise's own answers; 走访 is the officers' log; 报到 a summoned department's.
    for (const w of ['满意', '不满意', '走访', '报到']) expect(list).not.toContain(w);
  });

  it('shows a leader supervision, extension and figures, but not claiming', () => {
    const h = setup();
    const list = words(ok(h, 'li', 'XM001', '帮助').reply);
    expect(list).toEqual(expect.arrayContaining(['督办', '延期', '批准延期', '驳回延期', '统计', '台账', '查询']));
    expect(list).not.toContain('认领');
    expect(list).not.toContain('回访');
    expect(list).not.toContain('绑定');
  });

  it('treats someone outside the roster in a project group as that project’s enterprise contact', () => {
    const h = setup();
    const reply = h.send({ senderId: 'stranger', senderName: '张师傅', chatId: 'XM003', text: '帮助' }).reply;
    expect(reply).toContain('张师傅');
    expect(reply).toContain('XM003');
    expect(words(reply)).toEqual(['报告', '补充', '满意', '不满意', '撤回', '查询', '会商', '帮助']);
  });

  it('answers to its aliases', () => {
    const h = setup();
    for (const word of ['help', '?', '？', '幫助', 'HELP', '/帮助']) {
      expect(ok(h, 'chen', 'XM001', word).reply, word).toContain('可用命令');
    }
  });
});
