import { buildAgenda, meetingProjects, nextMeeting, previousMeeting } from '../reports/agenda.js';
import { render } from '../templates.js';
import { asOf, dateOf } from './report-lines.js';
import type { Job, JobContext } from './types.js';

const NAME = 'meeting-notice';

/**
 * One unit's meeting (SPEC §11: each unit holds its own, on its `meeting` settings), as the job
 * sends it today: the notice, the reminder, or nothing (with why).
 */
function unitMeeting(ctx: JobContext, unitId: string | null, key: string): { sent: boolean; line: string } {
  const { roster } = ctx.repos;
  const cal = ctx.calendar();
  const settings = roster.meeting(unitId);
  const today = dateOf(ctx.now.getTime());
  const meeting = nextMeeting(settings, cal, ctx.now.getTime());
  const noticeDay = cal.workdaysBefore(meeting.date, settings.noticeDaysBefore);
  // With noticeDaysBefore 0 both fall on the meeting day; one message, the reminder, is enough.
  const reminder = today === meeting.date;
  if (!reminder && today !== noticeDay) {
    return { sent: false, line: `今天不发通知：会商在 ${meeting.date} ${meeting.time}，通知在 ${noticeDay} 发出` };
  }
  if (ctx.clock.now().getTime() > meeting.at) {
    return { sent: false, line: `不发：${meeting.date} ${meeting.time} 的会商已经结束` };
  }
  const previous = previousMeeting(meeting, settings, cal);
  const codes = meetingProjects(roster, unitId);
  const isRoot = roster.unitOrRoot(unitId) === roster.rootUnitId();
  // The coordinators see everything of their meeting; each project group its own agenda without conduct complaints.
  const agenda = buildAgenda(ctx.repos, meeting, previous, asOf(ctx), codes, { general: true, unitId });
  const groupAgenda = buildAgenda(ctx.repos, meeting, previous, asOf(ctx), codes, { forProjectGroup: true, general: false });
  const kind = reminder ? 'reminder' : 'notice';
  const to = (where: string) => `${NAME}:${ctx.runKey}:${kind}:${isRoot ? '' : `${unitId}:`}${where}`;
  ctx.tx.run(() => {
    for (const project of groupAgenda) {
      ctx.notify.project(project.code, render('meeting', { ...meeting, projects: [project], reminder }), to(project.code));
    }
    ctx.notify.coordinators(render('meeting', { ...meeting, projects: agenda, reminder }), to('coordinators'), undefined, undefined, unitId);
  });
  return { sent: true, line: `${meeting.date} ${meeting.time} 会商的${reminder ? '当天提醒' : '通知'}已发到 ${groupAgenda.length} 个项目群和护企办` };
}

/**
 * 会商通知 (SPEC §6, §11). Run at T, for each unit (the root, and each unit below it with a
 * meeting of its own settings, its parent's filled in): it looks at the unit's next meeting (this
 * month's, or next month's once this month's is past; already moved to a working day): on the day
 * `noticeDaysBefore` working days before it, every project group of the unit gets the notice with
 * its own agenda and the unit's coordinators' group gets all of them; on the meeting day the same
 * goes out as a reminder. The agenda is the one `会商` shows in chat.
 */
export const meetingNotice: Job = {
  name: NAME,
  schedule: '0 9 * * *',
  periodKey: (now) => dateOf(now.getTime()),
  catchUp: true,
  run(ctx) {
    const { roster } = ctx.repos;
    const root = unitMeeting(ctx, null, 'root');
    // Units below the root, each with its own projects (a unit with none holds no meeting here);
    // each says what it did today, so that an operator sees every unit, sent or not.
    const below = roster
      .units()
      .filter((u) => u.parentId !== null && meetingProjects(roster, u.id).length > 0)
      .map((u) => ({ u, r: unitMeeting(ctx, u.id, u.id) }));
    return [root.line, ...below.map((x) => `${x.u.name}：${x.r.line}`)].join('；');
  },
};
