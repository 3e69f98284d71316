import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { openDb } from '../../src/db/open.js';
import { cli, filledDatabase } from '../support/cli.js';

let dir = '';
let env: Record<string, string> = {};

beforeAll(async () => {
  ({ dir, env } = await filledDatabase());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function reportsQueued(): { to: string; body: string }[] {
  const db = openDb(env.DATABASE_PATH!);
  try {
    return db.prepare("SELECT destination AS \"to\", body FROM outbox WHERE body LIKE '%联保工作月报%' ORDER BY id").all() as { to: string; body: string }[];
  } finally {
    db.close();
  }
}

describe('lianbao jobs run monthly-report', () => {
  it('queues the month once, says it skipped a second run, and sends again with --force', async () => {
    const now = ['--now', '2026-12-01T09:00:00+08:00'];
    const first = await cli(['jobs', 'run', 'monthly-report', ...now], env);
    expect(first.code).toBe(0);
    // Pending: the filling's messages, and the updates of the two cards its 认领 and 满意 settled.
    expect(first.out).toBe('monthly-report 2026-11：收到工单 3 件；已发给护企办和 3 位领导（外发队列中待发 13 条）');
    expect(reportsQueued().map((m) => m.to)).toEqual(['coordinators', 'he', 'li', 'wu']);
    expect(reportsQueued()[0]!.body).toContain('2026年11月 联保工作月报');

    const again = await cli(['jobs', 'run', 'monthly-report', ...now], env);
    expect(again.code).toBe(0);
    expect(again.out).toBe('monthly-report 2026-11：已跳过，2026-11 已经运行过（加 --force 再运行一次）');
    expect(reportsQueued()).toHaveLength(4);

    const forced = await cli(['jobs', 'run', 'monthly-report', ...now, '--force'], env);
    expect(forced.code).toBe(0);
    expect(reportsQueued()).toHaveLength(8);
  });
});

describe('lianbao jobs run escalate', () => {
  // The server logs English JSON for log collectors; the operator at the terminal reads Chinese.
  it('prints its summary and the calendar warning in Chinese, one line each', async () => {
    const r = await cli(['jobs', 'run', 'escalate', '--now', '2026-12-07T09:00:00+08:00'], env);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^escalate 2026-12-07 09:00：临期提醒 \d+，一级 \d+，二级 \d+，三级 \d+，待回访 \d+（外发队列中待发 \d+ 条）$/);
    expect(r.err).toBe(
      '注意：还没有 2027 年的节假日数据：国务院办公厅一般在 11 月前后公布下一年的放假安排，公布后请加到名册的 calendar 部分（holidays 放假、workdays 调休上班），再运行 lianbao import',
    );
  });
});
