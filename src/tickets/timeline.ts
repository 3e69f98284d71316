import type { AuditRow } from '../db/tickets-repo.js';
import { formatDuration, parseDuration } from './duration.js';
import { TIER_NAMES } from './escalation.js';
import type { TicketAction } from './events.js';
import { formatShortTime, formatTime } from './format.js';
import { DEADLINE_NAMES, STATE_NAMES, URGENCY_NAMES } from './model.js';

/** How each audit action reads in a timeline (责任倒查 from the log alone). */
export const ACTION_NAMES: Record<TicketAction, string> = {
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
  await_followup: '评价时限已过，企业未评价，待回访',
  followup: '回访（代评）',
  supervise: '督办',
  raise: '提级',
  lower: '回退',
  extend: '延期',
  request_extension: '申请延期',
  approve_extension: '批准延期',
  reject_extension: '驳回延期',
  reclassify: '改类',
  withdraw: '撤回',
  remind: '临期提醒',
  escalate: '超期升级',
  attach: '附证据',
  attach_failed: '证据未能下载',
  auto_close: '超时未评价，自动销号',
  unreadable: '',
};

/** How the timeline names what a piece of evidence is. */
const EVIDENCE_NAMES: Record<string, string> = { image: '图片', audio: '录音', video: '视频', file: '文件' };

/** A size as people read it: 37 KB, 2.4 MB. */
function readableSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export interface TimelineNames {
  person(id: string): string;
  department(id: string): string;
  /** a unit's name (SPEC §11) */
  unit?(id: string): string;
}

/** `3wd` as people read it: `3个工作日`. */
function duration(written: string): string {
  const d = parseDuration(written);
  return d ? formatDuration(d) : written;
}

/**
 * One line per audit row: when, who, what, and the words they wrote — all of them, or, with
 * `maxTextChars`, their first characters and `…` (a chat message shows a summary; the dashboard
 * shows everything).
 */
export function describeAudit(row: AuditRow, names: TimelineNames, maxTextChars = Infinity): string {
  const str = (v: string): string => clip(v, maxTextChars);
  const time = (ms: number | null): string => (ms === null ? '' : formatTime(ms));
  let what: string = ACTION_NAMES[row.action];
  let text = '';
  switch (row.action) {
    case 'report':
    case 'progress':
    case 'note':
    case 'resolve':
      text = str(row.detail.text);
      break;
    case 'transfer': {
      const to = row.detail.to;
      text = `转给${'person' in to ? names.person(to.person) : names.department(to.department)}，${str(row.detail.reason)}`;
      break;
    }
    case 'summon':
      text = [names.department(row.detail.department), str(row.detail.note)].filter(Boolean).join('，');
      break;
    case 'checkin':
      text = names.department(row.detail.department);
      break;
    case 'accept':
      text = `${row.detail.rating}分${row.detail.comment ? `，${str(row.detail.comment)}` : ''}`;
      break;
    case 'reject':
    case 'withdraw':
      text = str(row.detail.reason);
      break;
    case 'followup': {
      const d = row.detail;
      what = `${ACTION_NAMES.followup}：${d.satisfied ? '满意，销号' : '不满意，退回重办'}`;
      text = [d.rating === null ? '' : `${d.rating}分`, str(d.comment)].filter(Boolean).join('，');
      break;
    }
    case 'supervise':
      text = str(row.detail.note);
      break;
    case 'raise':
    case 'lower': {
      const unit = (id: string | null) => (id === null ? '项目所属单位' : (names.unit?.(id) ?? id));
      text = `由${unit(row.detail.from)}${row.action === 'raise' ? '提级到' : '回退到'}${unit(row.detail.to)}督办，${str(row.detail.reason)}`;
      break;
    }
    case 'remind':
      text = `${DEADLINE_NAMES[row.detail.kind]}时限${time(row.detail.deadline)}`;
      break;
    case 'escalate':
      text = `${TIER_NAMES[row.detail.tier]}（${row.detail.tier}级），${DEADLINE_NAMES[row.detail.kind]}时限${time(row.detail.deadline)}`;
      break;
    case 'extend':
    case 'approve_extension':
      text = `${DEADLINE_NAMES[row.detail.kind]}时限延至${time(row.detail.to)}，${str(row.detail.reason)}`;
      break;
    case 'request_extension':
      text = `${DEADLINE_NAMES[row.detail.kind]}时限延后${duration(row.detail.duration)}，${str(row.detail.reason)}`;
      break;
    case 'reject_extension':
      text = `延后${duration(row.detail.duration)}的申请未获批准，${str(row.detail.reason)}`;
      break;
    case 'reclassify': {
      const { from, to } = row.detail;
      text = `${from.category}·${URGENCY_NAMES[from.urgency]}→${to.category}·${URGENCY_NAMES[to.urgency]}`;
      break;
    }
    case 'await_followup':
    case 'auto_close':
    case 'claim':
      break;
    case 'unreadable':
      what = row.detail.action;
      break;
    case 'attach': {
      const { category, name, size } = row.detail;
      text = `${EVIDENCE_NAMES[category] ?? '文件'}${name ? `「${str(name)}」` : ''}，${readableSize(size)}`;
      break;
    }
    case 'attach_failed': {
      const { kind, name, reason } = row.detail;
      const why = reason === 'disk_reserve' ? '服务器存储空间不足，没有保存' : '平台多次没有提供';
      text = `${EVIDENCE_NAMES[kind] ?? '文件'}${name ? `「${str(name)}」` : ''}，${why}，请发送人重新发送`;
      break;
    }
  }
  const move =
    row.fromState && row.toState && row.fromState !== row.toState ? `（${STATE_NAMES[row.fromState]}→${STATE_NAMES[row.toState]}）` : '';
  return `${formatShortTime(row.at)} ${row.actorName} ${what}${move}${text ? `：${text}` : ''}`;
}

/** The first `max` characters of a text, with `…` when there were more. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max).join('')}…`;
}
