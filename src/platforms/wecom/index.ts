export { createWecomAdapter, redactKey, WECOM_MAX_BYTES, type AdapterLog, type WecomConfig } from './client.js';
export { doctorWecom } from './doctor.js';
export { parseEnvelope, parseInner, stripLeadingMentions, WecomParseError, REPLY_URL_TTL_MS, type InnerResult } from './parse.js';
export { parseRawQuery, wecomRoutes, type WecomRoutesOptions } from './routes.js';
export {
  MAX_SKEW_SECONDS,
  verifyWecom,
  wecomSignature,
  type WecomCheck,
  type WecomSecrets,
  type WecomSignedParams,
  type WecomVerifyResult,
} from './verify.js';
