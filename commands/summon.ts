import { findPerson, isAssignee, isCoordinator, loadTicket, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { summon as summonStep } from '../src/tickets/lifecycle.js';
import { render } from '../src/templates.js';

export const summon: Command = {
  name: '吹哨',
  aliases: ['summon'],
  roles: ['officer', 'coordinator'],
  usage: '吹哨 <#N> <部门名 或 @联络员> [说明]',
  example: '吹哨 #12 人社局 涉及欠薪，请派员协同',
  summary: '民警吹哨，请其他部门协同办理（部门报到）',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    if (!isAssignee(ctx.sender, t) && !isCoordinator(ctx.sender)) {
      // An open ticket has nobody handling it yet: claiming it is what would work.
      const hint = t.state === 'open' && t.routing !== 'coordinators' ? `；#${no} 还没有人认领，可先发送“认领 #${no}”` : '';
      refuse('forbidden', `只有 #${no} 的承办人或护企办可以吹哨${hint}`);
    }
    requireStep(t, 'summon', '不能再吹哨');
    const [name = '', ...noteWords] = rest.split(/\s+/);
    if (!name) refuse('missing_department', `请写明请哪个部门协同，例如：${this.example}`);
    // `@联络员` summons that person's department: the person the platform says was mentioned.
    const contact = name.startsWith('@') ? findPerson(ctx, name) : undefined;
    const departments = () => ctx.repos.roster.departments().map((d) => d.name).join('、');
    if (name.startsWith('@') && !contact) refuse('unknown_target', `找不到“${name}”，请写部门全称（可选：${departments()}）或“@联络员”`);
    if (contact && !contact.departmentId) refuse('no_department', `${contact.name}不属于任何部门，请写部门全称，例如：${this.example}`);
    const dept = contact?.departmentId ? ctx.repos.roster.department(contact.departmentId) : ctx.repos.roster.departmentByName(name);
    if (!dept) refuse('unknown_department', `没有“${name}”这个部门，可选的部门有：${departments()}`);
    if (dept.id === t.departmentId) refuse('own_department', `${dept.name}已是 #${no} 的承办部门，不需要吹哨`);
    const note = noteWords.join(' ').trim();
    if (!ctx.repos.tickets.summon(t.no, dept.id, ctx.now, ctx.sender.personId, note || null)) {
      refuse('already_summoned', `${dept.name}已被吹哨协同 #${no}，请等待其报到`);
    }
    const after = ctx.apply(summonStep(t, ctx.actor, ctx.now, dept.id, note));
    const view = { ...ticketView(ctx, after), target: dept.name, note, by: ctx.sender.name };
    ctx.announce(after, 'summoned', view);
    if (!ctx.notify.department(dept.id, render('summon-request', view), ctx.key('summon'))) {
      ctx.reply('department-unreachable', { department: dept.name });
    }
  },
};
