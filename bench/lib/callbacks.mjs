// Signed (and for WeCom encrypted) 报告 callbacks, built before a run so that the client's crypto
// does not compete with the server for CPU during the measurement, and the autocannon runner.
import { encrypt, getSignature } from '@wecom/crypto';
import autocannon from 'autocannon';
import { createHmac, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';

/** The credentials the benchmarked server is configured with. */
export const WECOM = { token: 'benchToken2026', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
export const DINGTALK = { appKey: 'dingbenchappkey', appSecret: 'bench-app-secret-0123456789abcdef' };

/** The project group the callbacks are written in; senders outside the roster count as its enterprise contacts. */
export const WECOM_CHAT = 'wrXM001';
export const DINGTALK_CHAT = 'cidXM001';

const REPORTS = [
  '村民堵路阻工，车辆进不去',
  '工地电缆被剪，损失约200米',
  '分包单位拖欠工资，12名工人讨薪',
  '有人强揽土方运输，不让其他车辆进场',
  '货车限行影响材料运输',
  '外籍技术人员居住证办理',
  '网上有人造谣工地出事故',
  '施工噪音投诉协调',
];

/**
 * A pool of distinct requests: each has its own message id and its own sender (who stays far
 * under RATE_SENDER_PER_MINUTE), so every accepted callback must make exactly one ticket.
 */
function newPool(size) {
  return { size, paths: new Array(size), bodies: new Array(size), headers: new Array(size), msgIds: new Array(size) };
}

/** 智能机器人 JSON callbacks in the group, as WeCom sends them (msg_signature over the encrypted text). */
export function wecomPool({ size, tag, doubleBase }) {
  const pool = newPool(size);
  const randoms = randomBytes(16 * size);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers = { 'content-type': 'application/json' };
  for (let i = 0; i < size; i += 1) {
    const msgId = `bw${tag}${i.toString(36)}x${randoms.readUInt32BE(16 * i).toString(36)}`;
    const inner = JSON.stringify({
      msgid: msgId,
      aibotid: 'AIBOTBENCH',
      chatid: WECOM_CHAT,
      chattype: 'group',
      from: { userid: `bench-${tag}-u${i}` },
      response_url: `${doubleBase}/cgi-bin/aibot/response?response_code=${tag}${i}`,
      msgtype: 'text',
      text: { content: `@联保助手 报告 ${REPORTS[i % REPORTS.length]}` },
    });
    const encrypted = encrypt(WECOM.encodingAesKey, inner, '', randoms.subarray(16 * i, 16 * i + 16));
    const nonce = String(100000000 + i);
    const signature = getSignature(WECOM.token, timestamp, nonce, encrypted);
    pool.msgIds[i] = msgId;
    pool.paths[i] = `/wecom/callback?msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`;
    pool.bodies[i] = Buffer.from(JSON.stringify({ encrypt: encrypted }));
    pool.headers[i] = headers;
  }
  return pool;
}

/**
 * The next millisecond no pool has signed yet. The server takes a DingTalk signature once (it signs
 * only the timestamp): pools built within a few seconds of each other must not share one.
 */
let nextTimestamp = 0;

/** Robot callbacks in the group (HTTP mode), with the `timestamp` and `sign` headers DingTalk sends. */
export function dingtalkPool({ size, tag, doubleBase }) {
  const pool = newPool(size);
  const now = Math.max(Date.now(), nextTimestamp);
  nextTimestamp = now + size;
  for (let i = 0; i < size; i += 1) {
    const timestamp = String(now + i);
    const sign = createHmac('sha256', DINGTALK.appSecret).update(`${timestamp}\n${DINGTALK.appSecret}`, 'utf8').digest('base64');
    const msgId = `msg${tag}${i.toString(36)}==`;
    const body = JSON.stringify({
      conversationId: DINGTALK_CHAT,
      atUsers: [{ dingtalkId: '$:LWCP_v1:$robot', staffId: '' }],
      chatbotCorpId: 'ding-corp-bench',
      chatbotUserId: '$:LWCP_v1:$robot',
      msgId,
      senderNick: `企业联系人${i}`,
      isAdmin: false,
      senderStaffId: `bench-${tag}-s${i}`,
      sessionWebhookExpiredTime: now + 3_600_000,
      createAt: now,
      senderCorpId: 'ding-corp-other',
      conversationType: '2',
      senderId: `$:LWCP_v1:$bench${tag}${i}`,
      conversationTitle: '经开区新材料产业园 联保群',
      isInAtList: true,
      sessionWebhook: `${doubleBase}/robot/sendBySession?session=${tag}${i}`,
      text: { content: ` 报告 ${REPORTS[i % REPORTS.length]} ` },
      robotCode: DINGTALK.appKey,
      msgtype: 'text',
    });
    pool.msgIds[i] = msgId;
    pool.paths[i] = '/dingtalk/callback';
    pool.bodies[i] = Buffer.from(body);
    pool.headers[i] = { 'content-type': 'application/json', timestamp, sign };
  }
  return pool;
}

/**
 * Fires the pool's requests with autocannon (each request once, in order; past the end of the
 * pool it starts again, and those repeats are counted). `path` replaces the pool's paths (for the
 * bare route); `overallRate` caps the requests a second over all connections. Returns autocannon's result, how many requests were handed out, and the status
 * each pool entry was answered with (0: no answer before the run ended).
 */
export async function fire({ base, pool, path, connections, duration, overallRate }) {
  let next = 0;
  const status = new Uint16Array(pool.size);
  const result = await autocannon({
    url: base,
    connections,
    duration,
    pipelining: 1,
    ...(overallRate ? { overallRate } : {}),
    requests: [
      {
        method: 'POST',
        setupRequest(req, context) {
          const k = next % pool.size;
          next += 1;
          context.k = k;
          return { ...req, method: 'POST', path: path ?? pool.paths[k], headers: pool.headers[k], body: pool.bodies[k] };
        },
        onResponse(code, _body, context) {
          status[context.k] = code;
        },
      },
    ],
  });
  return { result, handedOut: next, repeats: Math.max(0, next - pool.size), status };
}

/**
 * Sends the pool's requests at a steady rate, whatever the answers (an open loop, as platforms
 * send: autocannon's rate limit fires each second's quota at once), and measures each request's
 * latency from its own send time.
 */
export async function paced({ base, pool, rate, duration }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const { hostname, port } = new URL(base);
  const total = Math.min(pool.size, Math.round(rate * duration));
  const status = new Uint16Array(pool.size);
  const latencies = [];
  let sent = 0;
  let errors = 0;
  const start = performance.now();
  await new Promise((resolve) => {
    let done = 0;
    const finish = () => {
      done += 1;
      if (done === total) resolve();
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (sent < due) {
        const k = sent++;
        const t0 = performance.now();
        const req = request(
          { hostname, port, path: pool.paths[k], method: 'POST', headers: { ...pool.headers[k], 'content-length': pool.bodies[k].length }, agent },
          (res) => {
            res.resume();
            res.on('end', () => {
              latencies.push(performance.now() - t0);
              status[k] = res.statusCode ?? 0;
              finish();
            });
          },
        );
        req.on('error', () => {
          errors += 1;
          finish();
        });
        req.end(pool.bodies[k]);
      }
      if (sent < total) setTimeout(tick, Math.max(1, 500 / rate));
    };
    tick();
  });
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { handedOut: sent, status, errors, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? NaN };
}
