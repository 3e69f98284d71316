import type { RosterRepo } from '../db/roster-repo.js';
import { currentDeadline } from '../dispatch/helpers.js';
import { formatShortTime, formatSpan } from '../tickets/format.js';
import { CATEGORIES, DEADLINE_NAMES, STATE_NAMES, type Project, type Ticket, type TicketState } from '../tickets/model.js';
import { isOverdue } from './export.js';
import { html, type Html } from './html.js';
import { page } from './layout.js';
import type { Names } from './names.js';
import { queryString, type LedgerQuery } from './query.js';

export const PAGE_SIZE = 50;

export const STATE_TONE: Record<TicketState, string> = {
  open: 'warn',
  claimed: 'accent',
  resolved: 'violet',
  // Waiting for a coordinator's phone call (回访).
  followup: 'warn',
  closed: 'ok',
  withdrawn: '',
};

/** The tags after a ticket's state: 紧急, 督办, 超期, 重办. */
export function ticketTags(t: Ticket, now: number): Html {
  return html`<span class="tag ${STATE_TONE[t.state]}">${STATE_NAMES[t.state]}</span>${t.urgency === 'urgent' ? html` <span class="tag danger">紧急</span>` : ''}${t.supervised ? html` <span class="tag warn">督办</span>` : ''}${isOverdue(t, now) ? html` <span class="tag danger overdue-tag">已超期</span>` : ''}${t.reopenCount > 0 ? html` <span class="tag">重办${t.reopenCount}次</span>` : ''}`;
}

/** The deadline a ticket works against, and how late it is. */
export function deadlineCell(t: Ticket, now: number): Html {
  const d = currentDeadline(t);
  if (!d) return html`<span class="muted">—</span>`;
  const late = isOverdue(t, now);
  return html`<span class="${late ? 'late' : ''}">${DEADLINE_NAMES[d.kind]} ${formatShortTime(d.at)}</span>${late ? html`<br><small class="late">超期${formatSpan(now - d.at)}</small>` : ''}`;
}

const summary = (text: string, n: number): string => ([...text].length > n ? `${[...text].slice(0, n).join('')}…` : text);

function select(name: string, label: string, value: string | undefined, options: [string, string][]): Html {
  return html`<div class="field"><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">全部</option>${options.map(
    ([v, text]) => html`<option value="${v}"${v === value ? html` selected` : ''}>${text}</option>`,
  )}</select></div>`;
}

/** What the ledger page shows: the query as given, one page of tickets and the total matching. */
export interface LedgerPage {
  /** who is signed in, for the header */
  who?: string;
  query: LedgerQuery;
  tickets: Ticket[];
  total: number;
  page: number;
  now: number;
  names: Names;
  roster: RosterRepo;
  /** the projects the viewer may filter by (SPEC §11: those of their units); all when absent */
  projects?: readonly Project[];
}

