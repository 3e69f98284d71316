import { isCoordinator, isEnterpriseOf, isReporter, loadTicket, nextStepHint, parseTicketArg, refuse, requireState, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';

export const accept: Command = {
  name: '满意',
  aliases: ['accept', '滿意'],
  roles: ['enterprise', 'coordinator'],
  usage: '满意 <#N> [1-5] [评语]',
  example: '满意 #12 5 处置及时',
  summary: '确认办理结果满意，工单销号（可打1-5分）',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    if (!isReporter(ctx.sender, t) && !isEnterpriseOf(ctx.sender, t) && !isCoordinator(ctx.sender)) {
      refuse('forbidden', `#${no} 的评价只能由报告企业作出`);
    }
    requireState(t, ['resolved'], t.state === 'open' || t.state === 'claimed' ? '还未办结，办结后才能评价' : nextStepHint(t));
    let rating = 5;
    let comment = rest;
    // A rating is a number followed by 分 or a space: `4 处置及时`, `3分处置一般`; in `5楼的问题也解决了`
    // the number belongs to the comment. A number that is not a whole 1–5 is refused, never guessed at.
    const m = /^(\d+(?:\.\d+)?)(?:\s*分|(?=\s|$))\s*([\s\S]*)$/.exec(rest);
    if (m) {
      rating = Number(m[1]);
      comment = m[2]!.trim();
      if (!Number.isInteger(rating) || rating < 1 || rating > 5) refuse('bad_rating', `评分请用1到5的整数，例如：${this.example}`);
    }
    const from = t.state;
    t.state = 'closed';
    t.closeKind = 'confirmed';
    t.rating = rating;
    t.ratingComment = comment || null;
    t.closedAt = ctx.now;
    t.updatedAt = ctx.now;
    ctx.repos.tickets.save(t);
    ctx.audit(t, 'accept', from, { rating, comment });
    ctx.announce(t, 'closed', { ...ticketView(ctx, t), by: ctx.sender.name });
  },
};
