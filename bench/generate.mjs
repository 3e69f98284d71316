// The benchmark data set: 1,000,000 tickets over about two years on the example roster's projects
// (the city's three and one in each of its two counties, SPEC §11), 100,000 of them still open or claimed, with the audit rows and processed message ids
// a real installation would hold. Deterministic (seeded PRNG; the "now" it is built around is
// kept in the meta file) and cached under bench/.data/, rebuilt when the schema or this
// generator changes, or when it is more than a week old (the open tickets age with the clock).
//
//   node bench/generate.mjs [--force]
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DATA_DIR, ROOT, prng, product, say as sayRaw } from './lib/common.mjs';

const t00 = Date.now();
const say = (m) => sayRaw(`${m} (${((Date.now() - t00) / 1000).toFixed(1)} s)`);

/** Bump when the generated data changes shape, so cached files are rebuilt. */
export const GENERATOR_VERSION = 4;
export const SEED = 0x1a4b2026;
/** BENCH_TICKETS makes a smaller set (for trying the scripts out); the figures are for 1,000,000. */
export const TICKETS = Number(process.env.BENCH_TICKETS ?? 1_000_000);
export const ACTIVE = TICKETS / 10;
const SPAN_DAYS = 730;
const MAX_AGE_DAYS = 7;

export const CACHE_DB = join(DATA_DIR, TICKETS === 1_000_000 ? 'tickets-1m.db' : `tickets-${TICKETS}.db`);
const META_FILE = `${CACHE_DB}.json`;

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const SHANGHAI = 8 * HOUR;

/** The schema the data was written with: the migration files' count and content. */
export async function schemaFingerprint() {
  const { loadMigrations } = await product('src/db/open.js');
  const migrations = loadMigrations();
  const hash = createHash('sha1');
  for (const m of migrations) hash.update(`${m.name}\n${m.sql}\n`);
  return { version: migrations.length, hash: hash.digest('hex').slice(0, 16) };
}

