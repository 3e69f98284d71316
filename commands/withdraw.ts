import { isReporter, loadTicket, parseTicketArg, refuse, requireState, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';

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
    requireState(t, ['open', 'claimed'], t.state === 'resolved' ? '请回复“满意”或“不满意”' : '不能撤回');
    const from = t.state;
    t.state = 'withdrawn';
    t.withdrawnAt = ctx.now;
    t.updatedAt = ctx.now;
    ctx.repos.tickets.save(t);
    ctx.audit(t, 'withdraw', from, { reason: rest });
    ctx.announce(t, 'withdrawn', { ...ticketView(ctx, t), reason: rest });
  },
};
