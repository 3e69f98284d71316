import { classify } from '../src/tickets/classify.js';
import { deadline, limitText, refuse, ticketView } from '../src/dispatch/helpers.js';
import { cardTicket, claimCard } from '../src/dispatch/cards.js';
import type { Command } from '../src/dispatch/types.js';
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
    const conduct = c.category === '执法投诉';
    const officer = project.officerId ? ctx.repos.roster.person(project.officerId) : undefined;
    const base = { category: c.category, urgency: c.urgency, projectCode: project.code };
    const ticket = ctx.repos.tickets.insert({
      ...base,
      description: c.description,
      state: 'open',
      // A complaint about officers' conduct goes to the coordinators, never to the project's own officer.
      routing: conduct ? 'coordinators' : 'department',
      reporterPlatform: ctx.msg.platform,
      reporterUserId: ctx.msg.senderId,
      reporterPersonId: ctx.sender.personId,
      reporterName: ctx.sender.name,
      assigneeId: null,
      departmentId: conduct ? null : (officer?.departmentId ?? null),
      supervised: false,
      claimDeadline: deadline(ctx, base, 'claim', ctx.now),
      resolveDeadline: deadline(ctx, base, 'resolve', ctx.now),
      confirmDeadline: null,
      resolution: null,
      rating: null,
      ratingComment: null,
      closeKind: null,
      reopenCount: 0,
      createdAt: ctx.now,
      claimedAt: null,
      resolvedAt: null,
      closedAt: null,
      withdrawnAt: null,
      updatedAt: ctx.now,
      sourcePlatform: ctx.msg.platform,
      sourceChatId: ctx.msg.chatId,
    });
    ctx.audit(ticket, 'report', null, { category: c.category, urgency: c.urgency, text: c.description });
    const view = { ...ticketView(ctx, ticket), explicitCategory: c.explicit };
    if (conduct) {
      // In a project group the project's officer reads along: the answer there says only that it is
      // received and who handles it (SPEC §2); the full report goes to the coordinators.
      ctx.reply(ctx.chat?.kind === 'project' ? 'conduct-received' : 'ticket-created', view);
      ctx.notify.coordinators(render('conduct-complaint', view), ctx.key('coordinators'), ctx.msg, claimCard(cardTicket(view), true));
    } else {
      ctx.announce(ticket, 'ticket-created', view, claimCard(cardTicket(view)));
    }
  },
};
