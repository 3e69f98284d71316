import { afterEach, describe, expect, it } from 'vitest';
import { say, SECRETS, settle, snapshotCounts, startRig, type Rig } from '../support/app-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function start(env: Record<string, string> = {}): Promise<Rig> {
  rig = await startRig(env);
  return rig;
}

const REMOTE = '10.0.0.5';

describe('admin endpoints', () => {
  it('are off (404) without ADMIN_TOKEN, whatever the request carries', async () => {
    const r = await start();
    for (const url of ['/dashboard', '/dashboard/', '/dashboard/export?month=2026-11&format=csv', '/dashboard/export?month=2026-11&format=xlsx']) {
      for (const headers of [{}, { authorization: 'Bearer anything' }, { cookie: 'lianbao_admin=1.x' }]) {
        const res = await r.app.inject({ method: 'GET', url, headers });
        expect(res.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(404);
        expect(res.body, url).not.toContain('项目');
      }
    }
  });

  it('say in Chinese, when off, how to turn the dashboard on: a page, or JSON for its data paths', async () => {
    const r = await start();
    for (const url of ['/dashboard', '/dashboard/', '/dashboard/login', '/dashboard/figures?month=2026-11']) {
      const res = await r.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/^text\/html/);
      expect(res.body, url).toContain('工作台账未开启');
      expect(res.body, url).toContain('在服务器上设置 ADMIN_TOKEN（至少 24 个字符）后重启即可使用');
    }
    const login = await r.app.inject({ method: 'POST', url: '/dashboard/login', payload: { token: 'x'.repeat(30) } });
    expect(login.statusCode).toBe(404);
    expect(login.body).toContain('工作台账未开启');
    for (const url of ['/dashboard/api/tickets', '/dashboard/export?month=2026-11&format=csv']) {
      const res = await r.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toEqual({ error: '工作台账未开启：在服务器上设置 ADMIN_TOKEN（至少 24 个字符）后重启即可使用' });
    }
    expect(r.logs.some((l) => l.level >= 40 && l.check === 'dashboard-off')).toBe(true);
    // The page's stylesheet is there for it (the playground is off here).
    expect((await r.app.inject({ method: 'GET', url: '/assets/style.css' })).statusCode).toBe(200);
  });

  it('with ADMIN_TOKEN, show nothing of the data to a request without it or with a wrong one', async () => {
    const r = await start({ ADMIN_TOKEN: 'adminTokenS3cr3tM1nTq8Zp' });
    const words = '项目东门被村民围堵车辆进不去';
    await say(r, 'wecom', 'chen', 'XM001', `报告 ${words}`);
    const urls = ['/dashboard', '/dashboard/export?month=2026-11&format=csv', '/dashboard/export?month=2026-11&format=xlsx'];
    for (const url of urls) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { cookie: 'lianbao_admin=1793584800000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }]) {
        const res = await r.app.inject({ method: 'GET', url, headers });
        // A sign-in page may answer 200; the data may not.
        expect(res.statusCode, `${url} ${JSON.stringify(headers)}`).not.toBe(500);
        for (const f of [words, '陈经理', 'chenjl']) expect(res.body, `${url} shows "${f}"`).not.toContain(f);
        expect(res.headers['content-disposition'] ?? '').not.toMatch(/attachment/);
      }
    }
    expect(r.raw.join('\n')).not.toContain('adminTokenS3cr3tM1nTq8Zp');
  });

  // Decision: /metrics stays open (SPEC §10 names no token for it, and Prometheus scrapers are
  // usually configured without one), so it must carry counts only: no names, ids, chats or text.
  it('/metrics is open and holds counts only: no names, user ids, chats, message text or secrets', async () => {
    const r = await start();
    const words = '项目东门被村民围堵车辆进不去';
    await say(r, 'wecom', 'chen', 'XM001', `报告 ${words}`);
    await say(r, 'dingtalk', 'liu', 'XM002', '报告 夜间电缆被偷');
    await say(r, 'dingtalk', 'liu', 'XM002', '认领 #2');
    await settle(r);
    for (const remoteAddress of ['127.0.0.1', REMOTE]) {
      const res = await r.app.inject({ method: 'GET', url: '/metrics', remoteAddress });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/^lianbao_tickets\{state="open"\} 2$/m);
      const forbidden = [
        words,
        '电缆',
        '陈经理',
        '刘经理',
        '王警官',
        'chenjl',
        'liujl',
        'staff-',
        'XM00',
        '经开区',
        'wrXM',
        'cidXM',
        'KEY-',
        ...Object.values(SECRETS),
      ];
      for (const f of forbidden) expect(res.body, `/metrics shows "${f}"`).not.toContain(f);
      // Every sample is a metric name, labels drawn from fixed sets, and a number.
      for (const line of res.body.split('\n').filter((l) => l && !l.startsWith('#'))) {
        expect(line).toMatch(/^lianbao_[a-z_]+(\{[a-z]+="[a-z0-9._+]+"(,[a-z]+="[a-z0-9._+]+")*\})? [0-9.e+-]+$/i);
      }
    }
  });
});

