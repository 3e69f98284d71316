import type { Command } from '../src/dispatch/types.js';
import { ROLE_NAMES } from '../src/tickets/model.js';

export const help: Command = {
  name: '帮助',
  aliases: ['help', '?', '幫助'],
  roles: ['enterprise', 'officer', 'coordinator', 'leader'],
  usage: '帮助',
  example: '帮助',
  summary: '列出您可以使用的命令',
  run(ctx) {
    const mine = ctx.commands.filter((c) => c.roles.some((r) => ctx.sender.roles.includes(r)));
    ctx.reply('help', {
      name: ctx.sender.name,
      roles: ctx.sender.roles.map((r) => ROLE_NAMES[r]).join('、'),
      project: ctx.project ? `${ctx.project.code} ${ctx.project.name}` : '',
      commands: mine.map((c) => {
        const shown = c.helpFor?.(ctx.sender) ?? c;
        return { usage: shown.usage, summary: shown.summary, example: shown.example };
      }),
    });
  },
};
