import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { escapeForMessage, field, IotnetsError } from '../errors.js';
import { processAlive } from './files-node.js';

/** Who holds an output lock, as its lock file says. */
interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
  readonly command: string;
}

/** An exclusive hold on one output path, until released (or until the process exits). */
export interface OutputLock {
  readonly path: string;
  release(): void;
}

/** A takeover marker older than this is from a process killed mid-takeover (a takeover takes microseconds). */
const TAKEOVER_STALE_MS = 10_000;

/** The lock file that guards `out`: `out.lock`, beside it. */
function lockPathFor(out: string): string {
  return `${out}.lock`;
}

const held = new Set<string>();
// A crash (an uncaught error) still runs exit handlers; kill -9 does not, which is what stale takeover is for.
process.on('exit', () => {
  for (const path of held) rmSync(path, { force: true });
});

function readHolder(path: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    return Number.isSafeInteger(holder.pid) && typeof holder.hostname === 'string' ? (holder as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `holder` is a running process; a holder on another host (a shared drive) is assumed alive. */
function isAlive(holder: LockHolder): boolean {
  return holder.hostname !== hostname() || processAlive(holder.pid);
}

/** Creates `path` holding `text` only if it does not exist: written to a private file first, then hard-linked into place. */
function createExclusive(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}.new`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(temp);
  }
}

/**
 * Removes the lock at `path` if its holder is still the dead `stale` one. Guarded by a takeover marker so that two
 * processes finding the same stale lock cannot both remove it (the second would remove the first's fresh lock).
 */
function takeOver(path: string, stale: string): void {
  const marker = `${path}.takeover`;
  try {
    if (Date.now() - statSync(marker).mtimeMs > TAKEOVER_STALE_MS) rmSync(marker, { force: true });
  } catch {
    // No marker: the common case.
  }
  if (!createExclusive(marker, String(process.pid))) return;
  try {
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === stale) rmSync(path, { force: true });
  } finally {
    rmSync(marker, { force: true });
  }
}

/**
 * Takes the exclusive lock on output `out` for this process, or throws one line naming the live holder and the
 * field `key` to change. A lock left by a dead process (kill -9, power loss) is detected by its pid and taken over.
 */
export function acquireOutputLock(out: string, key: string): OutputLock {
  const path = lockPathFor(out);
  const me: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), command: process.argv.slice(2).join(' ') };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    let created: boolean;
    try {
      mkdirSync(dirname(path), { recursive: true });
      created = createExclusive(path, text);
    } catch (e) {
      throw new IotnetsError(`cannot create the lock ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; choose a writable ${field(key)}`);
    }
    if (created) {
      held.add(path);
      return {
        path,
        release() {
          if (held.delete(path)) rmSync(path, { force: true });
        },
      };
    }
    let existing: string;
    try {
      existing = readFileSync(path, 'utf8');
    } catch {
      continue; // released between our attempt and the read: try again
    }
    const holder = readHolder(path);
    if (holder && isAlive(holder)) {
      throw new IotnetsError(
        `${out} is in use by another iotnets (pid ${holder.pid} on ${escapeForMessage(holder.hostname)} since ${escapeForMessage(holder.startedAt)}: ${escapeForMessage(holder.command)}); ` +
          `wait for it to finish or stop it, or choose another ${field(key)}`,
      );
    }
    // A dead holder, or a lock file torn by a crash while it was written: stale either way.
    takeOver(path, existing);
  }
  throw new IotnetsError(`cannot take the lock ${path}: other processes keep taking it; retry, or choose another ${field(key)}`);
}
