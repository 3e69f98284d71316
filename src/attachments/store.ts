import { createHash, randomUUID } from 'node:crypto';
import { existsSync, statfsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileTypeFromFile } from 'file-type';
import type { AttachmentKind } from '../chat/types.js';
import type { AttachmentCategory, StoredFile } from '../db/attachments-repo.js';

/** Why a file was not kept: over the size limit, not a kind of file kept, or not the picture it said it was. */
export type IngestRefusal = 'too_large' | 'type' | 'not_image';

export type IngestResult =
  | { ok: true; file: StoredFile; existed: boolean }
  | { ok: false; refused: IngestRefusal; detail: string; size?: number };

/** The body of a download failed while it was read (a connection cut, an aborted download): worth another try. */
export class BodyError extends Error {
  override name = 'BodyError';
}

/**
 * The disk stays this free of evidence: 1 GiB, or 5 % of a larger disk. The attachments folder sits
 * beside the database by default, and SQLite needs room to grow, for its WAL and for a backup's
 * copy; a disk at 95 % is where monitoring commonly alerts. Below it, new evidence is not written
 * (the sender is told), so no group member can fill the disk and stop the bot for everyone.
 */
export const RESERVE_MIN_BYTES = 1024 * 1024 * 1024;
export const RESERVE_SHARE = 0.05;

/** The room a folder's file system has: free to an unprivileged writer, and its whole size. */
export interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
}

/** Whether a write of some size leaves the reserve, with the figures that decided it. */
export interface DiskRoom extends DiskSpace {
  ok: boolean;
  reserveBytes: number;
}

export function reserveBytes(totalBytes: number): number {
  return Math.max(RESERVE_MIN_BYTES, Math.ceil(totalBytes * RESERVE_SHARE));
}

/** The file system of `dir`, measured at the nearest folder that exists (the folder is made at the first file). */
export function diskSpace(dir: string): DiskSpace {
  let at = resolve(dir);
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  const fs = statfsSync(at);
  return { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize };
}

/** `bytes` more on a disk of this much room: do they leave the reserve? */
export function roomFor(space: DiskSpace, bytes: number): DiskRoom {
  const reserve = reserveBytes(space.totalBytes);
  return { ...space, reserveBytes: reserve, ok: space.freeBytes - bytes >= reserve };
}

/** A file not written because the disk would be left with less than its reserve. */
export class DiskReserveError extends Error {
  override name = 'DiskReserveError';
  constructor(readonly room: DiskRoom) {
    super(
      `check 'attachment-disk-reserve': ${Math.floor(room.freeBytes / 1024 / 1024)} MB free, ` +
        `${Math.ceil(room.reserveBytes / 1024 / 1024)} MB kept free; the file was not written`,
    );
  }
}

/** Temporary files older than this are left over from a download that never finished. */
const STALE_TEMP_MS = 60 * 60 * 1000;
const TEMP = '.tmp';

/**
 * Pictures: the raster formats cameras and phones write. SVG is not one (file-type never reports
 * it, and a browser would run its scripts); a format a browser cannot show is still kept, and linked.
 */
const IMAGES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/bmp', 'image/heic', 'image/heif', 'image/avif', 'image/tiff', 'image/jxl']);
/** Pictures a browser shows in an <img>: the dashboard draws these as thumbnails. */
export const SHOWN_IMAGES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/bmp', 'image/avif']);

/** Documents: PDF, Office Open XML, OpenDocument and RTF; macro-enabled Office files are not taken. */
function isDocument(mime: string): boolean {
  if (mime === 'application/pdf' || mime === 'application/rtf') return true;
  if (mime.includes('macroenabled')) return false;
  return mime.startsWith('application/vnd.openxmlformats-officedocument.') || mime.startsWith('application/vnd.oasis.opendocument.');
}

/**
 * Office documents of before 2007 (and WPS's) are compound files, which is also what an .msi
 * installer is: the content alone cannot tell them apart, so such a file is taken only under the
 * name of a document, and is stored as that document.
 */
const COMPOUND_DOCUMENTS: Record<string, string> = {
  '.doc': 'application/msword',
  '.xls': 'application/vnd.ms-excel',
  '.ppt': 'application/vnd.ms-powerpoint',
  '.wps': 'application/x-cfb',
  '.et': 'application/x-cfb',
  '.dps': 'application/x-cfb',
};

const IMAGE_NAMES = /\.(jpe?g|png|gif|webp|bmp|heic|heif|avif|tiff?|jxl)$/i;

/**
 * What a file is kept as, from the type its content shows (magic bytes) and, for compound files
 * only, its name; or why it is not kept. A file said to be a picture (sent as one, or named like
 * one) must be a picture.
 */
