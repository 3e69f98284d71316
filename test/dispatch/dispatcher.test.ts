import { describe, it, expect } from 'vitest';
import { Dispatcher } from '../../src/dispatch/dispatcher.js';
import type { Command } from '../../src/dispatch/types.js';
import { createLogger } from '../../src/log.js';
import { harness } from '../support/harness.js';
import { ok, setup, stored, ticket, ticketCount, ticketIn } from '../support/tickets.js';

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
    expect(h.repos.tickets.timeline(no).filter((r) => r.action === 'claim')).toHaveLength(1);
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
    const dispatcher = new Dispatcher({
      db: h.db,
      repos: h.repos,
      notify: h.notifier,
      clock: h.clock,
      log: createLogger('silent'),
      commands: [broken],
      calendar: h.calendar,
      sla: h.sla,
      figures: h.figures,
      senderPerMinute: 100,
    });
    const before = stored(h);
    dispatcher.dispatch([{ platform: 'playground', msgId: 'x1', chatId: 'XM001', chatType: 'group', senderId: 'wang', text: '坏了 #1' }]);
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
    expect(h.send({ senderId: 'stranger', chatId: 'XM001', text: `查询 #${theirs}` }).reply).toContain('不在您的查看范围内');
    expect(h.send({ senderId: 'stranger', chatId: 'XM001', text: `认领 #${mine}` }).reply).toContain('您的身份是企业');
  });
});

describe('messages handled together in one batch', () => {
  const msg = (msgId: string, senderId: string, chatId: string, text: string) =>
    ({ platform: 'playground', msgId, chatId, chatType: 'group', senderId, text }) as const;

  it('are each stored with its own effect, and a repeat among them counts once', () => {
    const h = harness();
    const before = h.db.prepare('SELECT count(*) AS n FROM tickets').get() as { n: number };
    const results = h.dispatcher.dispatch([
      msg('b1', 'chen', 'XM001', '报告 村民堵路阻工，车辆进不去'),
      msg('b2', 'liu', 'XM002', '报告 工地钢筋被盗'),
      msg('b1', 'chen', 'XM001', '报告 村民堵路阻工，车辆进不去'),
      msg('b3', 'chen', 'XM001', '没有这个 命令'),
    ]);
    expect(results).toEqual(['done', 'done', 'duplicate', 'refused']);
    const after = h.db.prepare('SELECT count(*) AS n FROM tickets').get() as { n: number };
    expect(after.n - before.n).toBe(2);
    const replies = h.db.prepare("SELECT body FROM outbox WHERE kind = 'reply' ORDER BY id").all() as { body: string }[];
    expect(replies).toHaveLength(3);
    expect(replies[2]!.body).toContain('没有“没有这个”这个命令');
  });

  it('see what an earlier one in the same batch changed: a group bound by one is a project group for the next', () => {
    const h = harness();
    const [bound, reported] = h.dispatcher.dispatch([
      msg('c1', 'zhou', 'new-group', '绑定 XM002'),
      msg('c2', 'stranger', 'new-group', '报告 有人阻挠施工'),
    ]);
    expect([bound, reported]).toEqual(['done', 'done']);
    const t = h.db.prepare('SELECT project_code FROM tickets ORDER BY no DESC LIMIT 1').get() as { project_code: string };
    expect(t.project_code).toBe('XM002');
  });

  it('fail together when one cannot be stored, and then nothing of the batch is; alone, the others are', () => {
    const h = harness();
    // A trigger standing in for a database failure that hits one message only.
    h.db.exec(`CREATE TRIGGER fail_one BEFORE INSERT ON inbound_messages WHEN NEW.msg_id = 'd2'
               BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    const batch = [msg('d1', 'chen', 'XM001', '报告 村民堵路阻工'), msg('d2', 'chen', 'XM001', '报告 工地围挡被推倒'), msg('d3', 'liu', 'XM002', '报告 工地钢筋被盗')];
    expect(() => h.dispatcher.dispatch(batch)).toThrow(/disk I\/O error/);
    expect(h.db.prepare('SELECT count(*) AS n FROM inbound_messages').get()).toEqual({ n: 0 });
    // As the inbox handler then goes on (src/inbox/handler.ts): one message per transaction.
    const settled = batch.map((m) => {
      try {
        return h.dispatcher.dispatch([m])[0];
      } catch {
        return 'failed';
      }
    });
    expect(settled).toEqual(['done', 'failed', 'done']);
    const ids = h.db.prepare('SELECT msg_id FROM inbound_messages ORDER BY msg_id').all() as { msg_id: string }[];
    expect(ids.map((r) => r.msg_id)).toEqual(['d1', 'd3']);
    const descriptions = h.db.prepare('SELECT description FROM tickets ORDER BY no').all() as { description: string }[];
    expect(descriptions.map((d) => d.description)).toEqual(['村民堵路阻工', '工地钢筋被盗']);
  });
});

describe('a batch with a time budget', () => {
  it('commits what it handled once the budget is spent, at least one message, and leaves the rest untouched', () => {
    const h = harness();
    const msgs = ['e1', 'e2', 'e3'].map((msgId) => ({ platform: 'playground', msgId, chatId: 'XM001', chatType: 'group', senderId: 'chen', text: `报告 ${msgId} 工地围挡被推倒` }) as const);
    expect(h.dispatcher.dispatch(msgs, 0)).toEqual(['done']);
    const stored = h.db.prepare('SELECT msg_id FROM inbound_messages ORDER BY msg_id').all() as { msg_id: string }[];
    expect(stored.map((r) => r.msg_id)).toEqual(['e1']);
    // Without a budget the rest go through together.
    expect(h.dispatcher.dispatch(msgs.slice(1))).toEqual(['done', 'done']);
  });
});
