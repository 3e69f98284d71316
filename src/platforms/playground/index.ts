import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { receive, type InboundDeps, type Verified } from '../../chat/receiver.js';
import type { AttachmentFetch, IncomingAttachment, IncomingMessage } from '../../chat/types.js';
import type { OutboxItem, OutboxRepo } from '../../db/outbox-repo.js';
import type { RosterRepo } from '../../db/roster-repo.js';
import { PUBLIC_DIR } from '../../paths.js';
import { ROLE_NAMES } from '../../tickets/model.js';
import { renderMentions } from '../../chat/mentions.js';
import type { PlatformAdapter } from '../../chat/types.js';

/**
 * Where the playground keeps the pictures the page uploads, as a platform keeps them on its
 * servers until the bot fetches them: a folder in the attachments folder (same disk).
 */
export function playgroundUploadsDir(attachmentsDir: string): string {
  return join(attachmentsDir, '.uploads');
}

/** An upload's name: the id the page gets back and sends with its message. */
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const HOUR_MS = 3_600_000;

/**
 * How long an upload is kept after it was written or last fetched: past a download's last try
 * (given up 24 hours after the message, src/attachments/downloads.ts). The evidence itself is a copy
 * in the attachments folder, made as the bot fetches the upload, so removing an upload loses nothing
 * a ticket refers to.
 */
export const UPLOAD_KEEP_MS = 24 * HOUR_MS;

/** How often the uploads folder is swept while the server runs (and once at start). */
export const UPLOAD_SWEEP_EVERY_MS = HOUR_MS;

/**
 * Removes the uploads older than `UPLOAD_KEEP_MS` at `nowMs`: only files named as the playground
 * names its uploads, in its own folder (a link or folder there, or anything else, is left alone).
 * Returns how many were removed.
 */
export async function sweepPlaygroundUploads(uploadsDir: string, nowMs: number): Promise<number> {
  let entries;
  try {
    entries = await readdir(uploadsDir, { withFileTypes: true });
  } catch {
    return 0; // nothing uploaded yet
  }
  let removed = 0;
  for (const e of entries) {
    // A Dirent does not follow links: a link named like an upload is not the playground's file.
    if (!e.isFile() || !UPLOAD_ID.test(e.name)) continue;
    const path = join(uploadsDir, e.name);
    try {
      if (nowMs - (await stat(path)).mtimeMs <= UPLOAD_KEEP_MS) continue;
      await rm(path, { force: true });
      removed += 1;
    } catch {
      // removed meanwhile
    }
  }
  return removed;
}

/** The longest message the page shows in one piece: more than any message lianbao writes. */
export const PLAYGROUND_MAX_BYTES = 64 * 1024;

/**
 * How the page takes cards: it draws them with working buttons and replaces one when its update
 * arrives (SPEC §7a).
 */
export const PLAYGROUND_CARDS = { updatable: 'any-time' } as const;

/**
 * The playground's "platform": sending is showing. Messages reach the page through the outbox
 * like any other, so the page shows exactly what a real group would receive. A picture the page
 * attached is fetched from the uploads folder, as a platform's would be from its servers.
 */
export function createPlaygroundAdapter(uploadsDir?: string): PlatformAdapter {
  return {
    platform: 'playground',
    maxBytes: PLAYGROUND_MAX_BYTES,
    cards: PLAYGROUND_CARDS,
    send: () => Promise.resolve({ ok: true }),
    async fetchAttachment(a: IncomingAttachment, opts: { signal: AbortSignal; maxBytes: number }): Promise<AttachmentFetch> {
      if (!uploadsDir || !UPLOAD_ID.test(a.ref)) return { ok: false, retryable: false, error: 'no such upload' };
      const path = join(uploadsDir, a.ref);
      try {
        const { size } = await stat(path);
        // Fetched again (a download retried): kept another day from now, so the sweep never takes
        // an upload a download still needs.
        const now = new Date();
        await utimes(path, now, now);
        return { ok: true, body: createReadStream(path, { signal: opts.signal }), size };
      } catch {
        return { ok: false, retryable: false, error: 'the upload is gone' };
      }
    },
  };
}

