import type { Db } from './open.js';

/** An assignee's 申请延期 and what became of it. */
export interface ExtensionRequest {
  id: number;
  ticketNo: number;
  /** the resolve deadline it asks to move, as it was when asked */
  deadline: number;
  /** as written by durationToString: `3wd` */
  duration: string;
  reason: string;
  requestedBy: string | null;
  requestedAt: number;
  status: 'open' | 'approved' | 'rejected' | 'replaced';
  answeredBy: string | null;
  answeredAt: number | null;
  answer: string | null;
}

interface Row {
  id: number;
  ticket_no: number;
  deadline: number;
  duration: string;
  reason: string;
  requested_by: string | null;
  requested_at: number;
  status: ExtensionRequest['status'];
  answered_by: string | null;
  answered_at: number | null;
  answer: string | null;
}

function toRequest(r: Row): ExtensionRequest {
  return {
    id: r.id,
    ticketNo: r.ticket_no,
    deadline: r.deadline,
    duration: r.duration,
    reason: r.reason,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at,
    status: r.status,
    answeredBy: r.answered_by,
    answeredAt: r.answered_at,
    answer: r.answer,
  };
}

/** Extension requests (申请延期): at most one open per ticket; a new one replaces it. */
export class ExtensionsRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      open: db.prepare<[number], Row>("SELECT * FROM extension_requests WHERE ticket_no = ? AND status = 'open'"),
      replace: db.prepare<[number, number]>("UPDATE extension_requests SET status = 'replaced', answered_at = ? WHERE ticket_no = ? AND status = 'open'"),
      add: db.prepare(
        `INSERT INTO extension_requests (ticket_no, deadline, duration, reason, requested_by, requested_at)
         VALUES (@ticketNo, @deadline, @duration, @reason, @requestedBy, @at)`,
      ),
      answer: db.prepare(
        "UPDATE extension_requests SET status = @status, answered_by = @by, answered_at = @at, answer = @answer WHERE id = @id AND status = 'open'",
      ),
      // Only tickets still being worked on: a request on a ticket resolved or withdrawn since has nothing left to move.
      waiting: db.prepare<[number], Row>(
        `SELECT r.* FROM extension_requests r JOIN tickets t ON t.no = r.ticket_no
         WHERE r.status = 'open' AND t.state = 'claimed' ORDER BY r.requested_at, r.id LIMIT ?`,
      ),
      waitingCount: db.prepare<[], { n: number }>(
        `SELECT count(*) AS n FROM extension_requests r JOIN tickets t ON t.no = r.ticket_no WHERE r.status = 'open' AND t.state = 'claimed'`,
      ),
    };
  }

  /** The open request of a ticket, if any. */
  openFor(ticketNo: number): ExtensionRequest | undefined {
    const r = this.s.open.get(ticketNo);
    return r && toRequest(r);
  }

  /** Records a request; an open one of the same ticket is replaced and returned. */
  add(r: { ticketNo: number; deadline: number; duration: string; reason: string; requestedBy: string | null; at: number }): {
    request: ExtensionRequest;
    replaced: ExtensionRequest | undefined;
  } {
    const replaced = this.openFor(r.ticketNo);
    this.s.replace.run(r.at, r.ticketNo);
    this.s.add.run(r);
    return { request: this.openFor(r.ticketNo)!, replaced };
  }

  /** Answers the open request; false when it was not open any more. */
  answer(id: number, status: 'approved' | 'rejected', by: string | null, at: number, answer: string): boolean {
    return this.s.answer.run({ id, status, by, at, answer }).changes === 1;
  }

  /** Open requests of tickets still 办理中, oldest first, and how many there are in all. */
  waiting(limit: number): { requests: ExtensionRequest[]; total: number } {
    return { requests: this.s.waiting.all(limit).map(toRequest), total: this.s.waitingCount.get()?.n ?? 0 };
  }
}
