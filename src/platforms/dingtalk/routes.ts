import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Accepted, InboundDeps, OneUseSignature } from '../../chat/receiver.js';
import type { IncomingMessage } from '../../chat/types.js';
import { parseRobotMessage } from './parse.js';
import type { DingtalkConfig, DingtalkLogger } from './types.js';
import { DINGTALK_TIMESTAMP_WINDOW_MS, verifyDingtalkRequest } from './verify.js';

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
    const timestamp = singleHeader(request, 'timestamp');
    const sign = singleHeader(request, 'sign');
    if (!timestamp || !sign) {
      request.log.warn({ check: 'headers' }, 'missing timestamp or sign header: only DingTalk robot callbacks are accepted here');
      return reply.code(400).send({ error: 'missing timestamp or sign header' });
    }

    let body: unknown;
    try {
      body = JSON.parse(typeof request.body === 'string' ? request.body : '');
    } catch {
      request.log.warn({ check: 'body' }, 'callback body is not JSON: is the robot message receiving mode HTTP?');
      return reply.code(400).send({ error: 'body is not JSON' });
    }

    const verdict = verifyDingtalkRequest(config.appSecret, { timestamp, sign }, deps.clock.now().getTime());
    if (!verdict.ok) {
      request.log.warn({ check: verdict.check }, verdict.message);
      return reply.code(verdict.status).send({ error: verdict.check === 'sign' ? 'bad signature' : 'bad timestamp' });
    }

    const parsed = parseRobotMessage(body);
    if (parsed.kind === 'invalid') {
      request.log.warn({ check: 'payload', reason: parsed.reason }, `robot message lacks a needed field (${parsed.reason})`);
      return reply.code(400).send({ error: 'not a robot message' });
    }
    const message = parsed.kind === 'message' ? parsed.message : undefined;
    if (parsed.kind === 'ignored') request.log.debug({ msgtype: parsed.msgtype }, 'robot message type not handled; ignored');
    else request.log.debug({ msgId: parsed.message.msgId, chatId: parsed.message.chatId, text: parsed.message.text }, 'robot message received');

    // DingTalk signs the timestamp, not the body: the signature is spent on this message id, in the
    // transaction that stores the message (or, for a type the bot ignores, on its own), so that a
    // captured one cannot carry another body (SPEC §9). A retry of the same message is a repeat.
    const signature: OneUseSignature = {
      signedAtMs: Number(timestamp),
      msgId: parsed.kind === 'message' ? parsed.message.msgId : parsed.msgId,
      keepMs: DINGTALK_TIMESTAMP_WINDOW_MS + SIGNATURE_MARGIN_MS,
    };
    // Stored before the 200 (in the inbox, or handled, depending on the server), so a crash cannot
    // lose a message DingTalk believes delivered; replies are sent afterwards by the outbox.
    const taken = await handSafely(deps, message, request.log, signature);
    if (taken === 'failed') return reply.code(500).send({ error: 'not stored, please retry' });
    if (taken === 'reused') {
      request.log.warn(
        { check: 'sign-reused', msgId: signature.msgId },
        'signature already used with another message: a replayed or forged request (DingTalk signs only the timestamp, so each sign is good for one message)',
      );
      return reply.code(401).send({ error: 'signature already used' });
    }
    if (taken === 'repeat') request.log.debug({ msgId: signature.msgId }, 'robot message delivered again with its signature; already stored');
    return reply.code(200).send({});
  });
};

/**
 * Calls the core: how the message was taken, or `failed` when it could not be stored (the platform
 * should retry). `message` undefined only spends `signature` (a callback the bot does not handle).
 */
export async function handSafely(
  deps: InboundDeps,
  message: IncomingMessage | undefined,
  log: DingtalkLogger,
  signature?: OneUseSignature,
): Promise<Accepted | 'failed'> {
  try {
    const taken = await deps.handle(message, signature);
    return taken === 'repeat' || taken === 'reused' ? taken : 'stored';
  } catch (err) {
    log.error({ err, msgId: message?.msgId ?? signature?.msgId }, 'the core could not store a DingTalk message');
    return 'failed';
  }
}

function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}
