import type { Command } from '../src/dispatch/types.js';
import { refuse } from '../src/dispatch/helpers.js';
import { normalizeWidth } from '../src/dispatch/parse.js';
import { monthOf, monthPeriod } from '../src/reports/figures.js';
import { figuresView } from '../src/reports/view.js';

export const stats: Command = {
  name: '统计',
  aliases: ['stats', '統計'],
  roles: ['coordinator', 'leader'],
  usage: '统计 [YYYY-MM]',
  example: '统计 2026-10',
  summary: '查看某月的签收及时率、按时办结率、满意率等数据（默认本月）',
  run(ctx, args) {
    const text = normalizeWidth(args).trim();
    // People also write the month as 2026年10月, 2026/10 or 2026.10.
    const written = /^(\d{4})\s*(?:年|\/|\.|-)\s*(\d{1,2})\s*月?$/.exec(text);
    const period = !text ? monthOf(ctx.now) : written ? monthPeriod(`${written[1]}-${written[2]}`) : null;
    if (!period) refuse('bad_month', `看不懂月份“${text}”，请写成 年-月，例如：${this.example}`);
    ctx.reply('stats', figuresView(ctx.figures.compute(period, ctx.now)));
  },
};
