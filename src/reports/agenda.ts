import type { MeetingSettings } from '../roster/schema.js';
import type { Repos } from '../db/repos.js';
import { WorkCalendar } from '../tickets/calendar.js';
import { workDeadline } from '../tickets/escalation.js';
import type { Ticket } from '../tickets/model.js';
import { ownerLabel } from '../tickets/view.js';
import { shanghaiMonth } from './figures.js';

export interface Meeting {
  /** YYYY-MM-DD, already moved to a working day */
  date: string;
  at: number;
  time: string;
  place: string;
}

/** The month's meeting: its day, moved back to the working day before it when it is not one. */
export function meetingOfMonth(y: number, m: number, s: MeetingSettings, cal: WorkCalendar): Meeting {
  const day = `${y}-${String(m).padStart(2, '0')}-${String(s.day).padStart(2, '0')}`;
  const date = cal.onOrBeforeWorkday(day);
  const [hh, mm] = s.time.split(':').map(Number) as [number, number];
  return { date, at: WorkCalendar.shanghaiTime(date, hh, mm).getTime(), time: s.time, place: s.place };
}

/**
 * The projects whose meeting is a unit's (SPEC §11): those placed in that unit itself (null: the
 * root's own, which without units are all of them). A unit's meeting is its own; the units below
 * it hold theirs.
 */
export function meetingProjects(roster: Repos['roster'], unitId: string | null): string[] {
  const own = roster.unitOrRoot(unitId);
  return roster.projects().filter((p) => roster.unitOrRoot(p.unitId) === own).map((p) => p.code);
}

/** The next meeting on or after today (a meeting later today is still "next"). */
export function nextMeeting(s: MeetingSettings, cal: WorkCalendar, now: number): Meeting {
  const { y, m } = shanghaiMonth(now);
  const today = WorkCalendar.shanghaiDate(new Date(now));
  const thisMonth = meetingOfMonth(y, m, s, cal);
  if (thisMonth.date >= today) return thisMonth;
  return m === 12 ? meetingOfMonth(y + 1, 1, s, cal) : meetingOfMonth(y, m + 1, s, cal);
}

/** The meeting before `meeting`, whose agenda items are closed. */
export function previousMeeting(meeting: Meeting, s: MeetingSettings, cal: WorkCalendar): Meeting {
  const [y, m] = meeting.date.split('-').map(Number) as [number, number];
  const prev = m === 1 ? meetingOfMonth(y - 1, 12, s, cal) : meetingOfMonth(y, m - 1, s, cal);
  // A meeting moved back across a month end can land in the previous month; step back once more.
  return prev.date >= meeting.date ? meetingOfMonth(m <= 2 ? y - 1 : y, m <= 2 ? m + 10 : m - 2, s, cal) : prev;
}

export interface AgendaTicket {
  ref: string;
  category: string;
  owner: string;
  summary: string;
}

export interface ProjectAgenda {
  code: string;
  name: string;
  open: AgendaTicket[];
  overdue: AgendaTicket[];
  reopened: AgendaTicket[];
  supervised: AgendaTicket[];
  items: { text: string; author: string }[];
  empty: boolean;
}

/**
 * The agenda of a meeting per project, from the data: open, overdue, reopened and supervised
 * tickets with their numbers and owners, and the items raised with `会商 议题` since the meeting before.
 */
export function buildAgenda(
  repos: Pick<Repos, 'roster' | 'logs' | 'tickets'>,
  meeting: Meeting,
  previous: Meeting,
  now: number,
  codes?: string[],
  /**
   * `general`: list the items raised outside any project group (default: when no codes are given);
   * `unitId`: only those raised for that unit's meeting (SPEC §11; null or absent: the root's);
   * `only`: the tickets shown, for a reader who may see only some (an officer's own dashboard)
   */
  opts: { forProjectGroup?: boolean; general?: boolean; unitId?: string | null; only?: (t: Ticket) => boolean } = {},
): ProjectAgenda[] {
  const projects = repos.roster.projects().filter((p) => !codes || codes.includes(p.code));
  const items = repos.logs.agendaItems(previous.at, meeting.at + 1);
  const agenda = projects.map((p) => {
    // A project group's agenda leaves out conduct complaints: the project's own officer reads it.
    const listed = repos.tickets.list({
      projectCode: p.code,
      states: ['open', 'claimed', 'resolved', 'followup'],
      excludeConduct: opts.forProjectGroup ?? false,
      limit: 500,
    }).tickets;
    const tickets = opts.only ? listed.filter(opts.only) : listed;
    const view = (t: Ticket): AgendaTicket => ({
      ref: `#${t.no}`,
      category: t.category,
      // Whoever is accountable (SPEC §2): the assignee, or whom an unclaimed ticket waits for.
      owner: ownerLabel(t, repos.roster),
      summary: [...t.description].slice(0, 20).join(''),
    });
    const overdue = (t: Ticket) => {
      const d = workDeadline(t);
      return d !== null && d.at < now;
    };
    const a: ProjectAgenda = {
      code: p.code,
      name: p.name,
      open: tickets.filter((t) => t.state === 'open').map(view),
      overdue: tickets.filter(overdue).map(view),
      reopened: tickets.filter((t) => t.reopenCount > 0).map(view),
      supervised: tickets.filter((t) => t.supervised).map(view),
      items: items.filter((i) => i.projectCode === p.code).map((i) => ({ text: i.text, author: i.authorName })),
      empty: false,
    };
    a.empty = a.open.length + a.overdue.length + a.reopened.length + a.supervised.length + a.items.length === 0;
    return a;
  });
  // Items raised outside any project group (e.g. in the coordinators' group) belong to the
  // meeting as a whole: listed once, in the full agenda only.
  const unit = repos.roster.unitOrRoot(opts.unitId ?? null);
  const general = items.filter((i) => i.projectCode === null && repos.roster.unitOrRoot(i.unitId ?? null) === unit);
  if ((opts.general ?? !codes) && general.length > 0) {
    agenda.push({
      code: '',
      name: '综合议题',
      open: [],
      overdue: [],
      reopened: [],
      supervised: [],
      items: general.map((i) => ({ text: i.text, author: i.authorName })),
      empty: false,
    });
  }
  return agenda;
}
