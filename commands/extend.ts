import { currentDeadline, durationAndReason, loadTicket, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { CommandContext, Command } from '../src/dispatch/types.js';
import { formatDuration, type Duration } from '../src/tickets/duration.js';
import { formatTime } from '../src/tickets/format.js';
import { extend as extendStep } from '../src/tickets/lifecycle.js';
import { DEADLINE_NAMES } from '../src/tickets/model.js';

/** What the 已延期 notice says, from a deadline that moved. */
export function extendedView(ctx: CommandContext, kind: keyof typeof DEADLINE_NAMES, from: number, to: number, d: Duration): Record<string, string> {
  return { deadlineName: DEADLINE_NAMES[kind], oldDeadline: formatTime(from), newDeadline: formatTime(to), duration: formatDuration(d), by: ctx.sender.name };
}

export const extend: Command = {
  name: '延期',
  aliases: ['extend'],
  roles: ['coordinator', 'leader'],
  usage: '延期 <#N> <时长> <原因>',
  example: '延期 #12 3wd 需等待国土部门出具意见',
  summary: '把当前时限延后一段时间（如 4h 即4小时、2d 即2天、3wd 即3个工作日）',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    requireStep(t, 'extend', '没有可以延期的时限');
    const { duration, reason } = durationAndReason(rest, this.example, '延期');
    const current = currentDeadline(t);
    if (!current) refuse('no_deadline', `#${no} 当前没有时限`);
    const after = ctx.apply(extendStep(t, ctx.actor, ctx.now, duration, reason, ctx.rules));
    const to = currentDeadline(after)?.at ?? current.at;
    ctx.announce(after, 'extended', { ...ticketView(ctx, after), ...extendedView(ctx, current.kind, current.at, to, duration), reason });
  },
};
