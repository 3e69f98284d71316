import { describe, expect, it } from 'vitest';
import { render } from '../../src/templates.js';

/**
 * What a sender reads when evidence is not kept to protect the bot (SPEC §7b, §9): the disk is down
 * to its reserve, or they have stored the most files allowed in an hour.
 */
describe('evidence refused for room, as people read it', () => {
  it('the disk is down to its reserve', () => {
    expect(render('evidence-refused', { disk: true, what: '这 2 个附件', ref: '#12' })).toMatchInlineSnapshot(
      `"这 2 个附件没有保存：服务器存储空间不足（已记入 #12），请通知管理员清理磁盘后重新发送"`,
    );
  });

  it('the sender\'s hourly budget is spent', () => {
    expect(render('evidence-refused', { budget: true, what: '这张图片', limit: 30, at: '11:01' })).toMatchInlineSnapshot(
      `"这张图片没有保存：每人每小时最多保存 30 个附件，请在 11:01 以后再发送"`,
    );
    expect(render('evidence-refused', { budget: true, what: '其中 2 个附件', limit: 30, at: '11:01' })).toMatchInlineSnapshot(
      `"其中 2 个附件没有保存：每人每小时最多保存 30 个附件，请在 11:01 以后再发送"`,
    );
  });

  it('a file name from chat stays one line of text', () => {
    const out = render('evidence-refused', { disk: true, what: '「<@zhang|张>\n**新的一行**.jpg」', ref: '#1' });
    expect(out.split('\n')).toHaveLength(1);
    expect(out).not.toMatch(/[<>*]/);
  });
});
