import { findPerson, isAssignee, isCoordinator, loadTicket, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { mentionPerson } from '../src/chat/mentions.js';
import { transferToDepartment, transferToPerson } from '../src/tickets/lifecycle.js';
import { render } from '../src/templates.js';

export const transfer: Command = {
  name: '转办',
  aliases: ['移交', 'transfer', '轉辦'],
  roles: ['officer', 'coordinator'],
  usage: '转办 <#N> <@人 或 部门名> <原因>',
  example: '转办 #12 交警大队 涉及货车通行，请交警处理',
  summary: '把工单交给另一位民警或另一个部门（办结时限不变）',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    if (!isAssignee(ctx.sender, t) && !isCoordinator(ctx.sender)) {
      // An open ticket has nobody handling it yet: claiming it is what would work.
      const hint = t.state === 'open' && t.routing !== 'coordinators' ? `；#${no} 还没有人认领，可先发送“认领 #${no}”` : '';
      refuse('forbidden', `只有 #${no} 的承办人或护企办可以转办${hint}`);
    }
    requireStep(t, 'transferToPerson', '不能再转办');
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
    // A conduct complaint stays with the coordinators (SPEC §9): no officer may be given it.
    const conduct = t.routing === 'coordinators';
    if (conduct && (dept || !person?.roles.includes('coordinator'))) {
      refuse('conduct', `#${no} 是执法投诉，只能转给护企办的人；如类别有误，请先发送“改类 #${no} <类别>”`);
    }
    const view: Record<string, unknown> = { reason, by: ctx.sender.name };
    let after;
    if (person) {
      if (!person.roles.includes('officer') && !person.roles.includes('coordinator')) {
        refuse('bad_target', `${person.name}不是民警或联络员，不能承办工单`);
      }
      if (person.id === t.assigneeId) refuse('same_target', `#${no} 已经由${person.name}承办`);
      after = ctx.apply(transferToPerson(t, ctx.actor, ctx.now, { id: person.id, departmentId: person.departmentId }, reason));
      view.target = person.name;
      view.targetMention = mentionPerson(person);
    } else {
      if (t.state === 'open' && t.departmentId === dept!.id) refuse('same_target', `#${no} 已经分派给${dept!.name}`);
      after = ctx.apply(transferToDepartment(t, ctx.actor, ctx.now, dept!.id, reason, ctx.rules));
      view.target = dept!.name;
      view.targetMention = dept!.name;
      // The clock belongs to the ticket (SPEC §4): the department gets a claim deadline, the resolve deadline stays.
      view.toDepartment = true;
    }
    const full = { ...ticketView(ctx, after), ...view };
    ctx.announce(after, 'transferred', full);
    const notice = render('transfer-notice', full);
    if (person) ctx.notify.person(person.id, notice, ctx.key('transfer'));
    else if (!ctx.notify.department(dept!.id, notice, ctx.key('transfer'))) {
      ctx.reply('department-unreachable', { department: dept!.name });
    }
  },
};
