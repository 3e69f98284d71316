import { classify } from '../src/tickets/classify.js';
import { limitText, refuse, ticketView } from '../src/dispatch/helpers.js';
import { cardTicket, claimCard } from '../src/dispatch/cards.js';
import type { Command } from '../src/dispatch/types.js';
import { report as reportStep } from '../src/tickets/lifecycle.js';
import { render } from '../src/templates.js';

export const report: Command = {
  name: '报告',
  aliases: ['诉求', '反映', 'report', '報告', '訴求'],
  roles: ['enterprise', 'officer', 'coordinator', 'leader'],
  usage: '报告 <描述>',
  example: '报告 村民堵路阻工，车辆进不去',
  summary: '登记（挂号）一个问题，自动识别类别和紧急程度',
  run(ctx, args) {
    if (!args) refuse('missing_text', `请写明遇到的问题，例如：${this.example}`);
    // Longer texts are refused rather than cut, so nothing is silently lost.
    limitText(args, '描述');
    const project = ctx.project;
    const chatProject = ctx.chat?.kind === 'project' ? ctx.chat.projectCode : null;
    if (project && chatProject && project.code !== chatProject) {
      refuse('other_project_chat', `您是${project.code}项目的联系人，请在${project.code}的项目群里报告`);
    }
    if (!project) refuse('no_project', '本群还没有绑定项目，请在项目群里报告，或请护企办发送“绑定 项目编号”');
    const c = classify(args);
    // A report of nothing but @-mentions says nothing about the problem.
    if (!c.description.replace(/@\S+/g, '').trim()) refuse('missing_text', `请写明遇到的问题，例如：${this.example}`);
    const officer = project.officerId ? ctx.repos.roster.person(project.officerId) : undefined;
    const { ticket: fresh, events } = reportStep(
      {
        projectCode: project.code,
        category: c.category,
        urgency: c.urgency,
        description: c.description,
        reporter: { platform: ctx.msg.platform, userId: ctx.msg.senderId, personId: ctx.sender.personId, name: ctx.sender.name },
        source: { platform: ctx.msg.platform, chatId: ctx.msg.chatId },
        officerDepartmentId: officer?.departmentId ?? null,
      },
      ctx.rules,
      ctx.now,
    );
    const ticket = ctx.repos.tickets.insert(fresh);
    ctx.record(ticket, events);
    // Pictures sent with the report, and those sent on their own right after it, are its evidence.
    ctx.attachEvidence(ticket);
    // SPEC §2: an urgent report's reply says, on its own line, what to do when people are in danger now.
    const view = { ...ticketView(ctx, ticket), explicitCategory: c.explicit, urgentNotice: ctx.repos.roster.urgentNotice() };
    if (ticket.routing !== 'coordinators') {
      ctx.announce(ticket, 'ticket-created', view, claimCard(cardTicket(view)));
      return;
    }
    // A conduct complaint is not repeated where the project's own officer reads: the reporter is
    // told it is received, and the coordinators get all of it.
    ctx.reply(ctx.chat?.kind === 'project' ? 'conduct-received' : 'ticket-created', view);
    ctx.notify.supervisors(ticket, render('conduct-complaint', view), ctx.key('coordinators'), ctx.msg, claimCard(cardTicket(view), true));
  },
};
