import type { AuditRow } from '../db/tickets-repo.js';
import { TIER_NAMES, type Tier } from './escalation.js';
import { formatShortTime, formatTime } from './format.js';
import { DEADLINE_NAMES, STATE_NAMES, type DeadlineKind, type TicketState } from './model.js';

/** How each audit action reads in a timeline (责任倒查 from the log alone). */
export const ACTION_NAMES: Record<string, string> = {
  report: '报告挂号',
  claim: '认领',
  progress: '进展',
  note: '补充',
  transfer: '转办',
  summon: '吹哨',
  checkin: '报到',
  resolve: '办结',
  accept: '满意，销号',
  reject: '不满意，退回重办',
  supervise: '督办',
  extend: '延期',
  withdraw: '撤回',
  auto_close: '超时未评价，自动销号',
  escalate: '超期升级',
  attach: '附证据',
  attach_failed: '证据未能下载',
};

/** How the timeline names what a piece of evidence is. */
const EVIDENCE_NAMES: Record<string, string> = { image: '图片', audio: '录音', video: '视频', file: '文件' };

/** A size as people read it: 37 KB, 2.4 MB. */
function readableSize(bytes: unknown): string {
  if (typeof bytes !== 'number') return '';
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export interface TimelineNames {
  person(id: string): string;
  department(id: string): string;
}

/**
 * One line per audit row: when, who, what, and the words they wrote — all of them, or, with
 * `maxTextChars`, their first characters and `…` (a chat message shows a summary; the dashboard
 * shows everything).
 */
export function describeAudit(row: AuditRow, names: TimelineNames, maxTextChars = Infinity): string {
  const str = (v: unknown): string => (typeof v === 'string' ? clip(v, maxTextChars) : '');
  const d = row.detail;
  const what = ACTION_NAMES[row.action] ?? row.action;
  let text = '';
  switch (row.action) {
    case 'report':
    case 'progress':
    case 'note':
    case 'resolve':
      text = str(d.text);
      break;
    case 'transfer': {
      const to = d.to as { person?: string; department?: string } | undefined;
      const target = to?.person ? names.person(to.person) : to?.department ? names.department(to.department) : '';
      text = `转给${target}，${str(d.reason)}`;
      break;
    }
    case 'summon':
    case 'checkin':
      text = [names.department(str(d.department)), str(d.note)].filter(Boolean).join('，');
      break;
    case 'accept':
      text = `${String(d.rating ?? '')}分${str(d.comment) ? `，${str(d.comment)}` : ''}`;
      break;
    case 'reject':
    case 'withdraw':
      text = str(d.reason);
      break;
    case 'supervise':
      text = str(d.note);
      break;
    case 'escalate':
      text = `${TIER_NAMES[d.tier as Tier] ?? ''}（${String(d.tier)}级），${DEADLINE_NAMES[d.kind as DeadlineKind] ?? ''}时限${typeof d.deadline === 'number' ? formatTime(d.deadline) : ''}`;
      break;
    case 'extend':
      text = `${DEADLINE_NAMES[d.kind as DeadlineKind] ?? ''}时限延至${typeof d.to === 'number' ? formatTime(d.to) : ''}，${str(d.reason)}`;
      break;
    case 'attach':
      text = `${EVIDENCE_NAMES[str(d.category)] ?? '文件'}${str(d.name) ? `「${str(d.name)}」` : ''}，${readableSize(d.size)}`;
      break;
    case 'attach_failed':
      text = `${EVIDENCE_NAMES[str(d.kind)] ?? '文件'}${str(d.name) ? `「${str(d.name)}」` : ''}，平台多次没有提供，请发送人重新发送`;
      break;
  }
  const move =
    row.fromState && row.toState && row.fromState !== row.toState
      ? `（${STATE_NAMES[row.fromState as TicketState]}→${STATE_NAMES[row.toState as TicketState]}）`
      : '';
  return `${formatShortTime(row.at)} ${row.actorName} ${what}${move}${text ? `：${text}` : ''}`;
}

/** The first `max` characters of a text, with `…` when there were more. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max).join('')}…`;
}
