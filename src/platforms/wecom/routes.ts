import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { receive, type InboundDeps, type Outcome, type Verified } from '../../chat/receiver.js';
import type { WecomConfig } from './client.js';
import { encryptedReply, templateCard } from './cards.js';
import { ENTER_CHAT, parseEnvelope, parseInner, WecomParseError } from './parse.js';
import { verifyWecom, type WecomSecrets, type WecomSignedParams } from './verify.js';

/**
 * How long the answer to a 智能机器人 card click waits for the click to be handled: WeCom drops the
 * connection after 5 s (https://developer.work.weixin.qq.com/document/path/101027, 模板卡片事件), and
 * the update waits a little longer than this for the answer before going out its own way.
 */
export const CARD_ANSWER_WAIT_MS = 3_500;

/** Options of the WeCom callback plugin. */
export interface WecomRoutesOptions {
  config: WecomConfig;
  deps: InboundDeps;
}

/**
 * Reads the query string from the raw URL. Fastify's parser turns `+` into a space, which breaks
 * a base64 echostr that arrives with a literal `+`; here only %XX escapes are decoded.
 * Returns undefined for a malformed escape. The first of repeated names wins.
 */
export function parseRawQuery(url: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  const q = url.indexOf('?');
  if (q < 0) return out;
  for (const pair of url.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    try {
      const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
      if (!out.has(name)) out.set(name, value);
    } catch {
      return undefined;
    }
  }
  return out;
}

function signedParams(query: Map<string, string>): WecomSignedParams | undefined {
  const msgSignature = query.get('msg_signature');
  const timestamp = query.get('timestamp');
  const nonce = query.get('nonce');
  if (!msgSignature || !timestamp || !nonce) return undefined;
  return { msgSignature, timestamp, nonce };
}

function reject(request: FastifyRequest, reply: FastifyReply, status: 400 | 401, check: string, reason: string): FastifyReply {
  request.log.warn({ check }, `wecom callback refused: ${reason}`);
  return reply.code(status).type('text/plain; charset=utf-8').send(status === 400 ? 'bad request' : 'unauthorized');
}

const refused = (status: 400 | 401, check: string, reason: string): Verified => ({ ok: false, status, check, reason });

/**
 * The verify step of the WeCom receiver: a POST's query string and body, checked and decrypted into
 * the message it carries, or the check it failed. Nothing but the envelope is read before the
 * signature is checked (SPEC §9): parseEnvelope takes the encrypted field out in one pass, and only
 * a signed message is parsed as XML or JSON.
 */
export function readWecomCallback(secrets: WecomSecrets, url: string, body: string, nowMs: number): Verified {
  const query = parseRawQuery(url);
  if (!query) return refused(400, 'query', 'malformed query string');
  const params = signedParams(query);
  if (!params) return refused(400, 'query', 'missing msg_signature, timestamp or nonce: only WeCom should call this URL');
  try {
    const encrypted = parseEnvelope(body);
    const result = verifyWecom(secrets, params, encrypted, nowMs);
    if (!result.ok) return refused(401, result.check, result.reason);
    const inner = parseInner(result.message, nowMs);
    return inner.kind === 'ignored' ? { ok: true, message: undefined, ignored: inner.msgType } : { ok: true, message: inner.message };
  } catch (err) {
    if (err instanceof WecomParseError) return refused(400, err.check, err.message);
    throw err;
  }
}

/** What someone opening the bot's one-to-one chat reads first (SPEC §7: enter_chat gets a short welcome). */
export const WELCOME = '您好，我是联保助手。遇到阻工、强揽、盗窃等问题，请发送“报告 问题描述”登记；发送“帮助”查看全部命令。';

/**
 * WeCom's acknowledgement: HTTP 200 with an empty body once the message is stored (replies go
 * out later through the outbox), 500 when it could not be, so that WeCom sends it again.
 */
