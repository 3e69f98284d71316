import { randomBytes } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BODY_LIMIT } from '../../src/app.js';
import { encryptMessage, sign } from '../support/wecom-protocol.js';
import {
  expectNoSecretsLogged,
  expectNotLoggedAtInfo,
  expectRefused,
  SECRETS,
  settle,
  snapshotCounts,
  startRig,
  wecomEnvelope,
  wecomPost,
  wecomText,
  WECOM_CORP_ID,
  type Rig,
} from '../support/app-rig.js';

/** The words of the report every case carries, to show they are never logged above debug. */
const WORDS = '项目东门被堵车辆无法进出';
const REPORT = wecomText({ msgid: 'wx-msg-1', userid: 'chenjl', text: `报告 ${WORDS}` });

let rig: Rig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rig.close();
});

const nowS = () => Math.floor(rig.clock.now().getTime() / 1000);

describe('WeCom callback: requests that fail verification are 401, store nothing, send nothing', () => {
  it('refuses a signature made with another token', async () => {
    await expectRefused(rig, () => wecomPost(rig, REPORT, { token: 'not-the-token' }), 401, 'signature', WORDS);
    const line = rig.logs.find((l) => l.check === 'signature');
    expect(line?.msg).toContain('WECOM_TOKEN');
  });

  it('refuses a signature that is not even hex of the right length', async () => {
    const encrypted = encryptMessage(SECRETS.wecomAesKey, REPORT, '');
    const q = new URLSearchParams({ msg_signature: 'x', timestamp: String(nowS()), nonce: 'n' });
    await expectRefused(
      rig,
      () => rig.app.inject({ method: 'POST', url: `/wecom/callback?${q.toString()}`, payload: wecomEnvelope('json', encrypted) }),
      401,
      'signature',
    );
  });

  it('refuses a correctly signed request whose timestamp is more than 300 s old (a replay)', async () => {
    await expectRefused(rig, () => wecomPost(rig, REPORT, { timestamp: nowS() - 301 }), 401, 'timestamp', WORDS);
    await expectRefused(rig, () => wecomPost(rig, REPORT, { timestamp: nowS() - 24 * 3600 }), 401, 'timestamp', WORDS);
  });

  it('refuses a correctly signed request from more than 300 s in the future', async () => {
    await expectRefused(rig, () => wecomPost(rig, REPORT, { timestamp: nowS() + 301 }), 401, 'timestamp', WORDS);
  });

  it('refuses a message sealed for another receiveid (another corp or app)', async () => {
    await expectRefused(rig, () => wecomPost(rig, REPORT, { receiveId: 'wwsomeoneelse0001' }), 401, 'receiveid', WORDS);
  });

  it('refuses a correctly signed payload that cannot be decrypted', async () => {
    // Encrypted with another key: the signature is right (it covers the ciphertext), the key is not.
    const otherKey = 'A'.repeat(43);
    await expectRefused(rig, () => wecomPost(rig, REPORT, { aesKey: otherKey }), 401, 'decrypt', WORDS);
    // Random bytes of a plausible length, and text that is not base64 at all.
    await expectRefused(rig, () => wecomPost(rig, '', { encrypted: randomBytes(96).toString('base64') }), 401, 'decrypt');
    await expectRefused(rig, () => wecomPost(rig, '', { encrypted: '这不是密文!!' }), 401, 'decrypt');
  });
});

describe('WeCom URL verification (GET)', () => {
  const get = (q: Record<string, string>) => rig.app.inject({ method: 'GET', url: `/wecom/callback?${new URLSearchParams(q).toString()}` });
  const echo = () => encryptMessage(SECRETS.wecomAesKey, '8216347619043', '');

  it('answers only a correctly signed, fresh echostr', async () => {
    const echostr = echo();
    const ts = String(nowS());
    const good = await get({ msg_signature: sign(SECRETS.wecomToken, ts, 'n1', echostr), timestamp: ts, nonce: 'n1', echostr });
    expect([good.statusCode, good.body]).toEqual([200, '8216347619043']);

    const wrong = await expectRefused(rig, () => get({ msg_signature: sign('not-the-token', ts, 'n1', echostr), timestamp: ts, nonce: 'n1', echostr }), 401, 'signature');
    expect(wrong.body).not.toContain('8216347619043');
    const old = String(nowS() - 301);
    await expectRefused(rig, () => get({ msg_signature: sign(SECRETS.wecomToken, old, 'n1', echostr), timestamp: old, nonce: 'n1', echostr }), 401, 'timestamp');
    await expectRefused(rig, () => get({ msg_signature: sign(SECRETS.wecomToken, ts, 'n1', echostr), timestamp: ts, nonce: 'n1' }), 400, 'query');
    expectNoSecretsLogged(rig);
  });
});

