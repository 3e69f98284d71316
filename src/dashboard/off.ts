import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_TOKEN_MIN } from '../config.js';
import { PUBLIC_DIR } from '../paths.js';
import { signedOutProblemPage } from './layout.js';

/** What /dashboard says while ADMIN_TOKEN is not set: that it is off, and how to turn it on. */
export const DASHBOARD_OFF = `工作台账未开启：在服务器上设置 ADMIN_TOKEN（至少 ${ADMIN_TOKEN_MIN} 个字符）后重启即可使用`;

/**
 * `/dashboard` and everything under it while the dashboard is off (no ADMIN_TOKEN): 404 with a
 * short Chinese page saying how to turn it on, or that sentence as JSON for its data paths — not
 * Fastify's English 404 that leaves someone trying it out guessing. Nothing else is served.
 */
export const dashboardOffRoutes: FastifyPluginAsync = async (app) => {
  const answer = async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0] ?? req.url;
    req.log.warn({ check: 'dashboard-off', path: path.slice(0, 200) }, 'dashboard asked for, but it is off: set ADMIN_TOKEN to turn it on');
    reply.code(404).header('cache-control', 'no-store');
    if (path.startsWith('/dashboard/api/') || path.startsWith('/dashboard/export')) return reply.send({ error: DASHBOARD_OFF });
    const [title = '', how = ''] = DASHBOARD_OFF.split('：');
    return reply.type('text/html; charset=utf-8').send(signedOutProblemPage(title, `${how}。`));
  };
  app.all('/dashboard', answer);
  app.all('/dashboard/*', answer);

  // The page's stylesheet, which the playground serves when it is on.
  if (!app.hasRoute({ method: 'GET', url: '/assets/style.css' })) {
    app.get('/assets/style.css', async (_req, reply) => {
      reply.type('text/css; charset=utf-8').send(readFileSync(join(PUBLIC_DIR, 'style.css')));
    });
  }
};
