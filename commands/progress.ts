import { isAssignee, isCoordinator, isProjectOfficer, loadTicket, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { progress as progressStep } from '../src/tickets/lifecycle.js';

export const progress: Command = {
  name: '进展',
  aliases: ['progress', '進展'],
  roles: ['officer', 'coordinator'],
  usage: '进展 <#N> <文字>',
  example: '进展 #12 已到现场协调，村民已散开',
  summary: '通报办理进展，发到项目群',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    // A conduct complaint (执法投诉) is kept out of the hands of the project's own officer.
    const projectOfficer = isProjectOfficer(ctx, t) && t.routing !== 'coordinators';
    if (!isAssignee(ctx.sender, t) && !projectOfficer && !isCoordinator(ctx.sender)) {
      if (t.routing === 'coordinators') refuse('conduct', `#${no} 是执法投诉，由护企办办理`);
      refuse('forbidden', `只有 #${no} 的承办人、项目警官或护企办可以通报进展`);
    }
    requireStep(t, 'progress', t.state === 'open' ? `请先发送“认领 #${no}”` : '不能再通报进展');
    if (!rest) refuse('missing_text', `请写明进展内容，例如：${this.example}`);
    const after = ctx.apply(progressStep(t, ctx.actor, ctx.now, rest));
    ctx.announce(after, 'progress', { ...ticketView(ctx, after), text: rest, author: ctx.sender.name });
  },
};
