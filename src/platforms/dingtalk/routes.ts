import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { InboundDeps } from '../inbound.js';
import type { IncomingMessage } from '../types.js';
import { parseRobotMessage } from './parse.js';
import type { DingtalkConfig, DingtalkLogger } from './types.js';
import { verifyDingtalkRequest } from './verify.js';

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
    if (parsed.kind === 'ignored') {
      request.log.debug({ msgtype: parsed.msgtype }, 'robot message type not handled; ignored');
      return reply.code(200).send({});
    }

    const message = parsed.message;
    request.log.debug({ msgId: message.msgId, chatId: message.chatId, text: message.text }, 'robot message received');
    // Stored before the 200 (in the inbox, or handled, depending on the server), so a crash cannot
    // lose a message DingTalk believes delivered; replies are sent afterwards by the outbox.
    if (!(await handSafely(deps, message, request.log))) return reply.code(500).send({ error: 'not stored, please retry' });
    return reply.code(200).send({});
  });
};

/** Calls the core; false when the message could not be stored (the platform should retry). */
export async function handSafely(deps: InboundDeps, message: IncomingMessage, log: DingtalkLogger): Promise<boolean> {
  try {
    await deps.handle(message);
    return true;
  } catch (err) {
    log.error({ err, msgId: message.msgId }, 'the core could not store a DingTalk message');
    return false;
  }
}

function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}
