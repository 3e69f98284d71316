import { isReporter, loadTicket, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { withdraw as withdrawStep } from '../src/tickets/lifecycle.js';

export const withdraw: Command = {
  name: '撤回',
  aliases: ['withdraw'],
  roles: ['enterprise', 'officer', 'coordinator', 'leader'],
  usage: '撤回 <#N> [原因]',
  example: '撤回 #12 已和村民协商解决',
  summary: '撤回自己报告的工单',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    if (!isReporter(ctx.sender, t)) refuse('forbidden', `#${no} 只能由报告人${t.reporterName}撤回`);
    requireStep(t, 'withdraw', t.state === 'resolved' || t.state === 'followup' ? '请回复“满意”或“不满意”' : '不能撤回');
    const after = ctx.apply(withdrawStep(t, ctx.actor, ctx.now, rest));
    ctx.announce(after, 'withdrawn', { ...ticketView(ctx, after), reason: rest });
  },
};
