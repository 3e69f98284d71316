import { isAssignee, isCoordinator, loadTicket, mayClaim, nextStepHint, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import { cardTicket, rateCard } from '../src/dispatch/cards.js';
import type { Command } from '../src/dispatch/types.js';
import { resolve as resolveStep } from '../src/tickets/lifecycle.js';

export const resolve: Command = {
  name: '办结',
  aliases: ['resolve', '辦結'],
  roles: ['officer', 'coordinator'],
  usage: '办结 <#N> <结果>',
  example: '办结 #12 已劝离围堵人员，施工恢复',
  summary: '办结工单，请报告企业评价',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    // Whoever may claim it is told to, in words addressed to them; anyone else who needs to wait for it.
    requireStep(t, 'resolve', t.state === 'open' && mayClaim(ctx, t) ? `请先发送“认领 #${no}”认领此工单，再办结` : nextStepHint(t));
    if (!isAssignee(ctx.sender, t) && !isCoordinator(ctx.sender)) {
      refuse('forbidden', `只有 #${no} 的承办人或护企办可以办结`);
    }
    if (!rest) refuse('missing_text', `请写明办理结果，例如：${this.example}`);
    const after = ctx.apply(resolveStep(t, ctx.actor, ctx.now, rest, ctx.rules));
    const view = { ...ticketView(ctx, after), by: ctx.sender.name };
    ctx.announce(after, 'resolved', view, rateCard(cardTicket(view), ctx.sender.name));
  },
};
