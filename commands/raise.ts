import { isCoordinator, limitText, loadTicket, parseTicketArg, refuse, requireStep, ticketView } from '../src/dispatch/helpers.js';
import type { Command, CommandContext } from '../src/dispatch/types.js';
import { lower as lowerStep, raise as raiseStep } from '../src/tickets/lifecycle.js';
import type { Ticket } from '../src/tickets/model.js';
import { inScope } from '../src/tickets/scope.js';
import { render } from '../src/templates.js';

/** The unit supervising a ticket now (SPEC §11): the one it was 提级 to, else its project's (null: the root). */
function supervising(ctx: CommandContext, t: Ticket): string | null {
  const { roster } = ctx.repos;
  return roster.unitOrRoot(t.raisedUnit ?? roster.project(t.projectCode)?.unitId ?? null);
}

/** Whether the sender's scope holds a unit (the root: only an all-seeing scope). */
function reaches(ctx: CommandContext, unitId: string | null): boolean {
  return inScope(ctx.scope, { unitId: unitId === ctx.repos.roster.rootUnitId() ? null : unitId });
}

function view(ctx: CommandContext, t: Ticket, from: string | null, to: string | null, reason: string) {
  const { roster } = ctx.repos;
  return { ...ticketView(ctx, t), fromUnit: roster.unitName(from), toUnit: roster.unitName(to), by: ctx.sender.name, reason };
}

/**
 * `提级 #N 原因` (SPEC §11): a coordinator hands the supervision of a ticket to the coordinators of
 * the unit above (listed in their 台账 提级, reminded with its tiers, counted as 提级). The
 * ticket's own unit keeps following it.
 */
export const raise: Command = {
  name: '提级',
  aliases: ['raise', '提級'],
  roles: ['coordinator'],
  usage: '提级 <#N> <原因>',
  example: '提级 #12 涉及跨县协调，本级难以解决',
  summary: '交上一级单位的护企办督办（多级联保）',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    if (!isCoordinator(ctx.sender)) refuse('forbidden', '只有护企办可以提级');
    requireStep(t, 'raise', '已经办完的工单不需要提级');
    const reason = limitText(rest, '提级原因');
    if (!reason) refuse('missing_reason', `请写明提级原因，例如：${this.example}`);
    const { roster } = ctx.repos;
    const from = supervising(ctx, t);
    const to = from === null ? null : (roster.unit(from)?.parentId ?? null);
    if (from === null || to === null) refuse('top_unit', `#${no} 已由${roster.unitName(from)}督办，这是最上一级，不能再提级`);
    if (!reaches(ctx, from)) refuse('out_of_scope', `#${no} 现由${roster.unitName(from)}督办，不在您的管辖范围内`);
    const after = ctx.apply(raiseStep(t, ctx.actor, ctx.now, { from, to }, reason));
    const v = view(ctx, after, from, to, reason);
    ctx.reply('raised', v);
    // The unit above, which supervises it now, and the unit it came from (unless that is this chat).
    ctx.notify.coordinators(render('raised', v), ctx.key('coordinators-to'), ctx.msg, undefined, to);
    ctx.notify.coordinators(render('raised', v), ctx.key('coordinators-from'), ctx.msg, undefined, from);
  },
};

/** `回退 #N 原因` (SPEC §11): the unit a ticket was 提级 to hands its supervision back down a level. */
export const lower: Command = {
  name: '回退',
  aliases: ['lower', '退回督办'],
  roles: ['coordinator'],
  usage: '回退 <#N> <原因>',
  example: '回退 #12 已协调明确责任单位，由县里继续督办',
  summary: '把提级的工单交回下一级单位督办（多级联保）',
  run(ctx, args) {
    const { no, rest } = parseTicketArg(args, this.example);
    const t = loadTicket(ctx, no);
    if (!isCoordinator(ctx.sender)) refuse('forbidden', '只有护企办可以回退');
    if (t.raisedUnit === null) refuse('not_raised', `#${no} 没有提级，由项目所属单位督办，不需要回退`);
    requireStep(t, 'lower', '已经办完的工单不需要回退');
    const reason = limitText(rest, '回退原因');
    if (!reason) refuse('missing_reason', `请写明回退原因，例如：${this.example}`);
    const { roster } = ctx.repos;
    const from = t.raisedUnit;
    if (!reaches(ctx, from)) refuse('out_of_scope', `#${no} 现由${roster.unitName(from)}督办，只有${roster.unitName(from)}可以回退`);
    // One level down, towards the project's own unit; reaching it, the ticket is no longer 提级.
    const own = roster.unitOrRoot(roster.project(t.projectCode)?.unitId ?? null);
    let below = own;
    while (below !== null && roster.unit(below)?.parentId !== from) below = roster.unit(below)?.parentId ?? null;
    const to = below ?? own;
    const after = ctx.apply(lowerStep(t, ctx.actor, ctx.now, { from, to, raisedUnit: to === own ? null : to }, reason));
    const v = view(ctx, after, from, to, reason);
    ctx.reply('lowered', v);
    ctx.notify.coordinators(render('lowered', v), ctx.key('coordinators-to'), ctx.msg, undefined, to);
    ctx.notify.coordinators(render('lowered', v), ctx.key('coordinators-from'), ctx.msg, undefined, from);
  },
};
