import { attachmentsHealth } from '../attachments/backup.js';
import { diskSpace, roomFor } from '../attachments/store.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { RosterRepo } from '../db/roster-repo.js';
import { SettingsRepo } from '../db/settings-repo.js';
import { doctorDingtalk } from '../platforms/dingtalk/index.js';
import type { DoctorCheck } from '../platforms/doctor.js';
import { doctorWecom } from '../platforms/wecom/index.js';
import { WorkCalendar, type CalendarHealth } from '../tickets/calendar.js';
import { withDb, type Out } from './common.js';

/**
 * This year's holiday data is needed now; next year's is published by the State Council around
 * November, so until it is added a warning says when, and the check still passes.
 */
export function calendarChecks({ year, thisYear, nextYear }: CalendarHealth): DoctorCheck[] {
  const how = "加到名册的 calendar 部分（holidays 放假、workdays 调休上班），再运行 lianbao import";
  return [
    thisYear
      ? { name: '节假日', ok: true, detail: `有 ${year} 年的节假日数据` }
      : {
          name: '节假日',
          ok: false,
          detail: `没有今年（${year} 年）的节假日数据：现在周一至周五都按工作日算，按工作日计算的时限不对。请把国务院办公厅公布的 ${year} 年放假安排${how}`,
        },
    nextYear
      ? { name: '节假日', ok: true, detail: `有 ${year + 1} 年的节假日数据` }
      : {
          name: '节假日',
          ok: true,
          warn: true,
          detail: `还没有 ${year + 1} 年的节假日数据：国务院办公厅一般在 11 月前后公布下一年的放假安排，公布后请${how}`,
        },
  ];
}

/** The attachments folder: writable, and how much room it has (SPEC §10). */
async function attachmentsCheck(config: Config): Promise<DoctorCheck> {
  const { dir, maxBytes } = config.attachments;
  if (!dir) return { name: '附件', ok: true, warn: true, detail: 'ATTACHMENTS_DIR 为空：照片和文件不会保存' };
  const h = await attachmentsHealth(dir);
  if (!h.writable) return { name: '附件', ok: false, detail: `${dir} 无法写入：${h.error}；请检查该目录的属主和权限` };
  const free = `${(h.freeBytes / 1024 / 1024 / 1024).toFixed(1)} GB`;
  if (h.freeBytes < maxBytes) return { name: '附件', ok: false, detail: `${dir} 可用空间只剩 ${free}，放不下一个文件：请清理磁盘或换一个目录` };
  // The same test as the one that refuses new files (src/attachments/store.ts): warned before it refuses.
  const room = roomFor({ freeBytes: h.freeBytes, totalBytes: diskSpace(dir).totalBytes }, maxBytes);
  if (!room.ok) {
    const reserve = `${(room.reserveBytes / 1024 / 1024 / 1024).toFixed(1)} GB`;
    return { name: '附件', ok: true, warn: true, detail: `${dir} 可用空间 ${free}，已到保留的 ${reserve}：新的照片和文件不再保存，请尽快清理磁盘或扩容` };
  }
  return { name: '附件', ok: true, detail: `${dir} 可写，可用空间 ${free}` };
}

/**
 * What is published and how (SPEC §10, §11): the dashboard and its sign-in links, the proxy it is
 * reached through, and a playground left on beside a real platform.
 */
export function exposureChecks(config: Pick<Config, 'adminToken' | 'publicUrl' | 'trustProxy' | 'playground' | 'wecom' | 'dingtalk'>): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  if (!config.adminToken) checks.push({ name: '工作台账', ok: true, detail: '未开启（没有设置 ADMIN_TOKEN）' });
  else if (!config.publicUrl) checks.push({ name: '工作台账', ok: true, detail: '已开启；个人“登录”链接未开启（需设置 PUBLIC_URL，即人们打开工作台账的地址）' });
  else checks.push({ name: '工作台账', ok: true, detail: `已开启，个人“登录”链接指向 ${config.publicUrl}/dashboard/login/…` });
  if (config.publicUrl?.startsWith('https://') && !config.trustProxy) {
    checks.push({
      name: '反向代理',
      ok: true,
      warn: true,
      detail: 'PUBLIC_URL 是 https 地址，通常经反向代理访问，但没有设置 TRUST_PROXY：登录失败次数会把所有人算成代理这一个地址。请把代理的地址写进 TRUST_PROXY（例如 127.0.0.1）',
    });
  }
  if (config.playground.enabled && (config.wecom || config.dingtalk)) {
    checks.push({
      name: '本地试用',
      ok: true,
      warn: true,
      detail: `本地试用页已开启（PLAYGROUND${config.playground.remote ? '，且 PLAYGROUND_REMOTE=1 允许从别的机器打开' : ''}）：能打开它的人可以以名册中任何人的身份发言。上线前请设 PLAYGROUND=0`,
    });
  }
  return checks;
}

/** `lianbao doctor`: the configuration, the database, the roster, the holiday data, and each platform reached. */
export async function doctorVerb(config: Config, out: Out, clock: Clock): Promise<boolean> {
  const checks: DoctorCheck[] = [];
  checks.push({ name: '配置', ok: true, detail: '各变量均有效' });
  try {
    withDb(config, (db) => {
      new SettingsRepo(db).probe('doctor', Date.now());
      const roster = new RosterRepo(db);
      checks.push({ name: '数据库', ok: true, detail: `${config.databasePath} 可写` });
      checks.push({
        name: '名册',
        ok: !roster.isEmpty(),
        detail: roster.isEmpty() ? '还没有名册：lianbao import roster.yaml' : `人员 ${roster.people().length} 人，项目 ${roster.projects().length} 个`,
      });
      checks.push(...calendarChecks(new WorkCalendar(roster.calendarOverrides(), config.workdayEnd).health(clock.now())));
    });
  } catch (err) {
    checks.push({ name: '数据库', ok: false, detail: `${config.databasePath} 无法写入：${err instanceof Error ? err.message : String(err)}` });
  }
  checks.push(await attachmentsCheck(config));
  if (!config.wecom && !config.dingtalk) {
    checks.push({ name: '平台', ok: true, warn: true, detail: '没有配置企业微信或钉钉：群里的消息到不了机器人，只能用本地试用（playground）' });
  }
  checks.push(...exposureChecks(config));
  if (config.wecom) checks.push(...(await doctorWecom(config.wecom)));
  if (config.dingtalk) checks.push(...(await doctorDingtalk(config.dingtalk)));
  for (const c of checks) out(`${c.ok ? (c.warn ? 'WARN' : 'ok  ') : 'FAIL'}  ${c.name}：${c.detail}`);
  return checks.every((c) => c.ok);
}
