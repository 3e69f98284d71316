import { currentDeadline, loadTicket, parseTicketArg, refuse, requireState, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { addDuration, durationToString, formatDuration, longestInstead, parseDuration } from '../src/tickets/duration.js';
import { formatTime } from '../src/tickets/format.js';
import { DEADLINE_NAMES } from '../src/tickets/model.js';

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
    requireState(t, ['open', 'claimed', 'resolved'], '没有可以延期的时限');
    const [word = '', ...reasonWords] = rest.split(/\s+/);
    if (!word) refuse('missing_duration', `请写明延期多久，例如：${this.example}`);
    const d = parseDuration(word);
    const longest = d ? null : longestInstead(word);
    if (longest) refuse('duration_too_long', `延期时长“${word}”太长，一次最多延期${formatDuration(longest)}（约一年），请写成 ${durationToString(longest)} 或更短`);
    if (!d) refuse('bad_duration', `看不懂时长“${word}”，请写成 30m（分钟）、4h（小时）、2d（天）或 3wd（工作日）`);
    const reason = reasonWords.join(' ').trim();
    if (!reason) refuse('missing_reason', `请写明延期原因，例如：${this.example}`);
    const current = currentDeadline(t);
    if (!current) refuse('no_deadline', `#${no} 当前没有时限`);
    const to = addDuration(new Date(current.at), d, ctx.calendar).getTime();
    if (current.kind === 'claim') t.claimDeadline = to;
    if (current.kind === 'resolve') t.resolveDeadline = to;
    if (current.kind === 'confirm') t.confirmDeadline = to;
    t.updatedAt = ctx.now;
    ctx.repos.tickets.save(t);
    ctx.audit(t, 'extend', t.state, { kind: current.kind, from: current.at, to, duration: durationToString(d), reason });
    ctx.announce(t, 'extended', {
      ...ticketView(ctx, t),
      deadlineName: DEADLINE_NAMES[current.kind],
      oldDeadline: formatTime(current.at),
      newDeadline: formatTime(to),
      duration: formatDuration(d),
      reason,
      by: ctx.sender.name,
    });
  },
};
