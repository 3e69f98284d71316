/**
 * WeCom's own published callbacks, byte for byte, posted over real HTTP to the app listening on a
 * port, with the clock at the second they were signed; what the app sends back goes to the
 * platform double. Nothing here was built by this project: the query strings, bodies, token, key
 * and corpid are those of WeCom's samples.
 * - 加解密方案说明, https://developer.work.weixin.qq.com/document/path/90968, and the Sample of
 *   WXBizMsgCrypt (XML): a self-built app's text message "hello" from user `mycreate`.
 * - The Sample of WXBizJsonMsgCrypt (JSON, weworkapi callback_json/Sample.py): the envelope
 *   `{"ToUserName", "Encrypt", "AgentID"}` with PascalCase fields; the plaintext sealed in it is not
 *   well-formed JSON (`"FromUserName": :mycreate"` in Tencent's sample), so the server must take the
 *   envelope and its signature, and then refuse the inner message.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import type { Db } from '../../../src/db/open.js';
import { createLogger } from '../../../src/log.js';
import { wireServer } from '../../../src/wiring.js';
import { startPlatformDouble, type PlatformDouble } from '../../support/platform-double.js';

const XML_SAMPLE = {
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  corpId: 'wx5823bf96d3bd56c7',
  query: 'msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149',
  timestamp: 1409659813,
  body:
    '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt>\n<AgentID><![CDATA[218]]></AgentID>\n</xml>',
} as const;

const JSON_SAMPLE = {
  token: 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo',
  encodingAesKey: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt',
  corpId: 'ww1436e0e65a779aee',
  query: 'msg_signature=e3647471e395139e2308c1fa963f2d648a00b90e&timestamp=1409659813&nonce=1372623149',
  timestamp: 1409659813,
  body: '{ "ToUserName": "wx5823bf96d3bd56c7", "Encrypt": "cjhLUX7UU4yCSelv1vz7T0zT8huF51bAMVWriNvO1FMegHrQZNrtvRxbwf0fUPsFvwqR0U0fgiJNEA5Y30F2MoI2S7vv3EjVQ68C0cjw9frBoUE2Hj0BvFp9h3u6Vbsg4lc1C8AtHdaN8orKuNKkLRLuYEL52R1J3v8olJGZRLnRdVKIivixmX/eQpzgeExtp20jI1HxRP1AAZ6xZoILdqDPO549LO4WeG+685JRUTdiwcY5fjZlqeMxuT4PpMn1X9OWsS7NRj06Wa5E3Tvg4twjWp39KPfOdRte6P1T4JU=", "AgentID": 218 }',
} as const;

interface Served {
  base: string;
  db: Db;
  double: PlatformDouble;
  logs: { level: number; check?: string; msg?: string }[];
}

let served: (Served & { close(): Promise<void> }) | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** The app, configured with a sample's token, key and corpid, listening on a port, its clock at the sample's second. */
async function serve(sample: typeof XML_SAMPLE | typeof JSON_SAMPLE): Promise<Served> {
  const double = await startPlatformDouble();
  const logs: Served['logs'] = [];
  const stream = { write: (line: string) => void logs.push(JSON.parse(line) as Served['logs'][number]) };
  const config = loadConfig({
    DATABASE_PATH: ':memory:',
    ROSTER_FILE: 'roster.example.yaml',
    LOG_LEVEL: 'info',
    WECOM_TOKEN: sample.token,
    WECOM_ENCODING_AES_KEY: sample.encodingAesKey,
    WECOM_RECEIVE_ID: sample.corpId,
    WECOM_CORP_ID: sample.corpId,
    WECOM_AGENT_ID: '218',
    WECOM_SECRET: 'sample-app-secret',
    WECOM_API_BASE: double.base,
  });
  const server = await wireServer(config, createLogger('info', stream), { clock: new FixedClock(sample.timestamp * 1000) });
  const { app, db } = server;
  await app.listen({ port: 0, host: '127.0.0.1' });
  server.processor.start();
  server.worker.start();
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  served = {
    base,
    db,
    double,
    logs,
    async close() {
      await server.stop();
      await double.close();
    },
  };
  return served;
}

async function post(s: Served, sample: typeof XML_SAMPLE | typeof JSON_SAMPLE, contentType: string): Promise<number> {
  const res = await fetch(`${s.base}/wecom/callback?${sample.query}`, { method: 'POST', headers: { 'content-type': contentType }, body: sample.body });
  await res.arrayBuffer();
  return res.status;
}

describe("WeCom's published sample callbacks, over HTTP", () => {
  it('answers the self-built app message of the WXBizMsgCrypt sample by an app message to its sender', async () => {
    const s = await serve(XML_SAMPLE);
    expect(await post(s, XML_SAMPLE, 'text/xml')).toBe(200);
    // `mycreate` is in no roster: the app tells them why nothing was registered, by app message.
    const [dm] = await s.double.waitForMessages(1, (m) => m.via === 'wecom-app');
    expect(dm!.to).toBe('user:mycreate');
    expect(dm!.text).toContain('您也不在人员名册中');
    expect(dm!.request.body).toMatchObject({ touser: 'mycreate', agentid: 218, msgtype: 'markdown' });
    expect(s.db.prepare('SELECT platform, msg_id, sender_id FROM inbound_messages').all()).toEqual([
      { platform: 'wecom', msg_id: '4561255354251345929', sender_id: 'mycreate' },
    ]);
  });

  it('takes the PascalCase JSON envelope of the WXBizJsonMsgCrypt sample and its signature, then refuses its malformed plaintext', async () => {
    const s = await serve(JSON_SAMPLE);
    expect(await post(s, JSON_SAMPLE, 'application/json')).toBe(400);
    // The envelope was read and the signature, time and receiveid held: what failed is the inner JSON.
    expect(s.logs.filter((l) => l.level >= 40 && l.check).map((l) => l.check)).toEqual(['inner']);
    expect(s.db.prepare('SELECT count(*) AS n FROM inbound_messages').get()).toEqual({ n: 0 });
  });
});
