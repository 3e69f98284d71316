import { describe, expect, it } from 'vitest';
import { ACCOUNTABLE_SQL } from '../../src/db/figures-repo.js';
import { accountableKey } from '../../src/tickets/accountable.js';
import { accountableOf } from '../../src/tickets/view.js';
import { ok, setup, ticketIn } from '../support/tickets.js';

/**
 * The figures group tickets by who is accountable in SQL; reminders, tiers, the ledger and the
 * exports ask the domain (src/tickets/accountable.ts). One rule (SPEC §2): the two must agree on
 * every kind of ticket.
 */
describe('who is accountable: the figures’ SQL and the domain agree', () => {
  it('on tickets unclaimed, claimed, transferred, withdrawn, resolved, and conduct complaints', () => {
    const h = setup();
    const nos = [ticketIn(h, 'open'), ticketIn(h, 'claimed'), ticketIn(h, 'resolved'), ticketIn(h, 'closed'), ticketIn(h, 'withdrawn')];
    const toDepartment = ticketIn(h, 'claimed');
    ok(h, 'wang', 'XM001', `转办 #${toDepartment} 交警大队 涉及交通`);
    const toPerson = ticketIn(h, 'open');
    ok(h, 'zhou', 'coordinators', `转办 #${toPerson} @孙警官 就近处理`);
    const conduct = h.ticketNo(ok(h, 'chen', 'XM001', '报告 检查人员吃拿卡要'));
    const conductClaimed = h.ticketNo(ok(h, 'chen', 'XM001', '报告 检查人员乱罚款'));
    ok(h, 'zhou', 'coordinators', `认领 #${conductClaimed}`);
    const other = h.ticketNo(ok(h, 'liu', 'XM002', '报告 货车通行受阻'));
    nos.push(toDepartment, toPerson, conduct, conductClaimed, other);

    const sql = h.db.prepare<[number], { k: string }>(`SELECT ${ACCOUNTABLE_SQL} AS k FROM tickets LEFT JOIN projects p ON p.code = tickets.project_code WHERE no = ?`);
    const both = nos.map((no) => [no, sql.get(no)!.k, accountableKey(accountableOf(h.repos.tickets.get(no)!, h.repos.roster))]);
    for (const [no, fromSql, fromDomain] of both) expect(fromSql, `#${no}`).toBe(fromDomain);
    expect(new Set(both.map(([, k]) => k))).toEqual(new Set(['wang', 'dept:jiaojing', 'sun', ':coordinators', 'zhao']));
  });
});