describe('WeCom callback: bodies that cannot be read are 400', () => {
  it('refuses a malformed JSON envelope and a malformed XML envelope', async () => {
    await expectRefused(rig, () => wecomPost(rig, REPORT, { body: '{"encrypt": "abc' }), 400, 'envelope');
    await expectRefused(rig, () => wecomPost(rig, REPORT, { format: 'xml', body: '<xml><Encrypt><![CDATA[abc]]></Encrypt>' }), 400, 'envelope');
    await expectRefused(rig, () => wecomPost(rig, REPORT, { body: 'encrypt=abc' }), 400, 'envelope');
    await expectRefused(rig, () => wecomPost(rig, REPORT, { body: '' }), 400, 'envelope');
  });

  it('refuses an envelope without the encrypted field', async () => {
    await expectRefused(rig, () => wecomPost(rig, REPORT, { body: '{"msg": "hello"}' }), 400, 'envelope');
    await expectRefused(rig, () => wecomPost(rig, REPORT, { format: 'xml', body: '<xml><ToUserName>ww</ToUserName></xml>' }), 400, 'envelope');
    await expectRefused(rig, () => wecomPost(rig, REPORT, { body: '["encrypt"]' }), 400, 'envelope');
  });

  it('refuses a request missing msg_signature, timestamp or nonce', async () => {
    for (const omit of ['msg_signature', 'timestamp', 'nonce'] as const) {
      await expectRefused(rig, () => wecomPost(rig, REPORT, { omit }), 400, 'query', WORDS);
    }
    await expectRefused(rig, () => rig.app.inject({ method: 'POST', url: '/wecom/callback', payload: '{"encrypt":"abc"}' }), 400, 'query');
  });

  it('refuses malformed inner JSON and XML after a good signature and decryption', async () => {
    await expectRefused(rig, () => wecomPost(rig, `{"msgid": "wx-1", "text": {"content": "${WORDS}"`), 400, 'inner', WORDS);
    await expectRefused(rig, () => wecomPost(rig, `<xml><MsgId>wx-2</MsgId><Content>${WORDS}</xml>`, { format: 'xml' }), 400, 'inner', WORDS);
    await expectRefused(rig, () => wecomPost(rig, WORDS), 400, 'inner', WORDS);
  });

  it('refuses a text message without msgid, without a sender or without its chat', async () => {
    const base = JSON.parse(REPORT) as Record<string, unknown>;
    const { msgid: _msgid, ...noMsgId } = base;
    const { from: _from, ...noFrom } = base;
    const { chatid: _chatid, ...noChat } = base;
    await expectRefused(rig, () => wecomPost(rig, JSON.stringify(noMsgId)), 400, 'inner-fields', WORDS);
    await expectRefused(rig, () => wecomPost(rig, JSON.stringify(noFrom)), 400, 'inner-fields', WORDS);
    await expectRefused(rig, () => wecomPost(rig, JSON.stringify({ ...base, from: {} })), 400, 'inner-fields', WORDS);
    await expectRefused(rig, () => wecomPost(rig, JSON.stringify(noChat)), 400, 'inner-fields', WORDS);
    const { msgtype: _t, ...noType } = base;
    await expectRefused(rig, () => wecomPost(rig, JSON.stringify(noType)), 400, 'inner-fields', WORDS);
    const xmlNoMsgId = `<xml><ChatId>wrXM001</ChatId><ChatType>group</ChatType><From><UserId>chenjl</UserId></From><MsgType>text</MsgType><Text><Content><![CDATA[${WORDS}]]></Content></Text></xml>`;
    await expectRefused(rig, () => wecomPost(rig, xmlNoMsgId, { format: 'xml' }), 400, 'inner-fields', WORDS);
  });
});

