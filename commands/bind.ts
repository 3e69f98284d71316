import type { Command } from '../src/dispatch/types.js';
import { refuse } from '../src/dispatch/helpers.js';
import { inScope } from '../src/tickets/scope.js';
import { normalizeWidth } from '../src/dispatch/parse.js';

export const bind: Command = {
  name: '绑定',
  aliases: ['bind', '綁定'],
  roles: ['coordinator'],
  usage: '绑定 <项目编号>',
  example: '绑定 XM001',
  summary: '把本群绑定为某个项目的项目群',
  run(ctx, args) {
    const code = normalizeWidth(args).trim().split(/\s+/)[0] ?? '';
    if (!code) refuse('missing_project', `请写明项目编号，例如：${this.example}`);
    const project = ctx.repos.roster.project(code);
    if (!project || !inScope(ctx.scope, project)) {
      // A unit's coordinators bind their own unit's projects and those below it (SPEC §11).
      const codes = ctx.repos.roster.projects().filter((p) => inScope(ctx.scope, p)).map((p) => p.code).join('、');
      if (project) refuse('out_of_scope', `${project.code} 不在您的管辖范围内（本单位及下级单位的项目），可以绑定的项目有：${codes || '（无）'}`);
      refuse('unknown_project', `没有编号为“${code}”的项目，已登记的项目有：${codes || '（无）'}`);
    }
    if (ctx.msg.chatType !== 'group') refuse('not_group', '只能在群聊中绑定项目，请在项目群里发送这条命令');
    const before = ctx.chat;
    if (before?.kind === 'project' && before.projectCode === project.code) {
      refuse('already_bound', `本群已经是${project.code}（${project.name}）的项目群`);
    }
    if (before?.kind === 'coordinators') refuse('coordinators_chat', '本群是护企办群，不能绑定为项目群');
    // Binding again takes the group from its project: that project must be the sender's to give.
    const current = before?.kind === 'project' && before.projectCode ? ctx.repos.roster.project(before.projectCode) : undefined;
    if (current && !inScope(ctx.scope, current)) {
      refuse('out_of_scope', `本群是${current.code}（${current.name}）的项目群，该项目不在您的管辖范围内，不能改绑，如需改绑请联系上级护企办`);
    }
    ctx.repos.roster.bindChat({
      platform: ctx.msg.platform,
      chatId: ctx.msg.chatId,
      groupAddress: ctx.msg.groupAddress,
      projectCode: project.code,
      boundBy: ctx.sender.personId,
      at: ctx.now,
    });
    ctx.repos.tickets.audit({
      ticketNo: null,
      at: ctx.now,
      actorId: ctx.sender.personId,
      actorName: ctx.sender.name,
      action: 'bind',
      detail: { project: project.code, platform: ctx.msg.platform, chatId: ctx.msg.chatId, before: before?.projectCode ?? null },
      msgPlatform: ctx.msg.platform,
      msgId: ctx.msg.msgId,
    });
    ctx.reply('bound', { code: project.code, name: project.name, previous: before?.projectCode ?? '' });
  },
};