/** What the playground's pages read, besides the inbound interface every platform's route gets. */
export interface PlaygroundOptions {
  /** PLAYGROUND_REMOTE: other machines may use it */
  remote: boolean;
  /** ATTACHMENTS_DIR and ATTACHMENT_MAX_MB: where the page's uploads go, and how large a file may be */
  attachments: { dir: string; maxBytes: number };
  /** who may be played and which chats there are */
  roster: Pick<RosterRepo, 'person' | 'personByPlatformId' | 'people' | 'project' | 'projects' | 'chat' | 'chatsOfKind' | 'unitName'>;
  /** the messages the page shows when it opens */
  outbox: Pick<OutboxRepo, 'recent'>;
  /** each message as it is sent (the delivery worker); returns a function that stops listening */
  onSent(listener: (m: OutboxItem) => void): () => void;
  deps: InboundDeps;
}

export const GUEST_ID = 'guest';
const COORDINATORS = 'coordinators';

/**
 * A person's private chat with the bot, keyed as WeCom keys its single chats (src/platforms/wecom/parse.ts)
 * and the dispatcher places a click on a card in a direct message: by who is in it.
 */
const SINGLE = 'single:';
export function privateChatId(personId: string): string {
  return `${SINGLE}${personId}`;
}

/** Why a guest has no private chat: the bot knows nobody outside the roster there. */
export const GUEST_NO_PRIVATE_CHAT = '访客不在名册中，没有与联保助手的私聊：请在“以谁的身份发言”里选名册中的人，或以访客身份到项目群里发言';

/** The longest text the page may send in one message, in characters (a paste beyond it is refused, saying so). */
export const PLAYGROUND_MAX_TEXT = 20_000;

const TOO_LONG = `消息太长：一条消息最多 ${PLAYGROUND_MAX_TEXT} 个字符，请删减或分几条发送`;

const sendBody = z.object({
  personId: z.string().min(1).max(100),
  /** the group; empty for the person's private chat with the bot */
  chatId: z.string().max(100),
  text: z.string().max(PLAYGROUND_MAX_TEXT),
  // Pictures and files the page uploaded first (POST /playground/api/upload), sent with the text
  // as a platform's picture or mixed message is.
  attachments: z
    .array(z.object({ ref: z.string().regex(UPLOAD_ID), kind: z.enum(['image', 'file']), name: z.string().max(200).optional() }))
    .max(9)
    .optional(),
});

/** A click on a card's button: who clicked, the card, the command the button carries, the score chosen. */
const clickBody = z.object({
  personId: z.string().min(1).max(100),
  /** the chat pane the card is shown in; empty for a card in a direct message */
  chatId: z.string().max(100).default(''),
  cardId: z.string().min(1).max(100),
  command: z.string().max(1000),
  choice: z.string().max(20).optional(),
});

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** A Host header naming this machine: 127.0.0.1, localhost or [::1], with any port. */
const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

/**
 * Why a request must be refused even though it comes from this machine, or undefined. A web page
 * on another site can make the browser send requests here, by a form or by a name it resolves to
 * 127.0.0.1 (DNS rebinding); the browser then names that site in Host, and in Origin on a POST.
 */
function foreignPage(req: FastifyRequest): { check: string; reason: string; error: string } | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!LOOPBACK_HOST.test(host)) {
    return { check: 'playground-host', reason: `Host ${JSON.stringify(host.slice(0, 100))} is not this machine`, error: '本地试用页只能通过 127.0.0.1 或 localhost 打开' };
  }
  const origin = req.headers.origin;
  // Same origin only: the page this server serves, at the address the browser asked for.
  if (req.method === 'POST' && origin !== undefined && ![`http://${host}`, `https://${host}`].includes(origin.toLowerCase())) {
    return { check: 'playground-origin', reason: `Origin ${JSON.stringify(origin.slice(0, 100))} is not this page's`, error: '本地试用页只接受它自己页面发来的消息' };
  }
  return undefined;
}

