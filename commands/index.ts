import type { Command } from '../src/dispatch/types.js';
import { accept } from './accept.js';
import { approveExtension, rejectExtension } from './answer-extension.js';
import { bind } from './bind.js';
import { checkin } from './checkin.js';
import { claim } from './claim.js';
import { extend } from './extend.js';
import { followup } from './followup.js';
import { help } from './help.js';
import { list } from './list.js';
import { login } from './login.js';
import { meeting } from './meeting.js';
import { note } from './note.js';
import { progress } from './progress.js';
import { lower, raise } from './raise.js';
import { reclassify } from './reclassify.js';
import { reject } from './reject.js';
import { report } from './report.js';
import { requestExtension } from './request-extension.js';
import { resolve } from './resolve.js';
import { stats } from './stats.js';
import { status } from './status.js';
import { summon } from './summon.js';
import { supervise } from './supervise.js';
import { transfer } from './transfer.js';
import { visit } from './visit.js';
import { withdraw } from './withdraw.js';

/** Every chat command, in the order 帮助 lists them. Listed by hand so the compiler checks each. */
export const COMMANDS: readonly Command[] = [
  report,
  claim,
  progress,
  note,
  transfer,
  reclassify,
  summon,
  checkin,
  resolve,
  accept,
  reject,
  followup,
  supervise,
  extend,
  requestExtension,
  approveExtension,
  rejectExtension,
  raise,
  lower,
  withdraw,
  status,
  list,
  stats,
  bind,
  visit,
  meeting,
  login,
  help,
];
