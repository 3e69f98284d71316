import { deadline, findPerson, isAssignee, isCoordinator, loadTicket, parseTicketArg, refuse, requireState, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { mentionPerson } from '../src/delivery/notifier.js';
import { render } from '../src/templates.js';

export const transfer: Command = {
  name: '转办',
  aliases: ['移交', 'transfer', '轉辦'],
  roles: ['officer', 'coordinator'],
  usage: '转办 <#N> <@人 或 部门名> <原因>',
  example: '转办 #12 交警大队 涉及货车通行，请交警处理',
  summary: '把工单交给另一位民警或另一个部门',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    if (!isAssignee(ctx.sender, t) && !isCoordinator(ctx.sender)) {
      // An open ticket has nobody handling it yet: claiming it is what would work.
      const hint = t.state === 'open' && t.routing !== 'coordinators' ? `；#${no} 还没有人认领，可先发送“认领 #${no}”` : '';
      refuse('forbidden', `只有#${no}的承办人或护企办可以转办${hint}`);
    }
    requireState(t, ['open', 'claimed'], '不能再转办');
    const [target = '', ...reasonWords] = rest.split(/\s+/);
    const reason = reasonWords.join(' ').trim();
    if (!target) refuse('missing_target', `请写明转给谁，例如：${this.example}`);
    if (!reason) refuse('missing_reason', `请写明转办原因，例如：${this.example}`);
    const dept = target.startsWith('@') ? undefined : ctx.repos.roster.departmentByName(target);
    const person = dept ? undefined : findPerson(ctx, target);
    if (!dept && !person) {
      const names = ctx.repos.roster.departments().map((d) => d.name).join('、');
      refuse('unknown_target', `找不到“${target}”，请写部门全称（可选：${names}）或“@姓名”`);
    }
    const from = t.state;
    const view: Record<string, unknown> = { reason, by: ctx.sender.name };
    if (person) {
      if (!person.roles.includes('officer') && !person.roles.includes('coordinator')) {
        refuse('bad_target', `${person.name}不是民警或联络员，不能承办工单`);
      }
      if (person.id === t.assigneeId) refuse('same_target', `#${no} 已经由${person.name}承办`);
      t.state = 'claimed';
      t.assigneeId = person.id;
      t.departmentId = person.departmentId ?? t.departmentId;
      t.claimedAt = ctx.now;
      view.target = person.name;
      view.targetMention = mentionPerson(person);
    } else if (dept) {
      if (t.state === 'open' && t.departmentId === dept.id) refuse('same_target', `#${no} 已经分派给${dept.name}`);
      t.state = 'open';
      t.assigneeId = null;
      t.departmentId = dept.id;
      t.routing = 'department';
      t.claimedAt = null;
      t.claimDeadline = deadline(ctx, t, 'claim', ctx.now);
      view.target = dept.name;
      view.targetMention = dept.name;
    }
    // A transfer starts the clock again: the new owner gets a full deadline, and escalation restarts.
    t.resolveDeadline = deadline(ctx, t, 'resolve', ctx.now);
    t.updatedAt = ctx.now;
    ctx.repos.tickets.save(t);
    ctx.audit(t, 'transfer', from, { to: person ? { person: person.id } : { department: dept!.id }, reason });
    const full = { ...ticketView(ctx, t), ...view };
    ctx.announce(t, 'transferred', full);
    const notice = render('transfer-notice', full);
    if (person) ctx.notify.person(person.id, notice, ctx.key('transfer'));
    else if (!ctx.notify.department(dept!.id, notice, ctx.key('transfer'))) {
      ctx.reply('department-unreachable', { department: dept!.name });
    }
  },
};
