import { isEnterpriseOf, isReporter, loadTicket, nextStepHint, parseTicketArg, readRating, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { accept as acceptStep } from '../src/tickets/lifecycle.js';

export const accept: Command = {
  name: '满意',
  aliases: ['accept', '滿意'],
  // The enterprise's word alone (SPEC §2): coordinators record a phone answer with 回访.
  roles: ['enterprise'],
  usage: '满意 <#N> [1-5] [评语]',
  example: '满意 #12 5 处置及时',
  summary: '确认办理结果满意，工单销号（可打1-5分）',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    if (!isReporter(ctx.sender, t) && !isEnterpriseOf(ctx.sender, t)) {
      refuse('forbidden', `#${no} 的评价只能由报告企业作出`);
    }
    requireStep(t, 'accept', t.state === 'open' || t.state === 'claimed' ? '还未办结，办结后才能评价' : nextStepHint(t));
    const read = readRating(rest, this.example);
    const rating = read.rating ?? 5;
    const comment = read.comment;
    const closed = ctx.apply(acceptStep(t, ctx.actor, ctx.now, rating, comment));
    ctx.announce(closed, 'closed', { ...ticketView(ctx, closed), by: ctx.sender.name });
  },
};
