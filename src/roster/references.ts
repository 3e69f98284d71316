import type { Path } from './locator.js';
import { unknownRef } from './messages.js';
import { valueAt, type Problems } from './problems.js';

function stringAt(item: unknown, path: readonly (string | number)[]): string | undefined {
  const v = valueAt(item, path);
  return typeof v === 'string' ? v.trim() : undefined;
}

/** The strings of a list field with their positions; entries of the wrong type were reported by the shape check. */
function stringsAt(item: unknown, key: string): { value: string; index: number }[] {
  const v = valueAt(item, [key]);
  if (!Array.isArray(v)) return [];
  return v.flatMap((value: unknown, index) => (typeof value === 'string' ? [{ value, index }] : []));
}

/** Reports the second and later entries that share a key, pointing back to the first. */
function checkUnique(
  problems: Problems,
  entries: readonly { path: Path; key: string | undefined }[],
  message: (key: string, firstLine: number) => string,
): void {
  const first = new Map<string, Path>();
  for (const e of entries) {
    if (e.key === undefined) continue;
    const seen = first.get(e.key);
    if (seen) problems.addOnce(e.path, message(e.key, problems.line(seen)));
    else first.set(e.key, e.path);
  }
}

/**
 * Duplicates and dangling references. These read the raw entries rather than only the ones
 * that passed the shape check, so that an entry with a typo in one key still has its
 * references checked and the operator sees every problem in one run.
 */
