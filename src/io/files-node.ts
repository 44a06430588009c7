import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { check, escapeForMessage, field, IotnetsError } from '../errors.js';

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file; check the path',
  EISDIR: 'is a directory; pass a file',
  EACCES: 'permission denied; make the file readable',
};

const WRITE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'its directory does not exist',
  ENOTDIR: 'a parent of it is not a directory',
  // Creating the missing folders of a path meets a file where a folder should be.
  EEXIST: 'a parent of it is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a directory',
  ENOSPC: 'the disk is full',
  EFBIG: 'the file size limit was reached',
  EDQUOT: 'the disk quota is exhausted',
};

function readError(path: string, e: unknown): unknown {
  const reason = READ_ERRORS[(e as NodeJS.ErrnoException).code ?? ''];
  return reason ? new IotnetsError(`${path}: ${reason}`) : e;
}

/** Reads a file's bytes; a missing or unreadable path is one line naming it and the fix. */
export function readFileBytes(path: string): Uint8Array {
  try {
    const buffer = readFileSync(path);
    // A plain Uint8Array view: Buffer's subarray/slice semantics differ and the parsers are written for Uint8Array.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (e) {
    throw readError(path, e);
  }
}

/** Reads a UTF-8 text file; a missing or unreadable path is one line naming it and the fix. */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw readError(path, e);
  }
}

/**
 * Parses JSON as Python's json module writes it (bare NaN and Infinity, unreadable to JSON.parse, become null);
 * an empty or malformed text is one line naming `source` and asking for `what`.
 */
export function parsePythonJson(text: string, source: string, what: string): unknown {
  if (text.trim() === '') throw new IotnetsError(`${source}: the file is empty; pass ${what}`);
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(text.replace(/(:\s*|\[\s*|,\s*)-?(?:NaN|Infinity)\b/g, '$1null'));
    } catch (e) {
      throw new IotnetsError(`${source}: not valid JSON (${escapeForMessage((e as Error).message, 160)}); pass ${what}`);
    }
  }
}

/** Reads a JSON file (Python's NaN/Infinity allowed); any failure is one line naming the file and asking for `what`. */
export function readJsonFile(path: string, what: string): unknown {
  return parsePythonJson(readTextFile(path), path, what);
}

/** Removes a leftover temporary file; one that cannot exist (its folder is missing or a file) needs no removal. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
  }
}

/**
 * Writes `data` to `path` all or nothing: a new temporary file beside it is flushed to disk and renamed over it, so a
 * crash or error never leaves a half-written output; missing folders are created. Failures are one line naming the file and the field `key` to change.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, key: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const fd = openSync(temp, 'wx');
    try {
      writeAll(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    removeQuietly(temp);
    throw new IotnetsError(`cannot write ${path}: ${writeErrorReason(e)}; choose a writable path with ${field(key)}`);
  }
}

/** Why a write failed, in words (the disk is full, permission denied, ...). */
export function writeErrorReason(e: unknown): string {
  return WRITE_ERRORS[(e as NodeJS.ErrnoException).code ?? ''] ?? escapeForMessage((e as Error).message);
}

/** Writes all of `bytes` at the end of `fd`, retrying short writes; a write that makes no progress is a full disk. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let written = 0; written < bytes.length; ) {
    const n = writeSync(fd, bytes, written);
    if (n <= 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    written += n;
  }
}

/** Removes the temporary files that killed writers of `path` left beside it (those of live processes stay). */
export function removeStaleTemps(path: string): void {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length))?.[1] : undefined;
    if (pid !== undefined && !processAlive(Number(pid))) rmSync(join(dirname(path), name), { force: true });
  }
}

/** Whether a process with this pid runs on this machine. */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why `dir` cannot be used or created as a directory (its nearest existing ancestor decides), or undefined. */
function directoryProblem(dir: string): string | undefined {
  let existing = resolve(dir);
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) {
    return existing === resolve(dir) ? `${dir} is a file, not a directory` : `cannot create directory ${dir} (a parent is a file or not writable)`;
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    return existing === resolve(dir) ? 'permission denied' : `cannot create directory ${dir} (a parent is a file or not writable)`;
  }
  return undefined;
}

/**
 * Throws a one-line error naming the field `key` unless `path` names a file that can be created or overwritten, checking
 * without writing anything: missing folders are fine as long as they can be created (writers create them).
 */
export function checkOutputFile(path: string, key: string): void {
  check(path.trim() !== '', `${field(key)} is empty; name the file to write`);
  const problem = directoryProblem(dirname(resolve(path)));
  check(problem === undefined, () => `cannot write ${path}: ${problem}; choose another ${field(key)}`);
  let fileStat;
  try {
    fileStat = statSync(path);
  } catch {
    fileStat = undefined;
  }
  check(!fileStat || fileStat.isFile(), `cannot write ${path}: it is a directory; choose a file name for ${field(key)}`);
  try {
    if (fileStat) accessSync(path, constants.W_OK);
  } catch {
    throw new IotnetsError(`cannot write ${path}: permission denied; choose another ${field(key)}`);
  }
}

/** Throws a one-line error naming the field `key` unless `path` is a writable directory or can be created as one. */
export function checkOutputDirectory(path: string, key: string): void {
  check(path.trim() !== '', `${field(key)} is empty; name the directory to write into`);
  const problem = directoryProblem(path);
  check(problem === undefined, () => `cannot write into ${path}: ${problem}; choose another ${field(key)}`);
}
