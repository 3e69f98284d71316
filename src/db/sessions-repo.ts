import type { Db } from './open.js';

/** A sign-in kept on the server (migration 004). */
export interface Session {
  /** SHA-256 (hex) of the id the cookie carries; the id itself is never stored */
  idHash: string;
  /** what issued it: for the ADMIN_TOKEN sign-in, an HMAC keyed by the token */
  generation: string;
  /** null for the ADMIN_TOKEN sign-in */
  personId: string | null;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  /** when it was last used (written at most once a minute); null until then */
  lastSeenAt: number | null;
}

interface SessionRow {
  id_hash: string;
  generation: string;
  person_id: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  last_seen_at: number | null;
}

const toSession = (r: SessionRow): Session => ({
  idHash: r.id_hash,
  generation: r.generation,
  personId: r.person_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  lastSeenAt: r.last_seen_at,
});

/** The sessions table. Every statement is prepared once, here. */
export class SessionsRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare<[Omit<Session, 'revokedAt' | 'lastSeenAt'>]>(
        'INSERT INTO sessions (id_hash, generation, person_id, created_at, expires_at) VALUES (@idHash, @generation, @personId, @createdAt, @expiresAt)',
      ),
      get: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id_hash = ?'),
      revoke: db.prepare<[number, string]>('UPDATE sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL'),
      deleteExpired: db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?'),
      inForce: db.prepare<[number], SessionRow>('SELECT * FROM sessions WHERE revoked_at IS NULL AND expires_at > ? ORDER BY created_at, id_hash'),
      revokePerson: db.prepare<[number, string, number]>(
        'UPDATE sessions SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL AND expires_at > ?',
      ),
      revokeAll: db.prepare<[number, number]>('UPDATE sessions SET revoked_at = ? WHERE revoked_at IS NULL AND expires_at > ?'),
      touch: db.prepare<[number, string]>('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?'),
    };
  }

  create(session: Omit<Session, 'revokedAt' | 'lastSeenAt'>): void {
    this.s.insert.run(session);
  }

  get(idHash: string): Session | undefined {
    const row = this.s.get.get(idHash);
    return row && toSession(row);
  }

  /** Ends a session; false when none in force has that hash. */
  revoke(idHash: string, at: number): boolean {
    return this.s.revoke.run(at, idHash).changes > 0;
  }

  /** Forgets the sessions that have expired by `now`, ended or not; returns how many. */
  deleteExpired(now: number): number {
    return this.s.deleteExpired.run(now).changes;
  }

  /** The sessions in force at `now` (not ended, not expired), oldest first. */
  inForce(now: number): Session[] {
    return this.s.inForce.all(now).map(toSession);
  }

  /** Ends every session of a person in force at `now`; returns how many. */
  revokePerson(personId: string, now: number): number {
    return this.s.revokePerson.run(now, personId, now).changes;
  }

  /** Ends every session in force at `now`, the ADMIN_TOKEN ones included; returns how many. */
  revokeAll(now: number): number {
    return this.s.revokeAll.run(now, now).changes;
  }

  /** Records that a session was used at `now`. */
  touch(idHash: string, now: number): void {
    this.s.touch.run(now, idHash);
  }
}