/**
 * The verify step of the playground's receiver: the page's form, as a message from the person it
 * names (or a guest) in the chat it names, with `msgId` and `now` for its id and time. The reason a
 * form is refused is shown on the page, so it is written for the person using it.
 */
export function readPlaygroundMessage(roster: PlaygroundOptions['roster'], body: unknown, msgId: string): Verified {
  const form = sendBody.safeParse(body);
  if (!form.success) {
    // A long paste is the one mistake a person makes here; the rest is a page out of step with the server.
    if (form.error.issues.some((i) => i.path[0] === 'text' && i.code === 'too_big')) {
      return { ok: false, status: 413, check: 'playground-text-length', reason: TOO_LONG };
    }
    return { ok: false, status: 400, check: 'playground-form', reason: '请求格式不对：需要 personId、chatId 和 text' };
  }
  const { personId, chatId, text, attachments } = form.data;
  if (!text.trim() && !attachments?.length) return { ok: false, status: 400, check: 'playground-form', reason: '请输入要发送的内容' };
  if (personId !== GUEST_ID && !roster.person(personId)) {
    return { ok: false, status: 400, check: 'playground-person', reason: `名册中没有“${personId.slice(0, 100)}”这个人` };
  }
  if (!chatId && personId === GUEST_ID) return { ok: false, status: 400, check: 'playground-guest-private', reason: GUEST_NO_PRIVATE_CHAT };
  if (chatId && !roster.chat('playground', chatId)) return { ok: false, status: 400, check: 'playground-chat', reason: `没有“${chatId.slice(0, 100)}”这个群` };
  const message: IncomingMessage = chatId
    ? {
        platform: 'playground',
        msgId,
        chatId,
        chatType: 'group',
        // A playground chat is its own address.
        groupAddress: chatId,
        senderId: personId === GUEST_ID ? `${GUEST_ID}-${chatId}` : personId,
        text: text.trim(),
      }
    : // The private chat: no group to post to, so the bot's answer goes to the person (SPEC §7).
      { platform: 'playground', msgId, chatId: privateChatId(personId), chatType: 'single', senderId: personId, text: text.trim() };
  if (attachments?.length) {
    message.attachments = attachments.map((a) => ({ kind: a.kind, ref: a.ref, ...(a.name ? { name: a.name } : {}) }));
    // A picture with no words is a picture; with words, the words are the message (like WeCom's mixed).
    if (!message.text) message.kind = attachments[0]!.kind;
  }
  if (personId === GUEST_ID) message.senderName = '访客';
  return { ok: true, message };
}

/**
 * The verify step for a click on a card the page shows (SPEC §7a): the person picked clicks the
 * button, whose command the page sends back as the card gave it; the dispatcher takes it like a
 * platform's click. A card in a direct message has no chat pane: the dispatcher places it.
 */
export function readPlaygroundClick(roster: PlaygroundOptions['roster'], body: unknown, msgId: string): Verified {
  const form = clickBody.safeParse(body);
  if (!form.success) return { ok: false, status: 400, check: 'playground-form', reason: '请求格式不对：需要 personId、cardId 和 command' };
  const { personId, chatId, cardId, command, choice } = form.data;
  if (personId !== GUEST_ID && !roster.person(personId)) {
    return { ok: false, status: 400, check: 'playground-person', reason: `名册中没有“${personId.slice(0, 100)}”这个人` };
  }
  if (chatId && !roster.chat('playground', chatId)) return { ok: false, status: 400, check: 'playground-chat', reason: `没有“${chatId.slice(0, 100)}”这个群` };
  const message: IncomingMessage = {
    platform: 'playground',
    msgId,
    chatId,
    chatType: chatId ? 'group' : 'single',
    senderId: personId === GUEST_ID ? `${GUEST_ID}-${chatId}` : personId,
    text: command.trim(),
    click: { cardId, ...(choice ? { choice } : {}) },
  };
  if (chatId) message.groupAddress = chatId;
  if (personId === GUEST_ID) message.senderName = '访客';
  return { ok: true, message };
}

