import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { startRig, type Rig } from '../support/app-rig.js';

const TOKEN = 'dashboardS3cr3tKq7Wm2Xv9Pz4';
const ATTACKER = '203.0.113.7';
const ADMIN = '198.51.100.2';
const PROXY = '10.0.0.1';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function start(env: Record<string, string> = {}): Promise<Rig> {
  rig = await startRig({ ADMIN_TOKEN: TOKEN, ...env });
  return rig;
}

interface From {
  /** the socket's address: the client itself, or the reverse proxy */
  remote?: string;
  /** the X-Forwarded-For header the request carries */
  forwardedFor?: string;
}

function signIn(r: Rig, token: string, from: From = {}): Promise<LightMyRequestResponse> {
  return r.app.inject({
    method: 'POST',
    url: '/dashboard/login',
    remoteAddress: from.remote ?? ATTACKER,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(from.forwardedFor ? { 'x-forwarded-for': from.forwardedFor } : {}) },
    payload: new URLSearchParams({ token }).toString(),
  });
}

/** The `name=value` of the session cookie a sign-in set. */
function cookieOf(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie'];
  const value = (Array.isArray(header) ? header[0] : header) ?? '';
  expect(value).toMatch(/^lianbao_admin=[A-Za-z0-9_-]{43};/);
  return value.split(';')[0]!;
}

async function guessTenTimes(r: Rig, from: From | ((i: number) => From)): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const res = await signIn(r, `wrong-guess-${i}`, typeof from === 'function' ? from(i) : from);
    expect(res.statusCode, `guess ${i}`).toBe(401);
  }
}

const ledger = (r: Rig, cookie: string) => r.app.inject({ method: 'GET', url: '/dashboard/api/tickets', headers: { cookie } });

describe('the sign-in throttle (SPEC §9: keyed by the real client address, never locking out the right token)', () => {
  it('blocks the guessing address after ten wrong tokens, and not an admin at another address', async () => {
    const r = await start();
    await guessTenTimes(r, { remote: ATTACKER });
    const blocked = await signIn(r, TOKEN, { remote: ATTACKER });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['set-cookie']).toBeUndefined();
    expect(blocked.headers['retry-after']).toBe('30');
    expect(blocked.body).toContain('口令错误次数过多');
    expect(r.logs.some((l) => l.level >= 40 && l.check === 'admin-token' && l.reason === 'too many wrong tokens')).toBe(true);

    const admin = await signIn(r, TOKEN, { remote: ADMIN });
    expect(admin.statusCode).toBe(303);
    expect((await ledger(r, cookieOf(admin))).statusCode).toBe(200);
  });

  it('checks the blocked address once in 30 seconds: the right token then signs in and clears the failures', async () => {
    const r = await start();
    await guessTenTimes(r, { remote: ATTACKER });
    r.clock.advance(29_000);
    expect((await signIn(r, TOKEN, { remote: ATTACKER })).statusCode, 'before the 30 seconds are up').toBe(429);
    r.clock.advance(1_000);
    const right = await signIn(r, TOKEN, { remote: ATTACKER });
    expect(right.statusCode).toBe(303);
    expect((await ledger(r, cookieOf(right))).statusCode).toBe(200);
    // Cleared: a typo now is just a wrong token again, not a wait.
    expect((await signIn(r, 'a-typo', { remote: ATTACKER })).statusCode).toBe(401);
  });

  it('keeps guessing slow: an attempt every second for ten minutes gets 20 tokens checked, the rest refused unread', async () => {
    const r = await start();
    await guessTenTimes(r, { remote: ATTACKER });
    const statuses: number[] = [];
    for (let s = 0; s < 600; s++) {
      r.clock.advance(1_000);
      statuses.push((await signIn(r, `guess-${s}`, { remote: ATTACKER })).statusCode);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(580);
  });

  it('counts an IPv6 client by its /64, so it cannot take a fresh address for each guess', async () => {
    const r = await start();
    await guessTenTimes(r, (i) => ({ remote: `2001:db8:1:2::${i + 1}` }));
    expect((await signIn(r, TOKEN, { remote: '2001:db8:1:2:ffff::9' })).statusCode).toBe(429);
    expect((await signIn(r, TOKEN, { remote: '2001:db8:1:3::1' })).statusCode).toBe(303);
  });

  it('does not believe X-Forwarded-For without TRUST_PROXY: a guesser cannot pick a fresh address', async () => {
    const r = await start();
    await guessTenTimes(r, (i) => ({ remote: ATTACKER, forwardedFor: `192.0.2.${i + 1}` }));
    const res = await signIn(r, TOKEN, { remote: ATTACKER, forwardedFor: '192.0.2.200' });
    expect(res.statusCode).toBe(429);
  });

  // Fastify's trustProxy with the proxy's address: req.ip is the address the proxy appended to
  // X-Forwarded-For (https://fastify.dev/docs/latest/Reference/Server/#trustproxy).
  it('behind a reverse proxy named in TRUST_PROXY, blocks the guesser and not the admin coming through the same proxy', async () => {
    const r = await start({ TRUST_PROXY: PROXY });
    // nginx's $proxy_add_x_forwarded_for appends the client's address to whatever the client sent.
    await guessTenTimes(r, (i) => ({ remote: PROXY, forwardedFor: `192.0.2.${i + 1}, ${ATTACKER}` }));
    expect((await signIn(r, TOKEN, { remote: PROXY, forwardedFor: `192.0.2.99, ${ATTACKER}` })).statusCode).toBe(429);
    const admin = await signIn(r, TOKEN, { remote: PROXY, forwardedFor: ADMIN });
    expect(admin.statusCode).toBe(303);
    expect((await ledger(r, cookieOf(admin))).statusCode).toBe(200);
    // A client that reaches the server directly, not through the proxy, is not believed either.
    await guessTenTimes(r, (i) => ({ remote: '192.0.2.50', forwardedFor: `192.0.2.${100 + i}` }));
    expect((await signIn(r, TOKEN, { remote: '192.0.2.50', forwardedFor: ADMIN })).statusCode).toBe(429);
  });
});

