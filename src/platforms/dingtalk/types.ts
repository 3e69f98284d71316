import type { BaseLogger } from 'pino';
import type { Config } from '../../config.js';

/** The DingTalk part of the configuration (present only when DINGTALK_APP_KEY and _SECRET are set). */
export type DingtalkConfig = NonNullable<Config['dingtalk']>;

/** Any pino-compatible logger: the server's root logger, a Fastify request logger or a child. */
export type DingtalkLogger = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;
