import { loadTicket, parseTicketArg, refuse, requireState, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';

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
    requireState(t, ['open', 'claimed'], '不需要再报到');
    const dept = ctx.sender.departmentId;
    const summoned = ctx.repos.tickets.summonedDepartments(t.no).find((d) => d.departmentId === dept);
    if (!dept || !summoned) refuse('not_summoned', `您所在的部门没有被吹哨协同#${no}，不需要报到`);
    if (summoned.checkedInAt !== null) refuse('already_checked_in', `您所在的部门已经报到过#${no}`);
    ctx.repos.tickets.checkIn(t.no, dept, ctx.now, ctx.sender.personId);
    t.updatedAt = ctx.now;
    ctx.repos.tickets.save(t);
    ctx.audit(t, 'checkin', t.state, { department: dept });
    const deptName = ctx.repos.roster.department(dept)?.name ?? dept;
    ctx.announce(t, 'checked-in', { ...ticketView(ctx, t), target: deptName, by: ctx.sender.name });
  },
};
