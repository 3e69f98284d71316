export { dingtalkRoutes, type DingtalkRoutesOptions } from './routes.js';
export { startDingtalkStream, type DingtalkStreamHandle, type DingtalkStreamOptions } from './stream.js';
export {
  createDingtalkAdapter,
  DingtalkClient,
  fetchAccessToken,
  DINGTALK_MAX_BYTES,
  DINGTALK_BATCH_LIMIT,
  type SessionResult,
  type TokenResult,
} from './client.js';
export { doctorDingtalk } from './doctor.js';
export { parseRobotMessage, type DingtalkParseResult } from './parse.js';
export { verifyDingtalkRequest, dingtalkSign, DINGTALK_TIMESTAMP_WINDOW_MS, type DingtalkVerifyResult, type DingtalkSignatureHeaders } from './verify.js';
export type { DingtalkConfig, DingtalkLogger } from './types.js';
