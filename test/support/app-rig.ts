/**
 * The whole app, configured for WeCom and DingTalk at once, with both platforms' API hosts
 * pointed at the platform double (test/support/platform-double.ts), which records every outbound
 * call, and every log line captured.
 * Security tests post signed (or deliberately mis-signed) callbacks to it with `app.inject()`.
 */
import { createHmac } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { FixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/open.js';
import { createLogger } from '../../src/log.js';
import type { LocalProcessor } from '../../src/inbox/processor.js';
import { wireServer, type ServerWiring } from '../../src/wiring.js';
import { startPlatformDouble, type PlatformDouble, type RecordedRequest } from './platform-double.js';
import { encryptMessage, sign as wecomSign } from './wecom-protocol.js';

/** Monday 2026-11-02 10:00 in Shanghai: a working day, so nothing depends on the calendar. */
export const START = '2026-11-02T02:00:00Z';

/** Distinctive values, so a search of the logs for any of them cannot match by accident. */
export const SECRETS = {
  wecomToken: 'wxTokenS3cr3tQ7vLm2',
  wecomAesKey: 'Zq8LmN3vB5xC7kJ9hG2fD4sA6pO1iU0yT8rE5wQ3eR7',
  wecomCorpSecret: 'corpSecretS3cr3tK4pX9Vn2Wb7',
  dingtalkAppSecret: 'dingAppSecretS3cr3tH6tY1Jc5Mz8',
  /** Handed out by the double; access tokens are credentials too. */
  wecomAccessToken: 'wecomAccessTokenS3cr3tF2gH',
  dingtalkAccessToken: 'dingAccessTokenS3cr3tP9qR',
} as const;

export const WECOM_CORP_ID = 'ww5e3c0ffee0000001';
export const WECOM_AGENT_ID = '1000002';
export const DINGTALK_APP_KEY = 'dingsecappkey0001';

/** One request the double received. */
export type Recorded = RecordedRequest;

/** The platforms' API hosts, with the rig's distinctive access tokens (see test/support/platform-double.ts). */
export function startDouble(): Promise<PlatformDouble> {
  return startPlatformDouble({ tokens: { wecom: SECRETS.wecomAccessToken, dingtalk: SECRETS.dingtalkAccessToken } });
}

/** One parsed pino line. */
export interface LogLine {
  level: number;
  msg?: string;
  check?: string;
  [k: string]: unknown;
}

const WARN = 40;
const INFO = 30;

/** The app under test and everything around it. */
export interface Rig {
  app: FastifyInstance;
  /** the server as wired: its inbox, processor and delivery worker */
  server: ServerWiring;
  db: Db;
  clock: FixedClock;
  /** the platforms' API hosts (WECOM_API_BASE, DINGTALK_API_BASE and DINGTALK_OAPI_BASE) */
  api: PlatformDouble;
  /** some other host a callback may name in its reply URL */
  foreign: PlatformDouble;
  /** every log line, raw, as pino wrote it */
  raw: string[];
  logs: LogLine[];
  close(): Promise<void>;
}

/**
 * Starts the app as the server does (`wireServer`) on an in-memory database with the example
 * roster, WeCom (bot token, AES key, corp id, agent id, secret) and DingTalk (http mode)
 * configured: each callback is stored in the inbox and handled by the processor, on this thread
 * (an in-memory database cannot be shared with another). Logs are captured at debug level. `env`
 * adds or overrides variables.
 */
export async function startRig(env: Record<string, string> = {}): Promise<Rig> {
  const [api, foreign] = await Promise.all([startDouble(), startDouble()]);
  const raw: string[] = [];
  const logs: LogLine[] = [];
  const stream = {
    write(chunk: string): void {
      for (const line of chunk.split('\n')) {
        if (!line.trim()) continue;
        raw.push(line);
        logs.push(JSON.parse(line) as LogLine);
      }
    },
  };
  const config = loadConfig({
    DATABASE_PATH: ':memory:',
    ROSTER_FILE: 'roster.example.yaml',
    LOG_LEVEL: 'debug',
    WECOM_TOKEN: SECRETS.wecomToken,
    WECOM_ENCODING_AES_KEY: SECRETS.wecomAesKey,
    WECOM_CORP_ID,
    WECOM_AGENT_ID,
    WECOM_SECRET: SECRETS.wecomCorpSecret,
    WECOM_API_BASE: api.base,
    DINGTALK_APP_KEY,
    DINGTALK_APP_SECRET: SECRETS.dingtalkAppSecret,
    DINGTALK_MODE: 'http',
    DINGTALK_API_BASE: api.base,
    DINGTALK_OAPI_BASE: api.base,
    ...env,
  });
  const clock = new FixedClock(START);
  const server = await wireServer(config, createLogger('debug', stream), { clock });
  const { app } = server;
  server.processor.start();
  await app.ready();
  return {
    app,
    server,
    db: server.db,
    clock,
    api,
    foreign,
    raw,
    logs,
    async close() {
      await server.stop();
      await Promise.all([api.close(), foreign.close()]);
    },
  };
}

/** Rows in the tables a callback can write to. */
export type Counts = Record<'tickets' | 'audit_log' | 'inbound_messages' | 'outbox' | 'visits' | 'agenda_items' | 'ticket_departments', number>;

export function snapshotCounts(db: Db): Counts {
  const n = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    tickets: n('tickets'),
    audit_log: n('audit_log'),
    inbound_messages: n('inbound_messages'),
    outbox: n('outbox'),
    visits: n('visits'),
    agenda_items: n('agenda_items'),
    ticket_departments: n('ticket_departments'),
  };
}

