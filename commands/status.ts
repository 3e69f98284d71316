import { loadTicket, nameOf, parseTicketArg, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { formatShortTime } from '../src/tickets/format.js';
import { describeAudit } from '../src/tickets/timeline.js';

export const status: Command = {
  name: '查询',
  aliases: ['status', '详情', '查詢', '詳情'],
  roles: ['enterprise', 'officer', 'coordinator', 'leader'],
  usage: '查询 <#N>',
  example: '查询 #12',
  summary: '查看工单详情和全部办理经过',
  run(ctx, args) {
    const { no } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    const { roster, tickets } = ctx.repos;
    const names = {
      person: (id: string) => nameOf(ctx, id),
      department: (id: string) => roster.department(id)?.name ?? id,
    };
    const summoned = tickets.summonedDepartments(t.no).map((s) => ({
      department: names.department(s.departmentId),
      checkedIn: s.checkedInAt !== null ? `${formatShortTime(s.checkedInAt)}已报到` : '未报到',
    }));
    ctx.reply('ticket-detail', {
      ...ticketView(ctx, t),
      summoned,
      hasSummoned: summoned.length > 0,
      timeline: tickets.timeline(t.no).map((row) => ({ line: describeAudit(row, names) })),
    });
  },
};
