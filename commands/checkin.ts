import { loadTicket, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { checkin as checkinStep } from '../src/tickets/lifecycle.js';

export const checkin: Command = {
  name: '报到',
  aliases: ['checkin', '報到'],
  roles: ['officer'],
  usage: '报到 <#N>',
  example: '报到 #12',
  summary: '被吹哨的部门报到，加入协同办理',
  run(ctx, args) {
    const { no } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    requireStep(t, 'checkin', '不需要再报到');
    const dept = ctx.sender.departmentId;
    const summoned = ctx.repos.tickets.summonedDepartments(t.no).find((d) => d.departmentId === dept);
    if (!dept || !summoned) refuse('not_summoned', `您所在的部门没有被吹哨协同 #${no}，不需要报到`);
    if (summoned.checkedInAt !== null) refuse('already_checked_in', `您所在的部门已经报到过 #${no}`);
    ctx.repos.tickets.checkIn(t.no, dept, ctx.now, ctx.sender.personId);
    const after = ctx.apply(checkinStep(t, ctx.actor, ctx.now, dept));
    const deptName = ctx.repos.roster.department(dept)?.name ?? dept;
    ctx.announce(after, 'checked-in', { ...ticketView(ctx, after), target: deptName, by: ctx.sender.name });
  },
};
