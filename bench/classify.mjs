// What one classification of a report costs: the phrase table's size, the time to load and check
// it, and the time per classify() call for reports of typical and of the longest accepted length
// (2,000 characters), in Simplified and in Traditional characters. Runs the compiled code:
//
//   npx tsc -p tsconfig.json && node bench/classify.mjs
import { performance } from 'node:perf_hooks';
import { product } from './lib/common.mjs';

// The server has loaded the YAML parser and zod before this module; only what it adds is timed.
await import('yaml');
await import('zod');
const started = performance.now();
const { classify, PHRASE_COUNT } = await product('src/tickets/classify.js');
const loadMs = performance.now() - started;

const typical = [
  '今天上午九点多，十几个村民把项目部大门堵了，说是征地补偿款没到位，渣土车一辆都出不去',
  '工地夜间电缆被偷，大概两百米，监控拍到一辆面包车',
  '有人上门收保护费，不给就不让进场',
  '我们有两个德国工程师的工作签证下个月到期，想问能不能加急办理延期',
  '交警把我们的渣土车扣了一个星期，到现在也不说怎么处理',
  '收到，谢谢',
  '明天几点开会',
  '有人強行攔截工程車輛，要求承攬土方運輸',
];
// The longest report 报告 accepts: filler that matches nothing, with phrases spread through it.
const filler = '项目部今天组织了例会，各班组汇报了进度，明天继续按计划施工。';
const long = (filler.repeat(70) + '村民把路堵了，材料进不来').slice(-2000);
const longTraditional = ('項目部今天組織了例會，各班組匯報了進度，明天繼續按計劃施工。'.repeat(70) + '村民把路堵了').slice(-2000);

/** Microseconds per call, after a warm-up, over at least half a second. */
function perCall(texts) {
  for (let i = 0; i < 2000; i++) classify(texts[i % texts.length]);
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < 500) {
    for (const t of texts) classify(t);
    calls += texts.length;
  }
  return ((performance.now() - start) * 1000) / calls;
}

const avgChars = Math.round(typical.reduce((n, t) => n + t.length, 0) / typical.length);
console.log(`phrases in the table: ${PHRASE_COUNT}`);
console.log(`loading it (the converter's dictionaries; the table read, checked and indexed): ${loadMs.toFixed(0)} ms`);
console.log(`classify(), typical reports (${avgChars} characters on average): ${perCall(typical).toFixed(1)} µs per call`);
console.log(`classify(), a 2,000-character report: ${perCall([long]).toFixed(1)} µs per call`);
console.log(`classify(), a 2,000-character report in Traditional characters: ${perCall([longTraditional]).toFixed(1)} µs per call`);
