import type { WeekCount } from '../db/ledger-repo.js';
import type { FigureRow, FiguresReport } from '../reports/figures.js';
import { formatTime } from '../tickets/format.js';
import { figureRowView } from '../reports/view.js';
import { STATE_NAMES, type TicketState } from '../tickets/model.js';
import { barChart, stackedBarChart, type Series, type StackedBar } from './charts.js';
import { html, type Html } from './html.js';
import { page } from './layout.js';
import { queryString, shiftMonth } from './query.js';

const DAY_MS = 86_400_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;
const STATE_ORDER: TicketState[] = ['open', 'claimed', 'resolved', 'followup', 'closed', 'withdrawn'];

/**
 * The weeks (Monday to Sunday) that overlap [from, to), each with its tickets by current state,
 * labelled with the days of the week that fall in the period (`11-02~08`).
 */
export function weekBars(from: number, to: number, counts: readonly WeekCount[]): StackedBar[] {
  const dayOf = (ms: number) => Math.floor((ms + BEIJING_OFFSET_MS) / DAY_MS);
  const monday = (day: number) => day - ((day + 3) % 7);
  const md = (day: number) => {
    const d = new Date(day * DAY_MS);
    return { m: String(d.getUTCMonth() + 1).padStart(2, '0'), d: String(d.getUTCDate()).padStart(2, '0') };
  };
  const first = dayOf(from);
  const last = dayOf(to - 1);
  const bars: StackedBar[] = [];
  for (let w = monday(first); w <= last; w += 7) {
    const a = md(Math.max(w, first));
    const b = md(Math.min(w + 6, last));
    const label = a.m === b.m && a.d === b.d ? `${a.m}-${a.d}` : a.m === b.m ? `${a.m}-${a.d}~${b.d}` : `${a.m}-${a.d}~${b.m}-${b.d}`;
    const c: Record<string, number> = {};
    for (const x of counts) if (x.weekStartDay === w) c[x.state] = x.count;
    bars.push({ label, counts: c });
  }
  return bars;
}

const SERIES: Series[] = STATE_ORDER.map((s) => ({ key: s, name: STATE_NAMES[s], cls: `s-${s}` }));

// Every rate beside its counts (SPEC §6): `75.0%（3/4）`, `—（0/0）` when nothing was due.
const COLUMNS: [keyof ReturnType<typeof figureRowView>, string][] = [
  ['received', '收到'], ['claimRateFull', '签收及时率'], ['resolveRateFull', '按时办结率'], ['resolved', '办结'],
  ['closed', '销号'], ['satisfactionRateFull', '满意率（企业自评）'], ['proxyRateFull', '回访代评满意率'], ['awaitingFollowup', '待回访'],
  ['unrated', '未评价'], ['reopened', '重办'], ['overdue', '当前超期'], ['medianClaim', '签收用时'], ['medianResolve', '办结用时'],
];

function table(id: string, title: string, rows: FigureRow[], link: (r: FigureRow) => string | null): Html {
  if (rows.length === 0) return html`<section class="panel"><div class="panel-head"><h2>${title}</h2></div><p class="empty">本月暂无数据</p></section>`;
  return html`<section class="panel" aria-labelledby="${id}-title"><div class="panel-head"><h2 id="${id}-title">${title}</h2></div>
<div class="table-wrap"><table class="figures" id="${id}"><thead><tr><th>名称</th>${COLUMNS.map(([, label]) => html`<th class="num">${label}</th>`)}</tr></thead>
<tbody>${rows.map((r) => {
    const v = figureRowView(r);
    const href = link(r);
    return html`<tr><th scope="row">${href ? html`<a href="${href}">${v.name}</a>` : v.name}</th>${COLUMNS.map(([k]) => html`<td class="num">${v[k]}</td>`)}</tr>`;
  })}</tbody></table></div></section>`;
}

const rate = (n: number, d: number): number | null => (d === 0 ? null : (100 * n) / d);

