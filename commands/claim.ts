import { isCoordinator, isProjectOfficer, loadTicket, nameOf, nextStepHint, parseTicketArg, refuse, requireState, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';

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
    requireState(t, ['open'], nextStepHint(t));
    if (!isCoordinator(ctx.sender)) {
      if (t.routing === 'coordinators') refuse('conduct', `#${no} 是执法投诉，由护企办认领办理`);
      const ownDepartment = t.departmentId !== null && t.departmentId === ctx.sender.departmentId;
      if (!ownDepartment && !isProjectOfficer(ctx, t)) {
        const dept = t.departmentId ? ctx.repos.roster.department(t.departmentId)?.name : undefined;
        refuse('not_yours', `#${no} 已分派给「${dept ?? '项目警官'}」，请由该部门民警认领，或请护企办“转办”`);
      }
    }
    const from = t.state;
    t.state = 'claimed';
    t.assigneeId = ctx.sender.personId;
    t.departmentId = ctx.sender.departmentId ?? t.departmentId;
    t.claimedAt = ctx.now;
    t.updatedAt = ctx.now;
    ctx.repos.tickets.save(t);
    ctx.audit(t, 'claim', from);
    ctx.announce(t, 'ticket-claimed', ticketView(ctx, t));
  },
};
