// The measurements made inside one process against the benchmark database: the escalation sweep,
// the monthly figures and the outbox drain. They call the product's own job runner, figures and
// delivery worker (from dist/), wired by its own src/wiring.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { DATA_DIR, DIST, median, product } from './common.mjs';

const MINUTE = 60_000;

/** A clock that follows the real one until it is set, so sweeps can run "a minute later". */
export function benchClock() {
  let fixed;
  return {
    now: () => new Date(fixed ?? Date.now()),
    set: (ms) => {
      fixed = ms;
    },
    release: () => {
      fixed = undefined;
    },
  };
}

/**
 * The product's repositories, dispatcher, jobs and delivery worker on the benchmark database, wired
 * as the processor and the server wire theirs, logging at info to a file as the server would.
 */
export async function openCore(env, clock, logName) {
  const { loadConfig } = await product('src/config.js');
  const { createLogger } = await product('src/log.js');
  const { openMainDb, wireDelivery, wireHandling } = await product('src/wiring.js');
  const config = loadConfig(env);
  const dest = pino.destination({ dest: join(DATA_DIR, logName), sync: true });
  const log = createLogger('info', dest);
  const db = openMainDb(config, log, clock, { loadRoster: false });
  const handling = wireHandling(db, config, log, clock);
  const { worker } = wireDelivery(config, log, clock, handling.outbox);
  return { ...handling, config, db, clock, log, worker };
}

async function job(name) {
  const { findJob } = await product('src/jobs/index.js');
  const listed = findJob(name);
  if (listed) return listed;
  // A job file may exist before it is listed in JOBS; it is measured all the same.
  const file = join(DIST, 'src', 'jobs', `${name}.js`);
  if (!existsSync(file)) return undefined;
  const mod = await import(pathToFileURL(file).href);
  return Object.values(mod).find((v) => v && typeof v === 'object' && v.name === name && typeof v.run === 'function');
}

/**
 * What a server starting on this database does first: the scheduler's make-up runs for the last
 * 7 days, then escalation sweeps until nothing is due (one sweep takes at most 10,000 tickets).
 * Run once before the servers start, so that they start as a server that has been running would.
 */
export async function catchUp(core) {
  const { JOBS } = await product('src/jobs/index.js');
  const { runHere, startScheduler } = await product('src/jobs/scheduler.js');
  const { runJob } = await product('src/jobs/runner.js');
  const t0 = performance.now();
  const scheduler = startScheduler(runHere(core.jobs), JOBS, core.config.schedules);
  await scheduler.caughtUp;
  await scheduler.stop();
  const escalate = await job('escalate');
  const sweeps = [];
  for (let i = 0; i < 50; i += 1) {
    const due = core.repos.tickets.dueForEscalation(core.clock.now().getTime(), 1).length;
    if (due === 0) break;
    const t = performance.now();
    const out = await runJob(core.jobs, escalate, core.clock.now(), { force: true });
    sweeps.push({ ms: performance.now() - t, summary: out.summary ?? out.reason ?? out.error });
  }
  return { ms: performance.now() - t0, sweeps, jobs: JOBS.map((j) => j.name) };
}

/**
 * The escalation sweep as the scheduler runs it, once a minute: `runs` consecutive minutes after
 * now (median), then once after an hour and once after a day without a sweep (informational).
 */
export async function sweepBench(core, clock, runs = 9) {
  const { runJob } = await product('src/jobs/runner.js');
  const escalate = await job('escalate');
  const base = Math.ceil(Date.now() / MINUTE) * MINUTE;
  const one = async (at) => {
    clock.set(at);
    const due = core.repos.tickets.dueForEscalation(at).length;
    const t = performance.now();
    const out = await runJob(core.jobs, escalate, new Date(at));
    const ms = performance.now() - t;
    if (out.status !== 'done') throw new Error(`escalate: ${out.status} ${out.reason ?? out.error}`);
    return { ms, due, summary: out.summary };
  };
  const minutes = [];
  for (let k = 1; k <= runs; k += 1) minutes.push(await one(base + k * MINUTE));
  const hour = await one(base + (runs + 60) * MINUTE);
  const day = await one(base + (runs + 60 + 24 * 60) * MINUTE);
  clock.release();
  return {
    medianMs: median(minutes.map((m) => m.ms)),
    dueMedian: median(minutes.map((m) => m.due)),
    minutes,
    hour,
    day,
  };
}

