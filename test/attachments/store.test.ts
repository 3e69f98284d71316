/**
 * The attachments folder (SPEC §7b): a file is named by the SHA-256 of its content and kept once;
 * its type is what its content shows, not its name; the size limit holds while it is read; a file
 * refused or cut short leaves nothing behind.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AttachmentStore, BodyError, classify, diskSpace, DiskReserveError, reserveBytes } from '../../src/attachments/store.js';
import { compoundFile, html, largePng, pdf, png, sha256 } from '../support/files.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(maxBytes = 1024 * 1024): AttachmentStore {
  const dir = mkdtempSync(join(tmpdir(), 'lianbao-store-'));
  dirs.push(dir);
  return new AttachmentStore(join(dir, 'attachments'), maxBytes);
}

/** The body as a platform download delivers it: in pieces. */
async function* pieces(b: Buffer, size = 1000): AsyncIterable<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

/** What the folder holds, the temporary files left aside. */
function kept(s: AttachmentStore): string[] {
  return readdirSync(s.dir).filter((f) => f !== '.tmp');
}

describe('the attachments folder', () => {
  it('keeps a photo under the SHA-256 of its content, with the type its content shows', async () => {
    const s = store();
    const photo = png(40, 30, [200, 30, 30]);
    const r = await s.ingest(pieces(photo), { kind: 'image' });
    expect(r).toEqual({ ok: true, existed: false, file: { sha256: sha256(photo), size: photo.length, mime: 'image/png', category: 'image' } });
    expect(kept(s)).toEqual([sha256(photo)]);
    expect(readFileSync(s.path(sha256(photo)))).toEqual(photo);
    expect(readdirSync(join(s.dir, '.tmp'))).toEqual([]);
  });

  it('keeps the same file once however often it comes', async () => {
    const s = store();
    const doc = pdf('现场照片说明');
    expect(await s.ingest(pieces(doc), { kind: 'file', name: '说明.pdf' })).toMatchObject({ ok: true, existed: false });
    expect(await s.ingest(pieces(doc), { kind: 'file', name: '另一个名字.pdf' })).toMatchObject({ ok: true, existed: true, file: { sha256: sha256(doc) } });
    expect(kept(s)).toEqual([sha256(doc)]);
  });

  it('stops reading a file at the size limit, and keeps nothing of it', async () => {
    const s = store(64 * 1024);
    let read = 0;
    async function* endless(): AsyncIterable<Uint8Array> {
      const piece = largePng(16 * 1024);
      for (;;) {
        read += piece.length;
        yield piece;
      }
    }
    const r = await s.ingest(endless(), { kind: 'image' });
    expect(r).toMatchObject({ ok: false, refused: 'too_large' });
    // One piece past the limit, not the rest of an endless body.
    expect(read).toBe(64 * 1024 + 16 * 1024);
    expect(kept(s)).toEqual([]);
    expect(readdirSync(join(s.dir, '.tmp'))).toEqual([]);
  });

  it('refuses a web page named like a photo, and a file sent as a picture that is not one', async () => {
    const s = store();
    expect(await s.ingest(pieces(html()), { kind: 'file', name: '现场.jpg' })).toMatchObject({ ok: false, refused: 'not_image' });
    expect(await s.ingest(pieces(pdf('x')), { kind: 'image' })).toMatchObject({ ok: false, refused: 'not_image' });
    expect(await s.ingest(pieces(html()), { kind: 'file', name: '说明.html' })).toMatchObject({ ok: false, refused: 'type' });
    expect(kept(s)).toEqual([]);
  });

  it('takes an old Office document, but not the same container under an installer\'s name', async () => {
    const s = store();
    expect(await s.ingest(pieces(compoundFile()), { kind: 'file', name: '情况说明.doc' })).toMatchObject({
      ok: true,
      file: { mime: 'application/msword', category: 'file' },
    });
    const other = Buffer.concat([compoundFile(), Buffer.from('other')]);
    expect(await s.ingest(pieces(other), { kind: 'file', name: 'setup.msi' })).toMatchObject({ ok: false, refused: 'type' });
  });

  it('keeps nothing when the body fails half-way, and says it is worth another try', async () => {
    const s = store();
    async function* cut(): AsyncIterable<Uint8Array> {
      yield png(10, 10, [1, 2, 3]).subarray(0, 20);
      throw new Error('socket hang up');
    }
    await expect(s.ingest(cut(), { kind: 'image' })).rejects.toBeInstanceOf(BodyError);
    expect(kept(s)).toEqual([]);
    expect(readdirSync(join(s.dir, '.tmp'))).toEqual([]);
  });

  it('clears temporary files a crash left behind, not those of a download under way', async () => {
    const s = store();
    await s.ingest(pieces(png(2, 2, [0, 0, 0])), { kind: 'image' });
    const old = join(s.dir, '.tmp', 'left-over');
    const fresh = join(s.dir, '.tmp', 'under-way');
    writeFileSync(old, 'x');
    writeFileSync(fresh, 'y');
    const now = Date.now();
    utimesSync(old, new Date(now - 2 * 3_600_000), new Date(now - 2 * 3_600_000));
    expect(await s.cleanTemp(now)).toBe(1);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });
});

