import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freeSpaceProblem, MIN_FREE_BYTES } from '../../src/db/open.js';

// SPEC §9: /readyz fails when the disk cannot take writes. The check reads the free space of the
// database's folder; a disk with less than the minimum is named, with what it has.
describe('the free-space check of /readyz', () => {
  const db = join(tmpdir(), 'lianbao.db');

  it('names a disk with less free space than needed', async () => {
    expect(await freeSpaceProblem(db, Number.MAX_SAFE_INTEGER)).toMatch(/^disk nearly full: \d+ MB free beside the database/);
  });

  it('says nothing when there is room', async () => {
    expect(await freeSpaceProblem(db, 1)).toBeUndefined();
    expect(MIN_FREE_BYTES).toBe(64 * 1024 * 1024);
  });
});
