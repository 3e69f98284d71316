import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseEnv } from 'node:util';
import { compile as compileTrust } from '@fastify/proxy-addr';
import cron from 'node-cron';
import { z } from 'zod';

/** The first line of every ConfigError; each variable with a problem follows on its own line. */
const INVALID = '配置有误';

/** Raised when a variable has a bad value; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/**
 * A whole number from `min` to `max`, every way of missing it told in one sentence that says what
 * would work (zod's own words, "无效输入：期望 数字，实际接收 NaN", say neither).
 */
function wholeNumber(min: number, max: number, rule: string) {
  const error = { error: rule };
  return z.coerce.number(error).int(error).min(min, error).max(max, error);
}

// 0 also works, and lets the system pick a free port (the tests do); an operator has no use for it.
const port = wholeNumber(0, 65535, '应为 1–65535 的端口号，例如 3000');
const positiveInt = wholeNumber(1, Number.MAX_SAFE_INTEGER, '应为正整数，例如 20');
const url = z
  .string()
  .url({ error: '应为网址，以 https:// 开头，例如 https://qyapi.weixin.qq.com' })
  .transform((v) => v.replace(/\/+$/, ''));
const flag = z
  .enum(['0', '1', 'auto', 'true', 'false'], { error: '应为 1（开）、0（关）或 auto（自动）' })
  .transform((v) => (v === 'true' ? '1' : v === 'false' ? '0' : v));

