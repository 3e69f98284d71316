import { previousMonth } from '../reports/figures.js';
import { figuresView } from '../reports/view.js';
import { render } from '../templates.js';
import { formatTime } from '../tickets/format.js';
import { asOf, dateOf, beforeFirstWorkday, sendToCoordinatorsAndLeaders } from './report-lines.js';
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
    const report = ctx.figures.compute(previousMonth(ctx.now.getTime()), at);
    const text = render('monthly-report', { ...figuresView(report), asOf: formatTime(at) });
    const leaders = sendToCoordinatorsAndLeaders(ctx, text, `${NAME}:${ctx.runKey}`);
    return `收到工单 ${report.overall.received} 件；已发给护企办和 ${leaders} 位领导`;
  },
};
