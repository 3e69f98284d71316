/**
 * /metrics shows the attachments disk as the evidence checks see it (SPEC §10): its free space, the
 * reserve kept, and whether new files are being refused, from the same test that refuses them.
 */
import { describe, expect, it } from 'vitest';
import { roomFor } from '../../src/attachments/store.js';
import { FixedClock } from '../../src/clock.js';
import { createMetrics } from '../../src/metrics.js';

const GIB = 1024 * 1024 * 1024;

function metricsWith(freeBytes: number) {
  return createMetrics({
    tickets: { countByState: () => [], countOverdue: () => 0 },
    outbox: { counts: () => ({ pending: 0, failed: 0, sent: 0 }) },
    attachments: { downloadCounts: () => ({ pending: 0, done: 0, refused: 0, failed: 0 }) },
    clock: new FixedClock('2026-11-02T02:00:00Z'),
    attachmentsDisk: () => roomFor({ freeBytes, totalBytes: 100 * GIB }, 20 * 1024 * 1024),
  });
}

describe('the attachments disk on /metrics', () => {
  it('reports free space and the reserve, and flags when new evidence is refused', async () => {
    const roomy = await metricsWith(40 * GIB).registry.metrics();
    expect(roomy).toContain(`lianbao_attachments_free_bytes ${40 * GIB}`);
    expect(roomy).toContain(`lianbao_attachments_reserve_bytes ${5 * GIB}`);
    expect(roomy).toContain('lianbao_attachments_refused_for_space 0');
    const full = await metricsWith(5 * GIB).registry.metrics();
    expect(full).toContain('lianbao_attachments_refused_for_space 1');
  });
});
