import { isAssignee, isCoordinator, isProjectOfficer, loadTicket, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { toSimplified } from '../src/tickets/chinese-forms.js';
import { classify } from '../src/tickets/classify.js';
import { reclassify as reclassifyStep } from '../src/tickets/lifecycle.js';
import { CATEGORIES, URGENCY_NAMES, type Category, type Urgency } from '../src/tickets/model.js';
import { render } from '../src/templates.js';

const URGENCY_WORDS: Record<string, Urgency> = { 紧急: 'urgent', 一般: 'normal', urgent: 'urgent', normal: 'normal' };

export const reclassify: Command = {
  name: '改类',
  aliases: ['reclassify', '改類'],
  roles: ['officer', 'coordinator'],
  usage: '改类 <#N> <类别> [紧急|一般]',
  example: '改类 #12 阻工 紧急',
  summary: '更正工单的类别和紧急程度，时限随之重算',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    // SPEC §3: the project officer, the assignee, a coordinator (a conduct complaint only reaches the last two).
    if (!isCoordinator(ctx.sender) && !isAssignee(ctx.sender, t) && !(isProjectOfficer(ctx, t) && t.routing !== 'coordinators')) {
      refuse('forbidden', `只有 #${no} 的项目警官、承办人或护企办可以改类`);
    }
    requireStep(t, 'reclassify', '只有待认领或办理中的工单可以改类');
    const [categoryWord = '', urgencyWord = '', ...extra] = rest.split(/\s+/).filter(Boolean);
    const category = toSimplified(categoryWord.replace(/^#/, '')) as Category;
    if (!CATEGORIES.includes(category)) {
      refuse('bad_category', `${categoryWord ? `没有“${categoryWord}”这个类别，` : '请写明新的类别，'}可选：${CATEGORIES.join('、')}；例如：${this.example}`);
    }
    const urgencyGiven = URGENCY_WORDS[toSimplified(urgencyWord).toLowerCase()];
    if ((urgencyWord && !urgencyGiven) || extra.length > 0) refuse('bad_urgency', `紧急程度请写“紧急”或“一般”，例如：${this.example}`);
    // Without an urgency, what the report itself would have been with this category: 阻工 and 强揽
    // are urgent, and so is a report that says 紧急.
    const urgency = urgencyGiven ?? classify(`#${category} ${t.description}`).urgency;
    if (category === t.category && urgency === t.urgency) refuse('unchanged', `#${no} 已经是${category}·${URGENCY_NAMES[urgency]}`);
    const officer = ctx.repos.roster.project(t.projectCode)?.officerId;
    const officerPerson = officer ? ctx.repos.roster.person(officer) : undefined;
    const after = ctx.apply(
      reclassifyStep(t, ctx.actor, ctx.now, { category, urgency }, ctx.rules, officerPerson ? { id: officerPerson.id, departmentId: officerPerson.departmentId } : null),
    );
    const view = { ...ticketView(ctx, after), by: ctx.sender.name, before: `${t.category}·${URGENCY_NAMES[t.urgency]}`, unclaimed: after.state === 'open' };
    if (after.routing === 'coordinators' && t.routing !== 'coordinators') {
      // Now a conduct complaint (SPEC §3): the project group, where the officer reads, learns only
      // that 护企办 has it; the coordinators get all of it.
      const inProjectGroup = ctx.chat?.kind === 'project';
      ctx.reply(inProjectGroup ? 'conduct-moved' : 'reclassified', view);
      ctx.notify.project(after.projectCode, render('conduct-moved', view), ctx.key('project'), ctx.msg);
      ctx.notify.supervisors(after, render('conduct-complaint', { ...view, reclassified: true }), ctx.key('coordinators'), ctx.msg);
      return;
    }
    ctx.announce(after, 'reclassified', view);
  },
};
