import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The cookie that keeps a signed-in browser signed in. */
export const COOKIE_NAME = 'lianbao_admin';
/** How long a sign-in lasts before the token is asked again. */
export const SESSION_MS = 30 * 24 * 3_600_000;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Compares two secrets in constant time, whatever their lengths. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function mac(token: string, issuedAt: number): string {
  return createHmac('sha256', token).update(`${COOKIE_NAME}:${issuedAt}`).digest('base64url');
}

/**
 * The cookie's value: when it was issued and an HMAC keyed by the admin token. The token itself
 * never leaves the server, and changing ADMIN_TOKEN signs every browser out.
 */
export function sessionValue(token: string, issuedAt: number): string {
  return `${issuedAt}.${mac(token, issuedAt)}`;
}

/** Whether a cookie value was issued with this token and has not expired at `now`. */
export function validSession(value: string | undefined, token: string, now: number): boolean {
  const m = value ? /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value) : null;
  if (!m) return false;
  const issuedAt = Number(m[1]);
  const ok = sameSecret(m[2]!, mac(token, issuedAt));
  return ok && issuedAt <= now + 60_000 && now - issuedAt < SESSION_MS;
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
 * Counts wrong tokens per client address, so the token cannot be guessed at network speed:
 * after `max` failures within `windowMs` further attempts are refused until the window passes.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = 10,
    private readonly windowMs = 15 * 60_000,
  ) {}

  blocked(client: string, now: number): boolean {
    return this.recent(client, now).length >= this.max;
  }

  /** A right token clears the client's failures. */
  succeed(client: string): void {
    this.failures.delete(client);
  }

  fail(client: string, now: number): void {
    const list = this.recent(client, now);
    list.push(now);
    this.failures.set(client, list);
    // Forget quiet clients so the map cannot grow without bound.
    if (this.failures.size > 10_000) {
      for (const [k, v] of this.failures) if (v.every((t) => now - t >= this.windowMs)) this.failures.delete(k);
    }
  }

  private recent(client: string, now: number): number[] {
    return (this.failures.get(client) ?? []).filter((t) => now - t < this.windowMs);
  }
}
