import { dailyDigest } from './daily-digest.js';
import { backup } from './backup.js';
import { escalate } from './escalate.js';
import { meetingNotice } from './meeting-notice.js';
import { monthlyReport } from './monthly-report.js';
import { quarterlyReport } from './quarterly-report.js';
import type { Job } from './types.js';

/** Every scheduled job, listed by hand so the compiler checks each. */
export const JOBS: readonly Job[] = [escalate, meetingNotice, dailyDigest, monthlyReport, quarterlyReport, backup];

export function findJob(name: string): Job | undefined {
  return JOBS.find((j) => j.name === name);
}
