/**
 * Evidence on the dashboard (SPEC §7b, §9): the ticket page shows its pictures as thumbnails and
 * links its files; every file is served only behind the sign-in, with the type its content showed,
 * as a download unless it is a picture, and never sniffed by the browser; exports carry the count.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { TICKET_HEADERS } from '../../src/reports/export.js';
import { evidenceHarness } from '../support/evidence.js';
import { appOn } from '../support/harness.js';
import { pdf, png, sha256 } from '../support/files.js';
import { getAs, signInCookie } from '../support/dashboard.js';

const TOKEN = 'dashboardEvidenceS3cr3tK9wQ';
const open: { stop: () => Promise<void>; cleanup: () => void }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.stop();
    o.cleanup();
  }
});

const photo = png(48, 36, [200, 60, 20]);
const doc = pdf('现场情况说明');

/** A ticket with a photo and a PDF, and the dashboard in front of it. */
async function setup() {
  const h = evidenceHarness('2026-11-02T02:00:00Z', { ADMIN_TOKEN: TOKEN });
  const no = h.ticketNo(h.say('chen', 'XM001', '报告 村民堵住工地东门'));
  h.attach('chen', 'XM001', '', { bytes: photo });
  h.attach('chen', 'XM001', '', { kind: 'file', bytes: doc, name: '情况 说明".pdf' });
  await h.fetched();
  // The files are in before the server starts: its own processor would fetch what is still
  // pending from the platforms its configuration names, not from this test's fake one.
  const { app, stop } = await appOn(h);
  open.push({ stop, cleanup: h.cleanup });
  const cookie = await signInCookie(app, TOKEN);
  const get = (url: string, signedIn = true): Promise<LightMyRequestResponse> => getAs(app, signedIn ? cookie : undefined, url);
  return { h, app, no, get };
}

describe('evidence on the dashboard', () => {
  it('shows the pictures as thumbnails and links the files on the ticket page', async () => {
    const { no, get } = await setup();
    const page = await get(`/dashboard/tickets/${no}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('证据（附件）');
    expect(page.body).toContain(`<img src="/dashboard/tickets/${no}/files/${sha256(photo)}"`);
    expect(page.body).toContain(`href="/dashboard/tickets/${no}/files/${sha256(doc)}" data-testid="evidence-file">文件「情况 说明&quot;.pdf」</a>`);
  });

  it('serves a picture as what its content is, inline, and never lets the browser guess', async () => {
    const { no, get } = await setup();
    const res = await get(`/dashboard/tickets/${no}/files/${sha256(photo)}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(String(res.headers['content-disposition'])).toMatch(/^inline; /);
    expect(res.rawPayload).toEqual(photo);
  });

  it('serves anything but a picture as a download, under a name that cannot break the header', async () => {
    const { no, get } = await setup();
    const res = await get(`/dashboard/tickets/${no}/files/${sha256(doc)}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="__ ___.pdf"; filename*=UTF-8''${encodeURIComponent('情况 说明_.pdf')}`,
    );
    expect(res.rawPayload).toEqual(doc);
  });

  it('refuses every file without the sign-in, and a file through a ticket that does not have it', async () => {
    const { h, no, get } = await setup();
    for (const sha of [sha256(photo), sha256(doc)]) {
      const res = await get(`/dashboard/tickets/${no}/files/${sha}`, false);
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.rawPayload.includes(photo)).toBe(false);
    }
    const other = h.ticketNo(h.say('liu', 'XM002', '报告 夜间电缆被偷'));
    expect((await get(`/dashboard/tickets/${other}/files/${sha256(photo)}`)).statusCode).toBe(404);
    expect((await get(`/dashboard/tickets/${no}/files/${'0'.repeat(64)}`)).statusCode).toBe(404);
    expect((await get(`/dashboard/tickets/${no}/files/..%2F..%2Fetc%2Fpasswd`)).statusCode).toBe(404);
  });

  it('counts the downloads by status on /metrics', async () => {
    const { app } = await setup();
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^lianbao_downloads\{status="done"\} 2$/m);
    expect(metrics.body).toMatch(/^lianbao_downloads\{status="pending"\} 0$/m);
  });

  it('counts the files in the exports', async () => {
    const { no, get } = await setup();
    const csv = (await get('/dashboard/export/tickets.csv')).body.replace(/^\uFEFF/, '').split('\r\n');
    const header = csv[0]!.split(',');
    const row = csv.find((l) => l.startsWith(`${no},`))!.split(',');
    expect(row[header.indexOf('附件')]).toBe('2');
    expect(TICKET_HEADERS).toContain('附件');
  });
});
