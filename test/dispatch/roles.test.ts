import { describe, it, expect } from 'vitest';
import { expectRefused, setup, ticketIn } from '../support/tickets.js';

/** Where each person writes from in these tests. */
const CHAT: Record<string, string> = { chen: 'XM001', wang: 'XM001', li: 'XM001', zhou: 'coordinators' };
const ROLE_OF: Record<string, string> = { chen: 'enterprise', wang: 'officer', li: 'leader', zhou: 'coordinator' };

/** SPEC §3: who may use each command at all, and a well-formed use of it on ticket N. */
const COMMANDS: [word: string, roles: string[], text: string][] = [
  ['报告', ['enterprise', 'officer', 'coordinator', 'leader'], '报告 工地电缆被偷'],
  ['认领', ['officer', 'coordinator'], '认领 #N'],
  ['进展', ['officer', 'coordinator'], '进展 #N 已到现场'],
  ['补充', ['enterprise', 'officer', 'coordinator', 'leader'], '补充 #N 又丢了一捆'],
  ['转办', ['officer', 'coordinator'], '转办 #N 交警大队 涉及交通'],
  ['吹哨', ['officer', 'coordinator'], '吹哨 #N 人社局 协同'],
  ['报到', ['officer'], '报到 #N'],
  ['办结', ['officer', 'coordinator'], '办结 #N 已处理'],
  ['满意', ['enterprise', 'coordinator'], '满意 #N 5'],
  ['不满意', ['enterprise'], '不满意 #N 没解决'],
  ['督办', ['coordinator', 'leader'], '督办 #N 尽快'],
  ['延期', ['coordinator', 'leader'], '延期 #N 1d 等材料'],
  ['撤回', ['enterprise', 'officer', 'coordinator', 'leader'], '撤回 #N'],
  ['查询', ['enterprise', 'officer', 'coordinator', 'leader'], '查询 #N'],
  ['台账', ['officer', 'coordinator', 'leader'], '台账'],
  ['统计', ['coordinator', 'leader'], '统计'],
  ['绑定', ['coordinator'], '绑定 XM001'],
  ['走访', ['officer', 'coordinator'], '走访 XM001 巡查'],
  ['会商', ['enterprise', 'officer', 'coordinator', 'leader'], '会商'],
  ['帮助', ['enterprise', 'officer', 'coordinator', 'leader'], '帮助'],
];

describe('each command refuses a role that may not use it, and changes nothing', () => {
  for (const [word, roles, text] of COMMANDS) {
    for (const person of Object.keys(CHAT)) {
      if (roles.includes(ROLE_OF[person]!)) continue;
      it(`${word} by ${ROLE_OF[person]}`, () => {
        const h = setup();
        const no = ticketIn(h, 'claimed');
        expectRefused(h, person, CHAT[person]!, text.replace('N', String(no)), `“${word}”只能由`, '您的身份是', '帮助');
      });
    }
  }
});

const TICKET_COMMANDS = COMMANDS.filter(([, , text]) => text.includes('#N'));

describe('each ticket command refuses an unknown ticket, a missing number and an unreadable one', () => {
  for (const [word, roles, text] of TICKET_COMMANDS) {
    // Someone who may use the command, so that only the ticket number is wrong.
    const person = Object.keys(CHAT).find((p) => roles.includes(ROLE_OF[p]!))!;
    it(word, () => {
      const h = setup();
      ticketIn(h, 'claimed');
      const chat = word === '报到' ? 'XM002' : CHAT[person]!;
      expectRefused(h, person, chat, text.replace('N', '999'), '没有找到工单 #999', '台账');
      expectRefused(h, person, chat, word, '请写明工单号', `例如：${word} #12`);
      expectRefused(h, person, chat, `${word} 那个`, '没有看懂工单号“那个”', `${word} #12`);
    });
  }
});

describe('each command an enterprise may use refuses another project’s ticket', () => {
  for (const [word, roles, text] of TICKET_COMMANDS.filter(([, roles]) => roles.includes('enterprise'))) {
    it(word, () => {
      const h = setup();
      const no = ticketIn(h, roles.includes('coordinator') && word === '满意' ? 'resolved' : 'claimed');
      expectRefused(h, 'liu', 'XM002', text.replace('N', String(no)), `#${no} 不在您的查看范围内`);
      // Writing in the other project's group does not help.
      expectRefused(h, 'liu', 'XM001', text.replace('N', String(no)), `#${no} 不在您的查看范围内`);
    });
  }
});