export function checkReferences(
  problems: Problems,
  raw: { settings?: unknown; units?: unknown[]; departments?: unknown[]; people?: unknown[]; projects?: unknown[] },
): void {
  const units = (raw.units ?? []).map((item, index) => ({ item, index }));
  const departments = (raw.departments ?? []).map((item, index) => ({ item, index }));
  const people = (raw.people ?? []).map((item, index) => ({ item, index }));
  const projects = (raw.projects ?? []).map((item, index) => ({ item, index }));
  const departmentIds = new Set(departments.flatMap((d) => stringAt(d.item, ['id']) ?? []));
  const projectCodes = new Set(projects.flatMap((p) => stringAt(p.item, ['code']) ?? []));
  const rolesById = new Map<string, string[]>();
  for (const p of people) {
    const id = stringAt(p.item, ['id']);
    if (id !== undefined && !rolesById.has(id)) rolesById.set(id, stringsAt(p.item, 'roles').map((r) => r.value));
  }

  // Keys no two entries of a section may share.
  const unique: [section: 'departments' | 'people', key: string, message: (k: string, line: number) => string][] = [
    ['departments', 'id', (k, line) => `部门 id "${k}" 重复（第 ${line} 行已用过）`],
    ['departments', 'name', (k, line) => `部门名称 "${k}" 在第 ${line} 行已用过；名称不能重复（“转办”按名称找部门）`],
    ['people', 'id', (k, line) => `人员 id "${k}" 重复（第 ${line} 行已用过）`],
    ['people', 'wecom', (k, line) => `企业微信 userid "${k}" 已给了第 ${line} 行的人员`],
    ['people', 'dingtalk', (k, line) => `钉钉 staff id "${k}" 已给了第 ${line} 行的人员`],
  ];
  for (const [section, key, message] of unique) {
    const entries = section === 'departments' ? departments : people;
    checkUnique(problems, entries.map((e) => ({ path: [section, e.index, key], key: stringAt(e.item, [key]) })), message);
  }
  // Codes are looked up case-insensitively in chat (`绑定 xm001`), so XM001 and xm001 would be ambiguous.
  checkUnique(
    problems,
    projects.map((p) => ({ path: ['projects', p.index, 'code'], key: stringAt(p.item, ['code'])?.toLowerCase() })),
    (_k, line) => `项目编号重复（不分大小写，第 ${line} 行已用过）`,
  );
  // A chat belongs to one project or to the coordinators, never to two.
  const coordinatorsAt = ['settings', 'coordinators'] as const;
  checkUnique(
    problems,
    [
      { path: [...coordinatorsAt, 'wecom', 'chatId'], key: stringAt(raw.settings, ['coordinators', 'wecom', 'chatId']) },
      ...units.map((u) => ({ path: ['units', u.index, 'coordinators', 'wecom', 'chatId'], key: stringAt(u.item, ['coordinators', 'wecom', 'chatId']) })),
      ...projects.map((p) => ({ path: ['projects', p.index, 'wecom', 'chatId'], key: stringAt(p.item, ['wecom', 'chatId']) })),
    ],
    (k, line) => `企业微信 chatId "${k}" 在第 ${line} 行已用过；一个群只能属于一个项目`,
  );
  checkUnique(
    problems,
    [
      {
        path: [...coordinatorsAt, 'dingtalk', 'openConversationId'],
        key: stringAt(raw.settings, ['coordinators', 'dingtalk', 'openConversationId']),
      },
      ...units.map((u) => ({
        path: ['units', u.index, 'coordinators', 'dingtalk', 'openConversationId'],
        key: stringAt(u.item, ['coordinators', 'dingtalk', 'openConversationId']),
      })),
      ...projects.map((p) => ({
        path: ['projects', p.index, 'dingtalk', 'openConversationId'],
        key: stringAt(p.item, ['dingtalk', 'openConversationId']),
      })),
    ],
    (k, line) => `钉钉 openConversationId "${k}" 在第 ${line} 行已用过；一个群只能属于一个项目`,
  );

  for (const { item, index } of people) {
    if (typeof item !== 'object' || item === null) continue;
    const at = (key: string): Path => ['people', index, key];
    const department = stringAt(item, ['department']);
    const project = stringAt(item, ['project']);
    const roles = stringsAt(item, 'roles');
    if (department !== undefined && !departmentIds.has(department)) {
      problems.addOnce(at('department'), unknownRef('部门', department, departmentIds));
    }
    if (project !== undefined && !projectCodes.has(project)) {
      problems.addOnce(at('project'), unknownRef('项目', project, projectCodes));
    }
    if (roles.some((r) => r.value === 'enterprise') && valueAt(item, ['project']) === undefined) {
      problems.addOnce(at('project'), '企业联系人（enterprise）要写 "project"：所在项目的编号');
    }
    if (roles.some((r) => r.value === 'officer') && valueAt(item, ['department']) === undefined) {
      problems.addOnce(at('department'), '民警（officer）要写 "department"：所在部门的 id');
    }
    checkUnique(
      problems,
      roles.map((r) => ({ path: [...at('roles'), r.index], key: r.value })),
      (r) => `角色 "${r}" 写了两次`,
    );
  }

  const checkPerson = (path: Path, id: string, role: string, what: string): void => {
    const roles = rolesById.get(id);
    if (roles === undefined) problems.addOnce(path, unknownRef('人员', id, rolesById.keys()));
    else if (!roles.includes(role)) {
      problems.addOnce(path, `${what} "${id}" 没有 ${role} 角色（现有角色：${roles.join('、') || '无'}）`);
    }
  };
  // A department's head gets tier 2 for its tickets: someone who works tickets, not an enterprise contact.
  for (const { item, index } of departments) {
    const head = stringAt(item, ['head']);
    if (head === undefined) continue;
    const path: Path = ['departments', index, 'head'];
    const roles = rolesById.get(head);
    if (roles === undefined) problems.addOnce(path, unknownRef('人员', head, rolesById.keys()));
    else if (!roles.includes('officer') && !roles.includes('leader')) {
      problems.addOnce(path, `部门负责人 "${head}" 既没有 officer 角色也没有 leader 角色（现有角色：${roles.join('、') || '无'}）`);
    }
  }
  for (const { item, index } of projects) {
    const officer = stringAt(item, ['officer']);
    if (officer !== undefined) checkPerson(['projects', index, 'officer'], officer, 'officer', '项目警官');
    const leaders = stringsAt(item, 'leaders');
    for (const l of leaders) checkPerson(['projects', index, 'leaders', l.index], l.value, 'leader', '包联领导');
    checkUnique(
      problems,
      leaders.map((l) => ({ path: ['projects', index, 'leaders', l.index], key: l.value })),
      (l) => `包联领导 "${l}" 写了两次`,
    );
  }
}

