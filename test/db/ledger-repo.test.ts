import { describe, expect, it } from 'vitest';
import { LedgerRepo, type LedgerFilter } from '../../src/db/ledger-repo.js';
import { ok, setup } from '../support/tickets.js';

/** A ledger holding reports typed in Simplified, in Traditional and in a mix of both. */
function ledger() {
  const h = setup();
  for (const [who, text] of [
    ['chen', '报告 工地电缆被偷'],
    ['chen', '报告 工地電纜被偷'],
    ['huang', '报告 B区电纜又被剪了'],
    ['huang', '报告 工地後門被村民堵了'],
    ['huang', '报告 项目部门口路灯坏了，50%不亮'],
  ] as const) {
    ok(h, who, 'XM001', text);
  }
  const repo = new LedgerRepo(h.db, h.repos.tickets);
  const search = (text: string, f: LedgerFilter = {}) => {
    const { tickets, total } = repo.search({ ...f, text }, { limit: 50, offset: 0 });
    expect(total).toBe(tickets.length);
    return tickets.map((t) => t.description).sort();
  };
  return { repo, search };
}

describe('ledger search in Simplified and Traditional characters', () => {
  it('finds a ticket stored in either script, or in a mix, whichever script the query is in', () => {
    const { search } = ledger();
    const cables = ['B区电纜又被剪了', '工地电缆被偷', '工地電纜被偷'];
    expect(search('電纜')).toEqual(cables);
    expect(search('电缆')).toEqual(cables);
    expect(search('電缆')).toEqual(cables);
  });

  it('knows a character with several Traditional forms', () => {
    // 后 is both 後 (behind) and 后 (queen): the search takes either.
    const { search } = ledger();
    expect(search('后门')).toEqual(['工地後門被村民堵了']);
    expect(search('後門')).toEqual(['工地後門被村民堵了']);
  });

  it('finds the reporter’s name in either script', () => {
    const { search } = ledger();
    expect(search('陳經理')).toEqual(['工地电缆被偷', '工地電纜被偷']);
  });

  it('keeps the other filters and the case-blind Latin letters', () => {
    const { search } = ledger();
    expect(search('b區電纜')).toEqual(['B区电纜又被剪了']);
    expect(search('電纜', { state: 'claimed' })).toEqual([]);
  });

  it('reads wildcard characters in a query as themselves', () => {
    const { search } = ledger();
    expect(search('50%')).toEqual(['项目部门口路灯坏了，50%不亮']);
    expect(search('[电')).toEqual([]);
    expect(search('*電')).toEqual([]);
  });

  it('gives exports the same tickets', () => {
    const { repo } = ledger();
    expect(repo.all({ text: '電纜' }).map((t) => t.description).sort()).toEqual(['B区电纜又被剪了', '工地电缆被偷', '工地電纜被偷']);
  });
});