/** Variables whose value is never repeated in a message: it is a secret, or part of one. */
const SECRET_VARIABLES = new Set(['ADMIN_TOKEN', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY', 'WECOM_SECRET', 'DINGTALK_APP_SECRET']);

/** A problem with one variable: the rule, and the value as written unless it is a secret. */
function variableProblem(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const name = issue.path.map(String).join('.');
  const value = env[name];
  const shown = issue.code !== 'custom' && value !== undefined && !SECRET_VARIABLES.has(name) ? `，实际是 ${JSON.stringify(value)}` : '';
  return `${name}: ${issue.message}${shown}`;
}
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '应为时间 HH:MM，例如 18:00');

/**
 * What WeCom's console takes as the callback Token: letters and digits, 3 to 32 of them (WeCom's
 * own pages only say "可由企业任意填写"; the rule is WeChat's, whose console WeCom shares). A token
 * the console would refuse cannot be the one WeCom signs with, so the server does not start on it.
 */
export const WECOM_TOKEN_RE = /^[A-Za-z0-9]{3,32}$/;
const WECOM_TOKEN_RULE = '只能是英文字母和数字，3 到 32 位，与企业微信后台「接收消息」里填写的 Token 相同';

/** The callbackRouteKey cards are created with when DINGTALK_CARD_ROUTE_KEY is not set (HTTP card callbacks). */
export const DINGTALK_CARD_ROUTE_KEY = 'lianbao-card';

/** The shortest ADMIN_TOKEN accepted: long enough that guessing it, even unthrottled, is hopeless. */
export const ADMIN_TOKEN_MIN = 24;

/**
 * TRUST_PROXY: off (unset, `0`, `false`), or the addresses of the reverse proxies in front of the
 * server, comma-separated: addresses, CIDR ranges, or the names `loopback`, `linklocal`,
 * `uniquelocal`. `true` and hop counts are refused: `true` makes the client's address the left-most
 * X-Forwarded-For entry, which the client writes itself (nginx's `$proxy_add_x_forwarded_for`
 * appends to it), and a hop count believes a client that reaches the server directly — either
 * would let a guesser pick a fresh address for every try. Fastify 5 ignores a number anyway.
 */
function trustProxyList(value: string | undefined): string[] | undefined {
  if (value === undefined || value === '0' || value.toLowerCase() === 'false') return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function trustProxyProblem(value: string | undefined): string | undefined {
  const list = trustProxyList(value);
  if (!list) return undefined;
  if (value !== undefined && /^(true|\d+)$/i.test(value)) {
    return `"${value}" 会相信任何客户端都能伪造的 X-Forwarded-For；请写反向代理自己的地址，例如 127.0.0.1（本机上的代理）或 172.16.0.0/12（Docker 网络）`;
  }
  if (list.length === 0) return '应为反向代理的地址或 CIDR 网段，用逗号分隔';
  try {
    // The same parser Fastify compiles trustProxy with, so what passes here starts there.
    compileTrust(list);
  } catch (err) {
    return `${err instanceof Error ? err.message : String(err)}：应为反向代理的地址或 CIDR 网段，用逗号分隔，例如 127.0.0.1,10.0.0.0/8`;
  }
  return undefined;
}

const schema = z.object({
  PORT: port.default(3000),
  HOST: optionalString,
  DATABASE_PATH: z.string().min(1, { error: '不能为空：应为数据库文件的路径，例如 ./data/lianbao.db' }).default('./data/lianbao.db'),
  ROSTER_FILE: z.string().optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: '应为以下之一：fatal、error、warn、info、debug、trace、silent' })
    .default('info'),
  WORKDAY_END: hhmm.default('18:00'),
  PLAYGROUND: flag.default('auto'),
  PLAYGROUND_REMOTE: flag.default('0'),
  ADMIN_TOKEN: optionalString.refine((v) => v === undefined || [...v].length >= ADMIN_TOKEN_MIN, {
    message: `至少 ${ADMIN_TOKEN_MIN} 个字符；可以这样生成一个：openssl rand -base64 32`,
  }),
  PUBLIC_URL: optionalString.superRefine((v, ctx) => {
    // Only an origin: the dashboard's pages and its cookie live at /dashboard on it.
    if (v !== undefined && !/^https?:\/\/[^\s/?#@]+\/?$/i.test(v)) {
      ctx.addIssue({ code: 'custom', message: '应为人们打开台账的地址，以 https:// 或 http:// 开头，只写域名（和端口），例如 https://lianbao.example.gov.cn' });
    }
  }),
  TRUST_PROXY: optionalString.superRefine((v, ctx) => {
    const problem = trustProxyProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),

  WECOM_TOKEN: optionalString.refine((v) => v === undefined || WECOM_TOKEN_RE.test(v), { message: WECOM_TOKEN_RULE }),
  WECOM_ENCODING_AES_KEY: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9]{43}$/.test(v), {
    message: '应为企业微信后台生成的 43 位 EncodingAESKey',
  }),
  WECOM_RECEIVE_ID: z.string().default(''),
  WECOM_CORP_ID: optionalString,
  WECOM_AGENT_ID: optionalString.refine((v) => v === undefined || /^\d+$/.test(v), { message: '应为数字（应用的 AgentId）' }),
  WECOM_SECRET: optionalString,
  WECOM_API_BASE: url.default('https://qyapi.weixin.qq.com'),
  WECOM_REPLY_HOSTS: z
    .string()
    .default('qyapi.weixin.qq.com,in.qyapi.weixin.qq.com')
    .transform((v) => v.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== ''))
    .refine((hosts) => hosts.every((h) => /^[a-z0-9.-]+(?::\d{1,5})?$/.test(h)), {
      message: '应为主机名，用逗号分隔，例如 qyapi.weixin.qq.com,in.qyapi.weixin.qq.com',
    }),

  DINGTALK_APP_KEY: optionalString,
  DINGTALK_APP_SECRET: optionalString,
  DINGTALK_ROBOT_CODE: optionalString,
  DINGTALK_MODE: z.enum(['http', 'stream'], { error: '应为 http 或 stream' }).default('http'),
  DINGTALK_API_BASE: url.default('https://api.dingtalk.com'),
  DINGTALK_OAPI_BASE: url.default('https://oapi.dingtalk.com'),
  DINGTALK_CARD_TEMPLATE_ID: optionalString,
  DINGTALK_CARD_ROUTE_KEY: optionalString.refine((v) => v === undefined || /^[\w.-]{1,64}$/.test(v), {
    message: '应为注册卡片回调地址时使用的 callbackRouteKey（字母、数字、._-）',
  }),
  CARDS: z
    .enum(['0', '1', 'true', 'false'], { error: '应为 1（发送卡片）或 0（只发文字）' })
    .transform((v) => (v === 'true' ? '1' : v === 'false' ? '0' : v))
    .default('1'),

  RATE_GROUP_PER_MINUTE: positiveInt.default(20),
  RATE_PERSON_PER_MINUTE: positiveInt.default(30),
  RATE_SENDER_PER_MINUTE: positiveInt.default(20),
  BACKUP_DIR: z.string().optional(),
  BACKUP_KEEP: positiveInt.default(14),
  ATTACHMENTS_DIR: z.string().optional(),
  ATTACHMENT_MAX_MB: wholeNumber(1, 1024, '应为 1–1024 之间的整数（MB），例如 20').default(20),
  ATTACHMENT_SENDER_PER_HOUR: wholeNumber(1, 10000, '应为 1–10000 之间的整数（每人每小时的附件数），例如 30').default(30),
});

