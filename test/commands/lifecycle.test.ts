import { describe, it, expect } from 'vitest';
import { auditOf, expectRefused, lastAudit, lastMsgId, ok, setup, ticket } from '../support/tickets.js';

const at = (beijing: string) => new Date(`${beijing}+08:00`);

describe('the closed loop of one obstruction report', () => {
  it('goes 挂号 → 认领 → 办理 → 办结 → 不满意 → 办结 → 满意 → 销号, and the timeline shows it all', () => {
    const h = setup('2026-11-02T02:00:00Z'); // Monday 10:00 in Beijing

    // 挂号
    const reported = ok(h, 'chen', 'XM001', '报告 村民堵路阻工，车辆进不去');
    const no = h.ticketNo(reported);
    expect(reported.reply).toContain(`#${no} 已登记`);
    expect(reported.reply).toContain('阻工·紧急');
    expect(reported.reply).toContain('签收时限：2026-11-02 10:15');
    expect(reported.reply).toContain('办结时限：2026-11-03 10:00');
    expect(ticket(h, no)).toMatchObject({ state: 'open', category: '阻工', urgency: 'urgent' });

    // The reporter cannot claim their own report.
    expectRefused(h, 'chen', 'XM001', `认领 #${no}`, '认领', '民警', '企业');

    // 认领
    h.clock.set(at('2026-11-02T10:05'));
    const claimed = ok(h, 'wang', 'XM001', `认领 #${no}`);
    expect(claimed.reply).toContain(`#${no} 已认领`);
    expect(claimed.reply).toContain('王警官');
    expect(claimed.reply).toContain('治安大队');
    expect(ticket(h, no)).toMatchObject({ state: 'claimed', assigneeId: 'wang', claimedAt: at('2026-11-02T10:05').getTime() });
    expect(lastAudit(h, no)).toMatchObject({ action: 'claim', actorId: 'wang', fromState: 'open', toState: 'claimed', msgId: lastMsgId(h) });

    // 办理
    h.clock.set(at('2026-11-02T10:40'));
    const progress = ok(h, 'wang', 'XM001', `进展 #${no} 已到现场协调，村民已散开`);
    expect(progress.reply).toContain(`#${no} 办理进展`);
    expect(progress.reply).toContain('已到现场协调，村民已散开');

    // 办结
    h.clock.set(at('2026-11-02T12:00'));
    const resolved = ok(h, 'wang', 'XM001', `办结 #${no} 已劝离围堵人员，施工恢复`);
    expect(resolved.reply).toContain(`#${no} 已办结`);
    expect(resolved.reply).toContain('陈经理');
    expect(resolved.reply).toContain(`满意 #${no}`);
    expect(resolved.reply).toContain(`不满意 #${no}`);
    expect(resolved.reply).toContain('评价时限：2026-11-05 18:00');
    expect(ticket(h, no)).toMatchObject({ state: 'resolved', resolution: '已劝离围堵人员，施工恢复' });

    // 不满意 → 重办
    h.clock.set(at('2026-11-03T09:00'));
    const reopened = ok(h, 'chen', 'XM001', `不满意 #${no} 第二天又有人来堵门`);
    expect(reopened.reply).toContain(`#${no} 退回重办`);
    expect(reopened.reply).toContain('第1次');
    expect(reopened.reply).toContain('第二天又有人来堵门');
    expect(reopened.reply).toContain('办结时限：2026-11-04 09:00');
    expect(ticket(h, no)).toMatchObject({
      state: 'claimed',
      assigneeId: 'wang',
      reopenCount: 1,
      resolveDeadline: at('2026-11-04T09:00').getTime(),
      confirmDeadline: null,
    });

    // 办结 again
    h.clock.set(at('2026-11-03T16:00'));
    ok(h, 'wang', 'XM001', `办结 #${no} 已与村委会签订协议，不再阻工`);
    expect(ticket(h, no).state).toBe('resolved');

    // 满意 → 销号
    h.clock.set(at('2026-11-04T09:30'));
    const closed = ok(h, 'chen', 'XM001', `满意 #${no} 5`);
    expect(closed.reply).toContain(`#${no} 已销号`);
    expect(closed.reply).toContain('5分');
    expect(ticket(h, no)).toMatchObject({ state: 'closed', rating: 5, closeKind: 'confirmed', reopenCount: 1 });

    // 查询: the whole timeline, who did what and when
    const detail = ok(h, 'chen', 'XM001', `查询 #${no}`).reply;
    const lines = detail.split('\n');
    expect(lines[0]).toContain(`#${no}`);
    expect(lines[0]).toContain('状态：已销号');
    expect(detail).toContain('重办次数：1');
    expect(detail).toContain('评价：5分');
    const timeline = lines.slice(lines.findIndex((l) => l.startsWith('办理经过')) + 1);
    expect(timeline).toEqual([
      '11-02 10:00 陈经理 报告挂号：村民堵路阻工，车辆进不去',
      '11-02 10:05 王警官 认领（待认领→办理中）',
      '11-02 10:40 王警官 进展：已到现场协调，村民已散开',
      '11-02 12:00 王警官 办结（办理中→待评价）：已劝离围堵人员，施工恢复',
      '11-03 09:00 陈经理 不满意，退回重办（待评价→办理中）：第二天又有人来堵门',
      '11-03 16:00 王警官 办结（办理中→待评价）：已与村委会签订协议，不再阻工',
      '11-04 09:30 陈经理 满意，销号（待评价→已销号）：5分',
    ]);

    // Every step is in the audit log, each with the message that caused it.
    const audit = auditOf(h, no);
    expect(audit.map((r) => r.action)).toEqual(['report', 'claim', 'progress', 'resolve', 'reject', 'resolve', 'accept']);
    expect(new Set(audit.map((r) => r.msgId)).size).toBe(audit.length);
    expect(audit.every((r) => r.msgPlatform === 'playground')).toBe(true);

    // Another project's enterprise cannot see it.
    expectRefused(h, 'liu', 'XM002', `查询 #${no}`, `#${no}`, '不在您的查看范围内');
  });
});
