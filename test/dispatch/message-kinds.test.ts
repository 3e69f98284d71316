import { describe, expect, it } from 'vitest';
import { setup, ticketCount } from '../support/tickets.js';

/**
 * Messages that are not typed text (SPEC §7): a voice message is read as its transcript, exactly as
 * if it had been typed; anything the bot cannot act on yet gets one line saying what works, never
 * silence, and changes nothing.
 */
describe('messages that are not typed text', () => {
  it('registers a report from a voice message, as its transcript would', () => {
    const h = setup();
    const said = h.send({ senderId: 'chen', chatId: 'XM001', kind: 'voice', text: '报告 东门有村民堵路，车辆进不去' });
    expect(said.reply).toContain('已登记');
    expect(ticketCount(h)).toBe(1);
    expect(h.repos.tickets.get(1)).toMatchObject({ description: '东门有村民堵路，车辆进不去', category: '阻工' });
  });

  it('answers a picture, a file, a sticker … with one line saying what works, and registers nothing', () => {
    const h = setup();
    const picture = h.send({ senderId: 'chen', chatId: 'XM001', kind: 'image', text: '' });
    expect(picture.reply).toMatchInlineSnapshot(`"暂时还不能处理图片，请用文字或语音发送命令，例如“报告 问题描述”；发送“帮助”查看全部命令"`);
    expect(h.send({ senderId: 'chen', chatId: 'XM001', kind: 'file', text: '' }).reply).toMatch(/^暂时还不能处理文件，/);
    expect(h.send({ senderId: 'chen', chatId: 'XM001', kind: 'sticker', text: '' }).reply).toMatch(/^暂时还不能处理表情，/);
    expect(h.send({ senderId: 'chen', chatId: 'XM001', kind: 'other', text: '' }).reply).toMatch(/^暂时还不能处理这类消息，/);
    expect(ticketCount(h)).toBe(0);
    expect(picture.out).toHaveLength(1);
  });

  it('says so when nothing could be made out of a voice message', () => {
    const h = setup();
    expect(h.send({ senderId: 'chen', chatId: 'XM001', kind: 'voice', text: '' }).reply).toMatchInlineSnapshot(
      `"这条语音没有识别出文字，请用文字或语音发送命令，例如“报告 问题描述”；发送“帮助”查看全部命令"`,
    );
    expect(ticketCount(h)).toBe(0);
  });

  it('tells someone outside the roster in an unbound chat why nothing happens, whatever they sent', () => {
    const h = setup();
    expect(h.send({ senderId: 'stranger', chatId: 'elsewhere', kind: 'image', text: '' }).reply).toContain('本群还没有绑定项目');
  });
});
