import { loadTicket, mayClaim, nameOf, nextStepHint, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { claim as claimStep } from '../src/tickets/lifecycle.js';

export const claim: Command = {
  name: '认领',
  aliases: ['签收', 'claim', '認領', '簽收'],
  roles: ['officer', 'coordinator'],
  usage: '认领 <#N>',
  example: '认领 #12',
  summary: '认领（签收）工单，由自己办理',
  run(ctx, args) {
    const { no } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    if (t.state === 'claimed') refuse('bad_state', `#${no} 已由${nameOf(ctx, t.assigneeId)}认领，正在办理中`);
    requireStep(t, 'claim', nextStepHint(t));
    // SPEC §3: an officer of the accountable department (the one it was transferred to, or the
    // project officer's) or the project officer; coordinators; a conduct complaint only coordinators.
    if (!mayClaim(ctx, t)) {
      if (t.routing === 'coordinators') refuse('conduct', `#${no} 是执法投诉，由护企办认领办理`);
      const dept = t.departmentId ? ctx.repos.roster.department(t.departmentId)?.name : undefined;
      refuse('not_yours', `#${no} 已分派给「${dept ?? '项目警官'}」，请由该部门民警认领，或请护企办“转办”`);
    }
    const claimed = ctx.apply(claimStep(t, ctx.actor, ctx.now));
    ctx.announce(claimed, 'ticket-claimed', ticketView(ctx, claimed));
  },
};