/** 统计: the month's figures (the same computation as the chat's 统计) with charts drawn as SVG. */
export function figuresPage(v: {
  month: string;
  report: FiguresReport;
  weeks: readonly WeekCount[];
  /** the units the viewer may choose (SPEC §11): none without units; `id` '' for the root */
  units?: readonly { id: string; name: string }[];
  /** the chosen unit's id ('' for the root) */
  unit?: string;
  /** who is signed in, for the header */
  who?: string;
}): string {
  const f = v.report;
  const units = v.units ?? [];
  const unitParam = v.unit ? `&unit=${encodeURIComponent(v.unit)}` : '';
  // Each unit's figures cover it and the units below it; the selector lists those the viewer may see.
  const unitSelect =
    units.length > 1
      ? html`<form method="get" action="/dashboard/figures" class="inline-form" id="unit-form"><input type="hidden" name="month" value="${v.month}"><label for="f-unit">单位</label><select id="f-unit" name="unit">${units.map(
          (u) => html`<option value="${u.id}"${u.id === (v.unit ?? '') ? ' selected' : ''}>${u.name}</option>`,
        )}</select><button class="small" type="submit">查看</button></form>`
      : '';
  const view = { period: f.period.label, asOf: formatTime(f.asOf) };
  const o = figureRowView(f.overall);
  const kpi = (label: string, value: string | number | undefined, note?: string) =>
    html`<div class="kpi"><div class="kpi-label">${label}</div><div class="kpi-value">${value ?? '—'}</div>${note ? html`<div class="kpi-note">${note}</div>` : ''}</div>`;
  const ledger = (extra: Record<string, string>) => `/dashboard${queryString({ month: v.month, ...extra })}`;
  const depts = f.byDepartment;

  const body = html`<section class="panel" aria-labelledby="figures-title">
  <div class="panel-head toolbar">
    <h2 id="figures-title">${view.period}工作统计${f.unit.id !== null ? `（${f.unit.name}及下级单位）` : ''}</h2>
    <span class="sub">按当月收到的工单统计其至今的办理情况，与群里“统计”命令、月报和导出同一口径</span>
  </div>
  <div class="panel-body toolbar">
    <a class="button secondary small" href="/dashboard/figures?month=${shiftMonth(v.month, -1)}${unitParam}" rel="prev">← 上月</a>
    <form method="get" action="/dashboard/figures" class="inline-form"><label class="visually-hidden" for="f-month">月份</label><input id="f-month" type="month" name="month" value="${v.month}">${v.unit ? html`<input type="hidden" name="unit" value="${v.unit}">` : ''}<button class="small" type="submit">查看</button></form>
    <a class="button secondary small" href="/dashboard/figures?month=${shiftMonth(v.month, 1)}${unitParam}" rel="next">下月 →</a>
    ${unitSelect}
    <span class="header-end export">导出：<a class="button secondary small" id="export-figures-csv" href="/dashboard/export/figures.csv?month=${v.month}${unitParam}" download>CSV</a> <a class="button secondary small" id="export-figures-xlsx" href="/dashboard/export/figures.xlsx?month=${v.month}${unitParam}" download>Excel</a></span>
  </div>
  <div class="kpis panel-body">
    ${kpi('收到', o.received, '件')}
    ${kpi('签收及时率', o.claimRate, `及时${o.claimedOnTime} / 应签收${o.claimDue}件`)}
    ${kpi('按时办结率', o.resolveRate, `按时${o.resolvedOnTime} / 应办结${o.resolveDue}件`)}
    ${kpi('满意率', o.satisfactionRate, `企业自评：满意${o.satisfied} · 不满意${o.dissatisfied}`)}
    ${kpi('回访代评', o.proxyCount, `满意率${o.proxyRateFull} · 待回访${o.awaitingFollowup}件${Number(o.unrated) > 0 ? ` · 未评价${o.unrated}件` : ''}`)}
    ${kpi('当前超期', o.overdue, `件（截至${view.asOf}，全部月份）`)}
    ${kpi('签收用时中位数', o.medianClaim)}
    ${kpi('办结用时中位数', o.medianResolve)}
    ${kpi('销号 / 重办', `${o.closed} / ${o.reopened}`)}
  </div>
  <p class="panel-body muted small-print">当前超期按${view.asOf}计算全部月份的在办工单；其余各项只统计${view.period}收到的工单。应签收、应办结指已签收、已办结或已过时限的工单（时限未到即撤回的不计），没有应计工单时记“—”；无人认领的工单计入责任人（项目警官或转办到的部门）。满意率只计企业自己的评价，护企办回访代评单列。<a href="${ledger({})}">查看本月全部工单</a> · <a href="/dashboard?state=followup">待回访工单</a> · <a href="/dashboard?overdue=1">查看全部超期工单</a></p>
</section>
<div class="charts">
  <section class="panel"><div class="panel-head"><h2>每周收到的工单</h2><span class="sub">按当前状态分色</span></div><div class="panel-body">${stackedBarChart(`${view.period}每周收到的工单（按当前状态）`, weekBars(f.period.from, f.period.to, v.weeks), SERIES)}</div></section>
  <section class="panel"><div class="panel-head"><h2>满意率（按部门）</h2><span class="sub">满意 ÷（满意＋不满意）</span></div><div class="panel-body">${barChart(
    '满意率（按部门）',
    depts.map((r) => ({ label: r.name, value: rate(r.satisfied, r.satisfied + r.dissatisfied), text: figureRowView(r).satisfactionRate as string })),
    { cls: 'bar-ok', max: 100 },
  )}</div></section>
  <section class="panel"><div class="panel-head"><h2>签收用时中位数（按部门）</h2></div><div class="panel-body">${barChart(
    '签收用时中位数（按部门）',
    depts.map((r) => ({ label: r.name, value: r.medianClaimMs, text: figureRowView(r).medianClaim as string })),
    { cls: 'bar-accent' },
  )}</div></section>
  <section class="panel"><div class="panel-head"><h2>办结用时中位数（按部门）</h2></div><div class="panel-body">${barChart(
    '办结用时中位数（按部门）',
    depts.map((r) => ({ label: r.name, value: r.medianResolveMs, text: figureRowView(r).medianResolve as string })),
    { cls: 'bar-violet' },
  )}</div></section>
</div>
${f.byUnit.some((r) => r.key !== f.unit.ownRow) ? table('by-unit', '按单位（含下级单位）', f.byUnit, (r) => (r.key === f.unit.ownRow ? null : `/dashboard/figures?month=${v.month}&unit=${encodeURIComponent(r.key)}`)) : ''}
${table('by-department', '按部门', depts, (r) => ledger({ dept: r.key }))}
${table('by-project', '按项目', f.byProject, (r) => ledger({ project: r.key }))}
${table('by-officer', '按责任人', f.byOfficer, () => null)}`;
  return page({ title: `${view.period}统计`, section: 'figures', body, who: v.who });
}
