import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttachmentFetch, IncomingAttachment, OutboundMessage, PlatformAdapter } from '../../src/chat/types.js';
import { harness, type Said } from './harness.js';

/** What the fake platform does when asked for a file: hand out bytes, or fail. */
export type Served = Buffer | { fail: 'retryable' | 'permanent' | 'url'; times?: number; then?: Buffer };

/**
 * The playground platform with a file store of its own: `serve(ref, bytes)` puts a file where a
 * message's attachment names it, and the core fetches it from there.
 */
export function fakeFilePlatform() {
  const files = new Map<string, Served>();
  const asked: string[] = [];
  const adapter: PlatformAdapter = {
    platform: 'playground',
    maxBytes: 64 * 1024,
    send: (_m: OutboundMessage) => Promise.resolve({ ok: true }),
    async fetchAttachment(a: IncomingAttachment): Promise<AttachmentFetch> {
      asked.push(a.ref);
      const f = files.get(a.ref);
      if (!f) return { ok: false, retryable: false, error: 'no such file' };
      if (Buffer.isBuffer(f)) return { ok: true, body: (async function* () { yield f; })(), size: f.length };
      if (f.times !== undefined && f.times <= 0 && f.then) return { ok: true, body: (async function* () { yield f.then!; })() };
      if (f.times !== undefined) f.times -= 1;
      if (f.fail === 'url') return { ok: false, retryable: false, refused: 'url', error: 'http:// download address' };
      return { ok: false, retryable: f.fail === 'retryable', error: 'HTTP 503' };
    },
  };
  return { adapter, files, asked, serve: (ref: string, what: Served) => files.set(ref, what) };
}

/**
 * A harness that keeps evidence in a temporary folder, its files fetched from a fake platform.
 * `attach(sender, chat, text, ...files)` sends a message with attachments (a lone picture when
 * `text` is empty).
 */
export function evidenceHarness(start = '2026-11-02T02:00:00Z', env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lianbao-evidence-'));
  const platform = fakeFilePlatform();
  const h = harness(start, { RATE_SENDER_PER_MINUTE: '1000', ATTACHMENTS_DIR: join(dir, 'attachments'), ...env }, { playground: platform.adapter });
  let n = 0;
  function attach(
    senderId: string,
    chatId: string,
    text: string,
    ...files: { kind?: IncomingAttachment['kind']; bytes?: Buffer; name?: string; ref?: string; serve?: Served }[]
  ): Said {
    const attachments = files.map((f) => {
      const ref = f.ref ?? `file-${++n}`;
      if (f.serve ?? f.bytes) platform.serve(ref, (f.serve ?? f.bytes)!);
      return { kind: f.kind ?? 'image', ref, ...(f.name ? { name: f.name } : {}) };
    });
    const kind = text ? undefined : attachments[0]?.kind === 'audio' ? ('voice' as const) : attachments[0]?.kind === 'file' ? ('file' as const) : ('image' as const);
    return h.send({ senderId, chatId, text, attachments, ...(kind ? { kind } : {}) });
  }
  /** Fetches every download due now, and returns the replies that queued. */
  async function fetched(): Promise<string[]> {
    const before = (h.db.prepare('SELECT max(id) AS id FROM outbox').get() as { id: number | null }).id ?? 0;
    await h.downloads.drain();
    return (h.db.prepare("SELECT body FROM outbox WHERE id > ? AND kind = 'reply' ORDER BY id").all(before) as { body: string }[]).map((r) => r.body);
  }
  /** The files in the attachments folder, temporary ones apart. */
  const kept = (): string[] => {
    try {
      return readdirSync(join(dir, 'attachments')).filter((f) => f !== '.tmp').sort();
    } catch {
      return [];
    }
  };
  const temporary = (): string[] => {
    try {
      return readdirSync(join(dir, 'attachments', '.tmp'));
    } catch {
      return [];
    }
  };
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  return { ...h, platform, attach, fetched, kept, temporary, cleanup, dir };
}
