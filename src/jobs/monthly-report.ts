import { previousMonth } from '../reports/figures.js';
import { figureRowView, figuresView } from '../reports/view.js';
import { rankUnits } from './quarterly-report.js';
import { render } from '../templates.js';
import { formatTime } from '../tickets/format.js';
import { asOf, dateOf, beforeFirstWorkday, reportUnits, sendToCoordinatorsAndLeaders } from './report-lines.js';
import type { Job } from './types.js';

const NAME = 'monthly-report';

/** `YYYY-MM` of the month before the one `now` is in (Beijing time). */
function reportedMonth(now: Date): string {
  return dateOf(previousMonth(now.getTime()).from).slice(0, 7);
}

/**
 * 月报 (SPEC §6): the previous month's figures, on the month's first working day, to the
 * coordinators' group and each leader. The schedule fires on days 1–10 because the first working
 * day can be as late as the 9th (October); firings before it wait, later ones find the period done.
 */
export const monthlyReport: Job = {
  name: NAME,
  schedule: '0 9 1-10 * *',
  periodKey: reportedMonth,
  catchUp: true,
  notDue: beforeFirstWorkday,
  run(ctx) {
    const at = asOf(ctx);
    // Each unit's 月报 to its own group and leaders, for it and the units below it (SPEC §11); a
    // parent's ranks the units below it.
    const lines = reportUnits(ctx, previousMonth(ctx.now.getTime()), at).map(({ unitId, report }) => {
      const unitRanking = rankUnits(report).map((r) => ({ rank: r.rank, ...figureRowView(r.row) }));
      const text = render('monthly-report', { ...figuresView(report), asOf: formatTime(at), unitRanking });
      const leaders = sendToCoordinatorsAndLeaders(ctx, text, `${NAME}:${ctx.runKey}`, unitId);
      const line = `收到工单 ${report.overall.received} 件；已发给护企办和 ${leaders} 位领导`;
      return unitId === null ? line : `${report.unit.name}：${line}`;
    });
    return lines.join('；');
  },
};
