/**
 * SPEC §2–§3 in a project group, on both platforms, against the real server process: a message
 * written as people write it is asked about and registered on 是; 改类 corrects a category and says
 * so in the group; a conduct complaint is acknowledged there without its words or its category.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dingtalkCallback, dingtalkEnv, postCallback, wecomEnv, wecomJsonCallback } from '../support/callbacks.js';
import { startPlatformDouble, type DeliveredMessage, type PlatformDouble } from '../support/platform-double.js';
import { cleanupServers, queryDb, ServerProcess } from '../support/server-process.js';

let double: PlatformDouble;
let server: ServerProcess;
let seq = 0;

beforeAll(async () => {
  double = await startPlatformDouble();
  // The text forms: what is read here is the words of each answer (the cards have their own suites).
  server = await ServerProcess.start({ env: { ...wecomEnv(double.base), ...dingtalkEnv(double.base), RATE_SENDER_PER_MINUTE: '1000', CARDS: '0' } });
}, 40_000);

afterAll(async () => {
  await cleanupServers();
  await double?.close();
});

type Platform = 'wecom' | 'dingtalk';
const PEOPLE: Record<Platform, { chen: string; wang: string; chat: string }> = {
  wecom: { chen: 'chenjl', wang: 'wangjg', chat: 'wrXM001' },
  dingtalk: { chen: 'staff-chen', wang: 'staff-wang', chat: 'cidXM001' },
};

/** Says `text` as `who` in XM001's group on `platform`; resolves with the reply that chat received. */
async function say(platform: Platform, who: 'chen' | 'wang', text: string): Promise<DeliveredMessage> {
  const p = PEOPLE[platform];
  const msgId = `plain-${platform}-${++seq}`;
  if (platform === 'wecom') {
    const replyUrl = double.wecomResponseUrl(p.chat);
    expect(await postCallback(server.base, wecomJsonCallback({ msgId, chatId: p.chat, userId: p[who], text, replyUrl }))).toBe(200);
    const code = new URL(replyUrl).searchParams.get('response_code');
    return (await double.waitForMessages(1, (m) => m.request.query.get('response_code') === code))[0]!;
  }
  const sessionWebhook = double.dingtalkSessionWebhook(p.chat);
  expect(await postCallback(server.base, dingtalkCallback({ msgId, conversationId: p.chat, staffId: p[who], text, sessionWebhook }))).toBe(200);
  const session = new URL(sessionWebhook).searchParams.get('session');
  return (await double.waitForMessages(1, (m) => m.request.query.get('session') === session))[0]!;
}

const ticketOf = (marker: string) =>
  queryDb<{ no: number; category: string; urgency: string; description: string }>(
    server.databasePath,
    'SELECT no, category, urgency, description FROM tickets WHERE description LIKE ?',
    `%${marker}%`,
  )[0];

describe.each(['wecom', 'dingtalk'] as const)('in a project group on %s', (platform) => {
  it('asks about a report written in plain words, and registers it on 是', async () => {
    const marker = `${platform}-PL1`;
    const text = `${marker} 渣土车被村民拦住了，货车进不去`;
    expect((await say(platform, 'chen', text)).text).toBe('是否登记为诉求？回复“是”登记，或发送“报告 …”');
    expect(ticketOf(marker)).toBeUndefined();
    const yes = await say(platform, 'chen', '是');
    expect(yes.text).toContain('已登记（挂号）');
    expect(ticketOf(marker)).toMatchObject({ description: text, category: '阻工', urgency: 'urgent' });
  });

  it('corrects a category with 改类, and the group reads the correction', async () => {
    const marker = `${platform}-PL2`;
    await say(platform, 'chen', `报告 ${marker} 项目部门口的路灯坏了`);
    const t = ticketOf(marker)!;
    expect(t.category).toBe('其他');
    const said = await say(platform, 'wang', `改类 #${t.no} 盗窃`);
    expect(said.text).toContain(`#${t.no}`);
    expect(said.text).toContain('盗窃');
    expect(ticketOf(marker)!.category).toBe('盗窃');
  });

  it('acknowledges a conduct complaint without its words or its category', async () => {
    const marker = `${platform}-PL3`;
    const said = await say(platform, 'chen', `报告 ${marker} 执法人员乱罚款，还扣了我们的车`);
    expect(said.text).toMatch(/^已收到您的反映（#\d+），将由护企办处理。此类问题下次可以直接私聊我反映。$/);
    expect(ticketOf(marker)).toMatchObject({ category: '执法投诉' });
    // Nothing about it reaches the project's groups on either platform.
    await new Promise((r) => setTimeout(r, 500));
    const inGroups = double.messages((m) => m.text.includes(marker) && (m.to.includes('XM001') || m.to.startsWith('chat:')));
    expect(inGroups).toEqual([]);
  });
});
