import { mentionPerson, mentionUser } from '../chat/mentions.js';
import { accountable, type Accountable } from './accountable.js';
import { workDeadline } from './escalation.js';
import { formatShortTime, formatSpan, formatTime } from './format.js';
import { currentDeadline } from './lifecycle.js';
import { DEADLINE_NAMES, STATE_NAMES, URGENCY_NAMES, type Department, type Person, type Project, type Ticket } from './model.js';
import { clip } from './timeline.js';

/** The roster as a ticket's view needs it (RosterRepo is one). */
export interface RosterLookup {
  person(id: string): Person | undefined;
  department(id: string): Department | undefined;
  project(code: string): Project | undefined;
  peopleOfDepartment(id: string): Person[];
  unit(id: string | null): { name: string } | undefined;
}

/**
 * The longest free text shown: every command refuses longer ones (MAX_TEXT_CHARS in
 * src/dispatch/helpers.ts); tickets of an earlier version may hold more, and nothing the bot sends
 * may be longer.
 */
const MAX_SHOWN_CHARS = 2000;

/** Who is accountable for the ticket now (SPEC §2), with the project's officer as the roster names them. */
export function accountableOf(t: Ticket, roster: Pick<RosterLookup, 'project'>): Accountable {
  return accountable(t, roster.project(t.projectCode)?.officerId ?? null);
}

export function accountableName(a: Accountable, roster: RosterLookup): string {
  if (a.kind === 'person') return roster.person(a.personId)?.name ?? a.personId;
  if (a.kind === 'department') return roster.department(a.departmentId)?.name ?? a.departmentId;
  return '护企办';
}

/** How a message addresses them: a mention from the roster, or the department's or 护企办's name. */
export function accountableMention(a: Accountable, roster: RosterLookup): string {
  if (a.kind === 'person') {
    const p = roster.person(a.personId);
    return p ? mentionPerson(p) : a.personId;
  }
  return accountableName(a, roster);
}

/**
 * Who gets a direct message about the ticket: the person, or every officer of the department;
 * the coordinators are reached in their group instead.
 */
export function accountableRecipients(a: Accountable, roster: RosterLookup): { people: string[]; coordinators: boolean } {
  if (a.kind === 'person') return { people: roster.person(a.personId) ? [a.personId] : [], coordinators: false };
  if (a.kind === 'department') {
    const officers = roster.peopleOfDepartment(a.departmentId).filter((p) => p.roles.includes('officer'));
    return { people: officers.map((p) => p.id), coordinators: officers.length === 0 };
  }
  return { people: [], coordinators: true };
}

/** Who works the ticket, as lists and notices say it: the assignee, or whom it waits for (`待王警官认领`). */
export function ownerLabel(t: Ticket, roster: RosterLookup): string {
  const name = accountableName(accountableOf(t, roster), roster);
  return t.state === 'open' ? `待${name}认领` : name;
}

/** The plain view object every message about a ticket is filled from. */
export interface TicketView {
  no: number;
  ref: string;
  projectCode: string;
  projectName: string;
  level: string;
  category: string;
  urgent: boolean;
  urgency: string;
  description: string;
  /** the description's first 20 characters, for lists */
  summary: string;
  state: string;
  reporter: string;
  reporterMention: string;
  /** the assignee, or whom it waits for */
  assignee: string;
  owner: string;
  assigneeMention: string;
  /** whoever is accountable (SPEC §2), as a mention where the roster allows */
  ownerMention: string;
  department: string;
  supervised: boolean;
  /** the unit it is 提级 to now (SPEC §11), '' when its own project's unit handles it */
  raisedTo: string;
  reopenCount: number;
  claimDeadline: string;
  resolveDeadline: string;
  confirmDeadline: string;
  /** the deadline the ticket works against now (签收 / 办结 / 评价) */
  deadlineName: string;
  deadline: string;
  deadlineShort: string;
  /** past its claim or resolve deadline */
  overdue: boolean;
  /** how long past it, when overdue */
  late: string;
  createdAt: string;
  resolution: string;
  rating: number | string;
  ratingComment: string;
  /** closed by a coordinator's 回访: the enterprise's answer by phone (代评) */
  proxyRated: boolean;
  conduct: boolean;
}

export function ticketView(t: Ticket, roster: RosterLookup, now: number): TicketView {
  const project = roster.project(t.projectCode);
  const dl = currentDeadline(t);
  const work = workDeadline(t);
  const overdue = work !== null && work.at < now;
  const a = accountableOf(t, roster);
  const chars = [...t.description];
  const assignee = t.assigneeId ? (roster.person(t.assigneeId) ?? undefined) : undefined;
  const reporterMention = t.reporterPersonId
    ? mentionPerson({ id: t.reporterPersonId, name: t.reporterName })
    : mentionUser(t.reporterPlatform, t.reporterUserId, t.reporterName);
  return {
    no: t.no,
    ref: `#${t.no}`,
    projectCode: t.projectCode,
    projectName: project?.name ?? t.projectCode,
    level: project?.level ?? '',
    category: t.category,
    urgent: t.urgency === 'urgent',
    urgency: URGENCY_NAMES[t.urgency],
    description: clip(t.description, MAX_SHOWN_CHARS),
    summary: chars.slice(0, 20).join('') + (chars.length > 20 ? '…' : ''),
    state: STATE_NAMES[t.state],
    reporter: t.reporterName,
    reporterMention,
    assignee: ownerLabel(t, roster),
    owner: ownerLabel(t, roster),
    assigneeMention: assignee ? mentionPerson(assignee) : '',
    ownerMention: accountableMention(a, roster),
    department: t.routing === 'coordinators' ? '护企办' : t.departmentId ? (roster.department(t.departmentId)?.name ?? t.departmentId) : '',
    supervised: t.supervised,
    raisedTo: t.raisedUnit === null ? '' : (roster.unit(t.raisedUnit)?.name ?? t.raisedUnit),
    reopenCount: t.reopenCount,
    claimDeadline: t.claimDeadline ? formatTime(t.claimDeadline) : '',
    resolveDeadline: t.resolveDeadline ? formatTime(t.resolveDeadline) : '',
    confirmDeadline: t.confirmDeadline ? formatTime(t.confirmDeadline) : '',
    deadlineName: dl ? DEADLINE_NAMES[dl.kind] : '',
    deadline: dl ? formatTime(dl.at) : '',
    deadlineShort: dl ? formatShortTime(dl.at) : '',
    overdue,
    late: overdue && work ? formatSpan(now - work.at) : '',
    createdAt: formatShortTime(t.createdAt),
    resolution: clip(t.resolution ?? '', MAX_SHOWN_CHARS),
    rating: t.rating ?? '',
    ratingComment: clip(t.ratingComment ?? '', MAX_SHOWN_CHARS),
    proxyRated: t.closeKind === 'followup',
    conduct: t.routing === 'coordinators',
  };
}
