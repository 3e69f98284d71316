/**
 * The dashboard for a city and its counties (SPEC §11): a session whose person is a county's
 * coordinator sees that county only — in the ledger, the API, a ticket's page, the figures and the
 * exports — and is answered another county's ticket as unknown (404), a unit or project with 403, each with a log line naming the check; the
 * ADMIN_TOKEN session sees everything and may choose any unit's figures. Sessions are made as the
 * sign-in would make them, through the sessions repository.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { COOKIE_NAME, LINK_GENERATION, SESSION_MS, sessionIdHash, tokenGeneration } from '../../src/dashboard/auth.js';
import { SessionsRepo } from '../../src/db/sessions-repo.js';
import { createLogger } from '../../src/log.js';
import { appOn, harness } from '../support/harness.js';

const TOKEN = 'dashboardUnitsS3cr3tQ7mW2xZ';
const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of open.splice(0)) await stop();
});

async function setup() {
  const h = harness('2026-11-02T02:00:00Z', { ADMIN_TOKEN: TOKEN });
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const { app, stop } = await appOn(h, createLogger('info', sink));
  open.push(stop);
  const no = (person: string, chat: string, text: string) => h.ticketNo(h.say(person, chat, text));
  const dong = no('dxqy', 'DX001', '报告 物流园门口被货车堵住');
  const xi = no('xxqy', 'XX001', '报告 电站工地电缆被偷');
  const own = no('chen', 'XM001', '报告 工地夜间电缆被偷');
  /** A session for a person of the roster (null: the operator's), as a sign-in would store it. */
  const session = (personId: string | null): string => {
    const id = randomBytes(32).toString('base64url');
    const now = h.clock.now().getTime();
    new SessionsRepo(h.db).create({ idHash: sessionIdHash(id), generation: personId === null ? tokenGeneration(TOKEN) : LINK_GENERATION, personId, createdAt: now, expiresAt: now + SESSION_MS });
    return `${COOKIE_NAME}=${id}`;
  };
  const getAs = (cookie: string) => (url: string): Promise<LightMyRequestResponse> => app.inject({ method: 'GET', url, headers: { cookie } });
  return { h, lines, dong, xi, own, session, getAs };
}

describe('a county coordinator’s session', () => {
  it('lists only the county’s tickets in the API and the ledger', async () => {
    const { dong, xi, own, session, getAs } = await setup();
    const get = getAs(session('dxxt'));
    const api = await get('/dashboard/api/tickets');
    expect(api.statusCode).toBe(200);
    expect((api.json() as { tickets: { no: number }[] }).tickets.map((t) => t.no)).toEqual([dong]);
    const ledger = await get('/dashboard');
    expect(ledger.body).toContain(`/dashboard/tickets/${dong}`);
    expect(ledger.body).not.toContain(`/dashboard/tickets/${xi}`);
    expect(ledger.body).not.toContain(`/dashboard/tickets/${own}`);
    // Its project filter offers the county's projects only.
    expect(ledger.body).toContain('DX001 东县物流园');
    expect(ledger.body).not.toContain('XX001 西县光伏电站');
    const csv = (await get('/dashboard/export/tickets.csv')).body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(csv.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([dong]);
    expect(csv[0]!.split(',')).toContain('单位');
    expect(csv[1]).toContain('东县护企办');
  });

  it('is answered another county’s ticket as if it did not exist (404), with a log line naming the check', async () => {
    const { xi, dong, session, getAs, lines } = await setup();
    const get = getAs(session('dxxt'));
    expect((await get(`/dashboard/tickets/${dong}`)).statusCode).toBe(200);
    const page = await get(`/dashboard/tickets/${xi}`);
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain(`没有找到工单 #${xi}`);
    expect(lines.some((l) => l.check === 'scope' && l.personId === 'dxxt')).toBe(true);
  });

  it('sees the county’s figures, and is refused another county’s', async () => {
    const { session, getAs } = await setup();
    const get = getAs(session('dxxt'));
    const figures = await get('/dashboard/api/figures?month=2026-11');
    expect(figures.statusCode).toBe(200);
    expect((figures.json() as { overall: { received: number }; unitName: string })).toMatchObject({ overall: { received: 1 }, unitName: '东县护企办' });
    const page = await get('/dashboard/figures?month=2026-11');
    expect(page.body).toContain('2026年11月工作统计（东县护企办及下级单位）');
    const other = await get('/dashboard/api/figures?month=2026-11&unit=xixian');
    expect(other.statusCode).toBe(403);
    expect((await get('/dashboard/figures?month=2026-11&unit=city')).statusCode).toBe(403);
  });

  it('ends with the roster: someone who lost their roles is signed out', async () => {
    const { h, session, getAs } = await setup();
    const cookie = session('dxxt');
    h.db.prepare(`UPDATE people SET roles = '[]' WHERE id = 'dxxt'`).run();
    expect((await getAs(cookie)('/dashboard/api/tickets')).statusCode).toBe(401);
  });
});

describe('every page’s header', () => {
  it('says who is signed in: the person, their roles and unit, or the operator', async () => {
    const { dong, session, getAs } = await setup();
    const county = getAs(session('dxxt'));
    for (const path of ['/dashboard', '/dashboard/figures', '/dashboard/meeting', '/dashboard/visits', `/dashboard/tickets/${dong}`, '/dashboard/nowhere']) {
      expect((await county(path)).body, path).toContain('<span class="who" id="who">东县蒋协调（护企办 · 东县护企办）</span>');
    }
    expect((await getAs(session(null))('/dashboard')).body).toContain('<span class="who" id="who">管理员（管理口令）</span>');
  });
});

describe('an officer’s own session', () => {
  it('opens the visit logs of the officer’s own projects only', async () => {
    const { h, lines, session, getAs } = await setup();
    h.say('wang', 'XM001', '走访 XM001 与项目经理座谈，了解夜间施工安全问题');
    h.say('xxjg', 'XX001', '走访 XX001 西县走访记录：与村委会谈话');
    const get = getAs(session('wang'));
    const own = await get('/dashboard/visits');
    expect(own.statusCode).toBe(200);
    expect(own.body).toContain('夜间施工安全问题');
    expect(own.body).not.toContain('XX001');
    // Another officer's project, in the city or a county, is not his to read.
    for (const code of ['XX001', 'XM002']) {
      const res = await get(`/dashboard/visits?project=${code}`);
      expect(res.statusCode).toBe(403);
      expect(res.body).not.toContain('与村委会谈话');
    }
    expect(lines.some((l) => l.check === 'scope')).toBe(true);
  });
});

describe('the operator’s session', () => {
  it('sees every unit, and the figures page offers each unit with the counties ranked below the city', async () => {
    const { dong, xi, own, session, getAs } = await setup();
    const get = getAs(session(null));
    const api = (await get('/dashboard/api/tickets')).json() as { tickets: { no: number }[] };
    expect(api.tickets.map((t) => t.no).sort()).toEqual([dong, xi, own].sort());
    const page = (await get('/dashboard/figures?month=2026-11')).body;
    expect(page).toContain('<select id="f-unit" name="unit">');
    for (const name of ['市护企办', '东县护企办', '西县护企办']) expect(page).toContain(`>${name}</option>`);
    expect(page).toContain('按单位（含下级单位）');
    const county = (await get('/dashboard/api/figures?month=2026-11&unit=xixian')).json() as { overall: { received: number } };
    expect(county.overall.received).toBe(1);
  });
});
