// A local stand-in for qyapi.weixin.qq.com, api.dingtalk.com and oapi.dingtalk.com that accepts
// every send at once (errcode 0), with no rate limit. Run as its own process so that the
// benchmarked server's sends cost the server what real sends would, and nothing more.
//
//   node bench/double.mjs   → prints {"port": N} once listening on 127.0.0.1
import { createServer } from 'node:http';

const counts = {};
const OK = JSON.stringify({ errcode: 0, errmsg: 'ok' });
const ANSWERS = {
  '/cgi-bin/gettoken': JSON.stringify({ errcode: 0, errmsg: 'ok', access_token: 'bench-token', expires_in: 7200 }),
  '/v1.0/oauth2/accessToken': JSON.stringify({ accessToken: 'bench-token', expireIn: 7200 }),
  '/v1.0/robot/groupMessages/send': JSON.stringify({ processQueryKey: 'bench' }),
  '/v1.0/robot/oToMessages/batchSend': JSON.stringify({ processQueryKey: 'bench', invalidStaffIdList: [], flowControlledStaffIdList: [] }),
};

const server = createServer((req, res) => {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  if (path === '/__stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(counts));
    return;
  }
  req.on('data', () => undefined);
  req.on('end', () => {
    counts[path] = (counts[path] ?? 0) + 1;
    res.setHeader('content-type', 'application/json');
    res.end(ANSWERS[path] ?? OK);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
