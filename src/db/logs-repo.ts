import type { Db } from './open.js';

export interface LogEntry {
  id: number;
  projectCode: string | null;
  personId: string | null;
  authorName: string;
  text: string;
  at: number;
  /** an agenda item's unit (SPEC §11), for one raised outside any project group; null: the root's */
  unitId?: string | null;
}

interface Row {
  id: number;
  project_code: string | null;
  person_id: string | null;
  author_name: string;
  text: string;
  at: number;
  unit_id?: string | null;
}

const toEntry = (r: Row): LogEntry => ({
  id: r.id,
  projectCode: r.project_code,
  personId: r.person_id,
  authorName: r.author_name,
  text: r.text,
  at: r.at,
  ...(r.unit_id !== undefined ? { unitId: r.unit_id } : {}),
});

/** The visit log (走访日志) and the meeting agenda items (会商 议题). */
export class LogsRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      addVisit: db.prepare(
        'INSERT INTO visits (project_code, person_id, text, at, msg_platform, msg_id) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      visits: db.prepare<[string, number], Row>(
        `SELECT v.id, v.project_code, v.person_id, p.name AS author_name, v.text, v.at
         FROM visits v JOIN people p ON p.id = v.person_id WHERE v.project_code = ? ORDER BY v.at DESC LIMIT ?`,
      ),
      addAgenda: db.prepare(
        'INSERT INTO agenda_items (project_code, person_id, author_name, text, at, msg_platform, msg_id, unit_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      agenda: db.prepare<[number, number], Row>(
        'SELECT id, project_code, person_id, author_name, text, at, unit_id FROM agenda_items WHERE at >= ? AND at < ? ORDER BY project_code, at',
      ),
    };
  }

  addVisit(v: { projectCode: string; personId: string; text: string; at: number; msgPlatform: string; msgId: string }): number {
    return Number(this.s.addVisit.run(v.projectCode, v.personId, v.text, v.at, v.msgPlatform, v.msgId).lastInsertRowid);
  }

  visits(projectCode: string, limit = 20): LogEntry[] {
    return this.s.visits.all(projectCode, limit).map(toEntry);
  }

  addAgendaItem(a: {
    projectCode: string | null;
    personId: string | null;
    authorName: string;
    text: string;
    at: number;
    msgPlatform: string;
    msgId: string;
    /** the unit whose meeting an item raised outside any project group is for (SPEC §11); absent: the root's */
    unitId?: string | null;
  }): number {
    return Number(
      this.s.addAgenda.run(a.projectCode, a.personId, a.authorName, a.text, a.at, a.msgPlatform, a.msgId, a.unitId ?? null).lastInsertRowid,
    );
  }

  /** Agenda items added in [from, to): those raised since the last meeting. */
  agendaItems(from: number, to: number): LogEntry[] {
    return this.s.agenda.all(from, to).map(toEntry);
  }
}
