import { describe, expect, it } from 'vitest';
import { render } from '../../src/templates.js';
import { harness } from '../support/harness.js';

/** What people read when they ask for a sign-in link to the dashboard (SPEC §11, `登录`). */
describe('登录 messages, as people read them', () => {
  it('the link', () => {
    const view = { name: '王警官', url: 'https://lianbao.example.gov.cn/dashboard/login/TOKEN', until: '11-20 10:10', minutes: 10, scope: '由您负责的工单' };
    expect(render('login-link', view)).toMatchInlineSnapshot(`
      "王警官，这是您的工作台账登录链接，10 分钟内（11-20 10:10 前）有效，只能使用一次：
      https://lianbao.example.gov.cn/dashboard/login/TOKEN
      打开后点“登录”，即可查看由您负责的工单。请勿转发：拿到链接的人可以用您的身份登录。"
    `);
  });

  it('a name from the roster stays text', () => {
    const out = render('login-link', { name: '<@zhang|张>\n**王**', url: 'https://x.example/dashboard/login/T', until: '10:10', minutes: 10, scope: '全部工单' });
    expect(out.split('\n')).toHaveLength(3);
    expect(out.split('\n')[0]).not.toMatch(/[<>*]/);
  });

  it('every refusal, as the chat shows it', () => {
    const published = harness('2026-11-20T02:00:00Z', { ADMIN_TOKEN: 'templatesLoginS3cr3tK9wQx7', PUBLIC_URL: 'https://lianbao.example.gov.cn' });
    const unpublished = harness('2026-11-20T02:00:00Z');
    const privately = (h: ReturnType<typeof harness>, person: string) => h.send({ senderId: person, chatId: `single:${person}`, chatType: 'single', text: '登录' }).reply;
    for (let i = 0; i < 5; i++) privately(published, 'wang');
    expect({
      group: published.say('wang', 'XM001', '登录').reply,
      unpublished: privately(unpublished, 'wang'),
      tooMany: privately(published, 'wang'),
      enterprise: privately(published, 'chen'),
      stranger: privately(published, 'stranger-1'),
    }).toMatchInlineSnapshot(`
      {
        "enterprise": "“登录”只能由民警/联络员、护企办、包联领导使用，您的身份是企业，发送“帮助”查看您可以使用的命令",
        "group": "登录链接只能在私聊中发送，不能发到群里：请单独打开与机器人的聊天，发送“登录”",
        "stranger": "您好，这里是联保助手。本群还没有绑定项目，您也不在人员名册中，所以无法受理。请在项目群里发送“报告 问题描述”，或请护企办在本群发送“绑定 项目编号”",
        "tooMany": "一小时内最多获取 5 个登录链接，请在 11-20 11:00 之后再试；已收到的链接在有效期内仍可使用",
        "unpublished": "工作台账网页尚未对外发布，无法通过链接登录，如需使用请联系护企办或系统管理员",
      }
    `);
  });
});
