import { deadline, isAssignee, isCoordinator, loadTicket, nextStepHint, parseTicketArg, refuse, requireState, ticketView } from '../src/dispatch/helpers.js';
import { cardTicket, rateCard } from '../src/dispatch/cards.js';
import type { Command } from '../src/dispatch/types.js';

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
    requireState(t, ['claimed'], nextStepHint(t));
    if (!isAssignee(ctx.sender, t) && !isCoordinator(ctx.sender)) {
      refuse('forbidden', `只有#${no}的承办人或护企办可以办结`);
    }
    if (!rest) refuse('missing_text', `请写明办理结果，例如：${this.example}`);
    const from = t.state;
    t.state = 'resolved';
    t.resolution = rest;
    t.resolvedAt = ctx.now;
    t.confirmDeadline = deadline(ctx, t, 'confirm', ctx.now);
    t.updatedAt = ctx.now;
    ctx.repos.tickets.save(t);
    ctx.audit(t, 'resolve', from, { text: rest });
    const view = { ...ticketView(ctx, t), by: ctx.sender.name };
    ctx.announce(t, 'resolved', view, rateCard(cardTicket(view), ctx.sender.name));
  },
};
