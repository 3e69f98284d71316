import { escalate } from './escalate.js';
import type { Job } from './types.js';

/** Every scheduled job, listed by hand so the compiler checks each. */
export const JOBS: readonly Job[] = [escalate];

export function findJob(name: string): Job | undefined {
  return JOBS.find((j) => j.name === name);
}
