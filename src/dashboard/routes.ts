import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SHOWN_IMAGES, type AttachmentStore } from '../attachments/store.js';
import type { Clock } from '../clock.js';
import type { LedgerRepo } from '../db/ledger-repo.js';
import type { LoginLinksRepo } from '../db/login-links-repo.js';
import type { Transactions } from '../db/open.js';
import type { SessionsRepo } from '../db/sessions-repo.js';
import type { Repos } from '../db/repos.js';
import { currentDeadline } from '../dispatch/helpers.js';
import { PUBLIC_DIR } from '../paths.js';
import { buildAgenda, meetingProjects, nextMeeting, previousMeeting } from '../reports/agenda.js';
import type { Figures } from '../reports/figures.js';
import { figuresView } from '../reports/view.js';
import type { WorkCalendar } from '../tickets/calendar.js';
import { formatDate } from '../tickets/format.js';
import { ROLE_NAMES, STATE_NAMES, URGENCY_NAMES, type Ticket } from '../tickets/model.js';
import { inScope, scopeUnits, subtreeScope } from '../tickets/scope.js';
import { AdminSessions, COOKIE_NAME, LoginThrottle, clearedCookie, clientKey, crossSite, readCookie, sameSecret, sessionCookie } from './auth.js';
import { figureSheets, figureTable, isOverdue, ticketSheet, toCsv, toXlsx, type Sheet } from './export.js';
import { figuresPage } from './figures-view.js';
import { linkPage, loginPage, problemPage, signedOutProblemPage } from './layout.js';
import { LINK_PATH, checkLink, linkTokenHash } from './login-links.js';
import { PAGE_SIZE, ledgerPage } from './ledger-view.js';
import { meetingPage, visitsPage } from './meeting-view.js';
import { rosterNames, type Names } from './names.js';
import { chosenMonth, ledgerQuery, monthQuery, queryProblem, toLedgerFilter, visitsQuery } from './query.js';
import { mayView, mayViewProject, sessionViewer, viewerFilter, viewerFor, type Viewer } from './scope.js';
import { ticketPage } from './ticket-view.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** What Fastify's refusals mean to someone using the dashboard. */
const REFUSALS: Record<number, string> = {
  400: '请求格式不正确，请回到页面重新操作。',
  413: '提交的内容太长。',
  415: '不支持这种提交方式，请使用页面上的表单。',
};

const loginBody = z.object({ token: z.string().max(1000), next: z.string().max(2000).optional() });

/** Only a path of the dashboard itself may follow a sign-in, so the form cannot send anyone elsewhere. */
export function safeNext(next: string | undefined): string {
  if (!next || !/^\/dashboard(?:[/?]|$)/.test(next) || /[\\\s]/.test(next) || next.startsWith('/dashboard/login')) return '/dashboard';
  return next;
}

/** How long a sign-in or sign-out waits for the database's write lock (see `writeSoon`). */
const SESSION_WRITE_WAIT_MS = 1_000;

const pathOf = (req: FastifyRequest): string => req.url.split('?')[0] ?? req.url;
// Behind a TLS-terminating proxy the request itself is http; a forged header only makes the
// cookie stricter, so it is safe to believe here.
const overHttps = (req: FastifyRequest): boolean => req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https';
// Data answers (JSON, downloads) are refused as JSON; pages show the sign-in form.
const isData = (path: string): boolean => path.startsWith('/dashboard/api/') || path.startsWith('/dashboard/export/');
// The pages that open without a session: the token's sign-in form and the sign-in links.
const isSignIn = (path: string): boolean => path === '/dashboard/login' || path.startsWith(LINK_PATH);

/** How often a session's last use is written, at most. */
const TOUCH_EVERY_MS = 60_000;

/** Extensions of the types files are kept as, for the name a download is saved under. */
const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/bmp': 'bmp',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'image/avif': 'avif',
  'image/tiff': 'tif',
  'application/pdf': 'pdf',
  'application/msword': 'doc',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.ms-powerpoint': 'ppt',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'audio/amr': 'amr',
  'audio/mpeg': 'mp3',
  'video/mp4': 'mp4',
};

/**
 * The name a file is saved under: the one it was sent with where there was one (its extension the
 * one its content showed, so a name cannot pass an installer off as a document), else the ticket's.
 */
