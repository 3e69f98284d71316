import { loadTicket, nextStepHint, parseTicketArg, readRating, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { followup as followupStep } from '../src/tickets/lifecycle.js';

const ANSWERS: Record<string, boolean> = { 满意: true, 滿意: true, 不满意: false, 不滿意: false };

export const followup: Command = {
  name: '回访',
  aliases: ['followup', '回訪'],
  roles: ['coordinator'],
  usage: '回访 <#N> <满意|不满意> [1-5] [说明]',
  example: '回访 #12 满意 4 电话回访企业负责人，认可处置结果',
  summary: '记录电话回访企业的意见（代评）：满意则销号，不满意则退回重办',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    requireStep(
      t,
      'followupSatisfied',
      t.state === 'resolved' ? '评价时限未到，请等企业自己回复“满意”或“不满意”' : t.state === 'open' || t.state === 'claimed' ? '还未办结，不需要回访' : nextStepHint(t),
    );
    const m = /^(不满意|不滿意|满意|滿意)\s*([\s\S]*)$/.exec(rest);
    if (!m) refuse('missing_answer', `请写明企业的意见是“满意”还是“不满意”，例如：${this.example}`);
    const satisfied = ANSWERS[m[1]!]!;
    const { rating, comment } = readRating(m[2]!.trim(), this.example);
    const after = ctx.apply(followupStep(t, ctx.actor, ctx.now, { satisfied, rating, comment }, ctx.rules));
    const view = { ...ticketView(ctx, after), by: ctx.sender.name, comment, proxy: true };
    if (satisfied) ctx.announce(after, 'followup-closed', view);
    else ctx.announce(after, 'reopened', { ...view, reason: comment || '（未说明）' });
  },
};
