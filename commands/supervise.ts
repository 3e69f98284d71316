import { loadTicket, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { supervise as superviseStep } from '../src/tickets/lifecycle.js';
import { render } from '../src/templates.js';

export const supervise: Command = {
  name: '督办',
  aliases: ['supervise', '督辦'],
  roles: ['coordinator', 'leader'],
  usage: '督办 <#N> [说明]',
  example: '督办 #12 本周内必须解决',
  summary: '挂牌督办，通知项目包联领导和护企办',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    requireStep(t, 'supervise', '不需要督办');
    if (t.supervised) refuse('already_supervised', `#${no} 已在挂牌督办中`);
    const after = ctx.apply(superviseStep(t, ctx.actor, ctx.now, rest));
    const view = { ...ticketView(ctx, after), note: rest, by: ctx.sender.name };
    ctx.announce(after, 'supervised', view);
    const text = render('supervised', view);
    for (const leader of ctx.repos.roster.project(after.projectCode)?.leaderIds ?? []) {
      if (leader !== ctx.sender.personId) ctx.notify.person(leader, text, ctx.key(`leader-${leader}`));
    }
    // A conduct complaint's announcement already went to the coordinators' group.
    if (after.routing !== 'coordinators') ctx.notify.supervisors(after, text, ctx.key('coordinators'), ctx.msg);
  },
};
