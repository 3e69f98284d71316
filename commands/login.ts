import { refuse } from '../src/dispatch/helpers.js';
import type { Command } from '../src/dispatch/types.js';
import { formatShortTime } from '../src/tickets/format.js';

/**
 * `登录` (SPEC §11): a single-use link that signs the sender in to the dashboard as themselves,
 * sent only in a private chat, since anyone in a group could open a link posted there first.
 * Enterprise contacts have no dashboard: the roles below refuse them as any command does.
 */
export const login: Command = {
  name: '登录',
  aliases: ['login', '登錄', '登入'],
  roles: ['officer', 'coordinator', 'leader'],
  usage: '登录',
  example: '登录',
  summary: '获取工作台账网页的一次性登录链接（仅限私聊）',
  run(ctx) {
    const { sender } = ctx;
    if (ctx.msg.chatType !== 'single' || sender.personId === null) {
      refuse('login_in_group', '登录链接只能在私聊中发送，不能发到群里：请单独打开与机器人的聊天，发送“登录”');
    }
    if (!ctx.loginLinks) refuse('dashboard_unpublished', '工作台账网页尚未对外发布，无法通过链接登录，如需使用请联系护企办或系统管理员');
    const issued = ctx.loginLinks.issue(sender.personId, ctx.now);
    if (!issued.ok) {
      refuse('too_many_links', `一小时内最多获取 5 个登录链接，请在 ${formatShortTime(issued.retryAt)} 之后再试；已收到的链接在有效期内仍可使用`);
    }
    // What the session will show (src/dashboard/scope.ts): a coordinator or leader their unit and
    // those below it (everything at the root), an officer the tickets they are accountable for.
    const staff = sender.roles.includes('coordinator') || sender.roles.includes('leader');
    const scope = !staff ? '由您负责的工单' : ctx.scope.kind === 'all' ? '全部工单' : `${ctx.repos.roster.unitName(sender.unitId)}及下级单位的工单`;
    ctx.reply('login-link', {
      name: sender.name,
      url: issued.url,
      until: formatShortTime(issued.expiresAt),
      minutes: Math.round((issued.expiresAt - ctx.now) / 60_000),
      scope,
    });
  },
};
