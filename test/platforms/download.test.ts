/**
 * Download addresses from a platform (SPEC §7b): fetched without credentials from any https host,
 * or from the configured double; redirects are checked like the first address; a file the server
 * says is too large is not read; a server error is worth another try, a refusal is not.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadUrlProblem, fetchFile } from '../../src/platforms/http.js';

let server: Server;
let base = '';
const seen: { path: string; headers: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    switch (req.url) {
      case '/file':
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '5' });
        return res.end('hello');
      case '/moved':
        res.writeHead(302, { location: '/file' });
        return res.end();
      case '/inside':
        res.writeHead(302, { location: 'https://169.254.169.254/latest/meta-data' });
        return res.end();
      case '/away':
        res.writeHead(302, { location: 'http://files.example.invalid/file' });
        return res.end();
      case '/large':
        res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
        return res.end();
      case '/busy':
        res.writeHead(503);
        return res.end('busy');
      default:
        res.writeHead(403);
        return res.end('expired');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const get = (path: string, maxBytes = 1024) =>
  fetchFile(`${base}${path}`, { timeoutMs: 2000, signal: new AbortController().signal, doubles: [base], maxBytes });

describe('download addresses', () => {
  it('are https, or the configured double, and carry no credentials', () => {
    expect(downloadUrlProblem('https://ww-aibot-img.cos.ap-guangzhou.myqcloud.com/x?sign=1', [])).toBeUndefined();
    expect(downloadUrlProblem('http://127.0.0.1:9/x', ['http://127.0.0.1:9'])).toBeUndefined();
    expect(downloadUrlProblem('http://evil.example/x', ['http://127.0.0.1:9'])).toMatch(/not https/);
    expect(downloadUrlProblem('http://127.0.0.1:10/x', ['http://127.0.0.1:9'])).toMatch(/not https/);
    expect(downloadUrlProblem('https://user:pass@example.com/x', [])).toBe('carries credentials');
    expect(downloadUrlProblem('file:///etc/passwd', [])).toMatch(/not https/);
  });

  it('never name this machine or a private network, unless it is the configured API base', () => {
    for (const url of [
      'https://127.0.0.1:1/x',
      'https://2130706433/x',
      'https://0x7f.1/x',
      'https://[::1]/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://[fd00::1]/x',
      'https://[fe80::1]/x',
      'https://10.1.2.3/x',
      'https://172.31.0.1/x',
      'https://192.168.1.1/x',
      'https://169.254.169.254/latest/meta-data',
      'https://0.0.0.0/x',
      'https://[::]/x',
      'https://localhost/x',
      'https://LOCALHOST./x',
      'https://files.localhost/x',
    ]) {
      expect(downloadUrlProblem(url, ['http://127.0.0.1:9']), url).toMatch(/internal address/);
    }
    for (const url of ['https://172.32.0.1/x', 'https://8.8.8.8/x', 'https://[::ffff:8.8.8.8]/x', 'https://[2001:db8::1]/x', 'https://localhost.example.com/x']) {
      expect(downloadUrlProblem(url, []), url).toBeUndefined();
    }
    // A test double on this machine is reached only through the configured API base, http or https.
    expect(downloadUrlProblem('https://127.0.0.1:9/x', ['https://127.0.0.1:9'])).toBeUndefined();
    expect(downloadUrlProblem('http://127.0.0.1:9/x', ['http://127.0.0.1:9'])).toBeUndefined();
  });

  it('refuse a redirect to an internal address', async () => {
    expect(await get('/inside')).toMatchObject({ ok: false, retryable: false, refused: 'url', error: expect.stringMatching(/internal address/) });
  });

  it('are fetched as they come, following a redirect on the same terms', async () => {
    const r = await get('/moved');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    let text = '';
    for await (const c of r.body) text += String(c);
    expect(text).toBe('hello');
    // No token or cookie goes to a storage host.
    expect(seen.at(-1)?.headers).not.toHaveProperty('x-acs-dingtalk-access-token');
  });

  it('refuse a redirect to a plain-http host', async () => {
    expect(await get('/away')).toMatchObject({ ok: false, retryable: false, refused: 'url' });
  });

  it('refuse a file the server says is too large, without reading it', async () => {
    expect(await get('/large', 1024)).toMatchObject({ ok: false, retryable: false, refused: 'too_large' });
  });

  it('try again after a server error, not after a refusal', async () => {
    expect(await get('/busy')).toMatchObject({ ok: false, retryable: true, error: 'HTTP 503' });
    expect(await get('/gone')).toMatchObject({ ok: false, retryable: false, error: 'HTTP 403', text: 'expired' });
  });

  it('try again when nobody answers', async () => {
    const r = await fetchFile('http://127.0.0.1:1/x', { timeoutMs: 2000, signal: new AbortController().signal, doubles: ['http://127.0.0.1:1'], maxBytes: 10 });
    expect(r).toMatchObject({ ok: false, retryable: true });
  });
});
