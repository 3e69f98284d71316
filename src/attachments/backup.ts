import { constants } from 'node:fs';
import { copyFile, link, mkdir, readdir, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Files of the attachments folder are named by their SHA-256; nothing else there is evidence. */
const KEPT = /^[0-9a-f]{64}$/;

/**
 * Copies the attachments folder beside a database backup (SPEC §10: `<backup>.attachments/`).
 * A kept file never changes (its name is its content's hash), so a file the copy has already is
 * skipped, and one an earlier backup has (`linkFrom`) is hard-linked from it instead of copied:
 * a nightly backup then costs the space of the day's new files. Each copy is written under a
 * temporary name and renamed, so a copy cut short never passes for a file.
 */
export async function copyAttachments(src: string, dest: string, linkFrom?: string): Promise<{ copied: number; linked: number; present: number }> {
  const out = { copied: 0, linked: 0, present: 0 };
  let names: string[];
  try {
    names = (await readdir(src)).filter((n) => KEPT.test(n));
  } catch (err) {
    // No evidence kept yet: nothing to copy, and no empty folder beside the backup.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  await mkdir(dest, { recursive: true });
  const have = new Set((await readdir(dest)).filter((n) => KEPT.test(n)));
  for (const name of names) {
    if (have.has(name)) {
      out.present += 1;
      continue;
    }
    const target = join(dest, name);
    if (linkFrom) {
      try {
        await link(join(linkFrom, name), target);
        out.linked += 1;
        continue;
      } catch {
        // not in the earlier backup, or another file system: copied instead
      }
    }
    const partial = `${target}.part`;
    try {
      // A copy-on-write clone where the file system offers one, a plain copy elsewhere.
      await copyFile(join(src, name), partial, constants.COPYFILE_FICLONE);
      await rename(partial, target);
    } finally {
      await rm(partial, { force: true });
    }
    out.copied += 1;
  }
  return out;
}

/** The free space of the folder evidence is written to, and whether the server can write there. */
export async function attachmentsHealth(dir: string): Promise<{ writable: true; freeBytes: number } | { writable: false; error: string }> {
  try {
    await mkdir(join(dir, '.tmp'), { recursive: true });
    const probe = join(dir, '.tmp', `doctor-${process.pid}`);
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
    await stat(dir);
    const fs = await statfs(dir);
    return { writable: true, freeBytes: fs.bavail * fs.bsize };
  } catch (err) {
    return { writable: false, error: err instanceof Error ? err.message : String(err) };
  }
}