function acknowledge(reply: FastifyReply, outcome: Outcome): FastifyReply {
  switch (outcome.kind) {
    case 'stored':
    case 'repeat':
      return reply.code(200).send();
    case 'refused':
      return reply.code(outcome.status).type('text/plain; charset=utf-8').send(outcome.status === 401 ? 'unauthorized' : 'bad request');
    case 'failed':
      return reply.code(500).send();
  }
}

/**
 * `GET /wecom/callback` (URL verification) and `POST /wecom/callback` (messages) for 智能机器人,
 * group-robot callbacks and a self-built app. Registered by the app inside its own scope:
 * `app.register(wecomRoutes, { config, deps })`.
 */
export const wecomRoutes: FastifyPluginAsync<WecomRoutesOptions> = async (app, opts) => {
  const { config, deps } = opts;
  const secrets = { token: config.token, encodingAesKey: config.encodingAesKey, receiveId: config.receiveId };

  // This plugin is encapsulated, so these parsers only apply here. Every body is read as a string
  // (still capped by the app's bodyLimit) and told apart by its content, because WeCom's
  // content-types vary between products and a parser error must be our 400 with our log line.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onError', async (request, _reply, error) => {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 413) request.log.warn({ check: 'body-size' }, 'wecom callback refused: body over the size limit');
    else if (status !== undefined && status < 500) request.log.warn({ check: 'request' }, `wecom callback refused: ${error.message}`);
  });

  app.get('/wecom/callback', async (request, reply) => {
    const query = parseRawQuery(request.url);
    if (!query) return reject(request, reply, 400, 'query', 'malformed query string');
    const params = signedParams(query);
    const echostr = query.get('echostr');
    if (!params || !echostr) {
      return reject(request, reply, 400, 'query', 'missing msg_signature, timestamp, nonce or echostr: only WeCom should call this URL');
    }
    const result = verifyWecom(secrets, params, echostr, deps.clock.now().getTime());
    if (!result.ok) return reject(request, reply, 401, result.check, result.reason);
    request.log.info('wecom callback URL verified');
    // WeCom wants the bare plaintext: no quotes, no BOM, no newline.
    return reply.code(200).type('text/plain; charset=utf-8').send(result.message);
  });

  app.post('/wecom/callback', async (request, reply) => {
    const body = typeof request.body === 'string' ? request.body : '';
    const verified = readWecomCallback(secrets, request.url, body, deps.clock.now().getTime());
    // A person opened the bot's one-to-one chat: the welcome is the passive reply itself (text, the
    // only kind WeCom takes for it: https://developer.work.weixin.qq.com/document/path/101031). It
    // is the same words for everyone, so nothing is stored.
    if (verified.ok && verified.ignored === ENTER_CHAT) {
      const welcome = { msgtype: 'text', text: { content: WELCOME } };
      return reply.code(200).type('application/json; charset=utf-8').send(encryptedReply(secrets, welcome, deps.clock.now().getTime()));
    }
    // The message is stored (in the inbox, or handled, depending on the server) before the 200, so a
    // crash cannot lose a message WeCom believes delivered; replies are sent afterwards by the outbox.
    return receive('wecom callback', verified, deps, request.log, async (outcome) => {
      // A 智能机器人 card click is answered with the card as the click left it (被动回复 ·
      // update_template_card, https://developer.work.weixin.qq.com/document/path/101031), for
      // everyone it was shown to; a click that changed nothing shown is answered empty.
      const message = verified.ok ? verified.message : undefined;
      if (outcome.kind === 'stored' && message?.click?.answerable && deps.answer) {
        const answer = await deps.answer(message, CARD_ANSWER_WAIT_MS);
        if (answer?.card) {
          const update = { response_type: 'update_template_card', template_card: templateCard(answer.card, answer.card.id, 'aibot') };
          return reply.code(200).type('application/json; charset=utf-8').send(encryptedReply(secrets, update, deps.clock.now().getTime()));
        }
      }
      return acknowledge(reply, outcome);
    });
  });
};
