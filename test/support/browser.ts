import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { escalate } from '../../src/jobs/escalate.js';
import { runJob } from '../../src/jobs/runner.js';
import { createLogger } from '../../src/log.js';
import { wireServer } from '../../src/wiring.js';
import { harness } from './harness.js';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Debian's Chromium driven by playwright-core. A machine without it fails here, loudly, rather
 * than skipping: these tests are the only ones that see the pages as a person does.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM}, which is missing. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (CI installs it), then run the tests again.',
    );
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    throw new Error(`The browser tests need the playwright-core package: run \`npm install\` (${String(err)})`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * A real HTTP server on a harness's database, on 127.0.0.1 and a free port: wired as the server is,
 * its processor handling what the playground stores and its delivery worker "sending" it.
 */
export async function serve(
  h: ReturnType<typeof harness>,
  log: Logger = createLogger('silent'),
  listenOn = 0,
): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const server = await wireServer(h.config, log, { clock: h.clock, db: h.db });
  server.processor.start();
  server.worker.start();
  const { app } = server;
  await app.listen({ host: '127.0.0.1', port: listenOn });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    close: () => server.stop(),
  };
}

/**
 * A port free on 127.0.0.1 a moment ago, for a server whose own address must be configured before
 * it starts (PUBLIC_URL, which the sign-in links `登录` sends lead to).
 */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export type SeededHarness = ReturnType<typeof harness>;

const HOUR = 3_600_000;

/** Reports of the three example projects, one for each kind of trouble the bot knows. */
const REPORTS: [reporter: string, project: string, text: string][] = [
  ['chen', 'XM001', '报告 村民堵路阻工，混凝土车进不去'],
  ['liu', 'XM002', '报告 工地夜间电缆被偷，损失约两万元'],
  ['ma', 'XM003', '报告 拆迁补偿纠纷，有住户阻止进场'],
  ['huang', 'XM001', '报告 有人强揽土方运输，要求必须用他们的车'],
  ['xu', 'XM002', '报告 渣土货车在城东路口被限行，影响出土'],
  ['chen', 'XM001', '报告 外地技术人员办理居住证需要加急'],
  ['liu', 'XM002', '报告 网络上有造谣说工程出了安全事故'],
  ['ma', 'XM003', '报告 分包队伍拖欠工资，工人聚集讨薪'],
  ['huang', 'XM001', '报告 工地围挡被破坏，钢筋被盗'],
  ['xu', 'XM002', '报告 有人冒充项目部人员诈骗供应商'],
  ['chen', 'XM001', '报告 外籍专家护照签证到期，申请办理延期'],
  ['ma', 'XM003', '报告 有人以“保护费”名义敲诈施工队'],
  ['liu', 'XM002', '报告 施工便道发生交通事故，需要交警处理'],
  ['huang', 'XM001', '报告 附近村民因征地补偿问题多次到工地围堵'],
  ['xu', 'XM002', '报告 执法人员检查时吃拿卡要'],
  ['chen', 'XM001', '报告 夜间施工噪音引发周边居民纠纷'],
  ['ma', 'XM003', '报告 安置小区工地发电机被盗'],
  ['liu', 'XM002', '报告 投标过程中疑似有人串通投标'],
  ['huang', 'XM001', '报告 紧急：有人在工地门口聚集堵门，车辆无法进出'],
  ['xu', 'XM002', '报告 运输车辆通行证办理需要协调'],
  ['chen', 'XM001', '报告 工地仓库的电缆和配电箱被偷'],
  ['ma', 'XM003', '报告 有人在网络上发布不实舆情信息'],
  ['liu', 'XM002', '报告 施工材料供应商被强迫交易'],
  ['huang', 'XM001', '报告 项目部的商标被人侵权使用'],
  ['xu', 'XM002', '报告 夜间有人偷拆塔吊部件'],
  ['chen', 'XM001', '报告 项目外籍员工出入境手续咨询'],
  ['ma', 'XM003', '报告 周边商户与施工队因占道发生纠纷'],
  ['liu', 'XM002', '报告 货车在匝道口发生剐蹭，双方争执'],
  ['huang', 'XM001', '报告 有人阻挠施工，要求承包绿化工程'],
  ['xu', 'XM002', '报告 工地临时用电设备被盗'],
  ['chen', 'XM001', '报告 新招工人办理户口迁移需要指导'],
  ['ma', 'XM003', '报告 村民堵路要求先解决补偿问题'],
  ['liu', 'XM002', '报告 有人在工地附近散布谣言煽动围观'],
  ['huang', 'XM001', '报告 钢材被偷运出工地，怀疑内外勾结'],
  ['xu', 'XM002', '报告 有人以施工扰民为由索要补偿并阻工'],
  ['chen', 'XM001', '报告 办理工地周边道路临时占道许可'],
];

const OFFICER: Record<string, string> = { XM001: 'wang', XM002: 'zhao', XM003: 'sun' };

