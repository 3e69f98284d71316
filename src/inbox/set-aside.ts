import type { IncomingMessage } from '../chat/types.js';
import type { SetAsideRecord } from '../db/inbox-store.js';

/** Times a message's handling is started before it is set aside (src/inbox/handler.ts). */
export const MAX_TRIES = 3;

/** A message set aside, with what it holds read back as a message where it is one (`lianbao inbox`). */
export interface SetAsideMessage extends SetAsideRecord {
  /** undefined when the stored text is not a message at all */
  message: IncomingMessage | undefined;
}

export function readSetAside(r: SetAsideRecord): SetAsideMessage {
  return { ...r, message: parseMessage(r.raw) };
}

function parseMessage(raw: string): IncomingMessage | undefined {
  try {
    const m: unknown = JSON.parse(raw);
    return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as IncomingMessage) : undefined;
  } catch {
    return undefined;
  }
}
