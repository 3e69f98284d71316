import { durationAndReason, isAssignee, isCoordinator, loadTicket, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { cardTicket, extensionCard } from '../src/dispatch/cards.js';
import { formatDuration, durationToString } from '../src/tickets/duration.js';
import { requestExtension as requestStep } from '../src/tickets/lifecycle.js';
import { render } from '../src/templates.js';

export const requestExtension: Command = {
  name: '申请延期',
  aliases: ['申請延期'],
  // The assignee, who may be a coordinator working a conduct complaint.
  roles: ['officer', 'coordinator'],
  usage: '申请延期 <#N> <时长> <原因>',
  example: '申请延期 #12 3wd 需等待鉴定结果',
  summary: '承办人申请延长办结时限，由护企办或包联领导批准',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    if (!isAssignee(ctx.sender, t)) {
      refuse('forbidden', `只有 #${no} 的承办人可以申请延期${isCoordinator(ctx.sender) ? '；护企办可以直接发送“延期 #' + no + ' <时长> <原因>”' : ''}`);
    }
    requireStep(t, 'requestExtension', '只有办理中的工单可以申请延期');
    const { duration, reason } = durationAndReason(rest, this.example, '延期');
    const { replaced } = ctx.repos.extensions.add({
      ticketNo: t.no,
      deadline: t.resolveDeadline ?? ctx.now,
      duration: durationToString(duration),
      reason,
      requestedBy: ctx.sender.personId,
      at: ctx.now,
    });
    const after = ctx.apply(requestStep(t, ctx.actor, ctx.now, duration, reason));
    // Nothing moves until it is answered (SPEC §3): the coordinators and the project's leaders are asked.
    const view = { ...ticketView(ctx, after), duration: formatDuration(duration), reason, by: ctx.sender.name, replaced: replaced !== undefined };
    ctx.reply('extension-requested', { ...view, confirmation: true });
    const text = render('extension-requested', view);
    // Those who may answer can do so from the message: [批准] [驳回] (SPEC §7a).
    const card = extensionCard(cardTicket(view), { by: ctx.sender.name, duration: view.duration, reason, deadline: String(view.resolveDeadline ?? '') });
    ctx.notify.supervisors(after, text, ctx.key('coordinators'), ctx.msg, card);
    for (const leader of ctx.repos.roster.project(after.projectCode)?.leaderIds ?? []) {
      ctx.notify.person(leader, text, ctx.key(`leader-${leader}`), card);
    }
  },
};
