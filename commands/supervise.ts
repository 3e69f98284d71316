import { loadTicket, parseTicketArg, refuse, requireState, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
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
    requireState(t, ['open', 'claimed', 'resolved'], '不需要督办');
    if (t.supervised) refuse('already_supervised', `#${no} 已在挂牌督办中`);
    t.supervised = true;
    t.updatedAt = ctx.now;
    ctx.repos.tickets.save(t);
    ctx.audit(t, 'supervise', t.state, { note: rest });
    const view = { ...ticketView(ctx, t), note: rest, by: ctx.sender.name };
    ctx.announce(t, 'supervised', view);
    const text = render('supervised', view);
    for (const leader of ctx.repos.roster.project(t.projectCode)?.leaderIds ?? []) {
      if (leader !== ctx.sender.personId) ctx.notify.person(leader, text, ctx.key(`leader-${leader}`));
    }
    // A conduct complaint's announcement already went to the coordinators' group.
    if (t.routing !== 'coordinators') ctx.notify.coordinators(text, ctx.key('coordinators'), ctx.msg);
  },
};