describe('dashboard sessions (SPEC §9: logout revokes the session on the server)', () => {
  it('refuses a cookie captured before 退出, after it', async () => {
    const r = await start();
    const cookie = cookieOf(await signIn(r, TOKEN));
    expect((await ledger(r, cookie)).statusCode).toBe(200);
    const out = await r.app.inject({ method: 'POST', url: '/dashboard/logout', headers: { cookie } });
    expect(out.statusCode).toBe(303);
    expect(out.headers['set-cookie']).toMatch(/^lianbao_admin=;.*Max-Age=0/);
    // The copy someone kept of the cookie is worth nothing now.
    const seen = r.logs.length;
    const replay = await ledger(r, cookie);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toEqual({ error: expect.stringContaining('需要登录') });
    expect(r.logs.slice(seen).some((l) => l.level >= 40 && l.check === 'admin-token')).toBe(true);
  });

  it('ends one browser’s session only, and keeps only a hash of the id on the server', async () => {
    const r = await start();
    const first = cookieOf(await signIn(r, TOKEN));
    const second = cookieOf(await signIn(r, TOKEN));
    await r.app.inject({ method: 'POST', url: '/dashboard/logout', headers: { cookie: first } });
    expect((await ledger(r, first)).statusCode).toBe(401);
    expect((await ledger(r, second)).statusCode).toBe(200);
    const id = second.slice('lianbao_admin='.length);
    const rows = r.db.prepare('SELECT id_hash, person_id, revoked_at FROM sessions ORDER BY created_at, rowid').all() as {
      id_hash: string;
      person_id: string | null;
      revoked_at: number | null;
    }[];
    expect(rows).toHaveLength(2);
    expect(rows.map((x) => x.id_hash)).toContain(createHash('sha256').update(id).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(id);
    expect(rows.map((x) => x.revoked_at === null)).toEqual([false, true]);
    expect(rows.every((x) => x.person_id === null)).toBe(true);
  });

  it('signs every browser out when ADMIN_TOKEN changes', async () => {
    const r = await start();
    const cookie = cookieOf(await signIn(r, TOKEN));
    // The same database served by a server restarted with another token.
    const { deps } = r.server;
    const restarted = await buildApp({ ...deps, dashboard: { ...deps.dashboard!, adminToken: 'anotherS3cr3tTokenAfterRotation' } });
    try {
      const res = await restarted.inject({ method: 'GET', url: '/dashboard/api/tickets', headers: { cookie } });
      expect(res.statusCode).toBe(401);
    } finally {
      await restarted.close();
    }
    // The control: the server with the old token still takes it.
    expect((await ledger(r, cookie)).statusCode).toBe(200);
  });

  it('ends a session after 30 days', async () => {
    const r = await start();
    const cookie = cookieOf(await signIn(r, TOKEN));
    r.clock.advance(30 * 24 * 3_600_000 - 1);
    expect((await ledger(r, cookie)).statusCode).toBe(200);
    r.clock.advance(1);
    expect((await ledger(r, cookie)).statusCode).toBe(401);
  });
});