describe('what a file is kept as', () => {
  it.each([
    ['image/jpeg', 'image', undefined, 'image'],
    ['audio/amr', 'audio', '语音.amr', 'audio'],
    ['video/mp4', 'file', 'clip.mp4', 'video'],
    ['application/pdf', 'file', 'a.pdf', 'file'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'file', 'a.docx', 'file'],
    ['application/vnd.oasis.opendocument.spreadsheet', 'file', 'a.ods', 'file'],
  ] as const)('%s sent as %s is kept as %s', (mime, kind, name, category) => {
    expect(classify(mime, { kind, name })).toEqual({ mime, category });
  });

  it.each([
    ['application/zip', 'a.zip'],
    ['application/x-msdownload', 'a.exe'],
    ['application/vnd.ms-word.document.macroenabled.12', 'a.docm'],
    [undefined, 'a.txt'],
  ])('refuses %s', (mime, name) => {
    expect(classify(mime, { kind: 'file', name })).toMatchObject({ refused: 'type' });
  });
});

describe('the disk\'s reserve', () => {
  const GIB = 1024 * 1024 * 1024;

  it('is 1 GiB, or 5 % of a disk larger than 20 GiB', () => {
    expect(reserveBytes(8 * GIB)).toBe(GIB);
    expect(reserveBytes(20 * GIB)).toBe(GIB);
    expect(reserveBytes(500 * GIB)).toBe(25 * GIB);
  });

  it('is measured on the folder\'s disk before the folder exists', () => {
    const s = store();
    const space = diskSpace(s.dir);
    expect(space.totalBytes).toBeGreaterThan(0);
    expect(space.freeBytes).toBeGreaterThan(0);
    expect(space.freeBytes).toBeLessThanOrEqual(space.totalBytes);
  });

  it('writes nothing when a file as large as allowed would eat into it, and reads none of the body', async () => {
    const s = store(20 * 1024 * 1024);
    vi.spyOn(s, 'freeSpace').mockReturnValue({ freeBytes: GIB + 19 * 1024 * 1024, totalBytes: 20 * GIB });
    let read = 0;
    let closed = false;
    async function* body() {
      try {
        read += 1;
        yield png(4, 4, [1, 2, 3]);
      } finally {
        closed = true;
      }
    }
    const err = await s.ingest(body(), { kind: 'image' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiskReserveError);
    expect((err as Error).message).toBe("check 'attachment-disk-reserve': 1043 MB free, 1024 MB kept free; the file was not written");
    expect(read).toBe(0);
    expect(existsSync(s.dir)).toBe(false);
    // One MB more, and the same file is kept.
    vi.spyOn(s, 'freeSpace').mockReturnValue({ freeBytes: GIB + 20 * 1024 * 1024, totalBytes: 20 * GIB });
    expect(await s.ingest(body(), { kind: 'image' })).toMatchObject({ ok: true });
    expect(closed).toBe(true);
  });
});
