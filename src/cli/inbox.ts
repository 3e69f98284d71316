import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { openInbox, SetAsideRepo } from '../db/inbox-store.js';
import { inboxPathFor } from '../inbox/inbox.js';
import { readSetAside } from '../inbox/set-aside.js';
import { formatTime } from '../tickets/format.js';
import { UsageError, type Out } from './common.js';

/** `lianbao inbox`: the messages set aside (SPEC §9). */
export function inboxVerb(config: Config, args: string[], out: Out): void {
  const [sub = 'list', idText, ...extra] = args;
  if (!['list', 'show', 'retry', 'drop'].includes(sub) || extra.length > 0 || (sub === 'list') !== (idText === undefined)) {
    throw new UsageError('用法：lianbao inbox [list | show <编号> | retry <编号> | drop <编号>]');
  }
  if (config.databasePath === ':memory:') throw new Error('内存数据库（DATABASE_PATH=:memory:）没有 inbox');
  const db = openInbox(inboxPathFor(config.databasePath));
  try {
    const setAside = new SetAsideRepo(db);
    if (sub === 'list') {
      const rows = setAside.list().map(readSetAside);
      out(rows.length === 0 ? '没有搁置的消息' : `搁置的消息 ${setAside.count()} 条（lianbao inbox show <编号> 查看，retry <编号> 重新处理，drop <编号> 删除）：`);
      for (const r of rows) {
        const m = r.message;
        const text = m ? [...m.text.replace(/\s+/g, ' ')].slice(0, 40).join('') : '（无法读取）';
        out(`${r.id}\t${formatTime(r.setAsideAt)}\t${m ? `${m.platform} ${m.chatId} ${m.senderId}` : ''}\t尝试${r.tries}次\t${r.reason}\t${text}`);
      }
      return;
    }
    const id = Number(idText);
    if (!Number.isInteger(id) || id <= 0) throw new UsageError(`"${idText}" 不是消息编号（lianbao inbox 列出全部）`);
    const found = setAside.get(id);
    const row = found && readSetAside(found);
    // A well-formed id that is not there is an ordinary failure (exit 1), not a wrong invocation.
    if (!row) throw new Error(`没有编号为 ${id} 的搁置消息（lianbao inbox 列出全部）`);
    if (sub === 'show') {
      out(`编号 ${row.id}，收到 ${formatTime(row.receivedAt)}，搁置 ${formatTime(row.setAsideAt)}，尝试 ${row.tries} 次`);
      out(`原因：${row.reason}`);
      out(row.message ? JSON.stringify(row.message, null, 2) : row.raw);
      return;
    }
    if (sub === 'retry') {
      setAside.retry(id, systemClock.now().getTime());
      out(`消息 ${id} 已放回队列末尾，运行中的服务器会在几秒内处理它（已处理过的消息不会重复生效）`);
      return;
    }
    setAside.drop(id);
    out(`消息 ${id} 已删除`);
  } finally {
    db.close();
  }
}
