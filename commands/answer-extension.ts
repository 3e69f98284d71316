import { currentDeadline, loadTicket, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command, CommandContext } from '../src/dispatch/types.js';
import type { ExtensionRequest } from '../src/db/extensions-repo.js';
import { formatDuration, parseDuration, type Duration } from '../src/tickets/duration.js';
import { approveExtension as approveStep, rejectExtension as rejectStep } from '../src/tickets/lifecycle.js';
import type { Ticket } from '../src/tickets/model.js';
import { render } from '../src/templates.js';
import { extendedView } from './extend.js';

/** The ticket and its open extension request, refused when there is none to answer. */
function openRequest(ctx: CommandContext, no: number): { t: Ticket; request: ExtensionRequest; duration: Duration } {
  const t = loadTicket(ctx, no);
  const request = ctx.repos.extensions.openFor(no);
  if (!request) refuse('no_request', `#${no} 没有待答复的延期申请`);
  requireStep(t, 'approveExtension', '延期申请已不需要答复');
  const duration = parseDuration(request.duration);
  // Written by 申请延期 with durationToString: anything else is a bug, not a user's typo.
  if (!duration) throw new Error(`extension request ${request.id} has an unreadable duration "${request.duration}"`);
  return { t, request, duration };
}

/** Tells the one who asked what became of it, unless they answered it themselves. */
function tellRequester(ctx: CommandContext, request: ExtensionRequest, text: string): void {
  if (request.requestedBy && request.requestedBy !== ctx.sender.personId) ctx.notify.person(request.requestedBy, text, ctx.key('requester'));
}

export const approveExtension: Command = {
  name: '批准延期',
  aliases: [],
  roles: ['coordinator', 'leader'],
  usage: '批准延期 <#N>',
  example: '批准延期 #12',
  summary: '批准承办人的延期申请，办结时限按申请延后',
  run(ctx, args) {
    const { no } = parseTicketArg(args, this.example);
    const { t, request, duration } = openRequest(ctx, no);
    const from = currentDeadline(t);
    if (!from) refuse('no_deadline', `#${no} 当前没有时限`);
    const after = ctx.apply(approveStep(t, ctx.actor, ctx.now, { duration, reason: request.reason }, ctx.rules));
    ctx.repos.extensions.answer(request.id, 'approved', ctx.sender.personId, ctx.now, '');
    const to = currentDeadline(after)?.at ?? from.at;
    const requester = request.requestedBy ? (ctx.repos.roster.person(request.requestedBy)?.name ?? '') : '';
    const view = { ...ticketView(ctx, after), ...extendedView(ctx, from.kind, from.at, to, duration), reason: request.reason, requester, approved: true };
    ctx.announce(after, 'extended', view);
    tellRequester(ctx, request, render('extension-answered', view));
  },
};

export const rejectExtension: Command = {
  name: '驳回延期',
  aliases: ['駁回延期'],
  roles: ['coordinator', 'leader'],
  usage: '驳回延期 <#N> <原因>',
  example: '驳回延期 #12 本周内必须办结',
  summary: '驳回承办人的延期申请，时限不变，并告知原因',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const { t, request, duration } = openRequest(ctx, no);
    if (!rest) refuse('missing_reason', `请写明驳回的原因，承办人会收到，例如：${this.example}`);
    const after = ctx.apply(rejectStep(t, ctx.actor, ctx.now, { duration }, rest));
    ctx.repos.extensions.answer(request.id, 'rejected', ctx.sender.personId, ctx.now, rest);
    const view = { ...ticketView(ctx, after), duration: formatDuration(duration), reason: rest, by: ctx.sender.name, approved: false };
    ctx.reply('extension-answered', view);
    tellRequester(ctx, request, render('extension-answered', view));
  },
};
