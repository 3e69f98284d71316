import { describe, it, expect } from 'vitest';
import { STATE_NAMES, type TicketState } from '../../src/tickets/model.js';
import { expectRefused, lastAudit, ok, setup, ticket, ticketIn } from '../support/tickets.js';

/** A state-changing command, sent by someone whose role allows it, so only the state decides. */
interface Move {
  name: string;
  who: string;
  chat: string;
  text: (no: number) => string;
}

const MOVES: Record<string, Move> = {
  claim: { name: '认领', who: 'zhou', chat: 'coordinators', text: (n) => `认领 #${n}` },
  resolve: { name: '办结', who: 'zhou', chat: 'coordinators', text: (n) => `办结 #${n} 已处理` },
  accept: { name: '满意', who: 'chen', chat: 'XM001', text: (n) => `满意 #${n} 5` },
  reject: { name: '不满意', who: 'chen', chat: 'XM001', text: (n) => `不满意 #${n} 没解决` },
  withdraw: { name: '撤回', who: 'chen', chat: 'XM001', text: (n) => `撤回 #${n} 不需要了` },
  toDepartment: { name: '转办给部门', who: 'zhou', chat: 'coordinators', text: (n) => `转办 #${n} 交警大队 涉及交通` },
  toPerson: { name: '转办给个人', who: 'zhou', chat: 'coordinators', text: (n) => `转办 #${n} @孙警官 就近处理` },
};

/** SPEC §2: every allowed move and where it leads. */
const LEGAL: [TicketState, keyof typeof MOVES, TicketState][] = [
  ['open', 'claim', 'claimed'],
  ['open', 'withdraw', 'withdrawn'],
  ['open', 'toDepartment', 'open'],
  ['open', 'toPerson', 'claimed'],
  ['claimed', 'resolve', 'resolved'],
  ['claimed', 'withdraw', 'withdrawn'],
  ['claimed', 'toDepartment', 'open'],
  ['claimed', 'toPerson', 'claimed'],
  ['resolved', 'accept', 'closed'],
  ['resolved', 'reject', 'claimed'],
];

const STATES: TicketState[] = ['open', 'claimed', 'resolved', 'closed', 'withdrawn'];

describe('every state transition of SPEC §2', () => {
  for (const [from, move, to] of LEGAL) {
    it(`${STATE_NAMES[from]} —${MOVES[move]!.name}→ ${STATE_NAMES[to]}`, () => {
      const h = setup();
      const no = ticketIn(h, from);
      const m = MOVES[move]!;
      ok(h, m.who, m.chat, m.text(no));
      expect(ticket(h, no).state).toBe(to);
      expect(lastAudit(h, no)).toMatchObject({ fromState: from, toState: to });
    });
  }
});

describe('every illegal transition is refused, and changes nothing', () => {
  for (const from of STATES) {
    for (const [key, m] of Object.entries(MOVES)) {
      if (LEGAL.some(([f, k]) => f === from && k === key)) continue;
      it(`${STATE_NAMES[from]}: ${m.name} is refused`, () => {
        const h = setup();
        const no = ticketIn(h, from);
        // 认领 of a claimed ticket says who has it; every other refusal names the state.
        const why = from === 'claimed' && key === 'claim' ? '已由王警官认领' : `「${STATE_NAMES[from]}」`;
        expectRefused(h, m.who, m.chat, m.text(no), `#${no}`, why);
        expect(ticket(h, no).state).toBe(from);
      });
    }
  }
});
