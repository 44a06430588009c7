import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared reference data beside the checkout (IOTNETS_SHARED overrides). */
export const SHARED_DIR = process.env.IOTNETS_SHARED ?? resolve(REPO_ROOT, '../shared');

/** Path of a file under shared/paper-data. */
export function paperData(name: string): string {
  return join(SHARED_DIR, 'paper-data', name);
}

/** Path of a file under shared/golden. */
export function golden(name: string): string {
  return join(SHARED_DIR, 'golden', name);
}

/** Parsed JSON of a shared file. */
export function readSharedJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** A node:test skip reason when the shared data is absent, or false when it is there. */
export const sharedMissing: string | false = existsSync(join(SHARED_DIR, 'paper-data')) ? false : `no shared data at ${SHARED_DIR}`;
