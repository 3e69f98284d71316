import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root folder. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** What `npm start` runs (`npm install` builds it). */
export const SERVER_ENTRY = join(ROOT, 'dist', 'src', 'server.js');
/** The roster loaded into an empty database at start-up. */
export const EXAMPLE_ROSTER = join(ROOT, 'roster.example.yaml');
