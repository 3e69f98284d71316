import type { RosterRepo } from '../db/roster-repo.js';
import type { TimelineNames } from '../tickets/timeline.js';
import type { Ticket } from '../tickets/model.js';
import { ownerLabel } from '../tickets/view.js';

/** Names of the roster's people, departments and projects, read once per page. */
export interface Names extends TimelineNames {
  project(code: string): string;
  /** the department a ticket is with, as the figures name it */
  ticketDepartment(t: Ticket): string;
  /** the assignee, or 未认领 */
  assignee(t: Ticket): string;
  /** who works it, or whom it waits for (`待王警官认领`): the accountability rule of SPEC §2 */
  owner(t: Ticket): string;
}

export function rosterNames(roster: RosterRepo): Names {
  const people = new Map(roster.people().map((p) => [p.id, p.name]));
  const departments = new Map(roster.departments().map((d) => [d.id, d.name]));
  const projects = new Map(roster.projects().map((p) => [p.code, p.name]));
  const units = new Map(roster.units().map((u) => [u.id, u.name]));
  const names: Names = {
    person: (id) => people.get(id) ?? id,
    department: (id) => departments.get(id) ?? id,
    project: (code) => projects.get(code) ?? code,
    unit: (id) => units.get(id) ?? id,
    ticketDepartment: (t) =>
      t.departmentId ? names.department(t.departmentId) : t.routing === 'coordinators' ? '护企办' : '',
    assignee: (t) => (t.assigneeId ? names.person(t.assigneeId) : '未认领'),
    owner: (t) => ownerLabel(t, roster),
  };
  return names;
}
