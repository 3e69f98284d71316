import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { Session, SessionsRepo } from '../db/sessions-repo.js';

/** The cookie that keeps a signed-in browser signed in. */
export const COOKIE_NAME = 'lianbao_admin';
/** How long a sign-in lasts before the token is asked again. */
export const SESSION_MS = 30 * 24 * 3_600_000;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Compares two secrets in constant time, whatever their lengths. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** A session id as the cookie carries it: 256 random bits, base64url. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** What the sessions table keeps of an id: its SHA-256, so the table cannot be used to sign in. */
export function sessionIdHash(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/**
 * Which ADMIN_TOKEN issued a session: an HMAC keyed by the token (the token itself is never
 * stored), so that changing the token ends every session issued under the old one.
 */
export function tokenGeneration(token: string): string {
  return createHmac('sha256', token).update(`${COOKIE_NAME}:generation`).digest('base64url');
}

/** What issued a person's own session (a sign-in link, SPEC §11): it does not end when ADMIN_TOKEN changes. */
export const LINK_GENERATION = 'link';

/**
 * The dashboard's sign-ins, kept on the server: the cookie carries only a random id, so ending
 * a session (退出) makes every copy of its cookie worthless. The ADMIN_TOKEN sign-in has no person;
 * a sign-in link opens a session for its person.
 */
export class AdminSessions {
  private readonly generation: string;

  constructor(
    private readonly repo: SessionsRepo,
    token: string,
  ) {
    this.generation = tokenGeneration(token);
  }

  /** Starts an ADMIN_TOKEN session at `now` and returns the id for the cookie. Writes: see `writeSoon`. */
  open(now: number): string {
    return this.start(null, this.generation, now);
  }

  /** Starts a session of a person (a sign-in link) at `now` and returns the id for the cookie. Writes. */
  openFor(personId: string, now: number): string {
    return this.start(personId, LINK_GENERATION, now);
  }

  private start(personId: string | null, generation: string, now: number): string {
    const id = randomBytes(32).toString('base64url');
    // Expired rows go here, at the rare moment a session is made, so the table stays small.
    this.repo.deleteExpired(now);
    this.repo.create({ idHash: sessionIdHash(id), generation, personId, createdAt: now, expiresAt: now + SESSION_MS });
    return id;
  }

  /**
   * The session a cookie value names, if it is in force at `now`: not ended, not expired, and an
   * ADMIN_TOKEN one issued under the current token. Whether its person may still see anything is
   * the roster's to say (`sessionViewer` in scope.ts).
   */
  find(id: string | undefined, now: number): Session | undefined {
    if (!id || !SESSION_ID.test(id)) return undefined;
    const s = this.repo.get(sessionIdHash(id));
    if (!s || s.revokedAt !== null || now >= s.expiresAt) return undefined;
    const issued = s.personId === null ? sameSecret(s.generation, this.generation) : s.generation === LINK_GENERATION;
    return issued ? s : undefined;
  }

  /** Ends the session a cookie value names, if it is one. */
  end(id: string | undefined, now: number): void {
    if (id && SESSION_ID.test(id)) this.repo.revoke(sessionIdHash(id), now);
  }
}

/**
 * Why a form post must be refused as coming from another site, or undefined. The dashboard's
 * cookie is SameSite=Strict and its pages allow forms to post only to themselves (CSP
 * form-action 'self'); a post that opens a session carries no cookie yet, so it is checked by what
 * the browser says of where it came from: `Sec-Fetch-Site` (same-origin, or none for a request the
 * person made themselves), and `Origin` when there is one. The pages' referrer policy is
 * same-origin, under which a browser sends its own form posts with the page's origin; `Origin: null`
 * is what a sandboxed frame, a data: page or a cross-origin redirect sends, and is refused
 * (https://developer.mozilla.org/docs/Web/HTTP/Headers/Sec-Fetch-Site,
 * https://fetch.spec.whatwg.org/#serializing-a-request-origin).
 */
export function crossSite(req: { headers: Record<string, string | string[] | undefined> }, publicUrl?: string): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site ${JSON.stringify(site.slice(0, 40))}`;
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return undefined;
  if (origin === 'null') return 'Origin null (a sandboxed frame, a data: page or a redirect)';
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    return `Origin ${JSON.stringify(origin.slice(0, 100))} is not an origin`;
  }
  const own = [String(req.headers.host ?? '').toLowerCase()];
  if (publicUrl) own.push(new URL(publicUrl).host.toLowerCase());
  return own.includes(host) ? undefined : `Origin ${JSON.stringify(origin.slice(0, 100))} is not this server's`;
}

/** The value of one cookie from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `Set-Cookie` for a sign-in; `Secure` when the page came over https. */
export function sessionCookie(value: string, secure: boolean): string {
  return `${COOKIE_NAME}=${value}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}${secure ? '; Secure' : ''}`;
}

/** `Set-Cookie` that signs the browser out. */
export function clearedCookie(secure: boolean): string {
  return `${COOKIE_NAME}=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/**
 * Whose attempts count together: an IPv4 address, or an IPv6 /64 — one subscriber usually holds a
 * whole /64, and could otherwise take a fresh address for every guess.
 */
export function clientKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  // process() turns an IPv4-mapped IPv6 address (::ffff:10.0.0.5) back into IPv4.
  const a = ipaddr.process(ip);
  if (a.kind() === 'ipv4') return a.toString();
  return `${(a as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((p) => p.toString(16))
    .join(':')}::/64`;
}

/** Most clients remembered at once; quiet ones are forgotten first. */
const MAX_CLIENTS = 10_000;

/**
 * Slows down guessing the admin token, per client address (`clientKey`), without ever locking
 * the right token out: after `max` wrong tokens within `windowMs`, a client's attempts are checked
 * at most once every `spacingMs`; an attempt in between is refused without looking at the token.
 * An attempt that is checked and right signs in (and clears the client's failures), so an admin
 * who mistyped ten times waits at most `spacingMs`, while a guesser gets two tries a minute.
 */
export class LoginThrottle {
  /** client → times of its latest wrong tokens, oldest first, at most `max` of them */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = 10,
    private readonly windowMs = 15 * 60_000,
    readonly spacingMs = 30_000,
  ) {}

  /** How long (ms) the client must wait before an attempt is checked; 0 means check it now. */
  wait(client: string, now: number): number {
    const list = this.recent(client, now);
    if (list.length < this.max) return 0;
    return Math.max(0, list[list.length - 1]! + this.spacingMs - now);
  }

  /** A right token clears the client's failures. */
  succeed(client: string): void {
    this.failures.delete(client);
  }

  fail(client: string, now: number): void {
    const list = this.recent(client, now);
    list.push(now);
    if (list.length > this.max) list.shift();
    // Re-inserted, so the map's order runs from the quietest client to the latest.
    this.failures.delete(client);
    this.failures.set(client, list);
    if (this.failures.size > MAX_CLIENTS) this.forget(now);
  }

  private forget(now: number): void {
    for (const [k, v] of this.failures) if (now - v[v.length - 1]! >= this.windowMs) this.failures.delete(k);
    for (const k of this.failures.keys()) {
      if (this.failures.size <= MAX_CLIENTS) break;
      this.failures.delete(k);
    }
  }

  private recent(client: string, now: number): number[] {
    return (this.failures.get(client) ?? []).filter((t) => now - t < this.windowMs);
  }
}