/** 台账: the filter form, the matching tickets (overdue ones marked) and the pages. */
export function ledgerPage(v: LedgerPage): string {
  const q = v.query;
  const pages = Math.max(1, Math.ceil(v.total / PAGE_SIZE));
  const filters = { project: q.project, dept: q.dept, state: q.state, category: q.category, overdue: q.overdue, supervised: q.supervised, month: q.month, q: q.q };
  const departments: [string, string][] = [...v.roster.departments().map((d): [string, string] => [d.id, d.name]), [':coordinators', '护企办（执法投诉）']];
  const form = html`<form class="filters" method="get" action="/dashboard" id="filters">
  ${select('project', '项目', q.project, (v.projects ?? v.roster.projects()).map((p) => [p.code, `${p.code} ${p.name}`]))}
  ${select('dept', '部门', q.dept, departments)}
  ${select('state', '状态', q.state, (Object.keys(STATE_NAMES) as TicketState[]).map((s) => [s, STATE_NAMES[s]]))}
  ${select('category', '类别', q.category, CATEGORIES.map((c) => [c, c]))}
  <div class="field"><label for="f-month">报告月份</label><input id="f-month" name="month" type="month" value="${q.month ?? ''}"></div>
  <div class="field wide"><label for="f-q">搜索</label><input id="f-q" name="q" type="search" value="${q.q ?? ''}" placeholder="内容、报告人或工单号"></div>
  <div class="field checks">
    <label class="check"><input type="checkbox" name="overdue" value="1" id="f-overdue"${q.overdue ? html` checked` : ''}> 只看超期</label>
    <label class="check"><input type="checkbox" name="supervised" value="1" id="f-supervised"${q.supervised ? html` checked` : ''}> 只看督办</label>
  </div>
  <div class="field actions"><button type="submit" id="apply">筛选</button> <a class="button secondary" href="/dashboard">清除</a></div>
</form>`;

  const rows = v.tickets.map((t) => {
    const late = isOverdue(t, v.now);
    return html`<tr class="${late ? 'overdue' : ''}" data-no="${t.no}">
  <td data-label="编号"><a class="ticket-link" href="/dashboard/tickets/${t.no}">#${t.no}</a></td>
  <td data-label="项目" title="${v.names.project(t.projectCode)}">${t.projectCode}</td>
  <td data-label="类别">${t.category}</td>
  <td data-label="内容" class="desc" title="${t.description}"><a href="/dashboard/tickets/${t.no}">${summary(t.description, 40)}</a></td>
  <td data-label="报告人">${t.reporterName}</td>
  <td data-label="状态" class="state">${ticketTags(t, v.now)}</td>
  <td data-label="承办" class="owner">${t.state === 'open' ? html`<span class="muted">${v.names.owner(t)}</span>` : v.names.owner(t)}${v.names.ticketDepartment(t) ? html`<br><small class="muted">${v.names.ticketDepartment(t)}</small>` : ''}</td>
  <td data-label="时限" class="deadline">${deadlineCell(t, v.now)}</td>
  <td data-label="报告时间" class="nowrap">${formatShortTime(t.createdAt)}</td>
</tr>`;
  });

  const link = (p: number) => `/dashboard${queryString({ ...filters, page: p > 1 ? p : undefined })}`;
  const pager =
    pages > 1
      ? html`<nav class="pager" aria-label="翻页">${v.page > 1 ? html`<a class="button secondary" rel="prev" href="${link(v.page - 1)}">上一页</a>` : ''}<span class="muted">第 ${v.page} / ${pages} 页</span>${v.page < pages ? html`<a class="button secondary" rel="next" href="${link(v.page + 1)}">下一页</a>` : ''}</nav>`
      : html``;
  const exportQs = queryString(filters);
  const first = v.total === 0 ? 0 : (v.page - 1) * PAGE_SIZE + 1;
  const last = Math.min(v.total, v.page * PAGE_SIZE);

  const body = html`<section class="panel" aria-labelledby="ledger-title">
  <div class="panel-head"><h2 id="ledger-title">工单台账</h2><span class="sub">按条件筛选全部项目的工单；点编号看详情和办理经过</span></div>
  <div class="panel-body">${form}</div>
</section>
<section class="panel" aria-label="工单列表">
  <div class="panel-head toolbar">
    <span id="total" data-total="${v.total}">共 <strong>${v.total}</strong> 件${v.total > 0 ? html`，显示第 ${first}–${last} 件` : ''}</span>
    <span class="header-end export">导出当前筛选：<a class="button secondary small" id="export-csv" href="/dashboard/export/tickets.csv${exportQs}" download>CSV</a> <a class="button secondary small" id="export-xlsx" href="/dashboard/export/tickets.xlsx${exportQs}" download>Excel</a></span>
  </div>
  ${v.tickets.length === 0
    ? html`<p class="empty">没有符合条件的工单。</p>`
    : html`<div class="table-wrap"><table class="ledger" id="ledger">
<thead><tr><th>编号</th><th>项目</th><th>类别</th><th>内容</th><th>报告人</th><th>状态</th><th>承办</th><th>时限</th><th>报告时间</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`}
  ${pager}
</section>`;
  return page({ title: '台账', section: 'ledger', body, who: v.who });
}