/**
 * The example roster with 36 tickets reported in the first half of November 2026 and worked through
 * the chat commands: claimed, resolved, accepted or rejected, transferred, summoned, supervised,
 * withdrawn, and some left alone until they are overdue, with the escalation sweep run now and
 * then as the server would; visits and agenda items too. The clock ends on 2026-11-20 10:00 (Beijing).
 */
export async function seeded(env: Record<string, string> = {}): Promise<SeededHarness & { nos: number[] }> {
  const h = harness('2026-11-02T01:30:00Z', { RATE_SENDER_PER_MINUTE: '1000', ...env });
  const done = (person: string, chat: string, text: string): string => {
    const said = h.say(person, chat, text);
    const row = h.db.prepare('SELECT outcome FROM inbound_messages ORDER BY rowid DESC LIMIT 1').get() as { outcome: string };
    if (row.outcome !== 'done') throw new Error(`seed: ${person} in ${chat}: “${text}” was not done: ${said.reply}`);
    return said.reply;
  };
  const nos: number[] = [];
  const sweep = async () => {
    const r = await runJob(h.jobs, escalate, h.clock.now());
    if (r.status === 'failed') throw new Error(`seed: escalate failed: ${r.error}`);
  };
  for (const [i, [reporter, project, text]] of REPORTS.entries()) {
    if (i % 6 === 0) await sweep();
    h.clock.advance(5 * HOUR);
    const no = h.ticketNo(h.say(reporter, project, text));
    nos.push(no);
    const officer = OFFICER[project]!;
    const conduct = text.includes('吃拿卡要');
    const worker = conduct ? 'zhou' : officer;
    const kind = i % 6;
    if (kind === 5 && !conduct) continue; // left waiting: overdue to claim by the end
    // Claimed after 20 minutes to 6 hours: some in time, some late.
    h.clock.advance([20, 45, 90, 180, 360][i % 5]! * 60_000);
    if (i % 11 === 3) {
      done(reporter, project, `撤回 #${no} 已与对方协商解决`);
      continue;
    }
    done(worker, project, `认领 #${no}`);
    if (i % 7 === 2) done(worker, project, `吹哨 #${no} 经侦大队 请协助查证资金往来`);
    if (i % 7 === 2) done('qian', project, `报到 #${no}`);
    h.clock.advance(HOUR / 2);
    done(worker, project, `进展 #${no} 已到现场了解情况，正在协调`);
    if (kind === 4) {
      if (i % 8 === 4) done('zhou', project, `督办 #${no} 请加快办理`);
      continue; // still being worked: overdue to resolve for the early ones
    }
    if (i === 9) {
      done(worker, project, `转办 #${no} 经侦大队 涉嫌诈骗，转经侦处理`);
      continue;
    }
    h.clock.advance((kind + 1) * 1.5 * HOUR);
    done(worker, project, `办结 #${no} 已现场处置，当事人已劝离，企业恢复正常施工`);
    if (kind === 3) continue; // waiting for the enterprise's 评价
    h.clock.advance(HOUR);
    if (kind === 2) {
      done(reporter, project, `不满意 #${no} 问题没有根本解决，晚上又来了`);
      continue;
    }
    done(reporter, project, `满意 #${no} ${kind === 1 ? 4 : 5} 处理及时，感谢民警`);
  }
  if (h.clock.now().getTime() > Date.parse('2026-11-19T02:00:00Z')) throw new Error('seed: the reports ran past 2026-11-19');
  h.clock.set('2026-11-19T02:00:00Z');
  await sweep();
  done('wang', 'XM001', '走访 XM001 到工地了解施工进度，企业反映夜间有人偷电缆，已安排巡逻');
  done('zhao', 'XM002', '走访 XM002 与项目部座谈，梳理渣土车通行问题，答复将协调交警');
  done('wang', 'XM001', '会商 议题 协调解决XM001进场道路被堵问题');
  done('zhou', 'coordinators', '会商 议题 通报本月超期工单办理情况');
  h.clock.set('2026-11-20T02:00:00Z');
  await sweep();
  return { ...h, nos };
}

/**
 * In the playground: types a command as whoever is picked and waits for a new bot message in the
 * pane that contains `expected`. The chat keeps its history across pages, so an older answer with
 * the same words must not count.
 */
export async function sendInPlayground(page: Page, text: string, expected: string): Promise<string> {
  const before = await page.locator('#messages .msg-bot').count();
  await page.fill('#input', text);
  await page.click('#send');
  const answer = await page.waitForFunction(
    ([n, words]) => {
      const fresh = [...document.querySelectorAll('#messages .msg-bot')].slice(n);
      return fresh.reverse().find((e) => (e.textContent ?? '').includes(words))?.textContent ?? false;
    },
    [before, expected] as const,
    { timeout: 10_000 },
  );
  return String(await answer.jsonValue());
}
