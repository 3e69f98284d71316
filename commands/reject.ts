import { deadline, isEnterpriseOf, isReporter, loadTicket, nextStepHint, parseTicketArg, refuse, requireState, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';

export const reject: Command = {
  name: '不满意',
  aliases: ['reject', '重办', '不滿意', '重辦'],
  roles: ['enterprise'],
  usage: '不满意 <#N> <原因>',
  example: '不满意 #12 第二天又有人来堵门',
  summary: '对办理结果不满意，退回重办',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    if (!isReporter(ctx.sender, t) && !isEnterpriseOf(ctx.sender, t)) {
      refuse('forbidden', `#${no} 的评价只能由报告企业作出`);
    }
    requireState(t, ['resolved'], t.state === 'open' || t.state === 'claimed' ? '还未办结，办结后才能评价' : nextStepHint(t));
    if (!rest) refuse('missing_reason', `请写明不满意的原因，便于重新办理，例如：${this.example}`);
    const from = t.state;
    t.state = 'claimed';
    t.reopenCount += 1;
    // No longer resolved: the figures count it as resolved again only when it is (the log keeps the old 办结).
    t.resolvedAt = null;
    t.resolution = null;
    t.confirmDeadline = null;
    t.resolveDeadline = deadline(ctx, t, 'resolve', ctx.now);
    t.updatedAt = ctx.now;
    ctx.repos.tickets.save(t);
    ctx.audit(t, 'reject', from, { reason: rest, reopenCount: t.reopenCount });
    ctx.announce(t, 'reopened', { ...ticketView(ctx, t), reason: rest });
  },
};
