import { describe, it, expect } from 'vitest';
import { Dispatcher } from '../../src/dispatch/dispatcher.js';
import type { Command } from '../../src/dispatch/types.js';
import { createLogger } from '../../src/log.js';
import { harness } from '../helpers/harness.js';
import { ok, setup, stored, ticket, ticketCount, ticketIn } from '../helpers/tickets.js';

describe('a message delivered twice (platform retry)', () => {
  it('creates one ticket and one reply', () => {
    const h = setup();
    const msg = { msgId: 'wx-1001', senderId: 'chen', chatId: 'XM001', text: '报告 工地电缆被偷' };
    const first = h.send(msg);
    const second = h.send(msg);
    expect(first.reply).toContain('已登记');
    expect(second.out).toEqual([]);
    expect(ticketCount(h)).toBe(1);
    expect(h.db.prepare("SELECT count(*) AS n FROM outbox WHERE kind = 'reply'").get()).toEqual({ n: 1 });
  });

  it('claims once, without a second “already claimed” refusal', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    const msg = { msgId: 'dt-77', senderId: 'wang', chatId: 'XM001', text: `认领 #${no}` };
    expect(h.send(msg).reply).toContain('已认领');
    expect(h.send(msg).out).toEqual([]);
    expect(h.core.repos.tickets.timeline(no).filter((r) => r.action === 'claim')).toHaveLength(1);
  });

  it('answers a refused command once', () => {
    const h = setup();
    const msg = { msgId: 'wx-9', senderId: 'chen', chatId: 'XM001', text: '认领 #1' };
    expect(h.send(msg).reply).toContain('认领');
    expect(h.send(msg).out).toEqual([]);
  });

  it('still processes a new message with the same text', () => {
    const h = setup();
    h.send({ msgId: 'a', senderId: 'chen', chatId: 'XM001', text: '报告 工地电缆被偷' });
    h.send({ msgId: 'b', senderId: 'chen', chatId: 'XM001', text: '报告 工地电缆被偷' });
    expect(ticketCount(h)).toBe(2);
  });
});

describe('a sender sending too fast', () => {
  it('is told once to slow down after 20 commands a minute, and the excess is not processed', () => {
    const h = harness();
    for (let i = 0; i < 20; i++) expect(h.say('chen', 'XM001', `报告 第${i + 1}处电缆被偷`).reply).toContain('已登记');
    const warned = h.say('chen', 'XM001', '报告 第21处电缆被偷');
    expect(warned.reply).toContain('太快');
    expect(h.say('chen', 'XM001', '报告 第22处电缆被偷').out).toEqual([]);
    expect(ticketCount(h)).toBe(20);
    // Others are not held up.
    expect(h.say('huang', 'XM001', '报告 第23处电缆被偷').reply).toContain('已登记');
    // A minute later the sender is heard again.
    h.clock.advance(61_000);
    expect(h.say('chen', 'XM001', '报告 第24处电缆被偷').reply).toContain('已登记');
    expect(ticketCount(h)).toBe(22);
  });
});

describe('a command that fails unexpectedly', () => {
  it('changes nothing, and the chat gets an apology rather than silence', () => {
    const h = setup();
    const no = ticketIn(h, 'open');
    const broken: Command = {
      name: '坏了',
      aliases: [],
      roles: ['officer'],
      usage: '坏了 <#N>',
      example: '坏了 #1',
      summary: '',
      run(ctx) {
        const t = ctx.repos.tickets.get(no)!;
        t.state = 'claimed';
        ctx.repos.tickets.save(t);
        throw new Error('disk on fire');
      },
    };
    const c = h.core;
    const dispatcher = new Dispatcher({
      db: c.db,
      repos: c.repos,
      notify: c.notifier,
      clock: c.clock,
      log: createLogger('silent'),
      commands: [broken],
      calendar: c.calendar,
      sla: c.sla,
      figures: c.figures,
      senderPerMinute: 100,
    });
    const before = stored(h);
    dispatcher.handle({ platform: 'playground', msgId: 'x1', chatId: 'XM001', chatType: 'group', senderId: 'wang', text: '坏了 #1' });
    expect(stored(h)).toEqual(before);
    expect(ticket(h, no).state).toBe('open');
    const reply = h.db.prepare("SELECT body FROM outbox WHERE kind = 'reply' ORDER BY id DESC LIMIT 1").get() as { body: string };
    expect(reply.body).toContain('抱歉');
    expect(reply.body).not.toContain('disk on fire');
  });
});

describe('people outside the roster', () => {
  it('are enterprise contacts of the project whose group they write in, and see only its tickets', () => {
    const h = setup();
    const mine = h.ticketNo(h.send({ senderId: 'stranger', chatId: 'XM001', text: '报告 工地电缆被偷' }));
    const theirs = h.ticketNo(ok(h, 'liu', 'XM002', '报告 货车被拦'));
    expect(h.send({ senderId: 'stranger', chatId: 'XM001', text: `查询 #${mine}` }).reply).toContain('状态：待认领');
    expect(h.send({ senderId: 'stranger', chatId: 'XM001', text: `查询 #${theirs}` }).reply).toContain('不是本项目的工单');
    expect(h.send({ senderId: 'stranger', chatId: 'XM001', text: `认领 #${mine}` }).reply).toContain('您的身份是企业');
  });
});
