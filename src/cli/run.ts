import { systemClock, type Clock } from '../clock.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { JOBS } from '../jobs/index.js';
import { databaseProblem } from '../operator-errors.js';
import { RosterError } from '../roster/parse.js';
import { backupVerb } from './backup.js';
import { UsageError, type Out } from './common.js';
import { doctorVerb } from './doctor.js';
import { exportVerb } from './export.js';
import { importVerb } from './import.js';
import { inboxVerb } from './inbox.js';
import { jobsVerb } from './jobs.js';
import { outboxVerb } from './outbox.js';
import { sessionsVerb } from './sessions.js';

const USAGE = `lianbao — 联保命令行

用法：
  lianbao serve                         启动服务器（与 npm start 相同）
  lianbao import <文件> [--force]       导入名册（YAML 或 JSON）；再次导入按 id 更新；会取消
                                        一半以上有权限人员的权限时须加 --force
  lianbao outbox [--failed|--pending]   列出外发消息（默认列出发送失败的）
  lianbao outbox --retry <编号>         重新发送一条发送失败的消息
  lianbao jobs run <任务> [--now <ISO-8601 时间>] [--force]
                                        当作定时任务在该时间触发，运行一次（每个周期只运行
                                        一次，--force 再运行一次）；任务：${JOBS.map((j) => j.name).join('、')}
  lianbao export --month YYYY-MM [--format csv|xlsx] [--out <文件>] [--figures] [--unit <单位>]
                                        导出一个月：csv（默认）每张当月收到的工单一行，加
                                        --figures 则为统计数字，输出到屏幕或文件；xlsx（须加
                                        --out）含工单表和各分组统计表；--unit（单位 id 或名称）
                                        只导出该单位及下级单位的
  lianbao inbox [list|show <编号>|retry <编号>|drop <编号>]
                                        反复处理失败而被搁置的消息：列出、查看一条、放回
                                        队列重新处理，或删除
  lianbao backup <文件> [--force]       在线备份 SQLite 数据库（文件已存在时须加 --force），
                                        附件（证据）复制到 <文件>.attachments/
  lianbao sessions                      列出正在生效的工作台账登录（编号、登录人、方式、时间）
  lianbao sessions end <编号>|--person <人员 id>|--all
                                        结束一个登录、某人的全部登录，或全部登录
  lianbao doctor                        检查配置、数据库、名册和节假日数据，并连接各平台

命令行与服务器读取同样的环境变量和 .env（DATABASE_PATH 等）。`;

/** Runs one CLI invocation; returns the exit code. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  out: Out,
  err: Out,
  clock: Clock = systemClock,
): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === 'help' || verb === '--help' || verb === '-h') {
    out(USAGE);
    return verb ? 0 : 2;
  }
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`lianbao: ${e.message}`);
      return 1;
    }
    throw e;
  }
  try {
    switch (verb) {
      case 'import':
        importVerb(config, rest, out);
        return 0;
      case 'outbox':
        outboxVerb(config, rest, out);
        return 0;
      case 'inbox':
        inboxVerb(config, rest, out);
        return 0;
      case 'jobs':
        return await jobsVerb(config, rest, out, err);
      case 'export':
        await exportVerb(config, rest, out);
        return 0;
      case 'backup':
        await backupVerb(config, rest, out);
        return 0;
      case 'sessions':
        sessionsVerb(config, rest, out, clock);
        return 0;
      case 'doctor':
        return (await doctorVerb(config, out, clock)) ? 0 : 1;
      case 'serve':
        throw new UsageError('serve 不带参数：lianbao serve');
      default:
        throw new UsageError(`不认识的命令 "${verb}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`lianbao: ${e.message}\n（lianbao help 列出全部命令）`);
      return 2;
    }
    if (e instanceof RosterError) {
      err(e.message);
      err('名册有以上问题，没有导入任何内容');
      return 1;
    }
    // A database this user cannot open or write is told as what to mend, not as SQLite's words.
    const known = databaseProblem(e, config.databasePath);
    err(`lianbao: ${known ? known.message : e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
