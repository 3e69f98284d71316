import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core.js';
import type { OutboxItem } from '../../db/outbox-repo.js';
import { PUBLIC_DIR } from '../../paths.js';
import { ROLE_NAMES } from '../../tickets/model.js';
import { renderMentions, type PlatformAdapter } from '../types.js';

/**
 * The playground's "platform": sending is showing. Messages reach the page through the outbox
 * like any other, so the page shows exactly what a real group would receive.
 */
export function createPlaygroundAdapter(): PlatformAdapter {
  return { platform: 'playground', maxBytes: 64 * 1024, send: () => Promise.resolve({ ok: true }) };
}

export const GUEST_ID = 'guest';
const COORDINATORS = 'coordinators';

const sendBody = z.object({
  personId: z.string().min(1).max(100),
  chatId: z.string().min(1).max(100),
  text: z.string().max(20_000),
});

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** `GET /playground` and its small JSON + Server-Sent Events API. */
export const playgroundRoutes: FastifyPluginAsync<{ core: Core }> = async (app, { core }) => {
  const { roster } = core.repos;

  // The playground can act as anyone in the roster: by default only this machine may use it.
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!core.config.playground.remote && !isLoopback(req.socket.remoteAddress)) {
      req.log.warn({ check: 'playground-loopback', remote: req.socket.remoteAddress }, 'playground refused a remote client: set PLAYGROUND_REMOTE=1 to allow');
      return reply.code(403).send({ error: '本地试用页只对本机开放' });
    }
  });

  const chatName = (id: string): string => {
    if (id === COORDINATORS) return '护企办';
    const p = roster.project(id);
    return p ? `${p.code} ${p.name}` : (roster.person(id)?.name ?? id);
  };

  const view = (m: OutboxItem) => ({
    id: m.id,
    kind: m.kind,
    to: m.to,
    toName: chatName(m.to),
    chatId: m.chatId ?? (m.kind === 'person' ? null : m.to),
    text: renderMentions(m.text, (_id, name) => `@${name}`),
    sentAt: m.sentAt ?? m.createdAt,
  });

  app.get('/playground', async (_req, reply) => {
    reply.type('text/html; charset=utf-8').send(readFileSync(join(PUBLIC_DIR, 'playground.html')));
  });

  app.get('/playground/api/state', async () => {
    const people = roster.people().map((p) => ({
      id: p.id,
      name: p.name,
      roles: p.roles,
      roleNames: p.roles.map((r) => ROLE_NAMES[r]).join('、'),
      project: p.projectCode,
    }));
    const chats = [
      ...roster.projects().map((p) => ({ id: p.code, name: `${p.code} ${p.name}`, kind: 'project' })),
      { id: COORDINATORS, name: '护企办', kind: 'coordinators' },
    ];
    const messages = core.outbox
      .recent('playground', 200)
      .filter((m) => m.status === 'sent')
      .reverse()
      .map(view);
    return { people, chats, guest: { id: GUEST_ID, name: '访客（不在名册中）' }, messages };
  });

  app.post('/playground/api/send', async (req, reply) => {
    const body = sendBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send({ error: '请求格式不对：需要 personId、chatId 和 text' });
    const { personId, chatId, text } = body.data;
    if (!text.trim()) return reply.code(400).send({ error: '请输入要发送的内容' });
    if (personId !== GUEST_ID && !roster.person(personId)) return reply.code(400).send({ error: `名册中没有“${personId}”这个人` });
    if (!roster.chat('playground', chatId)) return reply.code(400).send({ error: `没有“${chatId}”这个群` });
    const msgId = randomUUID();
    const sentAt = core.clock.now().getTime();
    // The reply comes through the outbox and the event stream, like a platform's.
    try {
      core.dispatcher.handle({
        platform: 'playground',
        msgId,
        chatId,
        chatType: 'group',
        senderId: personId === GUEST_ID ? `${GUEST_ID}-${chatId}` : personId,
        senderName: personId === GUEST_ID ? '访客' : undefined,
        text: text.trim(),
      });
    } catch {
      return reply.code(500).send({ error: '消息没有保存成功，请重试' });
    }
    return reply.code(202).send({ msgId, sentAt });
  });

  // Event streams never end by themselves; close them when the server shuts down.
  const streams = new Set<import('node:http').ServerResponse>();
  app.addHook('onClose', async () => {
    for (const s of streams) s.end();
  });

  app.get('/playground/api/events', (_req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const off = core.worker.onSent((m) => {
      if (m.platform !== 'playground') return;
      res.write(`data: ${JSON.stringify({ type: 'outbound', message: view(m) })}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
    res.on('close', () => {
      streams.delete(res);
      off();
      clearInterval(ping);
    });
  });

  app.get('/assets/style.css', async (_req, reply) => {
    reply.type('text/css; charset=utf-8').send(readFileSync(join(PUBLIC_DIR, 'style.css')));
  });
};