export interface Config {
  port: number;
  host: string;
  databasePath: string;
  rosterFile: string;
  logLevel: string;
  workdayEnd: { hour: number; minute: number };
  playground: { enabled: boolean; remote: boolean };
  adminToken?: string;
  /**
   * PUBLIC_URL: the address people reach the server at (no trailing slash), for the sign-in links
   * `登录` sends; undefined: the dashboard is not published to people.
   */
  publicUrl?: string;
  /** the reverse proxies whose X-Forwarded-For is believed (Fastify's trustProxy); undefined: none */
  trustProxy?: readonly string[];
  wecom?: {
    token: string;
    encodingAesKey: string;
    receiveId: string;
    corpId?: string;
    agentId?: string;
    secret?: string;
    apiBase: string;
    /**
     * Hosts (`host` or `host:port`) whose reply URLs from callbacks are followed, besides the host
     * of `apiBase`: WeCom's own (a group-robot callback's WebhookUrl is on in.qyapi.weixin.qq.com).
     */
    replyHosts: readonly string[];
  };
  wecomApiBase: string;
  dingtalk?: {
    appKey: string;
    appSecret: string;
    robotCode: string;
    mode: 'http' | 'stream';
    apiBase: string;
    oapiBase: string;
    /**
     * The interactive card template (SPEC §7a) cards are created from; without it DingTalk gets the
     * text forms. `routeKey` names the HTTP card callback registered for DINGTALK_MODE=http.
     */
    card?: { templateId: string; routeKey: string };
  };
  dingtalkApiBase: string;
  dingtalkOapiBase: string;
  rates: { groupPerMinute: number; personPerMinute: number; senderPerMinute: number };
  /** CARDS: whether messages that ask someone to act carry cards with buttons (SPEC §7a); off = text forms everywhere. */
  cards: boolean;
  backup: { dir: string; keep: number };
  /**
   * Evidence sent to the bot (SPEC §7b): the folder files are stored in, named by their SHA-256
   * ('' for an in-memory database: nothing is kept), and the largest file taken, in bytes.
   */
  /** perSenderPerHour: files one sender may have stored in any hour (SPEC §7b) */
  attachments: { dir: string; maxBytes: number; perSenderPerHour: number };
  /** job name → node-cron expression, from SCHEDULE_<JOB_NAME> (e.g. SCHEDULE_DAILY_DIGEST) */
  schedules: Record<string, string>;
}

/**
 * Reads `.env` (if present) under the real environment: variables already set win, as they
 * do with dotenv. Returns a fresh object; process.env is not modified.
 */
export function readEnv(envFile = '.env', env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  return { ...fromFile, ...env };
}

/**
 * backups/ beside the database, so that a job run on a copy (`DATABASE_PATH=copy.db lianbao jobs
 * run backup`) never writes or prunes the real database's backups; none for an in-memory database.
 */
function defaultBackupDir(databasePath: string): string {
  return databasePath === ':memory:' ? '' : join(dirname(databasePath), 'backups');
}

/** attachments/ beside the database; none for an in-memory database, which keeps nothing. */
function defaultAttachmentsDir(databasePath: string): string {
  return databasePath === ':memory:' ? '' : join(dirname(databasePath), 'attachments');
}

