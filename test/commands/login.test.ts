/**
 * `登录` (SPEC §11): a single-use sign-in link for the dashboard, sent only in a private chat to
 * someone of the roster who may use the dashboard, only when the dashboard is published, and at
 * most five an hour; the link's token is random and only its hash is stored.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { harness } from '../support/harness.js';

const PUBLISHED = { ADMIN_TOKEN: 'loginCommandS3cr3tK9wQx7Pz', PUBLIC_URL: 'https://lianbao.example.gov.cn/' };
const LINK = /^https:\/\/lianbao\.example\.gov\.cn\/dashboard\/login\/([A-Za-z0-9_-]{43})$/m;

/** `text` sent by `person` in their private chat with the bot. */
function privately(h: ReturnType<typeof harness>, person: string, text: string) {
  return h.send({ senderId: person, chatId: `single:${person}`, chatType: 'single', text });
}

const links = (h: ReturnType<typeof harness>) =>
  h.db.prepare('SELECT token_hash, person_id, created_at, expires_at, used_at FROM login_links ORDER BY created_at').all() as {
    token_hash: string;
    person_id: string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
  }[];

describe('登录', () => {
  it('sends an officer a link valid for ten minutes, keeping only the SHA-256 of its token', () => {
    const h = harness('2026-11-20T02:00:00Z', PUBLISHED);
    const said = privately(h, 'wang', '登录');
    const token = LINK.exec(said.reply)?.[1];
    expect(token, said.reply).toBeDefined();
    // 256 random bits, base64url: 43 characters.
    expect(Buffer.from(token!, 'base64url')).toHaveLength(32);
    const [row, ...more] = links(h);
    expect(more).toEqual([]);
    expect(row).toEqual({
      token_hash: createHash('sha256').update(token!).digest('hex'),
      person_id: 'wang',
      created_at: Date.parse('2026-11-20T02:00:00Z'),
      expires_at: Date.parse('2026-11-20T02:10:00Z'),
      used_at: null,
    });
    expect(JSON.stringify(h.db.prepare('SELECT * FROM login_links').all())).not.toContain(token);
    // Every link is new: a second 登录 is another token.
    const again = LINK.exec(privately(h, 'wang', '登录').reply)?.[1];
    expect(again).not.toBe(token);
  });

  it('goes only to the sender, in their private chat', () => {
    const h = harness('2026-11-20T02:00:00Z', PUBLISHED);
    const said = privately(h, 'zhou', 'login');
    expect(said.out).toHaveLength(1);
    expect(said.out[0]).toMatchObject({ kind: 'reply', chatId: 'single:zhou' });
    expect(said.reply).toContain('即可查看全部工单');
  });

  it('tells a county coordinator the link shows that county and the units below it (SPEC §11)', () => {
    const h = harness('2026-11-20T02:00:00Z', PUBLISHED);
    expect(privately(h, 'dxxt', '登录').reply).toContain('即可查看东县护企办及下级单位的工单');
  });

  it('refuses in a group, where anyone could open the link first, and stores nothing', () => {
    const h = harness('2026-11-20T02:00:00Z', PUBLISHED);
    const said = h.say('wang', 'XM001', '登录');
    expect(said.reply).toBe('登录链接只能在私聊中发送，不能发到群里：请单独打开与机器人的聊天，发送“登录”');
    expect(said.reply).not.toMatch(LINK);
    expect(h.say('zhou', 'coordinators', '登录').reply).toContain('只能在私聊中发送');
    expect(links(h)).toEqual([]);
  });

  it('says the dashboard is not published, and whom to ask, when PUBLIC_URL is not set', () => {
    const h = harness('2026-11-20T02:00:00Z', { ADMIN_TOKEN: PUBLISHED.ADMIN_TOKEN });
    expect(privately(h, 'wang', '登录').reply).toBe('工作台账网页尚未对外发布，无法通过链接登录，如需使用请联系护企办或系统管理员');
    expect(links(h)).toEqual([]);
  });

  it('gives an enterprise contact no dashboard, and a stranger what every command gives strangers', () => {
    const h = harness('2026-11-20T02:00:00Z', PUBLISHED);
    expect(privately(h, 'chen', '登录').reply).toBe('“登录”只能由民警/联络员、护企办、包联领导使用，您的身份是企业，发送“帮助”查看您可以使用的命令');
    const stranger = privately(h, 'nobody-7', '登录').reply;
    expect(stranger).toBe(privately(h, 'nobody-7', '查询 #1').reply);
    expect(stranger).not.toMatch(LINK);
    expect(links(h)).toEqual([]);
  });

  it('sends at most five links an hour to one person, then says when the next may be asked for', () => {
    const h = harness('2026-11-20T02:00:00Z', PUBLISHED);
    for (let i = 0; i < 5; i++) {
      expect(privately(h, 'wang', '登录').reply).toMatch(LINK);
      h.clock.advance(5 * 60_000);
    }
    // 02:25: the first link was asked for at 02:00 (10:00 Beijing time), so the next may be at 11:00.
    expect(privately(h, 'wang', '登录').reply).toBe('一小时内最多获取 5 个登录链接，请在 11-20 11:00 之后再试；已收到的链接在有效期内仍可使用');
    expect(links(h)).toHaveLength(5);
    // Someone else is not held back by it.
    expect(privately(h, 'zhao', '登录').reply).toMatch(LINK);
    h.clock.set('2026-11-20T03:00:01Z');
    expect(privately(h, 'wang', '登录').reply).toMatch(LINK);
  });

  it('is listed by 帮助 for staff, not for enterprise contacts', () => {
    const h = harness('2026-11-20T02:00:00Z', PUBLISHED);
    expect(privately(h, 'wang', '帮助').reply).toContain('登录');
    expect(h.say('chen', 'XM001', '帮助').reply).not.toContain('登录');
  });
});
