import pino, { type Logger } from 'pino';

/** Every path where a secret can appear in a log line (SPEC §9). */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers.sign',
  'req.headers["x-acs-dingtalk-access-token"]',
  'req.query.msg_signature',
  'req.query.echostr',
  '*.token',
  '*.secret',
  '*.appSecret',
  '*.encodingAesKey',
  '*.accessToken',
  '*.access_token',
  '*.webhookKey',
  '*.corpsecret',
  'config.adminToken',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'lianbao' } }, destination);
}
