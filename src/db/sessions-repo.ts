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
}

interface SessionRow {
  id_hash: string;
  generation: string;
  person_id: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

const toSession = (r: SessionRow): Session => ({
  idHash: r.id_hash,
  generation: r.generation,
  personId: r.person_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

/** The sessions table. Every statement is prepared once, here. */
export class SessionsRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare<[Omit<Session, 'revokedAt'>]>(
        'INSERT INTO sessions (id_hash, generation, person_id, created_at, expires_at) VALUES (@idHash, @generation, @personId, @createdAt, @expiresAt)',
      ),
      get: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id_hash = ?'),
      revoke: db.prepare<[number, string]>('UPDATE sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL'),
      deleteExpired: db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?'),
    };
  }

  create(session: Omit<Session, 'revokedAt'>): void {
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
}