describe('WeCom callback: the size and signature are checked before any XML is parsed (SPEC §9)', () => {
  /** Counts the XML parser's work: the envelope of an unsigned body must never reach it. */
  function spyOnXml() {
    return { parse: vi.spyOn(XMLParser.prototype, 'parse'), validate: vi.spyOn(XMLValidator, 'validate') };
  }

  it('refuses a 1 MiB XML body with a wrong signature with 401, without parsing it', async () => {
    const encrypted = encryptMessage(SECRETS.wecomAesKey, REPORT, '');
    const head = `<xml><ToUserName><![CDATA[${WECOM_CORP_ID}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt>`;
    const note = '<Note><![CDATA[padding]]></Note>';
    const body = head + note.repeat(Math.floor((BODY_LIMIT - head.length - 6) / note.length)) + '</xml>';
    expect(body.length).toBeGreaterThan(BODY_LIMIT - note.length - 6);
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT);
    const xml = spyOnXml();
    await expectRefused(rig, () => wecomPost(rig, REPORT, { format: 'xml', encrypted, body, token: 'not-the-token' }), 401, 'signature', WORDS);
    expect(xml.parse).not.toHaveBeenCalled();
    expect(xml.validate).not.toHaveBeenCalled();
  });

  it('answers an envelope of 100,000 nested tags with 400 naming the envelope, not 500', async () => {
    const body = `<xml>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</xml>`;
    const xml = spyOnXml();
    const res = await expectRefused(rig, () => wecomPost(rig, REPORT, { format: 'xml', body }), 400, 'envelope', WORDS);
    expect(res.body).not.toMatch(/stack|Error/);
    expect(xml.parse).not.toHaveBeenCalled();
    expect(rig.logs.some((l) => l.level >= 50)).toBe(false);
  });

  it('answers a JSON envelope nested 100,000 deep with 400', async () => {
    const body = `{"encrypt": "abc", "x": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    await expectRefused(rig, () => wecomPost(rig, REPORT, { body }), 400, 'envelope', WORDS);
  });

  it('parses the inner message only once it is signed, and answers one nested too deep with 400, not 500', async () => {
    const deep = `<xml><MsgId>wx-deep</MsgId><MsgType>text</MsgType>${'<a>'.repeat(20_000)}${'</a>'.repeat(20_000)}</xml>`;
    await expectRefused(rig, () => wecomPost(rig, deep, { format: 'xml' }), 400, 'inner');
    const deepJson = `{"msgid": "wx-deep", "msgtype": "text", "x": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    await expectRefused(rig, () => wecomPost(rig, deepJson), 400, 'inner');
    expect(rig.logs.some((l) => l.level >= 50)).toBe(false);
    // The control: a signed XML envelope around an XML message is parsed (the inner message only) and taken.
    const xml = spyOnXml();
    const plain =
      '<xml><MsgId>wx-signed-xml</MsgId><ChatId>wrXM001</ChatId><ChatType>group</ChatType><From><UserId>chenjl</UserId></From>' +
      `<MsgType>text</MsgType><Text><Content><![CDATA[@联保助手 报告 ${WORDS}]]></Content></Text></xml>`;
    expect((await wecomPost(rig, plain, { format: 'xml' })).statusCode).toBe(200);
    expect(xml.parse).toHaveBeenCalledTimes(1);
    expect(xml.parse.mock.calls[0]?.[0]).toBe(plain);
  });
});

describe('WeCom callback: XML entities are never expanded', () => {
  const lol = (root: string) =>
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' +
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>' +
    root;

  it('refuses an envelope declaring entities (billion laughs) with 400', async () => {
    const encrypted = encryptMessage(SECRETS.wecomAesKey, REPORT, '');
    const body = lol(`<xml><Encrypt><![CDATA[${encrypted}]]></Encrypt><Note>&d;</Note></xml>`);
    await expectRefused(rig, () => wecomPost(rig, REPORT, { format: 'xml', encrypted, body }), 400, 'envelope');
  });

  it('refuses an inner message declaring entities, and an external entity, with 400', async () => {
    const inner = lol(
      '<xml><MsgId>wx-lol</MsgId><ChatId>wrXM001</ChatId><ChatType>group</ChatType><From><UserId>chenjl</UserId></From>' +
        '<MsgType>text</MsgType><Text><Content>报告 &d;</Content></Text></xml>',
    );
    await expectRefused(rig, () => wecomPost(rig, inner, { format: 'xml' }), 400, 'inner');
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
      '<xml><MsgId>wx-xxe</MsgId><ChatId>wrXM001</ChatId><ChatType>group</ChatType><From><UserId>chenjl</UserId></From>' +
      '<MsgType>text</MsgType><Text><Content>报告 &x;</Content></Text></xml>';
    await expectRefused(rig, () => wecomPost(rig, xxe, { format: 'xml' }), 400, 'inner');
  });

  it('keeps an entity reference without a declaration as written', async () => {
    const inner =
      '<xml><MsgId>wx-ent</MsgId><ChatId>wrXM001</ChatId><ChatType>group</ChatType><From><UserId>chenjl</UserId></From>' +
      '<MsgType>text</MsgType><Text><Content>报告 工地电缆被偷 &amp;passwd;</Content></Text></xml>';
    const res = await wecomPost(rig, inner, { format: 'xml' });
    expect(res.statusCode).toBe(200);
    await settle(rig);
    const row = rig.db.prepare('SELECT description FROM tickets').get() as { description: string } | undefined;
    expect(row?.description).toContain('&amp;passwd;');
  });
});

