import { attachmentSummary } from '../src/attachments/summary.js';
import { loadTicket, nameOf, parseTicketArg, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { formatShortTime } from '../src/tickets/format.js';
import { describeAudit } from '../src/tickets/timeline.js';

/** Entries of the timeline a 查询 shows, the latest; the dashboard shows them all. */
const TIMELINE_SHOWN = 15;
/** Characters of each entry's words shown (a note, a reason); the rest is replaced by `…`. */
const TIMELINE_TEXT_CHARS = 100;

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
      unit: (id: string) => roster.unit(id)?.name ?? id,
    };
    const summoned = tickets.summonedDepartments(t.no).map((s) => ({
      department: names.department(s.departmentId),
      checkedIn: s.checkedInAt !== null ? `${formatShortTime(s.checkedInAt)}已报到` : '未报到',
    }));
    // A long history is shown by its latest entries: the answer stays one message, whatever was added.
    const timeline = tickets.latestTimeline(t.no, TIMELINE_SHOWN);
    ctx.reply('ticket-detail', {
      ...ticketView(ctx, t),
      summoned,
      hasSummoned: summoned.length > 0,
      // Photos, files and recordings sent as evidence (SPEC §7b); the dashboard shows them.
      attachments: attachmentSummary(ctx.repos.attachments.counts(t.no)),
      timeline: timeline.rows.map((row) => ({ line: describeAudit(row, names, TIMELINE_TEXT_CHARS) })),
      earlier: timeline.total - timeline.rows.length,
    });
  },
};
