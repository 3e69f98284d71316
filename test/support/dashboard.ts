import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** Signs in to the dashboard with the operator's token and returns the session cookie (`name=value`). */
export async function signInCookie(app: FastifyInstance, token: string): Promise<string> {
  const login = await app.inject({
    method: 'POST',
    url: '/dashboard/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token }).toString(),
  });
  return String(login.headers['set-cookie']).split(';')[0]!;
}

/** A GET as the holder of `cookie` (or as nobody, without one). */
export function getAs(app: FastifyInstance, cookie: string | undefined, url: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
}