/** `GET /playground` and its small JSON + Server-Sent Events API. */
export const playgroundRoutes: FastifyPluginAsync<PlaygroundOptions> = async (app, { remote, attachments, roster, outbox, onSent, deps }) => {

  // The playground can act as anyone in the roster: by default only this machine may use it.
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!remote && !isLoopback(req.socket.remoteAddress)) {
      req.log.warn({ check: 'playground-loopback', remote: req.socket.remoteAddress }, 'playground refused a remote client: set PLAYGROUND_REMOTE=1 to allow');
      return reply.code(403).send({ error: '本地试用页只对本机开放' });
    }
    const foreign = remote ? undefined : foreignPage(req);
    if (foreign) {
      const { error, ...line } = foreign;
      req.log.warn(line, 'playground refused a request made for another site: open it as http://127.0.0.1 or http://localhost, or set PLAYGROUND_REMOTE=1');
      return reply.code(403).send({ error });
    }
  });

  // Uploads are kept only until the bot has surely fetched them: swept at start and every hour.
  if (attachments.dir) {
    const uploads = playgroundUploadsDir(attachments.dir);
    const sweep = async () => {
      try {
        const removed = await sweepPlaygroundUploads(uploads, deps.clock.now().getTime());
        if (removed > 0) app.log.info({ removed, dir: uploads }, 'playground: removed uploads older than 24 hours');
      } catch (err) {
        app.log.warn({ err, dir: uploads }, 'playground: could not sweep the uploads folder');
      }
    };
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      await sweep();
      timer = setInterval(() => void sweep(), UPLOAD_SWEEP_EVERY_MS);
      timer.unref();
    });
    app.addHook('onClose', async () => clearInterval(timer));
  }

  const FILE_TOO_LARGE = `文件太大：附件最多 ${Math.round(attachments.maxBytes / (1024 * 1024))} MB`;
  // Fastify's own refusals (a body over its 1 MB limit, JSON that does not parse, a content type it
  // does not take) in the words the page shows; the app's funnel would answer them in English.
  app.setErrorHandler(async (err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'playground request failed');
      return reply.code(status).send({ error: '服务器内部出错，请重试；如果一再出现，请查看服务器日志' });
    }
    const upload = (req.url.split('?')[0] ?? '') === '/playground/api/upload';
    req.log.warn({ check: 'request', status, reason: err.message }, 'playground request refused');
    const error =
      status === 413
        ? upload
          ? FILE_TOO_LARGE
          : TOO_LONG
        : status === 415
          ? '请求格式不对：只接受页面发出的消息，请刷新页面后重试'
          : '请求格式不对：内容无法解析，请刷新页面后重试';
    return reply.code(status).send({ error });
  });

  const chatName = (id: string): string => {
    if (id === COORDINATORS) return '护企办';
    // A unit's coordinators' group (SPEC §11), by the unit's name.
    const chat = roster.chat('playground', id);
    if (chat?.kind === 'coordinators' && chat.unitId !== null) return roster.unitName(chat.unitId);
    const p = roster.project(id);
    return p ? `${p.code} ${p.name}` : (roster.person(id)?.name ?? id);
  };

  /** The person whose private chat with the bot a message is in: a direct message, or a reply there. */
  const privateWith = (m: OutboxItem): string | null => {
    const address = m.kind === 'person' ? m.to : m.kind === 'reply' && m.chatId?.startsWith(SINGLE) ? m.chatId.slice(SINGLE.length) : undefined;
    return address === undefined ? null : (roster.personByPlatformId('playground', address)?.id ?? null);
  };

  const view = (m: OutboxItem) => {
    const person = privateWith(m);
    return {
      id: m.id,
      kind: m.kind,
      to: m.to,
      toName: person ? (roster.person(person)?.name ?? person) : chatName(m.to),
      chatId: m.chatId ?? (m.kind === 'person' ? null : m.to),
      privateWith: person,
      text: renderMentions(m.text, (_id, name) => `@${name}`),
      sentAt: m.sentAt ?? m.createdAt,
      // A card the page draws with working buttons; an update replaces the card with its id.
      ...(m.card ? { card: m.card } : {}),
      ...(m.cardUpdate ? { update: true } : {}),
    };
  };

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
      // Each unit below the root has its coordinators' group (SPEC §11), the chat the import maps.
      ...roster.chatsOfKind('coordinators').filter((c) => c.platform === 'playground' && c.unitId !== null).map((c) => ({ id: c.chatId, name: roster.unitName(c.unitId), kind: 'coordinators' })),
    ];
    const messages = outbox
      .recent('playground', 200)
      .filter((m) => m.status === 'sent')
      .reverse()
      .map(view);
    return { people, chats, guest: { id: GUEST_ID, name: '访客（不在名册中）' }, messages };
  });

  /**
   * Stores what the page sent like a platform's message, and answers 202: the reply comes through
   * the outbox and the event stream, as a platform's does.
   */
  function accept(what: string, verified: Verified, msgId: string, sentAt: number, failed: string, req: FastifyRequest, reply: FastifyReply) {
    return receive(what, verified, deps, req.log, (outcome) => {
      switch (outcome.kind) {
        case 'stored':
        case 'repeat':
          return reply.code(202).send({ msgId, sentAt });
        case 'refused':
          return reply.code(outcome.status).send({ error: verified.ok ? '' : verified.reason });
        case 'failed':
          return reply.code(500).send({ error: failed });
      }
    });
  }

  app.post('/playground/api/send', async (req, reply) => {
    const msgId = randomUUID();
    return accept('playground message', readPlaygroundMessage(roster, req.body, msgId), msgId, deps.clock.now().getTime(), '消息没有保存成功，请重试', req, reply);
  });

  // The page uploads a picture first and sends its id with the message, as a platform holds a
  // picture on its servers for the bot to fetch. The body is streamed to disk, and cut off past
  // twice the bot's own limit: the bot refuses what is over its limit itself, in the chat.
  const uploadLimit = attachments.maxBytes * 2;
  app.addContentTypeParser('application/octet-stream', { bodyLimit: uploadLimit }, (_req, payload, done) => done(null, payload));
  app.post('/playground/api/upload', { bodyLimit: uploadLimit }, async (req, reply) => {
    const dir = attachments.dir;
    if (!dir) return reply.code(409).send({ error: '没有设置 ATTACHMENTS_DIR，附件不会保存' });
    const uploads = playgroundUploadsDir(dir);
    await mkdir(uploads, { recursive: true });
    const ref = randomUUID();
    const path = join(uploads, ref);
    let size = 0;
    const counted = async function* (body: Readable) {
      for await (const chunk of body) {
        size += (chunk as Buffer).length;
        if (size > uploadLimit) throw Object.assign(new Error('upload too large'), { statusCode: 413 });
        yield chunk as Buffer;
      }
    };
    try {
      await pipeline(req.body as Readable, counted, createWriteStream(path, { flags: 'wx' }));
    } catch (err) {
      await rm(path, { force: true });
      const status = (err as { statusCode?: number }).statusCode === 413 ? 413 : 400;
      req.log.warn({ check: 'playground-upload', status }, 'playground upload refused');
      return reply.code(status).send({ error: status === 413 ? FILE_TOO_LARGE : '上传没有完成，请重试' });
    }
    return reply.code(201).send({ ref, size });
  });

  app.post('/playground/api/click', async (req, reply) => {
    const msgId = randomUUID();
    return accept('playground card click', readPlaygroundClick(roster, req.body, msgId), msgId, deps.clock.now().getTime(), '点击没有保存成功，请重试', req, reply);
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
    const off = onSent((m) => {
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
