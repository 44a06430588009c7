import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IotnetsError } from '../errors.js';

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file; check the path',
  EISDIR: 'is a directory; pass a file',
  EACCES: 'permission denied; make the file readable',
};

const WRITE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'its directory does not exist',
  ENOTDIR: 'a parent of it is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a directory',
  ENOSPC: 'the disk is full',
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
      throw new IotnetsError(`${source}: not valid JSON (${(e as Error).message}); pass ${what}`);
    }
  }
}

/** Reads a JSON file (Python's NaN/Infinity allowed); any failure is one line naming the file and asking for `what`. */
export function readJsonFile(path: string, what: string): unknown {
  return parsePythonJson(readTextFile(path), path, what);
}

/**
 * Writes `data` to `path` all or nothing: a new temporary file beside it is flushed to disk and renamed over it, so a
 * crash or error never leaves a half-written output. Failures are one line naming the file and `option` to change.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, option: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const fd = openSync(temp, 'wx');
    try {
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new IotnetsError(`cannot write ${path}: ${WRITE_ERRORS[code] ?? (e as Error).message}; choose a writable path with ${option}`);
  }
}
