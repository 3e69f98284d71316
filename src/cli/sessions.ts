import { parseArgs } from 'node:util';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { RosterRepo } from '../db/roster-repo.js';
import { SessionsRepo, type Session } from '../db/sessions-repo.js';
import { formatTime } from '../tickets/format.js';
import { readOptions, UsageError, withDb, type Out } from './common.js';

/** Hex characters of a session's hash shown as its 编号: enough to tell sessions apart, useless to sign in with. */
const ID_CHARS = 10;
/** The fewest characters `end` takes, so that a typo does not end someone else's session. */
const MIN_ID_CHARS = 6;

const END_USAGE = 'lianbao sessions end <编号> | --person <人员 id> | --all';

/** `lianbao sessions`: the dashboard's sign-ins in force, and ending them (SPEC §11). */
export function sessionsVerb(config: Config, args: string[], out: Out, clock: Clock): void {
  const { values, positionals } = readOptions(() =>
    parseArgs({ args, allowPositionals: true, options: { person: { type: 'string' }, all: { type: 'boolean' } } }),
  );
  const [action, ...rest] = positionals;
  if (action === undefined || action === 'list') {
    if (rest.length > 0 || values.person !== undefined || values.all) throw new UsageError('列出登录不带参数：lianbao sessions');
    withDb(config, (db) => list(new SessionsRepo(db), new RosterRepo(db), clock.now().getTime(), out));
    return;
  }
  if (action !== 'end') throw new UsageError(`不认识的操作 "${action}"：lianbao sessions 列出登录，${END_USAGE} 结束登录`);
  const given = [rest.length > 0, values.person !== undefined, values.all === true].filter(Boolean).length;
  if (given !== 1 || rest.length > 1) throw new UsageError(`请指定要结束哪些登录（三选一）：${END_USAGE}`);
  withDb(config, (db) => {
    const sessions = new SessionsRepo(db);
    const roster = new RosterRepo(db);
    const now = clock.now().getTime();
    if (values.all) {
      const n = sessions.revokeAll(now);
      out(n > 0 ? `已结束全部 ${n} 个工作台账登录` : '没有正在生效的工作台账登录');
      return;
    }
    if (values.person !== undefined) {
      const person = roster.person(values.person);
      // Someone or a sign-in that is not there is an ordinary failure (exit 1), not a wrong invocation.
      if (!person) throw new Error(`名册中没有人员 "${values.person}"（人员 id 见名册文件的 people.id）`);
      const n = sessions.revokePerson(person.id, now);
      out(n > 0 ? `已结束 ${person.name}（${person.id}）的 ${n} 个登录` : `${person.name}（${person.id}）没有正在生效的登录`);
      return;
    }
    const id = rest[0]!.toLowerCase();
    if (!/^[0-9a-f]+$/.test(id) || id.length < MIN_ID_CHARS) {
      throw new UsageError(`登录编号是 lianbao sessions 列出的 ${ID_CHARS} 位编号（至少写前 ${MIN_ID_CHARS} 位），"${rest[0]}" 不是`);
    }
    const matches = sessions.inForce(now).filter((s) => s.idHash.startsWith(id));
    if (matches.length === 0) throw new Error(`没有编号为 ${id} 的正在生效的登录（lianbao sessions 列出全部）`);
    if (matches.length > 1) throw new Error(`编号 ${id} 对应多个登录，请写完整的 ${ID_CHARS} 位编号`);
    sessions.revoke(matches[0]!.idHash, now);
    out(`已结束登录 ${id}（${who(matches[0]!, roster)}）`);
  });
}

/** Who signed in: a person of the roster, or, for ADMIN_TOKEN, whoever holds it (the token names nobody). */
function who(s: Session, roster: RosterRepo): string {
  if (s.personId === null) return '持管理口令者';
  const p = roster.person(s.personId);
  return p ? `${p.name}（${p.id}）` : s.personId;
}

function list(sessions: SessionsRepo, roster: RosterRepo, now: number, out: Out): void {
  const all = sessions.inForce(now);
  if (all.length === 0) {
    out('没有正在生效的工作台账登录');
    return;
  }
  out(`正在生效的工作台账登录：${all.length} 个`);
  out(['编号', '登录人', '方式', '登录时间', '最近使用', '到期'].join('\t'));
  for (const s of all) {
    out(
      [
        s.idHash.slice(0, ID_CHARS),
        // In brackets: not a name, as the others in the column are.
        s.personId === null ? `（${who(s, roster)}）` : who(s, roster),
        s.personId === null ? '管理口令' : '登录链接',
        formatTime(s.createdAt),
        s.lastSeenAt === null ? '—' : formatTime(s.lastSeenAt),
        formatTime(s.expiresAt),
      ].join('\t'),
    );
  }
  out(`结束登录：${END_USAGE}`);
}