export { snapshotRows } from './tickets.js';

/**
 * Lets the processor handle what the callbacks so far stored in the inbox (a route may hand its
 * message over on the next turn of the event loop), then sends whatever the outbox holds.
 */
export async function settle(rig: Rig): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  await handled(rig);
  await rig.server.worker.drain();
}

/** Resolves once the processor has handled everything stored in the inbox so far. */
export async function handled(rig: Rig): Promise<void> {
  await (rig.server.processor as LocalProcessor).idle();
}

// ── WeCom ────────────────────────────────────────────────────────────────────

/** A 智能机器人 text message, as WeCom puts it inside the encrypted envelope. */
export function wecomText(o: { msgid: string; userid: string; text: string; chatid?: string; responseUrl?: string }): string {
  return JSON.stringify({
    msgid: o.msgid,
    aibotid: 'AIBOTID',
    chatid: o.chatid ?? 'wrXM001',
    chattype: 'group',
    from: { userid: o.userid },
    ...(o.responseUrl ? { response_url: o.responseUrl } : {}),
    msgtype: 'text',
    text: { content: `@联保助手 ${o.text}` },
  });
}

export interface WecomPostOptions {
  /** receiveid sealed inside the ciphertext ('' by default, as for 智能机器人) */
  receiveId?: string;
  /** seconds; defaults to the rig clock */
  timestamp?: number;
  token?: string;
  aesKey?: string;
  nonce?: string;
  /** the envelope: JSON (智能机器人) or XML (self-built app, group robot) */
  format?: 'json' | 'xml';
  omit?: 'msg_signature' | 'timestamp' | 'nonce';
  /** use this `encrypt` value instead of encrypting `plain` */
  encrypted?: string;
  /** send this body instead of the envelope (still signed over `encrypted`) */
  body?: string;
}

export function wecomEnvelope(format: 'json' | 'xml', encrypted: string): string {
  return format === 'json'
    ? JSON.stringify({ encrypt: encrypted })
    : `<xml><ToUserName><![CDATA[${WECOM_CORP_ID}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt><AgentID><![CDATA[${WECOM_AGENT_ID}]]></AgentID></xml>`;
}

