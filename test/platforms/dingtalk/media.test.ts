/**
 * DingTalk's pictures, files and recordings (SPEC §7b): a `picture`, the pictures of a `richText`,
 * a `file` and an `audio` carry a downloadCode
 * (https://open.dingtalk.com/document/orgapp/receive-message), which
 * `POST {DINGTALK_API_BASE}/v1.0/robot/messageFiles/download` turns into a downloadUrl
 * (https://open.dingtalk.com/document/orgapp/download-the-file-content-of-the-robot-receiving-message),
 * fetched without credentials from wherever it is, over https or from the configured double.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/clock.js';
import type { AttachmentFetch } from '../../../src/chat/types.js';
import { createDingtalkAdapter, type DingtalkConfig } from '../../../src/platforms/dingtalk/index.js';
import { parseRobotMessage } from '../../../src/platforms/dingtalk/parse.js';
import { pdf, png } from '../../support/files.js';
import { startPlatformDouble, type PlatformDouble } from '../../support/platform-double.js';

let double: PlatformDouble;
beforeAll(async () => {
  double = await startPlatformDouble();
});
afterAll(async () => {
  await double.close();
});

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/dingtalk/${name}`, import.meta.url), 'utf8'));

function adapter() {
  const config: DingtalkConfig = {
    appKey: 'k',
    appSecret: 's',
    robotCode: 'dingrobot001',
    mode: 'http',
    apiBase: double.base,
    oapiBase: double.base,
  };
  return createDingtalkAdapter(config, pino({ level: 'silent' }), new FixedClock(Date.now()));
}

async function bytesOf(f: AttachmentFetch): Promise<Buffer> {
  if (!f.ok) throw new Error(`not fetched: ${f.error}`);
  const chunks: Buffer[] = [];
  for await (const c of f.body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

const opts = () => ({ signal: new AbortController().signal, maxBytes: 1024 * 1024 });

describe('DingTalk attachments', () => {
  it('are read from a picture, the pictures of a rich text, a file and a recording', () => {
    expect(parseRobotMessage(fixture('picture.json'))).toMatchObject({ kind: 'message', message: { kind: 'image', attachments: [{ kind: 'image', ref: 'dc-5' }] } });
    const rich = parseRobotMessage(fixture('rich-text.json'));
    expect(rich).toMatchObject({ kind: 'message', message: { text: '进展 #12 已到现场，见照片', attachments: [{ kind: 'image', ref: 'dc-1' }] } });
    expect(rich.kind === 'message' && rich.message.kind).toBeUndefined();
    const base = fixture('picture.json') as Record<string, unknown>;
    const file = parseRobotMessage({ ...base, msgtype: 'file', content: { downloadCode: 'dc-f', fileName: '情况说明.pdf', fileId: 'f1', spaceId: 's1' } });
    expect(file).toMatchObject({ kind: 'message', message: { kind: 'file', attachments: [{ kind: 'file', ref: 'dc-f', name: '情况说明.pdf' }] } });
    const audio = parseRobotMessage({ ...base, msgtype: 'audio', content: { downloadCode: 'dc-a', recognition: '报告 东门被堵', duration: 4 } });
    expect(audio).toMatchObject({ kind: 'message', message: { kind: 'voice', text: '报告 东门被堵', attachments: [{ kind: 'audio', ref: 'dc-a' }] } });
    // Without a downloadCode there is nothing to fetch: the message is answered as before.
    const bare = parseRobotMessage({ ...base, content: {} });
    expect(bare.kind === 'message' && bare.message.attachments).toBeUndefined();
  });

  it('are fetched through messageFiles/download, then from the URL it gives without any credential', async () => {
    const photo = png(30, 20, [0, 160, 80]);
    const code = double.dingtalkDownloadCode({ bytes: photo, contentType: 'image/png', filename: 'photo.png' });
    const got = await adapter().fetchAttachment!({ kind: 'image', ref: code }, opts());
    expect(await bytesOf(got)).toEqual(photo);
    const asked = double.requests.findLast((r) => r.path === '/v1.0/robot/messageFiles/download')!;
    expect(asked.body).toEqual({ downloadCode: code, robotCode: 'dingrobot001' });
    expect(asked.headers['x-acs-dingtalk-access-token']).toBeTruthy();
    const file = double.requests.findLast((r) => r.path.startsWith('/dingtalk-files/'))!;
    expect(file.headers['x-acs-dingtalk-access-token']).toBeUndefined();
    expect(file.query.has('access_token')).toBe(false);
  });

  it('are not fetched from a plain-http host that is not the configured double', async () => {
    const code = double.dingtalkDownloadCode({ bytes: pdf('x'), contentType: 'application/pdf' }, { downloadUrl: 'http://files.example.invalid/x.pdf' });
    expect(await adapter().fetchAttachment!({ kind: 'file', ref: code }, opts())).toMatchObject({ ok: false, retryable: false, refused: 'url' });
  });

  it('are not asked for again when DingTalk does not know the downloadCode', async () => {
    expect(await adapter().fetchAttachment!({ kind: 'image', ref: 'dc-unknown' }, opts())).toMatchObject({ ok: false, retryable: false });
  });

  it('are tried again after a hiccup of the storage', async () => {
    const code = double.dingtalkDownloadCode({ bytes: png(2, 2, [9, 9, 9]), contentType: 'image/png' });
    double.failDownloads(1);
    expect(await adapter().fetchAttachment!({ kind: 'image', ref: code }, opts())).toMatchObject({ ok: false, retryable: true });
    expect((await adapter().fetchAttachment!({ kind: 'image', ref: code }, opts())).ok).toBe(true);
  });
});
