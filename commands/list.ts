import { chatMayShowConduct, chatScope, hasRole, mayKnowConduct, refuse, scopeLabel, ticketView } from '../src/dispatch/helpers.js';
import { inScope, scopeUnits, type Scope } from '../src/tickets/scope.js';
import type { Command } from '../src/dispatch/types.js';
import type { TicketFilter } from '../src/db/tickets-repo.js';
import { normalizeWidth } from '../src/dispatch/parse.js';

const IN_HAND = ['open', 'claimed', 'resolved', 'followup'] as const;
const FILTERS: Record<string, { label: string; filter: (me: string | null, now: number, scope: Scope) => Omit<TicketFilter, 'projectCode'> }> = {
  '': { label: '在办', filter: () => ({ states: [...IN_HAND] }) },
  待认领: { label: '待认领', filter: () => ({ states: ['open'] }) },
  办理中: { label: '办理中', filter: () => ({ states: ['claimed'] }) },
  待评价: { label: '待评价', filter: () => ({ states: ['resolved'] }) },
  // Resolutions the enterprise did not answer in time: for the coordinators to phone (回访).
  待回访: { label: '待回访', filter: () => ({ states: ['followup'] }) },
  超期: { label: '超期', filter: (_me, now) => ({ overdueAt: now }) },
  我的: { label: '我承办的', filter: (me) => ({ assigneeId: me ?? '', states: [...IN_HAND] }) },
  全部: { label: '全部', filter: () => ({}) },
  // Tickets 提级 to this unit or one below it, still being worked on (SPEC §11).
  提级: { label: '提级督办', filter: (_me, _now, scope) => ({ raised: scope.kind === 'all' ? true : [...scope.units], states: [...IN_HAND] }) },
};
const TRADITIONAL: Record<string, string> = { 待認領: '待认领', 辦理中: '办理中', 待評價: '待评价', 待回訪: '待回访', 全部: '全部', 我的: '我的', 超期: '超期', 提級: '提级' };
const SHOWN = 30;

export const list: Command = {
  name: '台账',
  aliases: ['list', '列表', '台賬', '臺賬'],
  roles: ['officer', 'coordinator', 'leader'],
  usage: '台账 [待认领|办理中|待评价|待回访|超期|我的|全部|提级]',
  example: '台账 超期',
  summary: '列出工单（项目群里列本项目，护企办群里列全部）',
  run(ctx, args) {
    const word = normalizeWidth(args).trim().split(/\s+/)[0] ?? '';
    const key = TRADITIONAL[word] ?? word;
    const chosen = FILTERS[key];
    if (!chosen) refuse('bad_filter', `没有“${word}”这个筛选条件，可以用：待认领、办理中、待评价、待回访、超期、我的、全部、提级`);
    // In a project group everyone reads the answer: that project's tickets only. Conduct complaints
    // only for coordinators and leaders (an officer may be the one complained about), and only in a
    // private chat or a coordinators' group (the project's own officer may read along elsewhere).
    const inProjectGroup = ctx.chat?.kind === 'project';
    const projectCode = inProjectGroup ? (ctx.chat?.projectCode ?? undefined) : undefined;
    // A unit's coordinators and leaders see their unit's projects and those below it (SPEC §11).
    const scope = chatScope(ctx);
    const here = projectCode ? ctx.repos.roster.project(projectCode) : undefined;
    if (here && !inScope(scope, here) && !hasRole(ctx.sender, 'officer')) {
      refuse('out_of_scope', `${here.code} 不在您的管辖范围内（本单位及下级单位的项目），请在本单位的群里查看台账`);
    }
    const { tickets, total } = ctx.repos.tickets.list({
      ...chosen.filter(ctx.sender.personId, ctx.now, scope),
      projectCode,
      excludeConduct: !chatMayShowConduct(ctx) || !mayKnowConduct(ctx.sender),
      units: projectCode ? undefined : scopeUnits(scope),
      limit: SHOWN,
    });
    const project = projectCode ? ctx.repos.roster.project(projectCode) : undefined;
    ctx.reply('ticket-list', {
      scope: project ? `${project.code} ${project.name}` : scopeLabel(ctx, scope),
      label: chosen.label,
      total,
      more: total > tickets.length ? total - tickets.length : 0,
      empty: tickets.length === 0,
      rows: tickets.map((t) => {
        const v = ticketView(ctx, t);
        return {
          ref: v.ref,
          category: v.category,
          urgent: v.urgent,
          urgency: v.urgency,
          state: v.state,
          owner: v.owner,
          deadline: v.deadlineShort,
          overdue: v.overdue,
          supervised: v.supervised,
          project: projectCode ? '' : t.projectCode,
          summary: [...t.description].slice(0, 24).join('') + ([...t.description].length > 24 ? '…' : ''),
        };
      }),
    });
  },
};
