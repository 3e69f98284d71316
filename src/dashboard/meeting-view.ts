import type { LogEntry } from '../db/logs-repo.js';
import type { AgendaTicket, Meeting, ProjectAgenda } from '../reports/agenda.js';
import { formatTime } from '../tickets/format.js';
import type { Project } from '../tickets/model.js';
import { html, type Html } from './html.js';
import { page } from './layout.js';

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

function weekday(date: string): string {
  return WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()] ?? '';
}

function ticketList(title: string, list: AgendaTicket[], tone: string): Html {
  if (list.length === 0) return html``;
  return html`<div class="agenda-group"><h3>${title} <span class="tag ${tone}">${list.length}</span></h3><ul class="plain">${list.map(
    (t) => html`<li><a href="/dashboard/tickets/${t.ref.replace(/^#/, '')}">${t.ref}</a> ${t.category} · ${t.summary} <span class="muted nowrap">（${t.owner}）</span></li>`,
  )}</ul></div>`;
}

/** 会商: the next meeting, who sits at it, and each project's agenda built from the data. */
export function meetingPage(v: { meeting: Meeting; previous: Meeting; agenda: ProjectAgenda[]; who?: string }): string {
  const m = v.meeting;
  const projects = v.agenda.map(
    (a) => html`<section class="panel agenda" aria-labelledby="agenda-${a.code}">
  <div class="panel-head"><h2 id="agenda-${a.code}">${a.code} ${a.name}</h2><a class="sub" href="/dashboard?project=${encodeURIComponent(a.code)}">项目台账</a> <a class="sub" href="/dashboard/visits?project=${encodeURIComponent(a.code)}">走访日志</a></div>
  <div class="panel-body">${a.empty
    ? html`<p class="muted">本项目暂无待议事项。</p>`
    : html`${ticketList('超期工单', a.overdue, 'danger')}${ticketList('待认领', a.open, 'warn')}${ticketList('挂牌督办', a.supervised, 'warn')}${ticketList('重办', a.reopened, '')}${a.items.length === 0 ? '' : html`<div class="agenda-group"><h3>议题 <span class="tag accent">${a.items.length}</span></h3><ul class="plain">${a.items.map((i) => html`<li>${i.text} <span class="muted">（${i.author}）</span></li>`)}</ul></div>`}`}</div>
</section>`,
  );
  const body = html`<section class="panel" aria-labelledby="meeting-title">
  <div class="panel-head"><h2 id="meeting-title">下次会商</h2><span class="sub">三方联席会议，每月一次</span></div>
  <div class="panel-body">
    <p class="meeting-when"><strong>${m.date}（${weekday(m.date)}）${m.time}</strong>　${m.place}</p>
    <p class="muted">参会：项目责任单位、项目业主、施工单位（三方）。议程由系统根据各项目的在办、超期、重办、督办工单和自 ${v.previous.date} 会商以来在群里用“会商 议题”添加的议题生成。</p>
  </div>
</section>
<div class="agenda-grid">${projects}</div>`;
  return page({ title: '会商', section: 'meeting', body, who: v.who });
}

/** 走访日志: one project's visit log, newest first, with the other projects as tabs. */
export function visitsPage(v: { projects: Project[]; project: Project | undefined; visits: LogEntry[]; who?: string }): string {
  const tabs = html`<nav class="tabs" aria-label="项目">${v.projects.map(
    (p) => html`<a href="/dashboard/visits?project=${encodeURIComponent(p.code)}"${p.code === v.project?.code ? html` aria-current="page"` : ''}>${p.code} ${p.name}</a>`,
  )}</nav>`;
  const list =
    v.visits.length === 0
      ? html`<p class="empty">还没有走访记录。民警在群里发送“走访 ${v.project?.code ?? '项目编号'} 记录内容”即可添加。</p>`
      : html`<ol class="visits" id="visits">${v.visits.map(
          (e) => html`<li><div class="visit-meta"><time>${formatTime(e.at)}</time> <strong>${e.authorName}</strong></div><div class="visit-text">${e.text}</div></li>`,
        )}</ol>`;
  const body = html`<section class="panel" aria-labelledby="visits-title">
  <div class="panel-head"><h2 id="visits-title">走访日志</h2><span class="sub">民警走访企业时记录的问题、措施和答复</span></div>
  <div class="panel-body">${tabs}</div>
</section>
<section class="panel" aria-label="走访记录">
  <div class="panel-head"><h2>${v.project ? `${v.project.code} ${v.project.name}` : '没有项目'}</h2>${v.project ? html`<a class="sub" href="/dashboard?project=${encodeURIComponent(v.project.code)}">项目台账</a>` : ''}</div>
  <div class="panel-body">${list}</div>
</section>`;
  return page({ title: '走访日志', section: 'visits', body, who: v.who });
}