export function readMeta() {
  try {
    return JSON.parse(readFileSync(META_FILE, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The cached data set, generated first when missing or stale. Returns its meta. */
export async function ensureData({ force = false } = {}) {
  const schema = await schemaFingerprint();
  const meta = readMeta();
  const reason = force
    ? 'forced'
    : !existsSync(CACHE_DB) || !meta
      ? 'no cached data set'
      : meta.generatorVersion !== GENERATOR_VERSION
        ? 'the generator changed'
        : meta.schema?.hash !== schema.hash
          ? `the schema changed (version ${meta.schema?.version} → ${schema.version})`
          : Date.now() - meta.anchor > MAX_AGE_DAYS * DAY
            ? `it is more than ${MAX_AGE_DAYS} days old`
            : null;
  if (!reason) {
    say(`data set: ${CACHE_DB} (generated ${new Date(meta.generatedAt).toISOString()}, ${meta.seconds} s)`);
    return meta;
  }
  say(`generating the data set (${reason}) …`);
  return generate(schema);
}

// ── vocabulary ──────────────────────────────────────────────────────────────

const CATEGORIES = ['阻工', '强揽', '盗窃', '纠纷', '证照', '交通', '网络', '经济', '执法投诉', '其他'];
const CATEGORY_WEIGHTS = [24, 5, 15, 20, 10, 10, 3, 4, 2, 7];
const TEXTS = {
  阻工: ['村民堵路阻工，车辆进不去', '有人围堵{n}号门，要求停工', '附近村民阻挠施工，挖机无法作业', '{n}标段被堵门，混凝土车进不来'],
  强揽: ['有人强揽土方运输，不让其他车辆进场', '当地人收保护费，每车{n}0元', '强买强卖砂石料，价格高出市场'],
  盗窃: ['工地电缆被剪，损失约{n}米', '{n}号仓库钢筋被盗', '夜间设备被盗，监控拍到两人', '发电机柴油被偷'],
  纠纷: ['征地补偿纠纷，村民要求重新丈量', '分包单位拖欠工资，{n}名工人讨薪', '拆迁户对补偿标准有异议', '与相邻企业用地边界纠纷'],
  证照: ['外籍技术人员居住证办理', '{n}名工人户口迁入咨询', '出入境证件加急办理', '施工车辆通行证办理'],
  交通: ['货车限行影响材料运输', '工地门口发生交通事故', '渣土车通行证到期，需要延续', '{n}号路口货车通行受阻'],
  网络: ['网上有人造谣工地出事故', '网络谣言称项目违规，影响施工', '舆情：短视频平台发布不实信息'],
  经济: ['疑似串通投标，请求核查', '合同诈骗，对方收款后失联', '商标侵权，假冒我方建材品牌'],
  执法投诉: ['检查人员吃拿卡要', '有人以检查为名乱罚款', '乱收费，开具的票据不合规'],
  其他: ['施工噪音投诉协调', '工地周边治安巡逻请求', '请求协助调解邻里矛盾', '临时用电协调'],
};
const RESOLUTIONS = ['已到现场劝离，施工恢复', '已立案侦查，涉案人员已控制', '已协调双方达成一致', '证件已办结', '已约谈相关人员，问题已解决', '已发布辟谣通告'];
const PROGRESS = ['已到现场了解情况', '已联系相关部门', '正在调取监控', '已约双方协商'];
const COMMENTS = ['处置及时', '满意', '', '很快就解决了', '感谢民警', ''];
const REJECTS = ['第二天又有人来堵门', '问题没有解决', '补偿还没到位'];
const SURNAMES = '张王李赵刘陈杨黄吴周徐孙马朱胡郭何高林罗';
const TITLES = ['经理', '工', '师傅', '主任', '总'];

const STATE_CODES = ['open', 'claimed', 'resolved', 'followup', 'closed', 'withdrawn'];
const ACTIONS = ['report', 'claim', 'progress', 'resolve', 'accept', 'await_followup', 'followup', 'reject', 'withdraw', 'remind', 'escalate', 'supervise'];
const A = Object.fromEntries(ACTIONS.map((a, i) => [a, i]));
/** The command a person sends for each human action, as the dispatcher records it. */
const COMMAND_OF = { report: '报告', claim: '认领', progress: '进展', resolve: '办结', accept: '满意', followup: '回访', reject: '不满意', withdraw: '撤回' };
const FROM_TO = {
  report: [null, 'open'],
  claim: ['open', 'claimed'],
  progress: ['claimed', 'claimed'],
  resolve: ['claimed', 'resolved'],
  accept: ['resolved', 'closed'],
  await_followup: ['resolved', 'followup'],
  followup: ['followup', 'closed'],
  reject: ['resolved', 'claimed'],
  withdraw: ['open', 'withdrawn'],
};
const SYSTEM = -1;

// ── generation ──────────────────────────────────────────────────────────────

/** Inserts rows many at a time: one statement call for `per` rows costs far less than `per` calls. */
function batchInsert(db, head, columns, per) {
  const one = `(${Array(columns).fill('?').join(', ')})`;
  const many = db.prepare(`${head} VALUES ${Array(per).fill(one).join(', ')}`);
  const single = db.prepare(`${head} VALUES ${one}`);
  const buf = [];
  return {
    add(...values) {
      for (const v of values) buf.push(v);
      if (buf.length === columns * per) {
        many.run(buf);
        buf.length = 0;
      }
    },
    flush() {
      for (let i = 0; i < buf.length; i += columns) single.run(buf.slice(i, i + columns));
      buf.length = 0;
    },
  };
}

async function generate(schema) {
  const started = Date.now();
  const { migrate } = await product('src/db/open.js');
  const { importRoster } = await product('src/roster/import.js');
  const { readRosterFile } = await product('src/roster/parse.js');
  const { escalationPlan, sentStage, nextEscalationAt, REMIND } = await product('src/tickets/escalation.js');
  const { slaFor } = await product('src/tickets/sla.js');
  const { addDuration } = await product('src/tickets/duration.js');
  const { WorkCalendar } = await product('src/tickets/calendar.js');

  // The data is built around the minute it is generated, so its open tickets are as overdue as
  // they would be on a live installation today.
  const anchor = Math.floor(Date.now() / MINUTE) * MINUTE;
  const t0 = anchor - SPAN_DAYS * DAY;
  const rng = prng(SEED);

  mkdirSync(DATA_DIR, { recursive: true });
  const tmp = `${CACHE_DB}.tmp`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  const db = new Database(tmp);
  // A throw-away file written in one go: no journal, no fsync, a big cache.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -2097152');
  db.pragma('temp_store = MEMORY');
  db.pragma('threads = 4');
  migrate(db);
  importRoster(db, readRosterFile(join(ROOT, 'roster.example.yaml')), t0 - DAY);

  // ── the roster as the tickets need it
  // Each person with their user id on each platform (platform_addresses), as columns of its own.
  const people = db
    .prepare(
      `SELECT p.*,
         (SELECT address FROM platform_addresses WHERE owner = 'person' AND owner_id = p.id AND platform = 'wecom') AS wecom_userid,
         (SELECT address FROM platform_addresses WHERE owner = 'person' AND owner_id = p.id AND platform = 'dingtalk') AS dingtalk_userid
       FROM people p ORDER BY p.id`,
    )
    .all()
    .map((p) => ({ ...p, roles: JSON.parse(p.roles) }));
  const personIndex = new Map(people.map((p, i) => [p.id, i]));
  // A project's WeCom chat id is in chats; its DingTalk group, the openConversationId, is its chat id there.
  const projects = db
    .prepare(
      `SELECT p.*,
         (SELECT min(chat_id) FROM chats WHERE platform = 'wecom' AND project_code = p.code) AS wecom_chat_id,
         (SELECT address FROM platform_addresses WHERE owner = 'project' AND owner_id = p.code AND platform = 'dingtalk') AS dingtalk_conversation_id
       FROM projects p ORDER BY p.code`,
    )
    .all()
    .map((p) => {
    const officer = people[personIndex.get(p.officer_id)];
    return {
      ...p,
      officer,
      enterprise: people.filter((x) => x.project_code === p.code && x.roles.includes('enterprise')),
      // External contacts (not in the roster) write in the project group; most reports come from them.
      externals: Array.from({ length: 300 }, (_, k) => ({
        name: `${SURNAMES[k % SURNAMES.length]}${TITLES[Math.floor(k / SURNAMES.length) % TITLES.length]}`,
        wecom: `ext-${p.code}-w${k}`,
        dingtalk: `ext-${p.code}-d${k}`,
      })),
    };
  });
  // By code: DX001 (东县) 45, XM001 35, XM002 20, XM003 and XX001 (西县) 10 each, so that a county
  // is as busy as the city's busiest project and the figures per unit are measured on real volume.
  const projectWeights = projects.map((_, i) => [45, 35, 20][i] ?? 10);
  const coordinators = people.filter((p) => p.roles.includes('coordinator'));
  const slaConfig = JSON.parse(db.prepare("SELECT value FROM settings WHERE key = 'sla'").get()?.value ?? '{}');
  const overrides = { holidays: [], workdays: [] };
  for (const r of db.prepare('SELECT date, kind FROM calendar_overrides').all()) overrides[r.kind === 'holiday' ? 'holidays' : 'workdays'].push(r.date);
  const calendar = new WorkCalendar(overrides);

  // The secondary indexes are built once at the end from the migrations' own definitions, which
  // is much faster than keeping them up to date row by row.
  const indexes = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('tickets', 'audit_log')")
    .all();
  for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);

  const slaMemo = new Map();
  const slaOf = (category, urgency, level) => {
    const k = `${category}|${urgency}|${level}`;
    let s = slaMemo.get(k);
    if (!s) slaMemo.set(k, (s = slaFor(category, urgency, level, slaConfig)));
    return s;
  };
  // Working-day deadlines depend only on the Beijing date they count from, so they are memoised.
  const wdMemo = new Map();
  const after = (from, d) => {
    if (d.unit !== 'wd') return addDuration(new Date(from), d, calendar).getTime();
    const k = Math.floor((from + SHANGHAI) / DAY) * 1000 + d.amount;
    let v = wdMemo.get(k);
    if (v === undefined) wdMemo.set(k, (v = addDuration(new Date(from), d, calendar).getTime()));
    return v;
  };
  const durationMs = (d) => ({ m: MINUTE, h: HOUR, d: DAY, wd: 1.4 * DAY })[d.unit] * d.amount;

  // ── when tickets were reported: growing over the two years, fewer at night and at weekends
  say('  creation times …');
  const created = new Float64Array(TICKETS);
  for (let i = 0; i < TICKETS; ) {
    // density grows linearly from 1 to 3 over the span: inverse CDF of (1 + 2x)
    const x = (-1 + Math.sqrt(1 + 8 * rng.next())) / 2;
    const t = t0 + x * (anchor - 10 * MINUTE - t0);
    const local = t + SHANGHAI;
    const hour = Math.floor(local / HOUR) % 24;
    const weekday = (Math.floor(local / DAY) + 4) % 7;
    const keep = (hour >= 7 && hour < 21 ? 1 : 0.12) * (weekday === 0 || weekday === 6 ? 0.45 : 1);
    if (rng.next() < keep) created[i++] = Math.floor(t);
  }
  created.sort();

  // ── which tickets are still open or claimed: all the recent ones, then fewer the older they
  // are (a backlog), exactly ACTIVE of them (weighted sampling without replacement)
  const keys = new Float64Array(TICKETS);
  for (let i = 0; i < TICKETS; i += 1) {
    const ageDays = (anchor - created[i]) / DAY;
    const w = ageDays < 7 ? 1 : Math.max(1e-6, Math.exp(-(ageDays - 7) / 30));
    keys[i] = Math.log(1 - rng.next()) / w;
  }
  const threshold = Float64Array.from(keys).sort()[TICKETS - ACTIVE];
  const active = new Uint8Array(TICKETS);
  for (let i = 0; i < TICKETS; i += 1) active[i] = keys[i] >= threshold ? 1 : 0;

  // ── events (audit rows), kept in typed arrays and written in time order afterwards
  let cap = 7_000_000;
  let ev = {
    at: new Float64Array(cap),
    ticket: new Int32Array(cap),
    kind: new Uint8Array(cap),
    actor: new Int32Array(cap),
    platform: new Uint8Array(cap),
    aux: new Float64Array(cap),
    aux2: new Uint8Array(cap),
  };
  let nev = 0;
  const grow = () => {
    cap *= 2;
    const bigger = {};
    for (const [k, v] of Object.entries(ev)) {
      bigger[k] = new v.constructor(cap);
      bigger[k].set(v);
    }
    ev = bigger;
  };
  const push = (at, ticket, kind, actor, platform, aux = 0, aux2 = 0) => {
    if (nev === cap) grow();
    ev.at[nev] = at;
    ev.ticket[nev] = ticket;
    ev.kind[nev] = kind;
    ev.actor[nev] = actor;
    ev.platform[nev] = platform;
    ev.aux[nev] = aux;
    ev.aux2[nev] = aux2;
    nev += 1;
  };

  // per ticket, for the audit rows' details
  const tCategory = new Uint8Array(TICKETS + 1);
  const tUrgent = new Uint8Array(TICKETS + 1);
  const tText = new Array(TICKETS + 1);
  const tReporter = new Array(TICKETS + 1);

  const insertTicket = batchInsert(
    db,
    `INSERT INTO tickets (no, project_code, category, urgency, description, state, routing,
    reporter_platform, reporter_user_id, reporter_person_id, reporter_name, assignee_id, department_id, supervised,
    claim_deadline, resolve_deadline, confirm_deadline, claim_from, round_from, window_start,
    first_claimed_at, claim_target, resolve_target, late_rounds,
    resolution, rating, rating_comment, close_kind, reopen_count,
    created_at, claimed_at, resolved_at, closed_at, withdrawn_at, updated_at, source_platform, source_chat_id,
    claim_esc_deadline, claim_esc_stage, resolve_esc_deadline, resolve_esc_stage, next_escalation_at)`,
    42,
    20,
  );

  const counts = { open: 0, claimed: 0, resolved: 0, followup: 0, closed: 0, withdrawn: 0, reopened: 0, supervised: 0 };
  const BATCH = 50_000;
  say('  tickets …');
  let begin = db.prepare('BEGIN');
  let commit = db.prepare('COMMIT');
  begin.run();
  for (let i = 0; i < TICKETS; i += 1) {
    const no = i + 1;
    const c = created[i];
    const project = projects[rng.weighted(projectWeights)];
    const category = CATEGORIES[rng.weighted(CATEGORY_WEIGHTS)];
    const urgency = category === '阻工' || category === '强揽' || rng.next() < 0.04 ? 'urgent' : 'normal';
    const conduct = category === '执法投诉';
    const platform = rng.next() < 0.65 ? 0 : 1;
    const platformName = platform === 0 ? 'wecom' : 'dingtalk';
    const fromRoster = rng.next() < 0.3 && project.enterprise.length > 0;
    const reporter = fromRoster ? rng.pick(project.enterprise) : rng.pick(project.externals);
    const reporterUserId = fromRoster ? (platform === 0 ? reporter.wecom_userid : reporter.dingtalk_userid) : platform === 0 ? reporter.wecom : reporter.dingtalk;
    const reporterActor = fromRoster ? personIndex.get(reporter.id) : -2 - i; // < -1: the ticket's own external reporter
    const text = rng.pick(TEXTS[category]).replace('{n}', String(1 + rng.int(9)));
    tCategory[no] = CATEGORIES.indexOf(category);
    tUrgent[no] = urgency === 'urgent' ? 1 : 0;
    tText[no] = text;
    tReporter[no] = reporter.name;

    const sla = slaOf(category, urgency, project.level);
    const assignee = conduct ? rng.pick(coordinators) : project.officer;
    const assigneeActor = personIndex.get(assignee.id);
    const t = {
      state: 'open',
      claimDeadline: after(c, sla.claim),
      resolveDeadline: after(c, sla.resolve),
      confirmDeadline: null,
      urgency,
      supervised: false,
      windowStart: c,
      claimEscalation: { deadline: null, stage: 0 },
      resolveEscalation: { deadline: null, stage: 0 },
    };
    const claimTarget = t.claimDeadline;
    let roundFrom = c;
    let lateRounds = 0;
    let departmentId = conduct ? null : (project.officer.department_id ?? null);
    let claimedAt = null;
    let resolvedAt = null;
    let closedAt = null;
    let withdrawnAt = null;
    let rating = null;
    let ratingComment = null;
    let closeKind = null;
    let resolution = null;
    let reopen = 0;
    let updated = c;

    push(c, no, A.report, reporterActor, platform);
    // The sweep sends the 临期提醒 and each tier of a missed deadline at its time, up to `end`.
    const escalateUntil = (end) => {
      for (;;) {
        const plan = escalationPlan(t);
        if (!plan) return;
        const sent = sentStage(t, plan);
        const next = plan.steps.find((x) => x.stage > sent);
        if (!next || next.at > end) return;
        const at = Math.min(end, next.at + rng.int(MINUTE));
        const tier = next.stage === REMIND ? 0 : next.stage - 1;
        if (tier === 3 && !t.supervised) {
          t.supervised = true;
          push(at, no, A.supervise, SYSTEM, platform, 0, STATE_CODES.indexOf(t.state));
        }
        t[plan.kind === 'claim' ? 'claimEscalation' : 'resolveEscalation'] = { deadline: plan.deadline, stage: next.stage };
        push(at, no, tier === 0 ? A.remind : A.escalate, SYSTEM, platform, plan.deadline, tier * 8 + STATE_CODES.indexOf(t.state));
      }
    };

    const claimDelay = rng.logNormal(durationMs(sla.claim) * 0.35, 1.0);
    if (active[i]) {
      // Still being worked on: open, or claimed and not resolved yet.
      if (rng.next() < 0.3) {
        escalateUntil(anchor);
      } else {
        claimedAt = Math.floor(c + Math.min(claimDelay, (anchor - c) * (0.1 + 0.8 * rng.next())));
        escalateUntil(claimedAt);
        t.state = 'claimed';
        t.windowStart = claimedAt;
        push(claimedAt, no, A.claim, assigneeActor, platform);
        if (!conduct) departmentId = assignee.department_id ?? departmentId;
        updated = claimedAt;
        if (rng.next() < 0.5) {
          const p = Math.floor(claimedAt + (anchor - claimedAt) * rng.next() * 0.8);
          push(p, no, A.progress, assigneeActor, platform, rng.int(PROGRESS.length));
          updated = Math.max(updated, p);
        }
        escalateUntil(anchor);
      }
    } else if (rng.next() < 0.03) {
      // Withdrawn by the reporter before anyone claimed it.
      withdrawnAt = Math.floor(Math.min(c + rng.logNormal(2 * HOUR, 1), c + (anchor - c) * 0.9));
      escalateUntil(withdrawnAt);
      t.state = 'withdrawn';
      push(withdrawnAt, no, A.withdraw, reporterActor, platform);
      updated = withdrawnAt;
    } else {
      // The whole loop, compressed when the ticket is too recent for it to have run at its usual pace.
      const room = anchor - MINUTE - c;
      const resolveMedian = urgency === 'urgent' ? 10 * HOUR : 2.5 * DAY;
      let d1 = claimDelay;
      let d2 = rng.logNormal(resolveMedian, 0.8);
      let d3 = rng.logNormal(1.5 * DAY, 0.7);
      const rejected = rng.next() < 0.07;
      const d4 = rejected ? rng.logNormal(6 * HOUR, 1) : 0;
      const d5 = rejected ? rng.logNormal(resolveMedian, 0.8) : 0;
      const total = d1 + d2 + d4 + d5;
      const squeeze = total > room ? (room * (0.3 + 0.6 * rng.next())) / total : 1;
      d1 *= squeeze;
      d2 *= squeeze;
      claimedAt = Math.floor(c + d1);
      escalateUntil(claimedAt);
      t.state = 'claimed';
      t.windowStart = claimedAt;
      push(claimedAt, no, A.claim, assigneeActor, platform);
      if (!conduct) departmentId = assignee.department_id ?? departmentId;
      if (rng.next() < 0.5) push(Math.floor(claimedAt + d2 * 0.4), no, A.progress, assigneeActor, platform, rng.int(PROGRESS.length));
      resolvedAt = Math.floor(claimedAt + d2);
      escalateUntil(resolvedAt);
      resolution = rng.pick(RESOLUTIONS);
      t.state = 'resolved';
      push(resolvedAt, no, A.resolve, assigneeActor, platform, RESOLUTIONS.indexOf(resolution));
      t.confirmDeadline = after(resolvedAt, sla.confirm);
      updated = resolvedAt;
      if (rejected) {
        const r = Math.floor(resolvedAt + d4 * squeeze);
        if (r < t.confirmDeadline && r < anchor) {
          reopen = 1;
          if (resolvedAt > t.resolveDeadline) lateRounds = 1;
          t.state = 'claimed';
          t.confirmDeadline = null;
          t.resolveDeadline = after(r, sla.resolve);
          t.windowStart = r;
          roundFrom = r;
          push(r, no, A.reject, reporterActor, platform, 1, rng.int(REJECTS.length));
          resolvedAt = Math.floor(Math.min(anchor - MINUTE, r + d5 * squeeze));
          escalateUntil(resolvedAt);
          t.state = 'resolved';
          push(resolvedAt, no, A.resolve, assigneeActor, platform, RESOLUTIONS.indexOf(resolution));
          t.confirmDeadline = after(resolvedAt, sla.confirm);
          updated = resolvedAt;
        }
      }
      const answer = rng.next() < 0.85 ? Math.floor(resolvedAt + d3) : Infinity;
      if (answer < t.confirmDeadline && answer <= anchor) {
        rating = [5, 4, 3, 2, 1][rng.weighted([60, 25, 10, 3, 2])];
        ratingComment = rng.pick(COMMENTS) || null;
        closeKind = 'confirmed';
        closedAt = answer;
        t.state = 'closed';
        push(answer, no, A.accept, reporterActor, platform, rating, COMMENTS.indexOf(ratingComment ?? ''));
        updated = answer;
      } else if (t.confirmDeadline <= anchor) {
        // Nobody answered: 待回访, and most of those a coordinator has phoned since (代评).
        t.state = 'followup';
        push(t.confirmDeadline + rng.int(MINUTE), no, A.await_followup, SYSTEM, platform, t.confirmDeadline);
        const call = Math.floor(t.confirmDeadline + rng.logNormal(DAY, 0.8));
        if (call <= anchor && rng.next() < 0.8) {
          const caller = personIndex.get(rng.pick(coordinators).id);
          rating = rng.next() < 0.5 ? [5, 4, 3][rng.weighted([60, 30, 10])] : null;
          closeKind = 'followup';
          closedAt = call;
          t.state = 'closed';
          push(call, no, A.followup, caller, platform, rating ?? 0);
          updated = call;
        }
      }
    }
    counts[t.state] += 1;
    if (reopen) counts.reopened += 1;
    if (t.supervised) counts.supervised += 1;

    insertTicket.add(
      no, project.code, category, urgency, text, t.state, conduct ? 'coordinators' : 'department',
      platformName, reporterUserId, fromRoster ? reporter.id : null, reporter.name,
      claimedAt !== null ? assignee.id : null, departmentId, t.supervised ? 1 : 0,
      t.claimDeadline, t.resolveDeadline, t.confirmDeadline, c, roundFrom, t.windowStart,
      claimedAt, claimTarget, t.resolveDeadline, lateRounds,
      resolution, rating, ratingComment, closeKind, reopen,
      c, claimedAt, resolvedAt, closedAt, withdrawnAt, updated, platformName,
      platform === 0 ? project.wecom_chat_id : project.dingtalk_conversation_id,
      t.claimEscalation.deadline, t.claimEscalation.stage, t.resolveEscalation.deadline, t.resolveEscalation.stage,
      // As the repository computes it on every write.
      nextEscalationAt(t),
    );
    if (no % BATCH === 0) {
      insertTicket.flush();
      commit.run();
      begin.run();
    }
  }
  insertTicket.flush();
  commit.run();

  // ── audit rows and processed message ids, in time order as they would have been written
  say(`  ${nev.toLocaleString('en-US')} audit rows …`);
  const order = new Float64Array(nev);
  const SHIFT = 2 ** 23;
  if (nev >= SHIFT) throw new Error('too many events for the sort key');
  for (let k = 0; k < nev; k += 1) order[k] = Math.floor((ev.at[k] - t0) / 1000) * SHIFT + k;
  order.sort();

  const insertAudit = batchInsert(
    db,
    'INSERT INTO audit_log (ticket_no, at, actor_id, actor_name, action, from_state, to_state, detail, msg_platform, msg_id)',
    10,
    40,
  );

  let inbound = 0;
  begin.run();
  for (let j = 0; j < nev; j += 1) {
    const k = order[j] % SHIFT;
    const no = ev.ticket[k];
    const at = ev.at[k];
    const action = ACTIONS[ev.kind[k]];
    const actor = ev.actor[k];
    const platformName = ev.platform[k] === 0 ? 'wecom' : 'dingtalk';
    let actorId = null;
    let actorName = '系统';
    let human = false;
    if (actor >= 0) {
      const p = people[actor];
      actorId = p.id;
      actorName = p.name;
      human = true;
    } else if (actor < SYSTEM) {
      actorName = tReporter[no];
      human = true;
    }
    let from;
    let to;
    let detail = null;
    switch (action) {
      case 'report':
        detail = { category: CATEGORIES[tCategory[no]], urgency: tUrgent[no] ? 'urgent' : 'normal', text: tText[no] };
        break;
      case 'progress':
        detail = { text: PROGRESS[ev.aux[k]] };
        break;
      case 'resolve':
        detail = { text: RESOLUTIONS[ev.aux[k]] };
        break;
      case 'accept':
        detail = { rating: ev.aux[k], comment: COMMENTS[ev.aux2[k]] };
        break;
      case 'reject':
        detail = { reason: REJECTS[ev.aux2[k]], reopenCount: ev.aux[k] };
        break;
      case 'withdraw':
        detail = { reason: '' };
        break;
      case 'await_followup':
        detail = { deadline: ev.aux[k] };
        break;
      case 'followup':
        detail = { satisfied: true, rating: ev.aux[k] || null, comment: '电话回访' };
        break;
      case 'remind': {
        from = to = STATE_CODES[ev.aux2[k] & 7];
        detail = { kind: from === 'open' ? 'claim' : 'resolve', deadline: ev.aux[k] };
        break;
      }
      case 'escalate': {
        const tier = ev.aux2[k] >> 3;
        from = to = STATE_CODES[ev.aux2[k] & 7];
        detail = { tier, kind: from === 'open' ? 'claim' : 'resolve', deadline: ev.aux[k] };
        break;
      }
      case 'supervise':
        from = to = STATE_CODES[ev.aux2[k]];
        detail = { note: '三级预警，自动挂牌督办' };
        break;
    }
    if (FROM_TO[action]) [from, to] = FROM_TO[action];
    let msgId = null;
    if (human) {
      // Ids in insertion order (a random-looking tail for a realistic length): appending to the
      // primary key's B-tree is several times faster than inserting all over it.
      msgId = `${platformName === 'wecom' ? 'wx' : 'msg'}${(j + 1).toString(36).padStart(7, '0')}${(Math.imul(j + 1, 0x9e3779b1) >>> 0).toString(36)}`;
      inbound += 1;
    }
    insertAudit.add(no, at, actorId, actorName, action, from ?? null, to ?? null, detail ? JSON.stringify(detail) : null, msgId ? platformName : null, msgId);
    if ((j + 1) % 250_000 === 0) {
      insertAudit.flush();
      commit.run();
      begin.run();
    }
  }
  insertAudit.flush();
  commit.run();

  // Every command a person sent left its message id, in the transaction of its effect. Copied
  // from the audit rows in one statement, which is far faster than row by row from here.
  say('  processed message ids …');
  const command = Object.entries(COMMAND_OF)
    .map(([action, name]) => `WHEN '${action}' THEN '${name}'`)
    .join(' ');
  db.exec(`INSERT INTO inbound_messages (platform, msg_id, received_at, sender_id, command, outcome)
    SELECT a.msg_platform, a.msg_id, a.at,
      CASE WHEN a.actor_id IS NULL THEN (SELECT reporter_user_id FROM tickets WHERE no = a.ticket_no)
        ELSE (SELECT address FROM platform_addresses WHERE owner = 'person' AND owner_id = a.actor_id AND platform = a.msg_platform) END,
      CASE a.action ${command} END, 'done'
    FROM audit_log a WHERE a.msg_id IS NOT NULL`);
  say('  indexes …');
  for (const ix of indexes) db.exec(ix.sql);

  // The server opens it in WAL mode; the file is left checkpointed and closed.
  db.pragma('journal_mode = WAL');
  db.close();
  for (const f of [CACHE_DB, `${CACHE_DB}-wal`, `${CACHE_DB}-shm`]) rmSync(f, { force: true });
  renameSync(tmp, CACHE_DB);

  const meta = {
    generatorVersion: GENERATOR_VERSION,
    schema,
    seed: SEED,
    anchor,
    generatedAt: Date.now(),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    tickets: TICKETS,
    active: ACTIVE,
    states: counts,
    auditRows: nev,
    inboundRows: inbound,
  };
  writeFileSync(META_FILE, `${JSON.stringify(meta, null, 2)}\n`);
  say(`  done in ${meta.seconds} s: ${JSON.stringify(counts)}`);
  return meta;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await ensureData({ force: process.argv.includes('--force') });
}
