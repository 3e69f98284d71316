import { describe, expect, it } from 'vitest';
import { render } from '../../src/templates.js';

/**
 * What people read about their photos, files and recordings (SPEC §7b): where they went, and one
 * line for each that was not kept, saying why and what would work.
 */
describe('evidence messages, as people read them', () => {
  it('the answer once a message\'s files are in', () => {
    expect(render('evidence-settled', { attached: [{ ref: '#12', summary: '图片2张、文件1个' }], items: [] })).toMatchInlineSnapshot(
      `"已附到 #12：图片2张、文件1个"`,
    );
    const item = (flags: Record<string, boolean>, what = '这张图片') => ({ what, ref: '#12', maxMb: 20, ...flags });
    expect(
      render('evidence-settled', {
        attached: [{ ref: '#12', summary: '录音1段' }],
        items: [
          item({ duplicate: true }),
          item({ tooLarge: true }, '这段视频'),
          item({ type: true }, '「setup.exe」'),
          item({ notImage: true }, '「现场.jpg」'),
          item({ url: true }),
          item({ failed: true }, '这个文件'),
          item({ unavailable: true }, '这个文件'),
        ],
      }),
    ).toMatchInlineSnapshot(`
      "已附到 #12：录音1段
      这张图片已在 #12 中，同一文件只保存一次
      这段视频超过 20MB，没有保存：请压缩后再发，或分成几个文件发送
      「setup.exe」不是可以作为证据保存的类型，没有保存：可以发送图片、录音、视频、PDF 或办公文档
      「现场.jpg」的内容不是图片，没有保存：请直接发送照片
      这张图片没有保存：平台给出的下载地址不是公网的 https 地址，不能下载
      这个文件没有下载成功，没有保存（已记入 #12）：请重新发送
      这个文件无法下载，没有保存（已记入 #12）"
    `);
  });

  it('how many attachments of a message were over the limit, and what to do', () => {
    expect(render('evidence-settled', { attached: [{ ref: '#12', summary: '图片20张' }], items: [], leftOut: '图片5张', maxItems: 20 })).toMatchInlineSnapshot(
      `"已附到 #12：图片20张\n另有图片5张没有保存：一条消息最多带20个附件，其余的请分开发送"`,
    );
  });

  it('a file name from chat stays one line of text', () => {
    const out = render('evidence-settled', { attached: [], items: [{ what: '「<@zhang|张>\n**新的一行**.jpg」', ref: '#1', type: true }] });
    expect(out.split('\n')).toHaveLength(1);
    expect(out).not.toMatch(/[<>*]/);
  });

  it('how to attach a picture that went nowhere', () => {
    expect(render('evidence-ask', { what: '图片' })).toMatchInlineSnapshot(
      `"图片没有保存：不知道要附到哪张工单。请发送“补充 #工单号”并在同一条消息里附上图片，新的问题请发送“报告 问题描述”"`,
    );
    expect(render('evidence-ask', { what: '文件', other: true })).toMatchInlineSnapshot(
      `"文件没有附到工单：要作为证据保存，请发送“补充 #工单号”并在同一条消息里附上文件"`,
    );
  });
});
