import type { Command, CommandContext } from '../src/dispatch/types.js';
import { chatScope, refuse } from '../src/dispatch/helpers.js';
import { normalizeWidth } from '../src/dispatch/parse.js';
import { monthOf, monthPeriod, shanghaiMonth, type Period } from '../src/reports/figures.js';
import { figuresView } from '../src/reports/view.js';
import { inScope, type Scope } from '../src/tickets/scope.js';
import type { Unit } from '../src/tickets/model.js';

// People also write the month as 2026年10月, 2026/10 or 2026.10.
const MONTH = /^(\d{4})\s*(?:年|\/|\.|-)\s*(\d{1,2})\s*月?$/;

/** The unit a word names: its id, its name, or the start of its name (东县 for 东县护企办). */
function unitNamed(units: readonly Unit[], word: string): Unit | undefined {
  const w = word.toLowerCase();
  return (
    units.find((u) => u.id.toLowerCase() === w) ??
    units.find((u) => u.name === word) ??
    units.find((u) => u.name.startsWith(word))
  );
}

/** The highest unit of a scope: the one whose figures cover it all; null for everything. */
function topOf(units: readonly Unit[], scope: Scope): string | null {
  if (scope.kind === 'all') return null;
  return units.find((u) => scope.units.has(u.id) && (u.parentId === null || !scope.units.has(u.parentId)))?.id ?? null;
}

function readMonth(ctx: CommandContext, text: string, example: string): Period {
  if (!text) return monthOf(ctx.now);
  const written = MONTH.exec(text);
  const period = written ? monthPeriod(`${written[1]}-${written[2]}`) : null;
  if (!period) refuse('bad_month', `看不懂月份“${[...text].slice(0, 20).join('')}”，请写成 年-月，例如：${example}`);
  return period;
}

export const stats: Command = {
  name: '统计',
  aliases: ['stats', '統計'],
  roles: ['coordinator', 'leader'],
  usage: '统计 [YYYY-MM] [单位]',
  example: '统计 2026-10',
  summary: '查看某月的签收及时率、按时办结率、满意率等数据（默认本月、本单位及下级单位）',
  run(ctx, args) {
    const text = normalizeWidth(args).trim();
    const units = ctx.repos.roster.units();
    const scope = chatScope(ctx);
    // `统计 2026-10 东县` or `统计 东县 2026-10`: a word that is not part of the month names a unit (SPEC §11).
    const words = text.split(/\s+/).filter(Boolean);
    let unitWord: string | undefined;
    let monthText = text;
    if (text && !MONTH.test(text) && units.length > 0) {
      const at = words.findIndex((w) => unitNamed(units, w) !== undefined);
      const last = words.at(-1)!;
      if (at >= 0) {
        unitWord = words[at];
        monthText = words.filter((_, i) => i !== at).join(' ');
      } else if (!/\d/.test(last) && words.length > 1 && MONTH.test(words.slice(0, -1).join(' '))) {
        refuse('unknown_unit', `没有“${[...last].slice(0, 20).join('')}”这个单位，可以写：${units.map((u) => u.name).join('、')}`);
      }
    }
    // Refusals suggest last month, the one a coordinator most often asks for.
    const last = shanghaiMonth(ctx.now);
    const lastMonth = last.m === 1 ? `${last.y - 1}-12` : `${last.y}-${String(last.m - 1).padStart(2, '0')}`;
    const example = `统计 ${lastMonth}`;
    const period = readMonth(ctx, monthText, example);
    let unitId = topOf(units, scope);
    if (unitWord !== undefined) {
      const unit = unitNamed(units, unitWord)!;
      // A unit's figures are its coordinators' and those above them: not a neighbour's (SPEC §11).
      if (!inScope(scope, { unitId: unit.parentId === null ? null : unit.id })) {
        refuse('out_of_scope', `${unit.name}不在您的管辖范围内，您可以查看本单位及下级单位的统计，例如：${example}`);
      }
      unitId = unit.parentId === null ? null : unit.id;
    }
    ctx.reply('stats', figuresView(ctx.figures.compute(period, ctx.now, { unitId })));
  },
};
