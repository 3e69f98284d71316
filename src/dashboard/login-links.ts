import { createHash, randomBytes } from 'node:crypto';
import type { LoginLink, LoginLinksRepo } from '../db/login-links-repo.js';
import type { LoginLinkIssuer } from '../dispatch/types.js';

/** How long a sign-in link opens a session (SPEC §11). */
export const LINK_MS = 10 * 60_000;
/** Links one person may ask for within `LINKS_WINDOW_MS`, so that nobody can make the bot send them without end. */
export const LINKS_PER_WINDOW = 5;
export const LINKS_WINDOW_MS = 3_600_000;
/** How long a link's row is kept after it expires: a used or expired link is then told apart from an unknown one. */
const KEEP_MS = 24 * 3_600_000;
/** Where the links lead, under PUBLIC_URL. */
export const LINK_PATH = '/dashboard/login/';

/** A link token as the link carries it: 256 random bits, base64url. */
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** What the login_links table keeps of a token: its SHA-256, so the table cannot be used to sign in. */
export function linkTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A link sent, or why none was: too many asked for lately (`retryAt`: when the next may be). */
export type Issued = ReturnType<LoginLinkIssuer['issue']>;

/** Makes sign-in links: a random token, only its hash stored with the person, created and expiry times. */
export class LoginLinks implements LoginLinkIssuer {
  constructor(
    private readonly repo: LoginLinksRepo,
    /** PUBLIC_URL, without a trailing slash */
    private readonly publicUrl: string,
  ) {}

  /** A link for `personId` valid for `LINK_MS` from `now`, unless they asked for too many lately. Writes: call inside a transaction. */
  issue(personId: string, now: number): Issued {
    const recent = this.repo.sentSince(personId, now - LINKS_WINDOW_MS);
    if (recent.count >= LINKS_PER_WINDOW) return { ok: false, retryAt: (recent.first ?? now) + LINKS_WINDOW_MS };
    // Old rows go here, at the rare moment a link is made, so the table stays small.
    this.repo.forgetExpired(now - KEEP_MS);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + LINK_MS;
    this.repo.create({ tokenHash: linkTokenHash(token), personId, createdAt: now, expiresAt });
    return { ok: true, url: `${this.publicUrl}${LINK_PATH}${token}`, expiresAt };
  }
}

/** Why a link opens no session: the check that failed, the HTTP status, and what the page says. */
export interface LinkRefusal {
  ok: false;
  status: 404 | 410;
  check: 'login-link-unknown' | 'login-link-used' | 'login-link-expired';
  title: string;
  message: string;
}

const ASK_AGAIN = '请在与机器人的私聊中重新发送“登录”，获取新的链接。';

/** The link a token names, if it can still open a session at `now`; otherwise why not. Reads only. */
export function checkLink(repo: Pick<LoginLinksRepo, 'get'>, token: string, now: number): { ok: true; link: LoginLink } | LinkRefusal {
  const link = LINK_TOKEN.test(token) ? repo.get(linkTokenHash(token)) : undefined;
  if (!link) return { ok: false, status: 404, check: 'login-link-unknown', title: '登录链接无效', message: `没有这个登录链接，可能是复制不完整或已过期很久。${ASK_AGAIN}` };
  if (link.usedAt !== null) {
    return { ok: false, status: 410, check: 'login-link-used', title: '登录链接已使用', message: `这个登录链接已经用过一次，每个链接只能登录一次。${ASK_AGAIN}` };
  }
  if (now >= link.expiresAt) {
    return { ok: false, status: 410, check: 'login-link-expired', title: '登录链接已过期', message: `这个登录链接已超过 ${LINK_MS / 60_000} 分钟有效期。${ASK_AGAIN}` };
  }
  return { ok: true, link };
}