/** Validates the environment once; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = readEnv()): Config {
  // zod's own messages (a number too big, a value not in a list) in Chinese, for operators.
  const parsed = schema.safeParse(env, { error: z.locales.zhCN().localeError });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => variableProblem(i, env));
    throw new ConfigError(`${INVALID}\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const need = (group: string, names: (keyof typeof e)[]): void => {
    const missing = names.filter((n) => e[n] === undefined);
    if (missing.length > 0 && missing.length < names.length) {
      throw new ConfigError(`${INVALID}\n  ${missing[0]}: 配置${group}时必须设置（${names.join('、')} 要一起设置）`);
    }
  };
  need('企业微信', ['WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY']);
  need('钉钉', ['DINGTALK_APP_KEY', 'DINGTALK_APP_SECRET']);
  if ((e.WECOM_SECRET || e.WECOM_AGENT_ID) && !(e.WECOM_CORP_ID && e.WECOM_SECRET && e.WECOM_AGENT_ID)) {
    const missing = (['WECOM_CORP_ID', 'WECOM_SECRET', 'WECOM_AGENT_ID'] as const).find((n) => !e[n]);
    throw new ConfigError(`${INVALID}\n  ${missing}: 私信需要 WECOM_CORP_ID、WECOM_SECRET 和 WECOM_AGENT_ID 一起设置`);
  }

  if (e.PUBLIC_URL && !e.ADMIN_TOKEN) {
    throw new ConfigError(`${INVALID}\n  PUBLIC_URL: 工作台账需要 ADMIN_TOKEN：请同时设置 ADMIN_TOKEN，或去掉 PUBLIC_URL`);
  }

  const wecom =
    e.WECOM_TOKEN && e.WECOM_ENCODING_AES_KEY
      ? {
          token: e.WECOM_TOKEN,
          encodingAesKey: e.WECOM_ENCODING_AES_KEY,
          receiveId: e.WECOM_RECEIVE_ID,
          corpId: e.WECOM_CORP_ID,
          agentId: e.WECOM_AGENT_ID,
          secret: e.WECOM_SECRET,
          apiBase: e.WECOM_API_BASE,
          replyHosts: e.WECOM_REPLY_HOSTS,
        }
      : undefined;
  const dingtalk =
    e.DINGTALK_APP_KEY && e.DINGTALK_APP_SECRET
      ? {
          appKey: e.DINGTALK_APP_KEY,
          appSecret: e.DINGTALK_APP_SECRET,
          robotCode: e.DINGTALK_ROBOT_CODE ?? e.DINGTALK_APP_KEY,
          mode: e.DINGTALK_MODE,
          apiBase: e.DINGTALK_API_BASE,
          oapiBase: e.DINGTALK_OAPI_BASE,
          card: e.DINGTALK_CARD_TEMPLATE_ID
            ? { templateId: e.DINGTALK_CARD_TEMPLATE_ID, routeKey: e.DINGTALK_CARD_ROUTE_KEY ?? DINGTALK_CARD_ROUTE_KEY }
            : undefined,
        }
      : undefined;
  const schedules: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!/^SCHEDULE_[A-Z_]+$/.test(name) || value === undefined || value.trim() === '') continue;
    if (!cron.validate(value.trim())) {
      throw new ConfigError(`${INVALID}\n  ${name}: "${value}" 不是 cron 表达式（分 时 日 月 星期），例如 "0 9 * * *"`);
    }
    schedules[name.slice('SCHEDULE_'.length).toLowerCase().replace(/_/g, '-')] = value.trim();
  }
  const playgroundOn = e.PLAYGROUND === '1' || (e.PLAYGROUND === 'auto' && !wecom && !dingtalk);
  const [hour, minute] = e.WORKDAY_END.split(':').map(Number) as [number, number];

  return Object.freeze({
    port: e.PORT,
    // The playground acts as anyone in the roster, so by default it only listens on loopback.
    host: e.HOST ?? (playgroundOn && e.PLAYGROUND_REMOTE !== '1' ? '127.0.0.1' : '0.0.0.0'),
    databasePath: e.DATABASE_PATH,
    // The example roster fills an empty database only for trying lianbao out (the playground);
    // a real installation imports its own roster, and never gets the example people by accident.
    rosterFile: e.ROSTER_FILE ?? (playgroundOn && !wecom && !dingtalk ? 'roster.example.yaml' : ''),
    logLevel: e.LOG_LEVEL,
    workdayEnd: { hour, minute },
    playground: { enabled: playgroundOn, remote: e.PLAYGROUND_REMOTE === '1' },
    adminToken: e.ADMIN_TOKEN,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxy: trustProxyList(e.TRUST_PROXY),
    wecom,
    wecomApiBase: e.WECOM_API_BASE,
    dingtalk,
    dingtalkApiBase: e.DINGTALK_API_BASE,
    dingtalkOapiBase: e.DINGTALK_OAPI_BASE,
    rates: {
      groupPerMinute: e.RATE_GROUP_PER_MINUTE,
      personPerMinute: e.RATE_PERSON_PER_MINUTE,
      senderPerMinute: e.RATE_SENDER_PER_MINUTE,
    },
    cards: e.CARDS === '1',
    backup: { dir: e.BACKUP_DIR?.trim() ?? defaultBackupDir(e.DATABASE_PATH), keep: e.BACKUP_KEEP },
    attachments: {
      dir: e.ATTACHMENTS_DIR?.trim() ?? defaultAttachmentsDir(e.DATABASE_PATH),
      maxBytes: e.ATTACHMENT_MAX_MB * 1024 * 1024,
      perSenderPerHour: e.ATTACHMENT_SENDER_PER_HOUR,
    },
    schedules,
  });
}
