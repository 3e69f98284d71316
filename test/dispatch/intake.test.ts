/**
 * SPEC §3 "Plain language": a message to the bot that is not a command but reads like a report is
 * asked about; 是 (登记, yes) from the same sender in the same chat within 10 minutes registers it
 * exactly as `报告 <原文>` would; any other command in between cancels the question. Other text
 * gets the help hint, whole, and a near miss of a command word a did-you-mean.
 */
import { describe, expect, it } from 'vitest';
import { isGreeting } from '../../src/dispatch/intake.js';
import { auditOf, ok, setup, stored, ticket, ticketCount } from '../support/tickets.js';

const QUESTION = '是否登记为诉求？回复“是”登记，或发送“报告 …”';
const REPORT = '渣土车被村民拦住了，货车进不去';

describe('a message that reads like a report', () => {
  it('is asked about, and registered with its words when the sender answers 是', () => {
    const h = setup();
    const before = stored(h);
    const asked = h.say('chen', 'XM001', REPORT);
    expect(asked.reply).toBe(QUESTION);
    expect(stored(h).tickets).toEqual(before.tickets);
    const yes = h.say('chen', 'XM001', '是');
    expect(yes.reply).toContain('已登记（挂号）');
    const no = h.ticketNo(yes);
    expect(ticket(h, no)).toMatchObject({ description: REPORT, category: '阻工', urgency: 'urgent', reporterPersonId: 'chen' });
    // As 报告 would: the project group and the officer hear of it, and the log names the 是 message.
    expect(yes.out.some((m) => m.kind === 'group' || m.text.includes('认领'))).toBe(true);
    expect(auditOf(h, no)[0]).toMatchObject({ action: 'report', msgId: expect.any(String) });
  });

  it('takes 登记, yes and 是的。 as well', () => {
    for (const answer of ['登记', 'yes', 'YES', '是的。', '@联保助手 是']) {
      const h = setup();
      h.say('chen', 'XM001', REPORT);
      expect(h.say('chen', 'XM001', answer).reply, answer).toContain('已登记（挂号）');
    }
  });

  it('registers once when the platform delivers the 是 again', () => {
    const h = setup();
    h.say('chen', 'XM001', REPORT);
    h.send({ senderId: 'chen', chatId: 'XM001', text: '是', msgId: 'yes-1' });
    h.send({ senderId: 'chen', chatId: 'XM001', text: '是', msgId: 'yes-1' });
    expect(ticketCount(h)).toBe(1);
  });

  it('registers the latest such message when several were asked about', () => {
    const h = setup();
    h.say('chen', 'XM001', '工地电缆被偷了');
    h.say('chen', 'XM001', REPORT);
    h.say('chen', 'XM001', '是');
    expect(ticketCount(h)).toBe(1);
    expect(ticket(h, 1).description).toBe(REPORT);
  });

  it('is forgotten after another command, after 10 minutes, and is not someone else’s to answer', () => {
    const h = setup();
    const nothing = '没有等待确认登记的内容';
    h.say('chen', 'XM001', REPORT);
    ok(h, 'chen', 'XM001', '帮助');
    expect(h.say('chen', 'XM001', '是').reply).toContain(nothing);

    h.say('chen', 'XM001', REPORT);
    h.clock.advance(10 * 60_000 + 1);
    expect(h.say('chen', 'XM001', '是').reply).toContain(nothing);

    h.say('chen', 'XM001', REPORT);
    expect(h.say('huang', 'XM001', '是').reply).toContain(nothing);
    expect(h.say('chen', 'XM002', '是').reply).not.toContain('已登记');
    expect(ticketCount(h)).toBe(0);
    // Still open for its sender, in its chat.
    expect(h.say('chen', 'XM001', '是').reply).toContain('已登记（挂号）');
  });

  it('in a private chat is asked about when an enterprise contact writes, for their own project', () => {
    const h = setup();
    const dm = (who: string, text: string) => h.send({ senderId: who, chatId: `${who}-private`, chatType: 'single', text });
    expect(dm('chen', '有人强行拦截工程车辆，要求承揽土方运输').reply).toBe(QUESTION);
    expect(dm('chen', '是').reply).toContain('已登记（挂号）');
    expect(ticket(h, 1)).toMatchObject({ projectCode: 'XM001', category: '强揽' });
    // An officer writing the same to the bot gets the help hint: there is no project to put it in.
    expect(dm('wang', '有人强行拦截工程车辆').reply).toContain('发送“报告 问题描述”');
  });
});

describe('other text that is not a command', () => {
  it('gets the help hint, whole, for a greeting or a question', () => {
    const h = setup();
    for (const text of ['你好，请问怎么报告问题？', '收到，谢谢', '明天几点开会']) {
      const said = h.say('chen', 'XM001', text);
      expect(said.reply, text).toBe('您好，我是联保助手：遇到阻工、强揽、盗窃等问题，请发送“报告 问题描述”登记；发送“帮助”查看全部命令');
    }
    expect(ticketCount(h)).toBe(0);
  });

  it('gets the help hint for a greeting, a thanks or an acknowledgement, with punctuation, particles or an emoji', () => {
    const h = setup();
    const greetings = [
      '你好', '您好', '在吗', '在不在', 'hi', 'Hello', '哈喽', '谢谢', '收到', 'ok', 'OK',
      '你好！', '在吗？', '在吗?', 'hi~', 'hello!', '你好呀', '收到了', '谢谢🙂', '你好 👋🏻', '好的👌', '收到[微笑]',
      '@联保助手 您好', '你好 在吗', '收到，谢谢', 'ＯＫ', 'thank you',
      // A greeting before a question: the question is answered by the same line.
      '你好 请问怎么登记', '在吗 有个事',
    ];
    for (const text of greetings) {
      const said = h.say('chen', 'XM001', text);
      expect(said.reply, text).toBe('您好，我是联保助手：遇到阻工、强揽、盗窃等问题，请发送“报告 问题描述”登记；发送“帮助”查看全部命令');
    }
    expect(ticketCount(h)).toBe(0);
  });

  it('is no greeting when anything but greetings is in it', () => {
    for (const text of ['看看', '收到 #3 已处理', '好的 #3', '你好吗 #1', '谢谢你们的帮助', 'hello world', '报告 你好', '']) {
      expect(isGreeting(text), text).toBe(false);
    }
  });

  it('gets a did-you-mean for a near miss of a command word', () => {
    const h = setup();
    expect(h.say('chen', 'XM001', '保告').reply).toContain('您是不是要发送“报告 …”？');
    ok(h, 'chen', 'XM001', '报告 工地电缆被偷');
    expect(h.say('wang', 'XM001', '认令 #1').reply).toContain('您是不是要发送“认领 #1”？');
    expect(h.say('wang', 'XM001', 'cliam #1').reply).toContain('您是不是要发送“认领 #1”？');
  });

  it('names an unknown command word whole', () => {
    const h = setup();
    expect(h.say('chen', 'XM001', '看看 #1').reply).toContain('没有“看看”这个命令');
    expect(h.say('chen', 'XM001', 'lookup').reply).toContain('没有“lookup”这个命令');
    // A greeting word with more after it is no greeting.
    expect(h.say('chen', 'XM001', '你好吗 #1').reply).toContain('没有“你好吗”这个命令');
  });
});