/** Encrypts `plain` and signs the callback as WeCom would (or as an attacker would, per `o`), then posts it. */
export function wecomPost(rig: Rig, plain: string, o: WecomPostOptions = {}): Promise<LightMyRequestResponse> {
  const format = o.format ?? 'json';
  const encrypted = o.encrypted ?? encryptMessage(o.aesKey ?? SECRETS.wecomAesKey, plain, o.receiveId ?? '');
  const timestamp = String(o.timestamp ?? Math.floor(rig.clock.now().getTime() / 1000));
  const nonce = o.nonce ?? '1372623149';
  const q: Record<string, string> = {
    msg_signature: wecomSign(o.token ?? SECRETS.wecomToken, timestamp, nonce, encrypted),
    timestamp,
    nonce,
  };
  if (o.omit) delete q[o.omit];
  return rig.app.inject({
    method: 'POST',
    url: `/wecom/callback?${new URLSearchParams(q).toString()}`,
    headers: { 'content-type': format === 'json' ? 'application/json' : 'text/xml' },
    payload: o.body ?? wecomEnvelope(format, encrypted),
  });
}

// ── DingTalk ─────────────────────────────────────────────────────────────────

/** DingTalk's header signature: base64(HMAC-SHA256(key = app secret, timestamp + "\n" + app secret)). */
export function dingtalkSignature(secret: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

/** A group text message as DingTalk posts it to the robot's HTTP address. */
export function dingtalkText(o: {
  msgId: string;
  staffId: string;
  text: string;
  conversationId?: string;
  nick?: string;
  sessionWebhook?: string;
  sessionWebhookExpiredTime?: number;
}): Record<string, unknown> {
  return {
    conversationId: o.conversationId ?? 'cidXM001',
    chatbotCorpId: 'ding-corp-1',
    chatbotUserId: '$:LWCP_v1:$robot',
    msgId: o.msgId,
    senderNick: o.nick ?? o.staffId,
    isAdmin: false,
    senderStaffId: o.staffId,
    senderCorpId: 'ding-corp-1',
    conversationType: '2',
    senderId: `$:LWCP_v1:$${o.staffId}`,
    ...(o.sessionWebhook ? { sessionWebhook: o.sessionWebhook, sessionWebhookExpiredTime: o.sessionWebhookExpiredTime } : {}),
    text: { content: ` ${o.text} ` },
    robotCode: DINGTALK_APP_KEY,
    msgtype: 'text',
  };
}

export interface DingtalkPostOptions {
  /** ms; defaults to the rig clock */
  timestamp?: number;
  secret?: string;
  omit?: 'timestamp' | 'sign';
}

/** Callbacks posted so far: each gets its own millisecond, as DingTalk's do, since a sign is good for one message (SPEC §9). */
let dingtalkPosts = 0;

export function dingtalkPost(rig: Rig, body: unknown, o: DingtalkPostOptions = {}): Promise<LightMyRequestResponse> {
  const timestamp = String(o.timestamp ?? rig.clock.now().getTime() + (++dingtalkPosts % 600_000));
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    timestamp,
    sign: dingtalkSignature(o.secret ?? SECRETS.dingtalkAppSecret, timestamp),
  };
  if (o.omit) delete headers[o.omit];
  return rig.app.inject({
    method: 'POST',
    url: '/dingtalk/callback',
    headers,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// ── Chat through the whole app ───────────────────────────────────────────────

/** How a person reaches the bot on each platform: their platform user id and a project group. */
export const PEOPLE = {
  chen: { wecom: 'chenjl', dingtalk: 'staff-chen' },
  huang: { wecom: 'huangg', dingtalk: 'staff-huang' },
  liu: { wecom: 'liujl', dingtalk: 'staff-liu' },
  wang: { wecom: 'wangjg', dingtalk: 'staff-wang' },
  zhou: { wecom: 'zhoux', dingtalk: 'staff-zhou' },
} as const;

export const GROUPS = {
  XM001: { wecom: 'wrXM001', dingtalk: 'cidXM001' },
  XM002: { wecom: 'wrXM002', dingtalk: 'cidXM002' },
} as const;

/** What one message led to: the bot's replies in that chat and everything it queued. */
export interface Said {
  outcome: string;
  reply: string;
  queued: { kind: string; destination: string; body: string; mentions: string }[];
}

let sequence = 0;

/**
 * `say(rig, 'dingtalk', 'chen', 'XM001', '报告 …')`: 陈经理 writing in XM001's group, through a
 * correctly signed callback. Waits until the core has processed the message.
 */
export async function say(
  rig: Rig,
  platform: 'wecom' | 'dingtalk',
  who: keyof typeof PEOPLE | { wecom: string; dingtalk: string },
  group: keyof typeof GROUPS,
  text: string,
): Promise<Said> {
  const userId = (typeof who === 'string' ? PEOPLE[who] : who)[platform];
  const chat = GROUPS[group][platform];
  const msgId = `say-${++sequence}`;
  const before = (rig.db.prepare('SELECT coalesce(max(id), 0) AS id FROM outbox').get() as { id: number }).id;
  const res =
    platform === 'wecom'
      ? await wecomPost(rig, wecomText({ msgid: msgId, userid: userId, chatid: chat, text }))
      : await dingtalkPost(rig, dingtalkText({ msgId, staffId: userId, conversationId: chat, text }));
  expect(res.statusCode, `${text}: callback answered`).toBe(200);
  await handled(rig);
  const row = rig.db.prepare('SELECT outcome FROM inbound_messages WHERE platform = ? AND msg_id = ?').get(platform, msgId) as
    | { outcome: string }
    | undefined;
  if (!row) throw new Error(`the core never processed ${msgId}: ${text}`);
  const queued = rig.db
    .prepare('SELECT kind, destination, body, mentions FROM outbox WHERE id > ? ORDER BY id')
    .all(before) as Said['queued'];
  return { outcome: row.outcome, reply: queued.filter((q) => q.kind === 'reply').map((q) => q.body).join('\n'), queued };
}

/** The ticket number in a `#N 已登记` reply. */
export function ticketNo(said: Said): number {
  const m = /#(\d+)/.exec(said.reply);
  if (!m) throw new Error(`no ticket number in: ${said.reply}`);
  return Number(m[1]);
}

// ── What every refusal must show ─────────────────────────────────────────────

/** No secret in any log line, at any level. */
export function expectNoSecretsLogged(rig: Rig): void {
  const all = rig.raw.join('\n');
  for (const [name, value] of Object.entries(SECRETS)) expect(all.includes(value), `${name} appears in the logs`).toBe(false);
}

/** `words` appear in no log line at info level or above (debug may carry message text). */
export function expectNotLoggedAtInfo(rig: Rig, words: string): void {
  const lines = rig.logs.filter((l) => l.level >= INFO && JSON.stringify(l).includes(words));
  expect(lines, `"${words}" logged at info level or above`).toEqual([]);
}

/**
 * Posts with `send` and checks SPEC §9 for a refused callback: the status, a log line naming the
 * failed check, nothing stored, nothing sent, no secret and no message text in the logs.
 */
export async function expectRefused(
  rig: Rig,
  send: () => Promise<LightMyRequestResponse>,
  status: number,
  check: string | RegExp,
  text = '',
): Promise<LightMyRequestResponse> {
  const before = snapshotCounts(rig.db);
  const seen = rig.logs.length;
  const res = await send();
  expect(res.statusCode).toBe(status);
  await settle(rig);
  const named = rig.logs.slice(seen).filter((l) => l.level >= WARN && typeof l.check === 'string');
  expect(
    named.some((l) => (typeof check === 'string' ? l.check === check : check.test(String(l.check)))),
    `a warn line naming the check ${String(check)}; got ${JSON.stringify(named.map((l) => [l.check, l.msg]))}`,
  ).toBe(true);
  expect(snapshotCounts(rig.db), 'nothing stored').toEqual(before);
  expect(rig.api.requests.map((r) => r.path), 'nothing sent').toEqual([]);
  expect(rig.foreign.requests.map((r) => r.path), 'nothing sent elsewhere').toEqual([]);
  expectNoSecretsLogged(rig);
  if (text) expectNotLoggedAtInfo(rig, text);
  return res;
}
