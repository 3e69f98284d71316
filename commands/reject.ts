import { isEnterpriseOf, isReporter, loadTicket, nextStepHint, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { reject as rejectStep } from '../src/tickets/lifecycle.js';

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
    requireStep(t, 'reject', t.state === 'open' || t.state === 'claimed' ? '还未办结，办结后才能评价' : nextStepHint(t));
    if (!rest) refuse('missing_reason', `请写明不满意的原因，便于重新办理，例如：${this.example}`);
    const after = ctx.apply(rejectStep(t, ctx.actor, ctx.now, rest, ctx.rules));
    ctx.announce(after, 'reopened', { ...ticketView(ctx, after), reason: rest });
  },
};