describe('the playground', () => {
  it('is off (404) when a platform is configured and PLAYGROUND is not 1', async () => {
    const r = await start();
    const before = snapshotCounts(r.db);
    for (const remoteAddress of ['127.0.0.1', REMOTE]) {
      expect((await r.app.inject({ method: 'GET', url: '/playground', remoteAddress })).statusCode).toBe(404);
      expect((await r.app.inject({ method: 'GET', url: '/playground/api/state', remoteAddress })).statusCode).toBe(404);
      const send = await r.app.inject({
        method: 'POST',
        url: '/playground/api/send',
        remoteAddress,
        payload: { personId: 'zhou', chatId: 'XM001', text: '绑定 XM002' },
      });
      expect(send.statusCode).toBe(404);
    }
    await settle(r);
    expect(snapshotCounts(r.db)).toEqual(before);
  });

  it('refuses a client that is not on this machine with 403 unless PLAYGROUND_REMOTE=1', async () => {
    const r = await start({ PLAYGROUND: '1' });
    const before = snapshotCounts(r.db);
    for (const remoteAddress of [REMOTE, '192.168.1.20', '::ffff:10.0.0.5', '2001:db8::1']) {
      expect((await r.app.inject({ method: 'GET', url: '/playground', remoteAddress })).statusCode).toBe(403);
      const state = await r.app.inject({ method: 'GET', url: '/playground/api/state', remoteAddress });
      expect(state.statusCode).toBe(403);
      // The roster (names, ids) is exactly what a remote client must not get.
      expect(state.body).not.toContain('陈经理');
      const send = await r.app.inject({
        method: 'POST',
        url: '/playground/api/send',
        remoteAddress,
        payload: { personId: 'zhou', chatId: 'XM001', text: '督办 #1' },
      });
      expect(send.statusCode).toBe(403);
      expect((await r.app.inject({ method: 'GET', url: '/playground/api/events', remoteAddress })).statusCode).toBe(403);
    }
    await settle(r);
    expect(snapshotCounts(r.db)).toEqual(before);
    expect(r.logs.filter((l) => l.level >= 40 && l.check === 'playground-loopback').length).toBeGreaterThan(0);
    // The control: this machine may use it.
    const local = await r.app.inject({ method: 'GET', url: '/playground/api/state', remoteAddress: '127.0.0.1' });
    expect(local.statusCode).toBe(200);
  });

  it('serves a remote client when PLAYGROUND_REMOTE=1 (the control for the case above)', async () => {
    const r = await start({ PLAYGROUND: '1', PLAYGROUND_REMOTE: '1' });
    expect((await r.app.inject({ method: 'GET', url: '/playground/api/state', remoteAddress: REMOTE })).statusCode).toBe(200);
  });

  // DNS rebinding: a page on evil.example that resolves its name to 127.0.0.1 reaches the
  // playground from this machine's own browser, but the browser sends its own name as Host.
  it('refuses a request whose Host is not this machine, even from loopback, unless PLAYGROUND_REMOTE=1', async () => {
    const r = await start({ PLAYGROUND: '1' });
    const before = snapshotCounts(r.db);
    for (const host of ['evil.example', 'evil.example:3000', '127.0.0.1.nip.io:3000', '10.0.0.5:3000', 'localhost.evil.example']) {
      const headers = { host };
      const page = await r.app.inject({ method: 'GET', url: '/playground', remoteAddress: '127.0.0.1', headers });
      expect(page.statusCode, host).toBe(403);
      const state = await r.app.inject({ method: 'GET', url: '/playground/api/state', remoteAddress: '127.0.0.1', headers });
      expect(state.statusCode, host).toBe(403);
      expect(state.body).not.toContain('陈经理');
      const send = await r.app.inject({
        method: 'POST',
        url: '/playground/api/send',
        remoteAddress: '127.0.0.1',
        headers,
        payload: { personId: 'zhou', chatId: 'XM001', text: '督办 #1' },
      });
      expect(send.statusCode, host).toBe(403);
    }
    await settle(r);
    expect(snapshotCounts(r.db)).toEqual(before);
    expect(r.logs.filter((l) => l.level >= 40 && l.check === 'playground-host').length).toBeGreaterThan(0);
    // The control: every loopback name, with or without a port.
    for (const host of ['127.0.0.1:3000', 'localhost:3000', 'LOCALHOST', '[::1]:3000', '127.0.0.1']) {
      const ok = await r.app.inject({ method: 'GET', url: '/playground/api/state', remoteAddress: '127.0.0.1', headers: { host } });
      expect(ok.statusCode, host).toBe(200);
    }
    await r.close();
    rig = undefined;
    const remote = await start({ PLAYGROUND: '1', PLAYGROUND_REMOTE: '1' });
    const res = await remote.app.inject({ method: 'GET', url: '/playground/api/state', remoteAddress: REMOTE, headers: { host: 'lianbao.example.gov.cn' } });
    expect(res.statusCode).toBe(200);
  });

  it('refuses a POST whose Origin is another page, and takes one from its own page', async () => {
    const r = await start({ PLAYGROUND: '1' });
    const post = (origin: string | undefined) =>
      r.app.inject({
        method: 'POST',
        url: '/playground/api/send',
        remoteAddress: '127.0.0.1',
        headers: { host: '127.0.0.1:3000', ...(origin === undefined ? {} : { origin }) },
        payload: { personId: 'chen', chatId: 'XM001', text: '帮助' },
      });
    const before = snapshotCounts(r.db);
    for (const origin of ['https://evil.example', 'http://localhost:8080', 'http://127.0.0.1:3001', 'null']) {
      expect((await post(origin)).statusCode, origin).toBe(403);
    }
    await settle(r);
    expect(snapshotCounts(r.db)).toEqual(before);
    expect(r.logs.filter((l) => l.level >= 40 && l.check === 'playground-origin').length).toBe(4);
    // Its own page (the browser sends Origin on a POST), and a client that sends none (curl).
    expect((await post('http://127.0.0.1:3000')).statusCode).toBe(202);
    expect((await post(undefined)).statusCode).toBe(202);
  });
});
