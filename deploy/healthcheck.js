// The container's HEALTHCHECK: exits 0 when GET /readyz answers 200 (the database is writable and a
// platform, or the playground, is configured), 1 otherwise. Reads the same PORT and HOST as the server.
const port = process.env.PORT || '3000';
const listen = process.env.HOST || '127.0.0.1';
// A server listening on every address answers on loopback; an IPv6 literal needs brackets in a URL.
const host = listen === '0.0.0.0' || listen === '::' ? '127.0.0.1' : listen.includes(':') ? `[${listen}]` : listen;
try {
  const res = await fetch(`http://${host}:${port}/readyz`, { signal: AbortSignal.timeout(4_000) });
  await res.arrayBuffer();
  process.exit(res.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
