import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { receive, type InboundDeps, type OneUseSignature, type Outcome, type Verified } from '../../chat/receiver.js';
import { httpCallbackId, readCardCallback } from './cards.js';
import { parseRobotMessage } from './parse.js';
import type { DingtalkConfig } from './types.js';
import { DINGTALK_TIMESTAMP_WINDOW_MS, verifyDingtalkRequest, type DingtalkSignatureHeaders } from './verify.js';

/** A spent signature is remembered this long after DingTalk's window closes on it: a clock stepped back a little. */
const SIGNATURE_MARGIN_MS = 5 * 60 * 1000;

/** Options of the `dingtalkRoutes` plugin. */
export interface DingtalkRoutesOptions {
  config: DingtalkConfig;
  deps: InboundDeps;
}

/**
 * `POST /dingtalk/callback`: the robot's HTTP message receiving address (消息接收地址).
 * Answers 200 `{}` at once and hands the message to the core afterwards, so DingTalk never
 * waits on the core and never retries because of it.
 */
export const dingtalkRoutes: FastifyPluginAsync<DingtalkRoutesOptions> = async (app, { config, deps }) => {
  // The body is parsed by hand so that a broken body is answered 400 with our own log line, and only
  // after the headers needed to verify are known to be there. Scoped to this plugin only.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    done(null, body);
  });

  app.addHook('onError', async (request, _reply, error) => {
    // Bodies over the limit (413) and foreign content types (415) never reach the handler.
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      request.log.warn({ check: 'body', code: error.code }, `callback body rejected: ${error.message}`);
    }
  });

  app.post('/dingtalk/callback', async (request, reply) => {
    const headers = { timestamp: singleHeader(request, 'timestamp'), sign: singleHeader(request, 'sign') };
    const body = typeof request.body === 'string' ? request.body : '';
    const verified = readDingtalkCallback(config.appSecret, headers, body, deps.clock.now().getTime());
    // Stored before the 200 (in the inbox, or handled, depending on the server), so a crash cannot
    // lose a message DingTalk believes delivered; replies are sent afterwards by the outbox.
    return receive('dingtalk callback', verified, deps, request.log, (outcome) => acknowledge(reply, outcome));
  });

  // The HTTP card callback (SPEC §7a), registered for DINGTALK_CARD_ROUTE_KEY: a click on a card's
  // button, signed like a robot callback, each signature good for one callback.
  if (config.card) {
    app.post('/dingtalk/card-callback', async (request, reply) => {
      const headers = { timestamp: singleHeader(request, 'timestamp'), sign: singleHeader(request, 'sign') };
      const body = typeof request.body === 'string' ? request.body : '';
      const verified = readDingtalkCardCallback(config.appSecret, headers, body, deps.clock.now().getTime());
      return receive('dingtalk card callback', verified, deps, request.log, (outcome) => acknowledge(reply, outcome));
    });
  }
};

/**
 * The verify step of the HTTP card callback: checked like a robot callback (the headers first, then
 * the body), read into the click it carries. A card callback has no id of its own, so it is named
 * by its signed timestamp and its body: the same callback again is a repeat (answered, not handled
 * again), and another body with a used signature is refused (SPEC §9).
 */
export function readDingtalkCardCallback(appSecret: string, headers: DingtalkSignatureHeaders, body: string, nowMs: number): Verified {
  const { timestamp, sign } = headers;
  if (!timestamp || !sign) {
    return { ok: false, status: 400, check: 'headers', reason: 'missing timestamp or sign header: only DingTalk card callbacks are accepted here' };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, status: 400, check: 'body', reason: 'card callback body is not JSON' };
  }
  const verdict = verifyDingtalkRequest(appSecret, { timestamp, sign }, nowMs);
  if (!verdict.ok) return { ok: false, status: verdict.status, check: verdict.check, reason: verdict.message };
  const read = readCardCallback(json, httpCallbackId(timestamp, body));
  if (!read.ok) return { ok: false, status: 400, check: 'payload', reason: `card callback lacks a needed field (${read.reason})` };
  const signature: OneUseSignature = { signedAtMs: Number(timestamp), msgId: read.message.msgId, keepMs: DINGTALK_TIMESTAMP_WINDOW_MS + SIGNATURE_MARGIN_MS };
  return { ok: true, message: read.message, signature };
}

/**
 * The verify step of the DingTalk HTTP receiver: the signed headers and the body, checked and read
 * into the message it carries, or the check it failed. DingTalk signs the timestamp, not the body,
 * so the signature comes back as one to spend on this message id, in the transaction that stores
 * the message, so that a captured one cannot carry
 * another body (SPEC §9); a retry of the same message is then a repeat.
 */
export function readDingtalkCallback(appSecret: string, headers: DingtalkSignatureHeaders, body: string, nowMs: number): Verified {
  const { timestamp, sign } = headers;
  if (!timestamp || !sign) {
    return { ok: false, status: 400, check: 'headers', reason: 'missing timestamp or sign header: only DingTalk robot callbacks are accepted here' };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, status: 400, check: 'body', reason: 'callback body is not JSON: is the robot message receiving mode HTTP?' };
  }
  const verdict = verifyDingtalkRequest(appSecret, { timestamp, sign }, nowMs);
  if (!verdict.ok) return { ok: false, status: verdict.status, check: verdict.check, reason: verdict.message };
  const parsed = parseRobotMessage(json);
  if (parsed.kind === 'invalid') {
    return { ok: false, status: 400, check: 'payload', reason: `robot message lacks a needed field (${parsed.reason})` };
  }
  const signature: OneUseSignature = {
    signedAtMs: Number(timestamp),
    msgId: parsed.message.msgId,
    keepMs: DINGTALK_TIMESTAMP_WINDOW_MS + SIGNATURE_MARGIN_MS,
  };
  return { ok: true, message: parsed.message, signature };
}

/** DingTalk's acknowledgement: 200 `{}` once stored, 500 when not (DingTalk sends it again). */
function acknowledge(reply: FastifyReply, outcome: Outcome): FastifyReply {
  switch (outcome.kind) {
    case 'stored':
    case 'repeat':
      return reply.code(200).send({});
    case 'refused':
      return reply.code(outcome.status).send({ error: REFUSALS[outcome.check] ?? 'bad request' });
    case 'failed':
      return reply.code(500).send({ error: 'not stored, please retry' });
  }
}

/** What the caller is told, by the check that failed: little, since it may be anyone. */
const REFUSALS: Record<string, string> = {
  headers: 'missing timestamp or sign header',
  body: 'body is not JSON',
  timestamp: 'bad timestamp',
  sign: 'bad signature',
  'sign-reused': 'signature already used',
  payload: 'not a robot message or card callback',
};

function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}
