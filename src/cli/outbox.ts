import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { OutboxRepo } from '../db/outbox-repo.js';
import { formatTime } from '../tickets/format.js';
import { readOptions, UsageError, withDb, type Out } from './common.js';

const OUTBOX_STATUS: Record<string, string> = { pending: '待发', failed: '发送失败', sent: '已发送' };
const OUTBOX_KIND: Record<string, string> = { group: '群', person: '私信', reply: '回复' };

/** `lianbao outbox`: the messages that could not be sent, or are waiting; one sent again on request. */
export function outboxVerb(config: Config, args: string[], out: Out): void {
  const { values } = readOptions(() =>
    parseArgs({
      args,
      options: { failed: { type: 'boolean' }, pending: { type: 'boolean' }, retry: { type: 'string' }, limit: { type: 'string' } },
    }),
  );
  withDb(config, (db) => {
    const outbox = new OutboxRepo(db);
    if (values.retry !== undefined) {
      const id = Number(values.retry);
      if (!Number.isInteger(id) || id <= 0) throw new UsageError(`--retry 后面要写消息编号，"${values.retry}" 不是`);
      const item = outbox.get(id);
      // An id that is not there, or a message that did not fail, is an ordinary failure (exit 1), not a wrong invocation.
      if (!item) throw new Error(`没有编号为 ${id} 的外发消息（lianbao outbox 列出发送失败的消息）`);
      if (!outbox.requeue(id, systemClock.now().getTime())) {
        throw new Error(`消息 ${id} 的状态是「${OUTBOX_STATUS[item.status]}」，只有发送失败的消息才能重发`);
      }
      out(`消息 ${id} 已重新排队，运行中的服务器会在一秒内发送`);
      return;
    }
    const status = values.pending ? 'pending' : 'failed';
    const items = outbox.list(status, Number(values.limit ?? 100));
    const c = outbox.counts();
    out(`外发消息：待发 ${c.pending} 条，失败 ${c.failed} 条，已发 ${c.sent} 条`);
    for (const m of items) {
      const first = m.text.split('\n')[0]!.slice(0, 40);
      const to = `${m.platform} ${OUTBOX_KIND[m.kind]} → ${m.to || m.chatId || ''}`;
      out(`#${m.id}\t${OUTBOX_STATUS[status]}\t${to}\t尝试 ${m.attempts} 次\t${formatTime(m.createdAt)}\t${m.lastError ?? ''}\t${first}`);
    }
  });
}
