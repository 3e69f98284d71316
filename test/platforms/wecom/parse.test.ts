import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { MAX_INNER_CHARS, MAX_INNER_DEPTH, parseEnvelope, parseInner, stripLeadingMentions, WecomParseError } from '../../../src/platforms/wecom/parse.js';

const NOW = Date.parse('2026-05-20T02:00:00Z');
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/wecom/${name}`, import.meta.url), 'utf8');

function failure(fn: () => unknown): WecomParseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WecomParseError) return err;
    throw err;
  }
  throw new Error('expected a WecomParseError');
}

describe('parseEnvelope', () => {
  it('reads the JSON and the XML envelope', () => {
    expect(parseEnvelope('{"encrypt":"abc+/="}')).toBe('abc+/=');
    // A self-built app's JSON callback, as WeCom's WXBizJsonMsgCrypt sample writes it.
    expect(parseEnvelope('{ "ToUserName": "ww1", "Encrypt": "abc+/=", "AgentID": 218 }')).toBe('abc+/=');
    expect(parseEnvelope('<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt><AgentID>1</AgentID></xml>')).toBe('abc+/=');
  });

  it('refuses bodies it cannot read', () => {
    for (const body of ['', 'encrypt=abc', '{"encrypt":', '{"other":"x"}', '<xml><Encrypt>abc</xml>', '<xml></xml>', '<root><Encrypt>a</Encrypt></root>', '["encrypt"]']) {
      expect(failure(() => parseEnvelope(body)).check).toBe('envelope');
    }
  });

  // The documented shapes: {"encrypt": "msg_encrypt"} (https://developer.work.weixin.qq.com/document/path/101033)
  // and <xml><ToUserName>, <AgentID>, <Encrypt> with CDATA (https://developer.work.weixin.qq.com/document/path/90930).
  it('reads the documented XML envelope however it is laid out: declaration, line breaks, plain text, field order, empty fields', () => {
    const shapes = [
      '<xml>\n   <ToUserName><![CDATA[toUser]]></ToUserName>\n   <AgentID><![CDATA[toAgentID]]></AgentID>\n   <Encrypt><![CDATA[abc+/=]]></Encrypt>\n</xml>\n',
      '<?xml version="1.0" encoding="UTF-8"?>\r\n<xml><Encrypt>abc+/=</Encrypt><ToUserName>ww1</ToUserName><AgentID>1000002</AgentID></xml>',
      '\uFEFF<xml><Encrypt> <![CDATA[abc+/=]]> </Encrypt><AgentID/><AgentID></AgentID></xml>',
    ];
    for (const body of shapes) expect(parseEnvelope(body)).toBe('abc+/=');
    expect(parseEnvelope('{ "encrypt" : "abc+/=", "agentid": 1 }')).toBe('abc+/=');
  });

  it('refuses any other shape before parsing it: nested elements, comments, attributes, a second Encrypt, trailing text', () => {
    const shapes = [
      `<xml>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</xml>`,
      '<xml><Encrypt><![CDATA[abc]]></Encrypt><Note><b>x</b></Note></xml>',
      '<xml><!-- c --><Encrypt>abc</Encrypt></xml>',
      '<xml><Encrypt id="1">abc</Encrypt></xml>',
      '<xml a="1"><Encrypt>abc</Encrypt></xml>',
      '<xml><Encrypt>abc</Encrypt><Encrypt>def</Encrypt></xml>',
      '<xml><Encrypt>abc</Encrypt></xml><xml/>',
      '<xml><Encrypt>abc</Encrypt>text</xml>',
      '<xml><Encrypt><![CDATA[abc</Encrypt></xml>',
      '<!DOCTYPE xml><xml><Encrypt>abc</Encrypt></xml>',
      `{"encrypt": "abc", "pad": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      '{"encrypt": {"value": "abc"}}',
    ];
    for (const body of shapes) expect(failure(() => parseEnvelope(body)).check, body.slice(0, 60)).toBe('envelope');
    expect(failure(() => parseEnvelope('<!DOCTYPE xml><xml><Encrypt>abc</Encrypt></xml>')).message).toContain('DOCTYPE');
  });
});