function downloadName(no: number, file: { sha256: string; mime: string; name: string | null }): string {
  const ext = EXTENSIONS[file.mime] ?? (file.name?.match(/\.(wps|et|dps)$/i)?.[1]?.toLowerCase() || 'bin');
  const stem = (file.name ?? '').replace(/\.[^.]*$/, '').replace(/[\u0000-\u001f\u007f"\\/:*?<>|]+/g, '_').trim();
  return `${stem || `工单${no}-${file.sha256.slice(0, 8)}`}.${ext}`;
}

/** `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): ASCII for old clients, UTF-8 for the rest. */
function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function ticketJson(t: Ticket, names: Names, now: number) {
  const d = currentDeadline(t);
  return {
    no: t.no,
    projectCode: t.projectCode,
    projectName: names.project(t.projectCode),
    category: t.category,
    urgency: URGENCY_NAMES[t.urgency],
    state: t.state,
    stateName: STATE_NAMES[t.state],
    description: t.description,
    reporter: t.reporterName,
    assignee: t.assigneeId ? names.person(t.assigneeId) : null,
    department: names.ticketDepartment(t) || null,
    supervised: t.supervised,
    overdue: isOverdue(t, now),
    deadline: d ? { kind: d.kind, at: new Date(d.at).toISOString() } : null,
    createdAt: new Date(t.createdAt).toISOString(),
  };
}

/** What the dashboard reads (it changes nothing but its own sign-ins). */
export interface DashboardOptions {
  /** ADMIN_TOKEN: the one sign-in */
  adminToken: string;
  clock: Clock;
  repos: Pick<Repos, 'roster' | 'tickets' | 'logs' | 'attachments'>;
  /** the evidence files (ATTACHMENTS_DIR); undefined when none are kept */
  attachmentStore: AttachmentStore | undefined;
  figures: Pick<Figures, 'compute'>;
  ledger: LedgerRepo;
  sessions: SessionsRepo;
  /** the sign-in links `登录` sends (SPEC §11), which open a person's own session */
  loginLinks: LoginLinksRepo;
  /** PUBLIC_URL: the address the links lead to, whose origin a link's sign-in may come from */
  publicUrl?: string;
  /** the working-day calendar with the roster's overrides as they are now */
  calendar(): WorkCalendar;
  /** sign-ins and sign-outs are written as soon as the write lock is free */
  tx: Transactions;
}

/**
 * The ledger pages for coordinators and leaders under `/dashboard`: 台账 with filters and search,
 * each ticket's timeline, the month's figures with charts, the meeting agenda and the visit log,
 * and CSV / xlsx exports. Read-only: tickets change only in the chat. Registered only when
 * ADMIN_TOKEN is set; everything under /dashboard needs the sign-in cookie.
 */
export const dashboardRoutes: FastifyPluginAsync<DashboardOptions> = async (app, opts) => {
  const { adminToken: token, repos, figures, ledger, tx } = opts;
  if (!token) throw new Error('the dashboard needs ADMIN_TOKEN');
  const throttle = new LoginThrottle();
  const sessions = new AdminSessions(opts.sessions, token);
  const now = (): number => opts.clock.now().getTime();

  /**
   * Who is signed in and what they may see (src/dashboard/scope.ts), decided once per request by
   * the sign-in hook below, against the roster as it is now. Someone who has left the roster, or
   * lost every role that may use the dashboard, is signed out.
   */
  const viewers = new WeakMap<FastifyRequest, Viewer>();
  const viewerOf = (req: FastifyRequest): Viewer => {
    const v = viewers.get(req);
    if (!v) throw new Error('a dashboard page was served without a session');
    return v;
  };
  /** Who is signed in, as the pages' header says it; undefined before a session is read. */
  const whoOf = (req: FastifyRequest): string | undefined => {
    const v = viewers.get(req);
    if (!v) return undefined;
    if (v.personId === null) return '管理员（管理口令）';
    const person = repos.roster.person(v.personId);
    if (!person) return v.personId;
    const unit = person.unitId === null ? '' : ` · ${repos.roster.unitName(person.unitId)}`;
    return `${person.name}（${person.roles.map((r) => ROLE_NAMES[r]).join('、')}${unit}）`;
  };
  /** Whether the request's viewer may see a ticket. */
  const seen = (req: FastifyRequest, t: Ticket): boolean => mayView(viewerOf(req), t, repos.roster.project(t.projectCode));
  const scoped = (req: FastifyRequest) => viewerFilter(viewerOf(req));
  const accountableOf = (v: Viewer): { accountable?: readonly string[] } => (v.accountable ? { accountable: v.accountable } : {});
  const outOfScope = (req: FastifyRequest, reply: FastifyReply, what: string) => {
    req.log.warn({ check: 'scope', personId: viewerOf(req).personId, what }, 'dashboard refused: outside the session\'s units');
    reply.code(403);
    const message = `${what}不在您的管辖范围内（本单位及下级单位）。`;
    if (isData(pathOf(req))) return reply.send({ error: message });
    return reply.type('text/html; charset=utf-8').send(problemPage('不在管辖范围内', message, whoOf(req)));
  };
  /**
   * The unit whose figures a request asks for (SPEC §11): `unit` (an id; '' the root), else the
   * viewer's own; undefined when it is not theirs to see. Returns the id (null: the root) and the
   * choices the page offers.
   */
  const chosenUnit = (v: Viewer, asked: string | undefined): { unitId: string | null; choices: { id: string; name: string }[] } | undefined => {
    const units = repos.roster.units();
    const root = repos.roster.rootUnitId();
    const choices = units.filter((u) => (u.parentId === null ? v.scope.kind === 'all' : inScope(v.scope, { unitId: u.id }))).map((u) => ({ id: u.parentId === null ? '' : u.id, name: u.name }));
    if (asked === undefined) return { unitId: v.unitId, choices };
    const unit = asked === '' || asked === root ? null : asked;
    if (unit !== null && !units.some((u) => u.id === unit)) return undefined;
    if (!inScope(v.scope, { unitId: unit })) return undefined;
    return { unitId: unit, choices };
  };

  // The playground serves the shared stylesheet when it is on; the dashboard must not depend on it.
  if (!app.hasRoute({ method: 'GET', url: '/assets/style.css' })) {
    app.get('/assets/style.css', async (_req, reply) => {
      reply.type('text/css; charset=utf-8').send(readFileSync(join(PUBLIC_DIR, 'style.css')));
    });
  }

  await app.register(
    async (d) => {
      d.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      });

      const deny = (req: FastifyRequest, reply: FastifyReply, error?: string) => {
        reply.code(401);
        if (isData(pathOf(req))) return reply.send({ error: error ?? '需要登录：请先在 /dashboard/login 输入管理口令' });
        return reply.type('text/html; charset=utf-8').send(loginPage({ next: safeNext(req.method === 'GET' ? req.url : undefined), error }));
      };
      /** The session's viewer, or undefined (with the log line saying why) when the request is not signed in. */
      const signIn = (req: FastifyRequest): Viewer | undefined => {
        const id = readCookie(req.headers.cookie, COOKIE_NAME);
        const t = now();
        const session = sessions.find(id, t);
        if (!session) return undefined;
        // A person's session is checked against the roster as it is now (SPEC §9: the roster is the authority).
        const viewer = sessionViewer(session, repos.roster);
        if (!viewer) {
          req.log.warn({ check: 'session-person', personId: session.personId }, 'dashboard refused: the person of this session is no longer in the roster with a role that may use it');
          return undefined;
        }
        viewers.set(req, viewer);
        if (t - (session.lastSeenAt ?? 0) >= TOUCH_EVERY_MS) {
          // Never waits for the write lock: a missed note of the last use costs nothing.
          tx.ifFree(() => opts.sessions.touch(session.idHash, t));
        }
        return viewer;
      };
      const signedIn = (req: FastifyRequest): boolean => viewers.has(req) || signIn(req) !== undefined;

      d.addHook('onRequest', async (req, reply) => {
        reply.headers({
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'referrer-policy': 'same-origin',
          'content-security-policy':
            "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        });
        if (isSignIn(pathOf(req))) return;
        if (signedIn(req)) return;
        if (readCookie(req.headers.cookie, COOKIE_NAME) !== undefined) {
          req.log.warn({ check: 'admin-token', reason: 'session unknown, ended or expired' }, 'dashboard refused: sign in again');
          return deny(req, reply, '需要登录：此前的登录已失效（已退出、已过期，或您的权限有变化）；个人请在与机器人的私聊中发送“登录”获取新的链接。');
        }
        return deny(req, reply);
      });

      // Fastify's own refusals (a body that is not a form, too large, a bad content type) in the
      // operators' words; the app's funnel would answer them in English.
      d.setErrorHandler(async (err: Error & { statusCode?: number }, req, reply) => {
        const status = err.statusCode ?? 500;
        if (status >= 500) req.log.error({ err }, 'dashboard request failed');
        else req.log.warn({ check: 'request', status, reason: err.message }, 'dashboard request refused');
        const message = status >= 500 ? '服务器内部出错，请稍后再试；如果一再出现，请联系管理员查看日志。' : (REFUSALS[status] ?? '请求不正确，请回到台账重新操作。');
        reply.code(status);
        if (isData(pathOf(req))) return reply.send({ error: message });
        if (pathOf(req) === '/dashboard/login') return reply.type('text/html; charset=utf-8').send(loginPage({ next: '/dashboard', error: message }));
        if (pathOf(req).startsWith(LINK_PATH)) return reply.type('text/html; charset=utf-8').send(signedOutProblemPage('登录没有完成', message));
        return reply.type('text/html; charset=utf-8').send(problemPage(status >= 500 ? '服务器出错' : '请求不正确', message, whoOf(req)));
      });

      d.setNotFoundHandler(async (req, reply) => {
        if (!signedIn(req)) return deny(req, reply);
        reply.code(404);
        if (isData(pathOf(req))) return reply.send({ error: `没有“${pathOf(req)}”这个接口或导出。` });
        return reply.type('text/html; charset=utf-8').send(problemPage('页面不存在', `没有“${pathOf(req)}”这个页面。`, whoOf(req)));
      });

      const badQuery = (req: FastifyRequest, reply: FastifyReply, err: z.ZodError) => {
        const message = queryProblem(err);
        reply.code(400);
        if (isData(pathOf(req))) return reply.send({ error: message });
        return reply.type('text/html; charset=utf-8').send(problemPage('查询条件不正确', message, whoOf(req)));
      };

      d.get('/login', async (req, reply) => {
        if (signedIn(req)) return reply.redirect('/dashboard', 303);
        const q = req.query as Record<string, unknown>;
        return reply.type('text/html; charset=utf-8').send(loginPage({ next: safeNext(typeof q.next === 'string' ? q.next : undefined) }));
      });

      d.post('/login', async (req, reply) => {
        const body = loginBody.safeParse(req.body);
        const next = safeNext(body.success ? body.data.next : undefined);
        const html = (status: number, error: string) => reply.code(status).type('text/html; charset=utf-8').send(loginPage({ next, error }));
        // req.ip is the client's own address only behind a proxy named in TRUST_PROXY (app.ts).
        const client = clientKey(req.ip);
        const wait = throttle.wait(client, now());
        if (wait > 0) {
          // Not even looked at: a guesser gets one checked try per spacing, the right token included.
          const seconds = Math.ceil(wait / 1000);
          req.log.warn({ check: 'admin-token', remote: req.ip, reason: 'too many wrong tokens' }, 'dashboard sign-in refused: try again later');
          reply.header('retry-after', String(seconds));
          return html(429, `口令错误次数过多：此地址每 ${throttle.spacingMs / 1000} 秒只能再试一次，请 ${seconds} 秒后再试。`);
        }
        if (!body.success || !sameSecret(body.data.token, token)) {
          throttle.fail(client, now());
          req.log.warn({ check: 'admin-token', remote: req.ip }, 'dashboard sign-in with a wrong token: check ADMIN_TOKEN');
          return html(401, '口令不正确，请核对服务器设置的 ADMIN_TOKEN。');
        }
        throttle.succeed(client);
        let id = '';
        if (!(await tx.soon(() => (id = sessions.open(now())), SESSION_WRITE_WAIT_MS))) {
          req.log.warn({ check: 'database-busy' }, 'dashboard sign-in not recorded: the database stayed busy');
          return html(503, '数据库正忙，登录没有完成，请稍后再试。');
        }
        reply.header('set-cookie', sessionCookie(id, overHttps(req)));
        return reply.redirect(next, 303);
      });

      d.post('/logout', async (req, reply) => {
        const id = readCookie(req.headers.cookie, COOKIE_NAME);
        if (!(await tx.soon(() => sessions.end(id, now()), SESSION_WRITE_WAIT_MS))) {
          req.log.warn({ check: 'database-busy' }, 'dashboard sign-out not recorded: the database stayed busy');
          // The cookie stays, so that the next 退出 ends the session on the server too.
          return reply.code(503).type('text/html; charset=utf-8').send(problemPage('退出没有完成', '数据库正忙，请再点一次“退出”。', whoOf(req)));
        }
        reply.header('set-cookie', clearedCookie(overHttps(req)));
        return reply.redirect('/dashboard/login', 303);
      });

      // A sign-in link (SPEC §11). Opening it only shows a page with a 登录 button: chat apps fetch
      // a link to preview it, and that must not use it up. Only the button's POST uses the link, in
      // the same transaction as the session it opens.
      type Refused = { status: number; check: string; title: string; message: string };
      const linkRefused = (req: FastifyRequest, reply: FastifyReply, r: Refused) => {
        req.log.warn({ check: r.check, remote: req.ip }, `sign-in link refused: ${r.title}`);
        return reply.code(r.status).type('text/html; charset=utf-8').send(signedOutProblemPage(r.title, r.message));
      };
      const personGone: Refused = {
        status: 403,
        check: 'login-link-person',
        title: '无法登录',
        message: '您目前没有使用工作台账的权限（名册中已无您的民警、护企办或领导身份），如有疑问请联系护企办。',
      };

      d.get('/login/:token', async (req, reply) => {
        const { token } = req.params as { token: string };
        const c = checkLink(opts.loginLinks, token, now());
        if (!c.ok) return linkRefused(req, reply, c);
        const person = repos.roster.person(c.link.personId);
        if (!viewerFor(person, repos.roster)) return linkRefused(req, reply, personGone);
        return reply.type('text/html; charset=utf-8').send(linkPage({ name: person!.name, action: `${LINK_PATH}${token}` }));
      });

      d.post('/login/:token', async (req, reply) => {
        const { token } = req.params as { token: string };
        const site = crossSite(req, opts.publicUrl);
        if (site) {
          req.log.warn({ check: 'login-link-origin', remote: req.ip, reason: site }, 'sign-in link refused: posted from another site');
          return reply.code(403).type('text/html; charset=utf-8').send(signedOutProblemPage('无法登录', '登录只能通过登录链接打开的页面上的“登录”按钮完成，请重新打开聊天中的链接。'));
        }
        let outcome: { ok: true; id: string } | { ok: false; refused: Refused } | undefined;
        const written = await tx.soon(() => {
          const t = now();
          const c = checkLink(opts.loginLinks, token, t);
          if (!c.ok) return void (outcome = { ok: false, refused: c });
          if (!viewerFor(repos.roster.person(c.link.personId), repos.roster)) return void (outcome = { ok: false, refused: personGone });
          // Used and turned into a session together: a second POST finds it used.
          if (!opts.loginLinks.use(linkTokenHash(token), t)) return void (outcome = { ok: false, refused: checkLink(opts.loginLinks, token, t) as Refused });
          // A browser signed in before (as someone else, or by the token) is signed in only as this person now.
          sessions.end(readCookie(req.headers.cookie, COOKIE_NAME), t);
          outcome = { ok: true, id: sessions.openFor(c.link.personId, t) };
        }, SESSION_WRITE_WAIT_MS);
        if (!written || !outcome) {
          req.log.warn({ check: 'database-busy' }, 'sign-in link not used: the database stayed busy');
          return reply.code(503).type('text/html; charset=utf-8').send(linkPage({ name: '', action: `${LINK_PATH}${token}`, error: '数据库正忙，登录没有完成，请再点一次“登录”。' }));
        }
        if (!outcome.ok) return linkRefused(req, reply, outcome.refused);
        reply.header('set-cookie', sessionCookie(outcome.id, overHttps(req)));
        return reply.redirect('/dashboard', 303);
      });

      d.get('/', async (req, reply) => {
        const q = ledgerQuery.safeParse(req.query);
        if (!q.success) return badQuery(req, reply, q.error);
        const t = now();
        const filter = { ...toLedgerFilter(q.data, t), ...scoped(req) };
        let page = q.data.page ?? 1;
        let { tickets, total } = ledger.search(filter, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
        // A page past the end (the list shrank since the link was made) shows the last one.
        if (tickets.length === 0 && total > 0) {
          page = Math.ceil(total / PAGE_SIZE);
          ({ tickets, total } = ledger.search(filter, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }));
        }
        const projects = repos.roster.projects().filter((p) => inScope(viewerOf(req).scope, p));
        const html = ledgerPage({ who: whoOf(req), query: q.data, tickets, total, page, now: t, names: rosterNames(repos.roster), roster: repos.roster, projects });
        return reply.type('text/html; charset=utf-8').send(html);
      });

      d.get('/tickets/:no', async (req, reply) => {
        const raw = (req.params as { no: string }).no.replace(/^#/, '');
        const no = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
        const found = Number.isFinite(no) ? repos.tickets.get(no) : undefined;
        // A ticket the session may not see is answered as one that does not exist: nothing leaks.
        const visible = found !== undefined && seen(req, found);
        if (found && !visible) req.log.warn({ check: 'scope', personId: viewerOf(req).personId, ticketNo: no }, 'dashboard: a ticket outside the session\'s scope');
        const ticket = visible ? found : undefined;
        if (!ticket) return reply.code(404).type('text/html; charset=utf-8').send(problemPage('没有这个工单', `没有找到工单 #${raw}，请核对编号。`, whoOf(req)));
        const html = ticketPage({
          who: whoOf(req),
          ticket,
          timeline: repos.tickets.timeline(ticket.no),
          summoned: repos.tickets.summonedDepartments(ticket.no),
          attachments: repos.attachments.ofTicket(ticket.no),
          shown: (mime) => SHOWN_IMAGES.has(mime),
          names: rosterNames(repos.roster),
          now: now(),
        });
        return reply.type('text/html; charset=utf-8').send(html);
      });

      // A ticket's evidence (SPEC §7b, §9): only behind the sign-in, with the type its content showed
      // when it was stored; anything but a picture is a download, never shown in the browser, and
      // nosniff (set for every dashboard answer) keeps the browser from guessing otherwise.
      d.get('/tickets/:no/files/:sha256', async (req, reply) => {
        const { no: rawNo, sha256 } = req.params as { no: string; sha256: string };
        const no = /^\d{1,9}$/.test(rawNo) ? Number(rawNo) : NaN;
        const owner = Number.isFinite(no) ? repos.tickets.get(no) : undefined;
        const visible = owner !== undefined && seen(req, owner);
        if (owner && !visible) req.log.warn({ check: 'scope', personId: viewerOf(req).personId, ticketNo: no }, 'dashboard: a file of a ticket outside the session\'s scope');
        const file = /^[0-9a-f]{64}$/.test(sha256) && visible ? repos.attachments.onTicket(no, sha256) : undefined;
        const store = opts.attachmentStore;
        if (!file || !store || !store.has(sha256)) {
          req.log.info({ check: 'attachment', ticketNo: rawNo }, 'dashboard: no such file on this ticket');
          return reply.code(404).type('text/html; charset=utf-8').send(problemPage('没有这个附件', `工单 #${rawNo} 没有这个附件。`, whoOf(req)));
        }
        const image = file.category === 'image';
        reply
          .type(file.mime)
          .header('content-length', String(file.size))
          .header('content-disposition', contentDisposition(image ? 'inline' : 'attachment', downloadName(no, file)))
          // A file opened on its own runs nothing, whatever it is.
          .header('content-security-policy', "default-src 'none'; img-src 'self'; media-src 'self'; sandbox");
        return reply.send(createReadStream(store.path(sha256)));
      });

      d.get('/figures', async (req, reply) => {
        const q = monthQuery.safeParse(req.query);
        if (!q.success) return badQuery(req, reply, q.error);
        const t = now();
        const { key, period } = chosenMonth(q.data.month, t);
        const unit = chosenUnit(viewerOf(req), q.data.unit);
        if (!unit) return outOfScope(req, reply, `单位“${q.data.unit ?? ''}”`);
        const v = viewerOf(req);
        const report = figures.compute(period, t, { unitId: unit.unitId, ...accountableOf(v) });
        const weeks = ledger.weeklyByState(period.from, period.to, { units: scopeUnits(subtreeScope(repos.roster.units(), unit.unitId)), ...accountableOf(v) });
        return reply
          .type('text/html; charset=utf-8')
          .send(figuresPage({ who: whoOf(req), month: key, report, weeks, units: unit.choices, unit: unit.unitId ?? (q.data.unit === undefined ? undefined : '') }));
      });

      d.get('/meeting', async (req, reply) => {
        // The viewer's unit's meeting and its projects' agenda (SPEC §11).
        const v = viewerOf(req);
        const settings = repos.roster.meeting(v.unitId);
        const cal = opts.calendar();
        const t = now();
        const meeting = nextMeeting(settings, cal, t);
        const previous = previousMeeting(meeting, settings, cal);
        const agenda = buildAgenda(repos, meeting, previous, t, meetingProjects(repos.roster, v.unitId), {
          general: true,
          unitId: v.unitId,
          forProjectGroup: !v.conduct,
          ...(v.accountable ? { only: (x: Ticket) => seen(req, x) } : {}),
        });
        return reply.type('text/html; charset=utf-8').send(meetingPage({ meeting, previous, agenda, who: whoOf(req) }));
      });

      d.get('/visits', async (req, reply) => {
        const q = visitsQuery.safeParse(req.query);
        if (!q.success) return badQuery(req, reply, q.error);
        const v = viewerOf(req);
        const projects = repos.roster.projects().filter((p) => mayViewProject(v, p));
        const project = q.data.project ? repos.roster.project(q.data.project) : projects[0];
        if (q.data.project && !project) return reply.code(404).type('text/html; charset=utf-8').send(problemPage('没有这个项目', `没有项目“${q.data.project}”。`, whoOf(req)));
        if (project && !mayViewProject(v, project)) return outOfScope(req, reply, `项目 ${project.code} `);
        const visits = project ? repos.logs.visits(project.code, 500) : [];
        return reply.type('text/html; charset=utf-8').send(visitsPage({ projects, project, visits, who: whoOf(req) }));
      });

      const download = async (reply: FastifyReply, csv: Sheet, sheets: Sheet[], base: string, format: 'csv' | 'xlsx') => {
        const body = format === 'csv' ? toCsv(csv) : await toXlsx(sheets);
        return reply
          .type(format === 'csv' ? 'text/csv; charset=utf-8' : XLSX_TYPE)
          .header('content-disposition', `attachment; filename="${base}.${format}"`)
          .send(body);
      };

      for (const format of ['csv', 'xlsx'] as const) {
        d.get(`/export/tickets.${format}`, async (req, reply) => {
          const q = ledgerQuery.safeParse(req.query);
          if (!q.success) return badQuery(req, reply, q.error);
          const t = now();
          const filter = { ...toLedgerFilter(q.data, t), ...scoped(req) };
          const tickets = ledger.all(filter);
          const sheet = ticketSheet(repos.roster, tickets, t, repos.attachments.totals(tickets.map((x) => x.no)));
          return download(reply, sheet, [sheet], `lianbao-tickets-${q.data.month ?? formatDate(t)}`, format);
        });
        d.get(`/export/figures.${format}`, async (req, reply) => {
          const q = monthQuery.safeParse(req.query);
          if (!q.success) return badQuery(req, reply, q.error);
          const t = now();
          const { key, period } = chosenMonth(q.data.month, t);
          const unit = chosenUnit(viewerOf(req), q.data.unit);
          if (!unit) return outOfScope(req, reply, `单位“${q.data.unit ?? ''}”`);
          const report = figures.compute(period, t, { unitId: unit.unitId, ...accountableOf(viewerOf(req)) });
          return download(reply, figureTable(report), figureSheets(report), `lianbao-figures-${key}`, format);
        });
      }

      d.get('/api/tickets', async (req, reply) => {
        const q = ledgerQuery.safeParse(req.query);
        if (!q.success) return badQuery(req, reply, q.error);
        const t = now();
        const page = q.data.page ?? 1;
        const { tickets, total } = ledger.search({ ...toLedgerFilter(q.data, t), ...scoped(req) }, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
        const names = rosterNames(repos.roster);
        return { total, page, pageSize: PAGE_SIZE, tickets: tickets.map((x) => ticketJson(x, names, t)) };
      });

      d.get('/api/figures', async (req, reply) => {
        const q = monthQuery.safeParse(req.query);
        if (!q.success) return badQuery(req, reply, q.error);
        const t = now();
        const unit = chosenUnit(viewerOf(req), q.data.unit);
        if (!unit) return outOfScope(req, reply, `单位“${q.data.unit ?? ''}”`);
        return figuresView(figures.compute(chosenMonth(q.data.month, t).period, t, { unitId: unit.unitId, ...accountableOf(viewerOf(req)) }));
      });
    },
    { prefix: '/dashboard' },
  );
};
