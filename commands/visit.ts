import type { Command } from '../src/dispatch/types.js';
import { limitText, refuse } from '../src/dispatch/helpers.js';
import { formatTime } from '../src/tickets/format.js';

export const visit: Command = {
  name: '走访',
  aliases: ['visit', '走訪'],
  // SPEC §3, which wins over §1's summary: the officers' visit log (走访日志).
  roles: ['officer'],
  usage: '走访 <项目编号> <记录>',
  example: '走访 XM001 到工地了解施工进度，企业反映夜间有人偷电缆',
  summary: '记一条走访日志',
  run(ctx, args) {
    const [code = '', ...words] = args.trim().split(/\s+/);
    if (!code) refuse('missing_project', `请写明项目编号和走访记录，例如：${this.example}`);
    const project = ctx.repos.roster.project(code);
    if (!project) refuse('unknown_project', `没有编号为“${code}”的项目，请核对后重发，例如：${this.example}`);
    const text = words.join(' ').trim();
    if (!text) refuse('missing_text', `请写明走访记录，例如：${this.example}`);
    limitText(text, '走访记录');
    ctx.repos.logs.addVisit({
      projectCode: project.code,
      personId: ctx.sender.personId!,
      text,
      at: ctx.now,
      msgPlatform: ctx.msg.platform,
      msgId: ctx.msg.msgId,
    });
    ctx.reply('visit-added', { code: project.code, name: project.name, text, at: formatTime(ctx.now), author: ctx.sender.name });
  },
};