describe('stripLeadingMentions', () => {
  it('removes the opening mentions and keeps later ones', () => {
    expect(stripLeadingMentions('@联保助手 认领 #12')).toBe('认领 #12');
    expect(stripLeadingMentions('@联保助手\u2005转办 #12 @王警官 情况复杂')).toBe('转办 #12 @王警官 情况复杂');
    expect(stripLeadingMentions('  @a @b   报告 x ')).toBe('报告 x');
    expect(stripLeadingMentions('@联保助手')).toBe('');
    expect(stripLeadingMentions('报告 邮箱a@b.cn')).toBe('报告 邮箱a@b.cn');
  });
});

describe('parseInner', () => {
  it('reads a 智能机器人 group text message', () => {
    const r = parseInner(fixture('aibot-text-group.json'), NOW);
    expect(r).toEqual({
      kind: 'message',
      message: {
        platform: 'wecom',
        msgId: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
        chatId: 'wrXM001',
        chatType: 'group',
        senderId: 'chenjl',
        text: '报告 项目东门被堵，车辆无法进出 @王警官 请处理',
        // A response_url answers once (https://developer.work.weixin.qq.com/document/path/101138).
        replyHandle: { url: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RESPONSE_CODE', expiresAt: NOW + 3_600_000, once: true },
      },
    });
  });

  it('gives a one-to-one chat an id of its own per person', () => {
    const r = parseInner(fixture('aibot-text-single.json'), NOW);
    expect(r).toMatchObject({ kind: 'message', message: { chatId: 'single:wangjg', chatType: 'single', text: '台账 待认领' } });
  });

  it('joins the text items of a mixed message', () => {
    const r = parseInner(fixture('aibot-mixed.json'), NOW);
    expect(r).toMatchObject({ kind: 'message', message: { text: '报告 施工现场电缆被盗\n约200米' } });
  });

  it('reads a group-robot XML callback and a self-built app message', () => {
    expect(parseInner(fixture('robot-text-group.xml'), NOW)).toMatchObject({
      kind: 'message',
      message: {
        msgId: 'abcdabcdabcd',
        chatId: 'wrXM001',
        chatType: 'group',
        senderId: 'wangjg',
        senderName: '王警官',
        text: '认领 #12',
        replyHandle: { url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY-XM001' },
      },
    });
    const app = parseInner(fixture('app-text.xml'), NOW);
    expect(app).toMatchObject({ kind: 'message', message: { msgId: '7312345678901234567', chatId: 'single:lij', chatType: 'single', senderId: 'lij', text: '统计 2026-05' } });
    expect(app.kind === 'message' && app.message.replyHandle).toBe(undefined);
  });

  it("reads a self-built app's JSON callback, with the XML's PascalCase fields, like the XML, and its 64-bit MsgId digit for digit", () => {
    const json = '{ "ToUserName": "ww1", "FromUserName": "lij", "CreateTime": 1409659813, "MsgType": "text", "Content": "统计 2026-05", "MsgId": 7312345678901234567, "AgentID": 1000002 }';
    expect(parseInner(json, NOW)).toEqual({
      kind: 'message',
      message: { platform: 'wecom', msgId: '7312345678901234567', chatId: 'single:lij', chatType: 'single', senderId: 'lij', text: '统计 2026-05' },
    });
  });

  it("ignores events, which are no person's message", () => {
    for (const name of ['aibot-event.json', 'robot-event.xml', 'app-event.xml']) {
      expect(parseInner(fixture(name), NOW).kind).toBe('ignored');
    }
  });

  it('names the kind of a message the bot cannot act on yet, so that it can be answered', () => {
    expect(parseInner(fixture('aibot-image.json'), NOW)).toMatchObject({ kind: 'message', message: { kind: 'image', text: '', chatId: 'single:chenjl' } });
    const noText = JSON.stringify({ msgid: 'm', chattype: 'group', chatid: 'c', from: { userid: 'u' }, msgtype: 'mixed', mixed: { msg_item: [{ msgtype: 'image', image: { url: 'x' } }] } });
    expect(parseInner(noText, NOW)).toMatchObject({ kind: 'message', message: { kind: 'image' } });
    const file = '<xml><ToUserName>ww1</ToUserName><FromUserName>lij</FromUserName><MsgType>file</MsgType><MediaId>m1</MediaId><MsgId>81</MsgId></xml>';
    expect(parseInner(file, NOW)).toMatchObject({ kind: 'message', message: { kind: 'file', senderId: 'lij', chatType: 'single' } });
  });

  it("reads a voice message's transcript as its text (智能机器人 voice.content)", () => {
    // https://developer.work.weixin.qq.com/document/path/100719 (语音消息)
    const voice = JSON.stringify({ msgid: 'v1', chattype: 'single', from: { userid: 'chenjl' }, msgtype: 'voice', voice: { content: '报告 东门有人堵路' } });
    expect(parseInner(voice, NOW)).toMatchObject({ kind: 'message', message: { kind: 'voice', text: '报告 东门有人堵路' } });
    const silent = JSON.stringify({ msgid: 'v2', chattype: 'single', from: { userid: 'chenjl' }, msgtype: 'voice', voice: {} });
    expect(parseInner(silent, NOW)).toMatchObject({ kind: 'message', message: { kind: 'voice', text: '' } });
  });

  it('refuses a message type WeCom does not document', () => {
    const odd = JSON.stringify({ msgid: 'o1', chattype: 'single', from: { userid: 'chenjl' }, msgtype: 'hologram' });
    expect(failure(() => parseInner(odd, NOW)).check).toBe('inner-fields');
  });

  it('never expands entities', () => {
    const withDoctype = '<!DOCTYPE x [<!ENTITY e "boom">]><xml><MsgId>1</MsgId><ChatType>single</ChatType><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>&e;</Content></xml>';
    expect(failure(() => parseInner(withDoctype, NOW)).check).toBe('inner');
    const bare = '<xml><MsgId>1</MsgId><ChatType>single</ChatType><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>&e; &amp;</Content></xml>';
    expect(parseInner(bare, NOW)).toMatchObject({ kind: 'message', message: { text: '&e; &amp;' } });
    const quoted = '<xml><MsgId>1</MsgId><ChatType>single</ChatType><FromUserName>u</FromUserName><MsgType>text</MsgType><Content><![CDATA[补充 #3 <!DOCTYPE> 是什么]]></Content></xml>';
    expect(parseInner(quoted, NOW)).toMatchObject({ kind: 'message', message: { text: '补充 #3 <!DOCTYPE> 是什么' } });
  });

  it('refuses an inner message nested too deep or too long with a parse error, never another exception', () => {
    const deepXml = `<xml><MsgType>text</MsgType>${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</xml>`;
    expect(failure(() => parseInner(deepXml, NOW)).check).toBe('inner');
    const justDeepEnough = `<xml><MsgType>event</MsgType>${'<a>'.repeat(MAX_INNER_DEPTH - 2)}x${'</a>'.repeat(MAX_INNER_DEPTH - 2)}</xml>`;
    expect(parseInner(justDeepEnough, NOW).kind).toBe('ignored');
    const deepJson = `{"msgtype": "text", "x": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expect(failure(() => parseInner(deepJson, NOW)).check).toBe('inner');
    const long = JSON.stringify({ msgid: 'm', chattype: 'single', from: { userid: 'u' }, msgtype: 'text', text: { content: 'x'.repeat(MAX_INNER_CHARS) } });
    expect(failure(() => parseInner(long, NOW)).check).toBe('inner');
  });

  it('refuses malformed content and text messages missing what the core needs', () => {
    expect(failure(() => parseInner('{"msgid":', NOW)).check).toBe('inner');
    expect(failure(() => parseInner('<xml><MsgId>1</MsgId>', NOW)).check).toBe('inner');
    expect(failure(() => parseInner('hello', NOW)).check).toBe('inner');
    const base = { msgid: 'm1', chatid: 'c1', chattype: 'group', from: { userid: 'u1' }, msgtype: 'text', text: { content: 'hi' } };
    const broken = [
      { ...base, msgid: undefined },
      { ...base, from: undefined },
      { ...base, from: {} },
      { ...base, chatid: undefined },
      { ...base, text: undefined },
      { ...base, msgtype: undefined },
      { ...base, text: { content: 42 } },
    ];
    for (const b of broken) expect(failure(() => parseInner(JSON.stringify(b), NOW)).check).toBe('inner-fields');
  });
});
