import type { Db } from './open.js';

/** A sign-in link `登录` sent (migration 010). */
export interface LoginLink {
  /** SHA-256 (hex) of the token in the link; the token itself is never stored */
  tokenHash: string;
  personId: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

interface LoginLinkRow {
  token_hash: string;
  person_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

const toLink = (r: LoginLinkRow): LoginLink => ({
  tokenHash: r.token_hash,
  personId: r.person_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
});

/** The login_links table. Every statement is prepared once, here. */
export class LoginLinksRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare<[Omit<LoginLink, 'usedAt'>]>(
        'INSERT INTO login_links (token_hash, person_id, created_at, expires_at) VALUES (@tokenHash, @personId, @createdAt, @expiresAt)',
      ),
      get: db.prepare<[string], LoginLinkRow>('SELECT * FROM login_links WHERE token_hash = ?'),
      since: db.prepare<[string, number], { n: number; first: number | null }>(
        'SELECT count(*) AS n, min(created_at) AS first FROM login_links WHERE person_id = ? AND created_at > ?',
      ),
      // Only a link not used yet and still in force is taken: a second use changes nothing.
      use: db.prepare<[number, string, number]>('UPDATE login_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?'),
      forget: db.prepare<[number]>('DELETE FROM login_links WHERE expires_at <= ?'),
    };
  }

  create(link: Omit<LoginLink, 'usedAt'>): void {
    this.s.insert.run(link);
  }

  get(tokenHash: string): LoginLink | undefined {
    const row = this.s.get.get(tokenHash);
    return row && toLink(row);
  }

  /** How many links a person was sent after `since`, and when the earliest of them was. */
  sentSince(personId: string, since: number): { count: number; first: number | null } {
    const r = this.s.since.get(personId, since);
    return { count: r?.n ?? 0, first: r?.first ?? null };
  }

  /** Marks a link used at `now`; false when it was used already or has expired. */
  use(tokenHash: string, now: number): boolean {
    return this.s.use.run(now, tokenHash, now).changes > 0;
  }

  /** Forgets links that expired by `before`; returns how many. */
  forgetExpired(before: number): number {
    return this.s.forget.run(before).changes;
  }
}