export function classify(
  sniffed: string | undefined,
  claim: { kind: AttachmentKind; name?: string },
): { mime: string; category: AttachmentCategory } | { refused: IngestRefusal; detail: string } {
  const ext = extname(claim.name ?? '').toLowerCase();
  let kept: { mime: string; category: AttachmentCategory } | undefined;
  if (sniffed && IMAGES.has(sniffed)) kept = { mime: sniffed, category: 'image' };
  else if (sniffed?.startsWith('audio/')) kept = { mime: sniffed, category: 'audio' };
  else if (sniffed?.startsWith('video/')) kept = { mime: sniffed, category: 'video' };
  else if (sniffed && isDocument(sniffed)) kept = { mime: sniffed, category: 'file' };
  else if (sniffed === 'application/x-cfb' && COMPOUND_DOCUMENTS[ext]) kept = { mime: COMPOUND_DOCUMENTS[ext]!, category: 'file' };
  const saidImage = claim.kind === 'image' || IMAGE_NAMES.test(claim.name ?? '');
  if (saidImage && kept?.category !== 'image') {
    return { refused: 'not_image', detail: `said to be a picture, but its content is ${sniffed ?? 'of no known type'}` };
  }
  if (!kept) return { refused: 'type', detail: `content is ${sniffed ?? 'of no known type'}` };
  return kept;
}

/**
 * The attachments folder (SPEC §7b): each file named by the SHA-256 of its content, so a file sent
 * twice is kept once, and a name says what is in it. A file is written beside the others under a
 * temporary name, hashed and checked as it is written, and renamed into place only once it is
 * whole and allowed: nothing half-written or refused ever carries a hash's name.
 */
export class AttachmentStore {
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /** Where a kept file is. */
  path(sha256: string): string {
    return join(this.dir, sha256);
  }

  has(sha256: string): boolean {
    return existsSync(this.path(sha256));
  }

  /** The room the folder's file system has now (a method, so that tests can fake a full disk). */
  freeSpace(): DiskSpace {
    return diskSpace(this.dir);
  }

  /** Whether `bytes` more can be written here and leave the disk its reserve. */
  room(bytes: number): DiskRoom {
    return roomFor(this.freeSpace(), bytes);
  }

  /**
   * Reads a file to its end (or to the size limit, where it stops reading), and keeps it if it is
   * allowed. Throws a BodyError when the body fails while it is read, a DiskReserveError when a
   * file as large as allowed would leave the disk less than its reserve (then nothing is read), and
   * the file system's error when the file cannot be written; either way nothing is kept.
   */
  async ingest(body: AsyncIterable<Uint8Array>, claim: { kind: AttachmentKind; name?: string }): Promise<IngestResult> {
    // Checked again here, not only when the message came: the disk may have filled since.
    const room = this.room(this.maxBytes);
    if (!room.ok) {
      await body[Symbol.asyncIterator]().return?.();
      throw new DiskReserveError(room);
    }
    await mkdir(join(this.dir, TEMP), { recursive: true });
    const temp = join(this.dir, TEMP, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    let kept = false;
    const fh = await open(temp, 'wx', 0o640);
    try {
      let tooLarge = false;
      try {
        for await (const chunk of body) {
          size += chunk.byteLength;
          // Enforced while reading: a file over the limit is never read to its end.
          if (size > this.maxBytes) {
            tooLarge = true;
            break;
          }
          hash.update(chunk);
          await fh.write(chunk);
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).syscall === 'write') throw err;
        throw new BodyError(err instanceof Error ? err.message : String(err));
      }
      if (tooLarge) return { ok: false, refused: 'too_large', detail: `over ${this.maxBytes} bytes`, size };
      // On disk before the database says the file is there.
      await fh.sync();
      await fh.close();
      const sniffed = (await fileTypeFromFile(temp))?.mime;
      const what = classify(sniffed, claim);
      if ('refused' in what) return { ok: false, ...what, size };
      const sha256 = hash.digest('hex');
      const existed = this.has(sha256);
      // The same name always holds the same bytes, so replacing a file with itself changes nothing.
      if (!existed) await rename(temp, this.path(sha256));
      kept = !existed;
      return { ok: true, file: { sha256, size, ...what }, existed };
    } finally {
      await fh.close().catch(() => undefined);
      if (!kept) await rm(temp, { force: true });
    }
  }

  /** Removes temporary files that a download cut short by a crash left behind. */
  async cleanTemp(nowMs: number): Promise<number> {
    let removed = 0;
    let names: string[];
    try {
      names = await readdir(join(this.dir, TEMP));
    } catch {
      return 0;
    }
    for (const name of names) {
      const path = join(this.dir, TEMP, name);
      try {
        if (nowMs - (await stat(path)).mtimeMs < STALE_TEMP_MS) continue;
        await rm(path, { force: true });
        removed += 1;
      } catch {
        // gone meanwhile
      }
    }
    return removed;
  }
}
