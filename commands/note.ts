import { isEnterpriseOf, isReporter, isStaff, loadTicket, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { note as noteStep } from '../src/tickets/lifecycle.js';

export const note: Command = {
  name: '补充',
  aliases: ['note', '補充'],
  roles: ['enterprise', 'officer', 'coordinator', 'leader'],
  usage: '补充 <#N> <文字>',
  example: '补充 #12 对方约二十人，拉了横幅',
  summary: '补充工单的情况',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    if (!isReporter(ctx.sender, t) && !isEnterpriseOf(ctx.sender, t) && !isStaff(ctx.sender)) {
      refuse('forbidden', `只有本项目的企业联系人或民警可以补充 #${no} 的情况`);
    }
    requireStep(t, 'note', '如有新情况请重新“报告”');
    // Pictures and files are evidence of the ticket; with no words, they are all there is to add,
    // and the sender hears once they are fetched (SPEC §7b).
    ctx.attachEvidence(t);
    if (!rest && (ctx.msg.attachments?.length ?? 0) > 0) return;
    if (!rest) refuse('missing_text', `请写明补充的内容，例如：${this.example}`);
    const after = ctx.apply(noteStep(t, ctx.actor, ctx.now, rest));
    ctx.announce(after, 'note-added', { ...ticketView(ctx, after), text: rest, author: ctx.sender.name });
  },
};
