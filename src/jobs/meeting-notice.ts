import { buildAgenda, nextMeeting, previousMeeting } from '../reports/agenda.js';
import { render } from '../templates.js';
import { asOf, dateOf } from './report-lines.js';
import type { Job } from './types.js';

const NAME = 'meeting-notice';

/**
 * 会商通知 (SPEC §6). Run at T, it looks at the next meeting (this month's, or next month's once
 * this month's is past; already moved to a working day): on the day `noticeDaysBefore` working
 * days before it, every project group gets the notice with its own agenda and the coordinators'
 * group gets all projects'; on the meeting day the same goes out as a reminder. The agenda is the
 * one `会商` shows in chat.
 */
export const meetingNotice: Job = {
  name: NAME,
  schedule: '0 9 * * *',
  periodKey: (now) => dateOf(now.getTime()),
  catchUp: true,
  run(ctx) {
    const cal = ctx.calendar();
    const settings = ctx.repos.roster.meeting();
    const today = dateOf(ctx.now.getTime());
    const meeting = nextMeeting(settings, cal, ctx.now.getTime());
    const noticeDay = cal.workdaysBefore(meeting.date, settings.noticeDaysBefore);
    // With noticeDaysBefore 0 both fall on the meeting day; one message, the reminder, is enough.
    const reminder = today === meeting.date;
    if (!reminder && today !== noticeDay) {
      return `今天不发通知：会商在 ${meeting.date} ${meeting.time}，通知在 ${noticeDay} 发出`;
    }
    if (ctx.clock.now().getTime() > meeting.at) {
      return `不发：${meeting.date} ${meeting.time} 的会商已经结束`;
    }
    const previous = previousMeeting(meeting, settings, cal);
    // The coordinators see everything; each project group its own agenda without conduct complaints.
    const agenda = buildAgenda(ctx.repos, meeting, previous, asOf(ctx));
    const groupAgenda = buildAgenda(ctx.repos, meeting, previous, asOf(ctx), undefined, { forProjectGroup: true });
    const kind = reminder ? 'reminder' : 'notice';
    const key = (to: string) => `${NAME}:${ctx.runKey}:${kind}:${to}`;
    ctx.tx.run(() => {
      for (const project of groupAgenda) {
        if (!project.code) continue; // the 综合议题 section is for the full agenda only
        ctx.notify.project(project.code, render('meeting', { ...meeting, projects: [project], reminder }), key(project.code));
      }
      ctx.notify.coordinators(render('meeting', { ...meeting, projects: agenda, reminder }), key('coordinators'));
    });
    return `${meeting.date} ${meeting.time} 会商的${reminder ? '当天提醒' : '通知'}已发到 ${agenda.length} 个项目群和护企办`;
  },
};
