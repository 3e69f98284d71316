import { parseDuration, type Duration } from './duration.js';
import { CATEGORIES, type Category, type DeadlineKind, type ProjectLevel, type Urgency } from './model.js';

type KindDurations = Partial<Record<DeadlineKind, string>>;

/**
 * One entry of the roster's `sla` section. Flat keys apply to both urgencies; an `urgent` or
 * `normal` block applies to that urgency only and wins over flat keys in the same entry.
 */
export type SlaOverride = KindDurations | { urgent?: KindDurations; normal?: KindDurations };

/** The roster's `sla` section, keyed by category (阻工 …) or project level (重大 重点 难点). */
export type SlaConfig = Record<string, SlaOverride>;

/** The three deadline lengths that apply to one ticket. */
export interface Sla {
  claim: Duration;
  resolve: Duration;
  confirm: Duration;
}

/** One problem found in an `sla` section; `path` is relative to the section, for finding the line. */
export interface SlaIssue {
  path: string[];
  message: string;
}

export const PROJECT_LEVELS: readonly ProjectLevel[] = ['重大', '重点', '难点'];
const KINDS: readonly DeadlineKind[] = ['claim', 'resolve', 'confirm'];
const URGENCIES: readonly Urgency[] = ['urgent', 'normal'];

/** SPEC §4's defaults. */
export const DEFAULT_SLA: Readonly<Record<Urgency, Readonly<Sla>>> = {
  urgent: { claim: { amount: 30, unit: 'm' }, resolve: { amount: 24, unit: 'h' }, confirm: { amount: 3, unit: 'wd' } },
  normal: { claim: { amount: 4, unit: 'h' }, resolve: { amount: 5, unit: 'wd' }, confirm: { amount: 3, unit: 'wd' } },
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The duration strings an override sets for one urgency. */
function overrideFor(override: SlaOverride, urgency: Urgency): KindDurations {
  const entry = override as Record<string, unknown>;
  const result: KindDurations = {};
  for (const kind of KINDS) {
    if (typeof entry[kind] === 'string') result[kind] = entry[kind];
  }
  const specific = entry[urgency];
  if (isRecord(specific)) {
    for (const kind of KINDS) {
      if (typeof specific[kind] === 'string') result[kind] = specific[kind];
    }
  }
  return result;
}

/**
 * The deadlines for a ticket. Precedence: default(urgency) < project-level override < category
 * override, because a category such as 阻工 names the kind of trouble, which matters more for how
 * fast someone must act than how important the project is.
 */
export function slaFor(category: Category, urgency: Urgency, level: ProjectLevel, config?: SlaConfig): Sla {
  const base = DEFAULT_SLA[urgency];
  // Copies, so that a caller changing its result cannot change the defaults.
  const sla: Sla = { claim: { ...base.claim }, resolve: { ...base.resolve }, confirm: { ...base.confirm } };
  for (const key of [level, category]) {
    const override = config?.[key];
    if (override === undefined) continue;
    for (const [kind, text] of Object.entries(overrideFor(override, urgency)) as [DeadlineKind, string][]) {
      const parsed = parseDuration(text);
      // The roster import rejects bad durations, so reaching this is a bug, not a user's typo.
      if (!parsed) throw new Error(`sla.${key}: invalid duration "${text}" for ${kind}`);
      sla[kind] = parsed;
    }
  }
  return sla;
}

const DURATION_HINT = '应为正整数加单位，例如 30m、4h、2d、5wd';

function checkKinds(value: Record<string, unknown>, path: string[], allowUrgency: boolean, issues: SlaIssue[]): void {
  for (const [key, v] of Object.entries(value)) {
    const here = [...path, key];
    if ((KINDS as readonly string[]).includes(key)) {
      if (typeof v !== 'string' || parseDuration(v) === null) {
        issues.push({ path: here, message: `无效的时长 ${JSON.stringify(v)}（${DURATION_HINT}）` });
      }
    } else if (allowUrgency && (URGENCIES as readonly string[]).includes(key)) {
      if (isRecord(v)) checkKinds(v, here, false, issues);
      else issues.push({ path: here, message: '应为映射，例如 { claim: 15m, resolve: 12h }' });
    } else {
      const allowed = allowUrgency ? [...KINDS, ...URGENCIES] : KINDS;
      issues.push({ path: here, message: `未知的键「${key}」（可用：${allowed.join('、')}）` });
    }
  }
}

/** Every problem in an `sla` section, each with where it is. */
export function slaConfigIssues(config: unknown): SlaIssue[] {
  if (config === undefined || config === null) return [];
  if (!isRecord(config)) return [{ path: [], message: '应为映射，键为类别或项目级别' }];
  const issues: SlaIssue[] = [];
  const keys: readonly string[] = [...CATEGORIES, ...PROJECT_LEVELS];
  for (const [key, value] of Object.entries(config)) {
    if (!keys.includes(key)) {
      issues.push({
        path: [key],
        message: `未知的类别或项目级别「${key}」（类别：${CATEGORIES.join('、')}；级别：${PROJECT_LEVELS.join('、')}）`,
      });
    } else if (!isRecord(value)) {
      issues.push({ path: [key], message: '应为映射，例如 { claim: 15m } 或 { urgent: { claim: 15m } }' });
    } else {
      checkKinds(value, [key], true, issues);
    }
  }
  return issues;
}

/** Messages for bad keys / bad durations, [] when fine (used by the roster import). */
export function validateSlaConfig(config: unknown): string[] {
  return slaConfigIssues(config).map((i) => `${['sla', ...i.path].join('.')}: ${i.message}`);
}