/** The monthly figures (SPEC §6) for the last full month: Figures.compute, and the whole monthly-report job. */
export async function monthlyBench(core, runs = 5) {
  const { previousMonth } = await product('src/reports/figures.js');
  const { runJob } = await product('src/jobs/runner.js');
  const now = Date.now();
  const period = previousMonth(now);
  const compute = [];
  let report;
  for (let i = 0; i < runs; i += 1) {
    const t = performance.now();
    report = core.figures.compute(period, now);
    compute.push(performance.now() - t);
  }
  const monthly = await job('monthly-report');
  const jobRuns = [];
  if (monthly) {
    for (let i = 0; i < 3; i += 1) {
      const t = performance.now();
      const out = await runJob(core.jobs, monthly, new Date(now), { force: true });
      jobRuns.push(performance.now() - t);
      if (out.status === 'failed') throw new Error(`monthly-report failed: ${out.error}`);
    }
  }
  return {
    period: period.label,
    received: report.overall.received,
    medianMs: median(compute),
    runs: compute,
    jobMedianMs: jobRuns.length ? median(jobRuns) : null,
    jobRuns,
  };
}

/**
 * The delivery worker sending 10,000 queued messages to the double with no rate limit: replies
 * (through the callback's reply URL), group and direct messages on both platforms, spread over
 * the roster's groups and people as real traffic would be.
 */
export async function drainBench(core, doubleBase, count = 10_000) {
  const db = core.db;
  // Messages the benchmark's callbacks left queued (the group robots' 20 a minute hold them back)
  // are set aside, so that exactly the messages below are sent.
  const parked = db.prepare("UPDATE outbox SET status = 'failed', last_error = 'set aside by the benchmark' WHERE status = 'pending'").run().changes;
  const people = core.repos.roster.people();
  const projects = core.repos.roster.projects();
  const coordinators = core.repos.roster.coordinators();
  const departments = core.repos.roster.departments();
  const groupsOn = (platform) =>
    [...projects.map((p) => p.addresses[platform]), coordinators[platform], ...departments.map((d) => d.addresses[platform])].filter(Boolean);
  const groups = { wecom: groupsOn('wecom'), dingtalk: groupsOn('dingtalk') };
  const persons = {
    wecom: people.map((p) => p.addresses.wecom).filter(Boolean),
    dingtalk: people.map((p) => p.addresses.dingtalk).filter(Boolean),
  };
  const replyChats = {
    wecom: projects.map((p) => ({ to: p.addresses.wecom, chatId: core.repos.roster.chatsOfProject(p.code).find((c) => c.platform === 'wecom')?.chatId })),
    dingtalk: projects.map((p) => ({ to: p.addresses.dingtalk, chatId: p.addresses.dingtalk })),
  };
  const text = (i) =>
    `**#${1_000_000 + i} 已登记（挂号）**\n类别：阻工 · 紧急\n项目：经开区新材料产业园\n描述：村民堵路阻工，车辆进不去\n签收时限：11月22日 10:30\n办结时限：11月23日 10:00\n请项目警官尽快认领：发送“认领 #${1_000_000 + i}”`;
  const now = core.clock.now().getTime();
  const tag = now.toString(36);
  const before = db.prepare('SELECT coalesce(max(id), 0) AS id FROM outbox').get().id;
  db.transaction(() => {
    for (let i = 0; i < count; i += 1) {
      const platform = i % 2 === 0 ? 'wecom' : 'dingtalk';
      const r = (i * 7919) % 10;
      let m;
      if (r < 5) {
        const chat = replyChats[platform][i % replyChats[platform].length];
        const replyUrl =
          platform === 'wecom' ? `${doubleBase}/cgi-bin/aibot/response?response_code=d${tag}${i}` : `${doubleBase}/robot/sendBySession?session=d${tag}${i}`;
        m = { platform, kind: 'reply', to: chat.to, chatId: chat.chatId, replyUrl, replyExpiresAt: now + 3_600_000 };
      } else if (r < 8) {
        m = { platform, kind: 'group', to: groups[platform][i % groups[platform].length] };
      } else {
        m = { platform, kind: 'person', to: persons[platform][i % persons[platform].length] };
      }
      core.outbox.enqueue({ ...m, title: `#${1_000_000 + i} 已登记`, text: text(i), mentions: [], dedupeKey: `bench:drain:${tag}:${i}` }, now);
    }
  })();
  const lanes = db.prepare("SELECT count(DISTINCT lane) AS n FROM outbox WHERE status = 'pending'").get().n;
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  await core.worker.drain();
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t;
  const c = db.prepare('SELECT status, count(*) AS n FROM outbox WHERE id > ? GROUP BY status').all(before);
  const byStatus = Object.fromEntries(c.map((r) => [r.status, r.n]));
  return { count, lanes, ms, perSecond: ((byStatus.sent ?? 0) / ms) * 1000, cpuUs: (cpu.user + cpu.system) / count, byStatus, parked };
}