describe('WeCom callback: size, types the bot ignores, retries', () => {
  it('answers a 2 MiB body with 413 and stores nothing', async () => {
    const big = JSON.stringify({ encrypt: 'A'.repeat(2 * 1024 * 1024) });
    await expectRefused(rig, () => wecomPost(rig, REPORT, { body: big }), 413, 'body-size');
  });

  it('answers an image with 200 and one line saying what works, registering nothing', async () => {
    const image = JSON.stringify({
      msgid: 'wx-image-1',
      aibotid: 'AIBOTID',
      chatid: 'wrXM001',
      chattype: 'group',
      from: { userid: 'chenjl' },
      msgtype: 'image',
      image: { url: 'https://example.invalid/pic.png' },
    });
    const xmlImage =
      '<xml><MsgId>wx-image-2</MsgId><ChatId>wrXM001</ChatId><ChatType>group</ChatType><From><UserId>chenjl</UserId></From>' +
      '<MsgType>image</MsgType><Image><ImageUrl>https://example.invalid/pic.png</ImageUrl></Image></xml>';
    const before = snapshotCounts(rig.db);
    expect((await wecomPost(rig, image)).statusCode).toBe(200);
    expect((await wecomPost(rig, xmlImage, { format: 'xml' })).statusCode).toBe(200);
    await settle(rig);
    expect(snapshotCounts(rig.db)).toEqual({ ...before, inbound_messages: before.inbound_messages + 2, outbox: before.outbox + 2 });
    // No reply URL came with them: the answers go to the project group's robot.
    const answers = rig.api.requests.filter((r) => r.path === '/cgi-bin/webhook/send').map((r) => (r.body as { markdown: { content: string } }).markdown.content);
    expect(answers).toEqual([
      '暂时还不能处理图片，请用文字或语音发送命令，例如“报告 问题描述”；发送“帮助”查看全部命令',
      '暂时还不能处理图片，请用文字或语音发送命令，例如“报告 问题描述”；发送“帮助”查看全部命令',
    ]);
  });

  it('answers the same msgid delivered three times at once with 200 each, and makes one ticket and one reply', async () => {
    const results = await Promise.all([1, 2, 3].map(() => wecomPost(rig, REPORT)));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(results.map((r) => r.body)).toEqual(['', '', '']);
    await settle(rig);
    const count = (sql: string) => (rig.db.prepare(sql).get() as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM tickets')).toBe(1);
    expect(count("SELECT count(*) AS n FROM outbox WHERE kind = 'reply'")).toBe(1);
    expect(count('SELECT count(*) AS n FROM inbound_messages')).toBe(1);
    // The reply went out once, to XM001's group robot.
    const toGroup = rig.api.requests.filter((r) => r.path === '/cgi-bin/webhook/send');
    expect(toGroup.map((r) => r.query.get('key'))).toEqual(['KEY-XM001']);
    expectNotLoggedAtInfo(rig, WORDS);
    expectNoSecretsLogged(rig);
  });

  it('logs the text of an accepted message only at debug level', async () => {
    expect((await wecomPost(rig, REPORT)).statusCode).toBe(200);
    await settle(rig);
    expect(rig.logs.some((l) => l.level === 20 && JSON.stringify(l).includes(WORDS))).toBe(true);
    expectNotLoggedAtInfo(rig, WORDS);
    expectNoSecretsLogged(rig);
  });
});
