/**
 * People's own sign-ins to the dashboard (SPEC §11): the link `登录` sends opens one session, for
 * that person, within ten minutes, through a page whose button posts it (a link preview that only
 * fetches it uses nothing up); a used, expired or unknown link gets a page saying so, a log line
 * naming the check, and no session. A session carries its person: an officer sees only the tickets
 * they are accountable for (SPEC §2), never a conduct complaint, in every list, page, figure,
 * export and file; coordinators and leaders see everything; a change of roles ends the session.
 */
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { importRoster } from '../../src/roster/import.js';
import { readRosterFile } from '../../src/roster/parse.js';
import { evidenceHarness } from '../support/evidence.js';
import { png, sha256 } from '../support/files.js';
import { appOn } from '../support/harness.js';

const PUBLISHED = { ADMIN_TOKEN: 'loginLinksS3cr3tK9wQx7PzAb', PUBLIC_URL: 'https://lianbao.example.gov.cn' };
const LINK = /https:\/\/lianbao\.example\.gov\.cn(\/dashboard\/login\/[A-Za-z0-9_-]{43})/;
const photo = png(24, 18, [20, 120, 200]);

const open: { stop: () => Promise<void>; cleanup: () => void }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.stop();
    o.cleanup();
  }
});

/**
 * The example roster with five tickets: #1 XM001 (王警官's, the project officer), #2 XM002 (赵警官's),
 * #3 a conduct complaint in XM001 (护企办's), #4 XM001 transferred to 交警大队 (赵警官's department:
 * its officers'), #5 XM001 claimed by 王警官, with a photo; and the dashboard in front of them.
 */
