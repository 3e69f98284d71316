import type { Db } from './open.js';

/**
 * Writes to the `settings` table (RosterRepo reads the roster's own settings from it). Also the
 * write that shows the database takes writes at all: /readyz, the processor and `doctor` each
 * write their own key with the time.
 */
export class SettingsRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      set: db.prepare<[string, string]>('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
  }

  set(key: string, value: string): void {
    this.s.set.run(key, value);
  }

  /** A real write, of `now` under `key`: throws when the database cannot be written. */
  probe(key: string, now: number): void {
    this.set(key, String(now));
  }
}
