import type { Path } from './locator.js';
import { closest } from './messages.js';
import { valueAt, type Problems } from './problems.js';
import type { CoordinatorsSettings, MeetingSettings, RosterUnit } from './schema.js';

/** A unit entry that passed its shape check, with its index in the file. */
export interface UnitEntry {
  index: number;
  value: {
    id: string;
    name: string;
    parent?: string;
    coordinators?: CoordinatorsSettings;
    meeting?: Partial<MeetingSettings>;
  };
}

function unknownUnit(ref: string, known: Iterable<string>): string {
  const guess = closest(ref, [...known]);
  return `名册里没有单位 "${ref}"${guess ? `，是不是 "${guess}"？` : ''}（单位写在 units 里）`;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The `units` tree (SPEC §11): ids unique, every parent known, no cycle, exactly one root; and the
 * `unit` of every project, person and department names one of them. Problems name the line and
 * column of the key at fault. Returns the units root first, each after its parent, with their
 * meetings filled in from their parent's (the root's from `settings.meeting`), or an empty list
 * when the file has no `units` (the one root unit is implicit) or they have problems.
 */
export function checkUnits(
  problems: Problems,
  raw: { units?: unknown[]; departments?: unknown[]; people?: unknown[]; projects?: unknown[] },
  entries: readonly UnitEntry[],
  settings: { coordinators?: CoordinatorsSettings; meeting: MeetingSettings; coordinatorsGiven: boolean },
): RosterUnit[] {
  const before = problems.list.length;
  const ids = new Set<string>();
  const firstAt = new Map<string, number>();
  for (const [index, item] of (raw.units ?? []).entries()) {
    const id = valueAt(item, ['id']);
    if (typeof id !== 'string') continue;
    const seen = firstAt.get(id);
    if (seen !== undefined) problems.addOnce(['units', index, 'id'], `单位 id "${id}" 重复（第 ${problems.line(['units', seen])} 行已用过）`);
    else firstAt.set(id, index);
    ids.add(id);
  }

  // Every `unit:` names a unit of the file; without a `units` section there is none to name.
  for (const section of ['projects', 'people', 'departments'] as const) {
    for (const [index, item] of (raw[section] ?? []).entries()) {
      const ref = valueAt(item, ['unit']);
      if (typeof ref !== 'string') continue;
      if (!ids.has(ref)) {
        problems.addOnce([section, index, 'unit'], raw.units === undefined ? `写了单位 "${ref}"，但名册没有 units 一节；请先在 units 里列出各单位` : unknownUnit(ref, ids));
      }
    }
  }
  if (raw.units === undefined) return [];
  if (entries.length === 0 && (raw.units ?? []).length === 0) {
    problems.add(['units'], 'units 是空的：至少要有一个根单位（不写 parent 的那个），或删去 units 一节');
    return [];
  }

  const byId = new Map(entries.map((e) => [e.value.id, e]));
  const roots = entries.filter((e) => e.value.parent === undefined);
  for (const e of entries) {
    const parent = e.value.parent;
    if (parent === undefined) continue;
    const at: Path = ['units', e.index, 'parent'];
    if (parent === e.value.id) problems.addOnce(at, `单位 "${parent}" 的 parent 不能是它自己`);
    else if (!ids.has(parent)) problems.addOnce(at, unknownUnit(parent, ids));
  }
  if (roots.length === 0 && entries.length > 0) {
    problems.add(['units'], '单位里没有根单位：最上一级（如市护企办）不写 parent');
  }
  for (const extra of roots.slice(1)) {
    problems.addOnce(['units', extra.index, 'id'], `只能有一个根单位（不写 parent 的单位），第 ${problems.line(['units', roots[0]!.index])} 行的 "${roots[0]!.value.id}" 已是根单位；请给 "${extra.value.id}" 写上 parent`);
  }
  // A cycle: walking up from a unit comes back to a unit already passed without reaching the root.
  const reported = new Set<string>();
  for (const e of entries) {
    const path: string[] = [];
    let cur: UnitEntry | undefined = e;
    while (cur && cur.value.parent !== undefined && !path.includes(cur.value.id)) {
      path.push(cur.value.id);
      cur = byId.get(cur.value.parent);
    }
    if (!cur || cur.value.parent === undefined || reported.has(cur.value.id)) continue;
    const loop = path.slice(path.indexOf(cur.value.id));
    for (const id of loop) reported.add(id);
    problems.addOnce(['units', cur.index, 'parent'], `单位的上下级形成了循环：${[...loop, cur.value.id].join(' → ')}；每个单位都应能逐级上溯到根单位`);
  }

  const root = roots[0];
  if (root?.value.coordinators && settings.coordinatorsGiven) {
    problems.addOnce(['units', root.index, 'coordinators'], '根单位的协调群已写在 settings.coordinators 里，这里不要再写（两处只写一处）');
  }
  if (problems.list.length > before || !root) return [];

  // Root first, each unit after its parent, in the order of the file among siblings.
  const children = new Map<string, UnitEntry[]>();
  for (const e of entries) {
    if (e.value.parent === undefined) continue;
    const list = children.get(e.value.parent) ?? [];
    list.push(e);
    children.set(e.value.parent, list);
  }
  const out: RosterUnit[] = [];
  const visit = (e: UnitEntry, meeting: MeetingSettings, coordinators: CoordinatorsSettings): void => {
    const own = { ...meeting, ...stripUndefined(e.value.meeting ?? {}) };
    out.push({ id: e.value.id, name: e.value.name, parent: e.value.parent, coordinators, meeting: own });
    for (const c of children.get(e.value.id) ?? []) visit(c, own, c.value.coordinators ?? {});
  };
  visit(root, settings.meeting, root.value.coordinators ?? settings.coordinators ?? {});
  return out;
}