async function setup() {
  const h = evidenceHarness('2026-11-20T02:00:00Z', PUBLISHED);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const { app, stop } = await appOn(h, createLogger('info', sink));
  open.push({ stop, cleanup: h.cleanup });
  h.say('chen', 'XM001', '报告 村民堵路阻工，混凝土车进不去');
  h.say('liu', 'XM002', '报告 工地夜间电缆被偷');
  h.say('chen', 'XM001', '报告 执法人员检查时吃拿卡要');
  h.say('chen', 'XM001', '报告 渣土货车在路口被限行');
  expect(h.say('zhou', 'coordinators', '转办 #4 交警大队 属交通管理事项').reply).toContain('#4');
  h.say('huang', 'XM001', '报告 工地钢筋被盗');
  expect(h.say('wang', 'XM001', '认领 #5').reply).toContain('#5');
  h.attach('huang', 'XM001', '', { bytes: photo });
  await h.fetched();

  const ask = (person: string): string => {
    const reply = h.send({ senderId: person, chatId: `single:${person}`, chatType: 'single', text: '登录' }).reply;
    const path = LINK.exec(reply)?.[1];
    if (!path) throw new Error(`no link in: ${reply}`);
    return path;
  };
  const post = (path: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', ...headers }, payload: '' });
  const cookieOf = (res: LightMyRequestResponse): string => {
    const header = String(res.headers['set-cookie'] ?? '');
    expect(header).toMatch(/^lianbao_admin=[A-Za-z0-9_-]{43}; Path=\/dashboard; HttpOnly; SameSite=Strict/);
    return header.split(';')[0]!;
  };
  /** Signs `person` in the way a person does: 登录, open the link, press 登录. */
  const signIn = async (person: string): Promise<string> => {
    const path = ask(person);
    expect((await app.inject({ method: 'GET', url: path })).statusCode).toBe(200);
    const res = await post(path);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/dashboard');
    return cookieOf(res);
  };
  const get = (url: string, cookie: string) => app.inject({ method: 'GET', url, headers: { cookie } });
  const listed = async (cookie: string): Promise<number[]> => {
    const res = await get('/dashboard/api/tickets', cookie);
    expect(res.statusCode).toBe(200);
    return (res.json() as { tickets: { no: number }[] }).tickets.map((t) => t.no).sort((a, b) => a - b);
  };
  const checks = () => logs.map((l) => l.check).filter((c) => c !== undefined);
  return { h, app, ask, post, signIn, get, listed, checks, cookieOf };
}

describe('a sign-in link', () => {
  it('shows a page with a 登录 button when opened, however often, and signs in only when it is pressed', async () => {
    const { app, ask, post, get, cookieOf } = await setup();
    const path = ask('wang');
    for (let i = 0; i < 3; i++) {
      // A chat app's link preview fetches it: nothing is used up, no cookie is set.
      const page = await app.inject({ method: 'GET', url: path });
      expect(page.statusCode).toBe(200);
      expect(page.headers['set-cookie']).toBeUndefined();
      expect(page.body).toContain('以 王警官 的身份登录');
      expect(page.body).toContain(`<form class="panel-body" method="post" action="${path}">`);
      expect(page.body).toContain('<button type="submit" id="link-submit">登录</button>');
    }
    const res = await post(path);
    expect(res.statusCode).toBe(303);
    const ledger = await get('/dashboard', cookieOf(res));
    expect(ledger.statusCode).toBe(200);
  });

  it('works once: a second use is refused with a page, a log line and no session', async () => {
    const { ask, post, checks, app } = await setup();
    const path = ask('wang');
    expect((await post(path)).statusCode).toBe(303);
    const again = await post(path);
    expect(again.statusCode).toBe(410);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.body).toContain('登录链接已使用');
    expect(again.body).toContain('请在与机器人的私聊中重新发送“登录”');
    expect(checks()).toContain('login-link-used');
    expect((await app.inject({ method: 'GET', url: path })).statusCode).toBe(410);
  });

  it('works for ten minutes only', async () => {
    const { h, ask, post, checks, app } = await setup();
    const path = ask('wang');
    h.clock.advance(10 * 60_000);
    expect((await app.inject({ method: 'GET', url: path })).statusCode).toBe(410);
    const late = await post(path);
    expect(late.statusCode).toBe(410);
    expect(late.headers['set-cookie']).toBeUndefined();
    expect(late.body).toContain('登录链接已过期');
    expect(checks()).toContain('login-link-expired');
    // Just inside the ten minutes, a fresh link works.
    const fresh = ask('wang');
    h.clock.advance(10 * 60_000 - 1);
    expect((await post(fresh)).statusCode).toBe(303);
  });

  it('that never existed is 404, with a page', async () => {
    const { post, checks } = await setup();
    for (const path of [`/dashboard/login/${'A'.repeat(43)}`, '/dashboard/login/short']) {
      const res = await post(path);
      expect(res.statusCode).toBe(404);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.body).toContain('登录链接无效');
    }
    expect(checks()).toContain('login-link-unknown');
  });

  // What browsers say of where a form post came from: Sec-Fetch-Site
  // (https://developer.mozilla.org/docs/Web/HTTP/Headers/Sec-Fetch-Site), and Origin
  // (https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Origin).
  it('is refused when posted from another site, and stays usable', async () => {
    const { ask, post, checks } = await setup();
    const path = ask('wang');
    expect((await post(path, { 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect((await post(path, { 'sec-fetch-site': 'same-site', origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await post(path, { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect(checks()).toContain('login-link-origin');
    // Origin null: a sandboxed frame or a data: page, where a browser without Sec-Fetch-Site could
    // sign someone in with the attacker's own link. The page's own form sends its origin, under the
    // pages' same-origin referrer policy (https://fetch.spec.whatwg.org/#serializing-a-request-origin).
    expect((await post(path, { origin: 'null' })).statusCode).toBe(403);
    expect((await post(path, { host: 'lianbao.test:3000', origin: 'http://lianbao.test:3000' })).statusCode).toBe(303);
  });
});

describe('a browser already signed in', () => {
  it('is signed in as the person of the link, and its earlier session ends', async () => {
    const { signIn, post, ask, get, listed, cookieOf } = await setup();
    const zhou = await signIn('zhou');
    const res = await post(ask('wang'), { cookie: zhou });
    const wang = cookieOf(res);
    expect(await listed(wang)).toEqual([1, 5]);
    expect((await get('/dashboard', zhou)).statusCode).toBe(401);
  });
});

describe("an officer's own session", () => {
  it('lists only the tickets they are accountable for, never a conduct complaint', async () => {
    const { signIn, listed, get } = await setup();
    expect(await listed(await signIn('wang'))).toEqual([1, 5]);
    // 赵警官: his project's ticket, and the one waiting for his department.
    const zhao = await signIn('zhao');
    expect(await listed(zhao)).toEqual([2, 4]);
    const page = await get('/dashboard', zhao);
    expect(page.body).toContain('/dashboard/tickets/4');
    expect(page.body).not.toContain('/dashboard/tickets/1"');
    expect(page.body).not.toContain('吃拿卡要');
  });

  it('answers a ticket outside it, and its files, as if they did not exist', async () => {
    const { signIn, get, checks } = await setup();
    const zhao = await signIn('zhao');
    for (const no of [1, 3, 5]) {
      const res = await get(`/dashboard/tickets/${no}`, zhao);
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain(`没有找到工单 #${no}`);
    }
    expect(checks()).toContain('scope');
    expect((await get(`/dashboard/tickets/5/files/${sha256(photo)}`, zhao)).statusCode).toBe(404);
    const wang = await signIn('wang');
    expect((await get('/dashboard/tickets/5', wang)).statusCode).toBe(200);
    expect((await get(`/dashboard/tickets/5/files/${sha256(photo)}`, wang)).statusCode).toBe(200);
    expect((await get('/dashboard/tickets/3', wang)).statusCode).toBe(404);
  });

  it('counts and exports only those tickets', async () => {
    const { signIn, get } = await setup();
    const wang = await signIn('wang');
    const figures = (await get('/dashboard/api/figures?month=2026-11', wang)).json() as { overall: { received: number } };
    expect(figures.overall.received).toBe(2);
    const csv = (await get('/dashboard/export/tickets.csv?month=2026-11', wang)).body;
    const rows = csv.trim().split('\n').slice(1);
    expect(rows).toHaveLength(2);
    expect(csv).not.toContain('吃拿卡要');
    expect(csv).not.toContain('电缆');
    const page = await get('/dashboard/figures?month=2026-11', wang);
    expect(page.statusCode).toBe(200);
    // No row for 护企办 (the conduct complaint's), nor for 赵警官 or 交警大队.
    expect(page.body).not.toMatch(/<t[dh][^>]*>(?:护企办|赵警官|交警大队)</);
    expect(page.body).toMatch(/<t[dh][^>]*>王警官</);
    const meeting = await get('/dashboard/meeting', wang);
    expect(meeting.body).toContain('#1');
    expect(meeting.body).not.toContain('#3');
  });
});

describe('a coordinator or leader', () => {
  it('sees everything, as the ADMIN_TOKEN sign-in does', async () => {
    const { signIn, listed, get } = await setup();
    expect(await listed(await signIn('zhou'))).toEqual([1, 2, 3, 4, 5]);
    const li = await signIn('li');
    expect(await listed(li)).toEqual([1, 2, 3, 4, 5]);
    expect(((await get('/dashboard/api/figures?month=2026-11', li)).json() as { overall: { received: number } }).overall.received).toBe(5);
  });
});

describe('the roster decides', () => {
  it('ends a session when the person leaves the roster or their roles change at import', async () => {
    const { h, signIn, get } = await setup();
    const wang = await signIn('wang');
    const zhou = await signIn('zhou');
    const zhao = await signIn('zhao');
    const roster = readRosterFile('roster.example.yaml');
    roster.people = roster.people.filter((p) => p.id !== 'wang').map((p) => (p.id === 'zhou' ? { ...p, roles: ['coordinator', 'leader'] as const } : p)) as typeof roster.people;
    roster.projects = roster.projects.map((p) => (p.officer === 'wang' ? { ...p, officer: 'zhang' } : p));
    const summary = importRoster(h.db, roster, h.clock.now().getTime());
    expect(summary.sessionsEnded.map((p) => p.id).sort()).toEqual(['wang', 'zhou']);
    for (const cookie of [wang, zhou]) {
      const res = await get('/dashboard', cookie);
      expect(res.statusCode).toBe(401);
      expect(res.body).toContain('登录已失效');
    }
    // 赵警官's roles did not change: he stays signed in.
    expect((await get('/dashboard', zhao)).statusCode).toBe(200);
  });

  it('opens no session from a link whose person lost their dashboard roles after asking', async () => {
    const { h, ask, post, checks, app } = await setup();
    const path = ask('wang');
    const roster = readRosterFile('roster.example.yaml');
    roster.people = roster.people.map((p) => (p.id === 'wang' ? { ...p, roles: ['enterprise'], department: undefined, project: 'XM001' } : p)) as typeof roster.people;
    roster.projects = roster.projects.map((p) => (p.officer === 'wang' ? { ...p, officer: 'zhang' } : p));
    importRoster(h.db, roster, h.clock.now().getTime());
    expect((await app.inject({ method: 'GET', url: path })).statusCode).toBe(403);
    const res = await post(path);
    expect(res.statusCode).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toContain('您目前没有使用工作台账的权限');
    expect(checks()).toContain('login-link-person');
  });

  it('checks a session against the roster on every request', async () => {
    const { h, signIn, get, checks } = await setup();
    const wang = await signIn('wang');
    expect((await get('/dashboard', wang)).statusCode).toBe(200);
    // Roles changed by other means than an import (say, a database restored): the session signs in no one.
    h.db.prepare(`UPDATE people SET roles = '["enterprise"]' WHERE id = 'wang'`).run();
    expect((await get('/dashboard', wang)).statusCode).toBe(401);
    expect((await get('/dashboard/api/tickets', wang)).statusCode).toBe(401);
    expect(checks()).toContain('session-person');
  });
});
