import { CATEGORY_NAMES } from '../attachments/summary.js';
import type { TicketAttachment } from '../db/attachments-repo.js';
import type { AuditRow } from '../db/tickets-repo.js';
import { formatShortTime, formatTime } from '../tickets/format.js';
import { URGENCY_NAMES, type Ticket } from '../tickets/model.js';
import { describeAudit } from '../tickets/timeline.js';
import { html, type Html, type HtmlValue } from './html.js';
import { page } from './layout.js';
import { deadlineCell, ticketTags } from './ledger-view.js';
import type { Names } from './names.js';

/** One ticket with its audit rows and the departments summoned to it. */
export interface TicketPage {
  /** who is signed in, for the header */
  who?: string;
  ticket: Ticket;
  timeline: AuditRow[];
  summoned: { departmentId: string; summonedAt: number; checkedInAt: number | null; checkedInBy: string | null }[];
  /** the evidence sent for it (SPEC §7b), oldest first */
  attachments: TicketAttachment[];
  /** whether a picture of this type is drawn in the page (a browser shows it), rather than linked */
  shown(mime: string): boolean;
  names: Names;
  now: number;
}

/** The address of a ticket's file, behind the dashboard's sign-in. */
export function attachmentHref(no: number, sha256: string): string {
  return `/dashboard/tickets/${no}/files/${sha256}`;
}

/** A size as people read it. */
function size(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The evidence panel: pictures as thumbnails that open the picture, other files as links that download it. */
function evidencePanel(v: TicketPage): Html {
  if (v.attachments.length === 0) return html``;
  const pictures = v.attachments.filter((a) => a.category === 'image' && v.shown(a.mime));
  const others = v.attachments.filter((a) => !pictures.includes(a));
  const byline = (a: TicketAttachment) => `${a.addedByName} ${formatShortTime(a.addedAt)}`;
  const thumbs = pictures.map(
    (a, i) =>
      html`<figure class="thumb"><a href="${attachmentHref(v.ticket.no, a.sha256)}" target="_blank" rel="noopener"><img src="${attachmentHref(v.ticket.no, a.sha256)}" alt="图片 ${i + 1}${a.name ? `「${a.name}」` : ''}" loading="lazy" data-testid="evidence-image"></a><figcaption>${byline(a)}</figcaption></figure>`,
  );
  const links = others.map(
    (a) =>
      html`<li><a href="${attachmentHref(v.ticket.no, a.sha256)}" data-testid="evidence-file">${CATEGORY_NAMES[a.category]}${a.name ? `「${a.name}」` : ''}</a> <span class="muted">${a.mime} · ${size(a.size)} · ${byline(a)}</span></li>`,
  );
  return html`<section class="panel" aria-labelledby="evidence-title">
  <div class="panel-head"><h2 id="evidence-title">证据（附件）</h2><span class="sub">共 ${v.attachments.length} 个；按内容识别类型，文件名为发送人所填</span></div>
  <div class="panel-body">${pictures.length > 0 ? html`<div class="thumbs">${thumbs}</div>` : ''}${others.length > 0 ? html`<ul class="plain">${links}</ul>` : ''}</div>
</section>`;
}

const PLATFORM_NAMES: Record<string, string> = { wecom: '企业微信', dingtalk: '钉钉', playground: '本地试用' };

const when = (ms: number | null): string => (ms === null ? '' : formatTime(ms));

/** One ticket: its details, the departments summoned and the whole timeline from the audit log. */
export function ticketPage(v: TicketPage): string {
  const t = v.ticket;
  const n = v.names;
  const item = (label: string, value: HtmlValue): Html =>
    value === '' || value === null || value === undefined ? html`` : html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
  const closeKind =
    t.closeKind === 'auto' ? '（超时未评价，自动销号，计为未评价）' : t.closeKind === 'followup' ? '（护企办回访，代评）' : t.closeKind === 'confirmed' ? '（企业确认）' : '';
  const details = html`<dl class="kv">
  ${item('项目', html`<a href="/dashboard?project=${encodeURIComponent(t.projectCode)}">${t.projectCode} ${n.project(t.projectCode)}</a>`)}
  ${item('类别', `${t.category} · ${URGENCY_NAMES[t.urgency]}`)}
  ${item('报告人', t.reporterName)}
  ${item('承办人', n.owner(t))}
  ${item('承办部门', n.ticketDepartment(t))}
  ${item('当前时限', t.state === 'closed' || t.state === 'withdrawn' ? '' : deadlineCell(t, v.now))}
  ${item('报告时间', when(t.createdAt))}
  ${item('签收时限', when(t.claimDeadline))}
  ${item('认领时间', when(t.claimedAt))}
  ${item('办结时限', when(t.resolveDeadline))}
  ${item('办结时间', when(t.resolvedAt))}
  ${item('评价时限', t.state === 'resolved' || t.confirmDeadline !== null ? when(t.confirmDeadline) : '')}
  ${item('销号时间', t.closedAt === null ? '' : `${formatTime(t.closedAt)}${closeKind}`)}
  ${item('撤回时间', when(t.withdrawnAt))}
  ${item('办理结果', t.resolution ?? '')}
  ${item('评价', t.rating === null ? (t.closeKind === 'followup' ? `回访满意${t.ratingComment ? `，${t.ratingComment}` : ''}` : '') : `${t.closeKind === 'followup' ? '回访（代评）' : ''}${t.rating}分${t.ratingComment ? `，${t.ratingComment}` : ''}`)}
  ${item('重办次数', t.reopenCount > 0 ? String(t.reopenCount) : '')}
  ${item('来源', PLATFORM_NAMES[t.sourcePlatform] ?? t.sourcePlatform)}
</dl>`;
  const summoned =
    v.summoned.length === 0
      ? html``
      : html`<section class="panel"><div class="panel-head"><h2>协同部门（吹哨）</h2></div><div class="panel-body"><ul class="plain">${v.summoned.map(
          (s) =>
            html`<li>${n.department(s.departmentId)}：${formatShortTime(s.summonedAt)} 吹哨，${s.checkedInAt === null ? html`<span class="tag warn">未报到</span>` : html`<span class="tag ok">${formatShortTime(s.checkedInAt)} 已报到${s.checkedInBy ? `（${n.person(s.checkedInBy)}）` : ''}</span>`}</li>`,
        )}</ul></div></section>`;
  const timeline = html`<ol class="timeline" id="timeline">${v.timeline.map(
    (row) => html`<li class="action-${row.action}" title="${formatTime(row.at)}">${describeAudit(row, n)}</li>`,
  )}</ol>`;

  const body = html`<p class="crumbs"><a href="/dashboard">← 返回台账</a></p>
<section class="panel" aria-labelledby="ticket-title">
  <div class="panel-head"><h2 id="ticket-title">工单 #${t.no}</h2><span class="tags">${ticketTags(t, v.now)}</span></div>
  <div class="panel-body">
    <blockquote class="description">${t.description}</blockquote>
    ${details}
  </div>
</section>
${summoned}
${evidencePanel(v)}
<section class="panel" aria-labelledby="timeline-title">
  <div class="panel-head"><h2 id="timeline-title">办理经过</h2><span class="sub">来自审计日志，共 ${v.timeline.length} 条；每一步都可倒查</span></div>
  <div class="panel-body">${timeline}</div>
</section>`;
  return page({ title: `#${t.no}`, section: 'ledger', body, who: v.who });
}
