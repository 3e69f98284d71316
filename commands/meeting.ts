import type { Command } from '../src/dispatch/types.js';
import { chatMayShowConduct, isStaff, limitText, mayKnowConduct, refuse } from '../src/dispatch/helpers.js';
import { inScope } from '../src/tickets/scope.js';
import { buildAgenda, meetingProjects, nextMeeting, previousMeeting } from '../src/reports/agenda.js';

export const meeting: Command = {
  name: '会商',
  aliases: ['meeting', '會商'],
  roles: ['enterprise', 'officer', 'coordinator', 'leader'],
  usage: '会商 [议题 <文字>]',
  example: '会商 议题 协调解决XM001进场道路问题',
  summary: '查看下次会商的时间和议程，或添加议题',
  helpFor(sender) {
    if (isStaff(sender)) return this;
    return { usage: '会商', summary: '查看下次会商的时间和议程', example: '会商' };
  },
  run(ctx, args) {
    // The meeting of this chat's unit (SPEC §11): a unit's coordinators' group, a project's group,
    // an enterprise contact's project, or the sender's own unit.
    const { roster } = ctx.repos;
    const unitId =
      ctx.chat?.kind === 'coordinators' ? ctx.chat.unitId : ctx.project && (ctx.chat?.kind === 'project' || !isStaff(ctx.sender)) ? ctx.project.unitId : ctx.sender.unitId;
    // A unit's coordinators and leaders take part in their own unit's meeting and those below it.
    if (!inScope(ctx.scope, { unitId })) {
      refuse('out_of_scope', `这里是${roster.unitName(unitId)}的会商，不在您的管辖范围内（本单位及下级单位），请在本单位的群里或私聊中发送“会商”`);
    }
    const settings = roster.meeting(unitId);
    const next = nextMeeting(settings, ctx.calendar, ctx.now);
    const m = /^(?:议题|議題|topic)\s*([\s\S]*)$/.exec(args.trim());
    if (m) {
      if (!isStaff(ctx.sender)) refuse('forbidden', '会商议题由民警或护企办添加，企业可以把问题用“报告”反映');
      const text = m[1]!.trim();
      if (!text) refuse('missing_text', `请写明议题内容，例如：${this.example}`);
      limitText(text, '议题');
      ctx.repos.logs.addAgendaItem({
        projectCode: ctx.project?.code ?? null,
        personId: ctx.sender.personId,
        authorName: ctx.sender.name,
        text,
        at: ctx.now,
        msgPlatform: ctx.msg.platform,
        msgId: ctx.msg.msgId,
        // Raised outside a project group: for the meeting of this chat's or the sender's unit.
        unitId: ctx.project ? null : unitId,
      });
      ctx.reply('agenda-added', { text, date: next.date, time: next.time, project: ctx.project?.name ?? (roster.units().length > 0 ? `${roster.unitName(unitId)}全部项目` : '全部项目') });
      return;
    }
    if (args.trim()) refuse('bad_args', `“会商”后面只能跟“议题 内容”，例如：${this.example}`);
    // An enterprise sees only its own project's agenda; a project group sees that project's.
    const codes = ctx.chat?.kind === 'project' || !isStaff(ctx.sender) ? (ctx.project ? [ctx.project.code] : []) : meetingProjects(roster, unitId);
    const general = ctx.chat?.kind !== 'project' && isStaff(ctx.sender);
    // Conduct complaints are left out where a project's officer may read, and for officers themselves.
    const forProjectGroup = !chatMayShowConduct(ctx) || !mayKnowConduct(ctx.sender);
    const agenda = buildAgenda(ctx.repos, next, previousMeeting(next, settings, ctx.calendar), ctx.now, codes, { forProjectGroup, general, unitId });
    ctx.reply('meeting', { ...next, projects: agenda, reminder: false });
  },
};
