import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, statSync } from 'node:fs';
import { field, IotnetsError } from '../errors.js';
import { removeStaleTemps, writeAll, writeErrorReason } from './files-node.js';
import { acquireOutputLock, type OutputLock } from './output-lock.js';

/** One record of a JSON-lines journal with its 1-based line number. */
export interface JournalLine {
  readonly value: unknown;
  readonly line: number;
}

/** A JSON-lines journal as read back: its records, and where the next append must go. */
export interface JournalLines {
  readonly records: readonly JournalLine[];
  /** Byte length of the complete records: anything after it is a torn line from an interrupted write. */
  readonly validBytes: number;
  /** Whether the last complete record lacks its newline (the next append must start a new line). */
  readonly unterminated: boolean;
  /** The torn last line when there is one (a kill mid-write), which is ignored and cut before the next append. */
  readonly tornLine?: string;
}

/** Parses JSON-lines text; an unparseable, unterminated last line is torn (reported), any other bad line is an error. */
export function parseJsonLines(text: string, source: string): JournalLines {
  const lines = text.split('\n');
  // After a final '\n' split() leaves '' behind; anything else there was never terminated.
  const tail = lines.pop()!;
  let validChars = text.length - tail.length;
  const records: JournalLine[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push({ value: JSON.parse(line), line: i + 1 });
    } catch {
      throw new IotnetsError(`${source} line ${i + 1} is not valid JSON; repair or remove that line (earlier lines are intact)`);
    }
  });
  let tornLine: string | undefined;
  if (tail.trim() !== '') {
    try {
      // A complete record that only lacks its newline is kept; the next append terminates it.
      records.push({ value: JSON.parse(tail), line: lines.length + 1 });
      validChars = text.length;
    } catch {
      tornLine = tail;
    }
  }
  return {
    records,
    validBytes: Buffer.byteLength(text.slice(0, validChars)),
    unterminated: validChars > 0 && !text.slice(0, validChars).endsWith('\n'),
    ...(tornLine !== undefined ? { tornLine } : {}),
  };
}

const EMPTY: JournalLines = { records: [], validBytes: 0, unterminated: false };

/** Reads a JSON-lines journal, or an empty one when the file does not exist; a non-file is refused, naming the field `key`. */
export function readJsonLines(path: string, key: string): JournalLines {
  let text: string;
  try {
    // A device or pipe (a journal linked to /dev/zero) would be read for ever.
    if (!statSync(path).isFile()) throw new IotnetsError(`${path} is not a regular file; choose another ${field(key)}`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof IotnetsError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY;
    throw new IotnetsError(`cannot read ${path}: ${writeErrorReason(e)}; choose another ${field(key)}`);
  }
  return parseJsonLines(text, path);
}

/** How a journal is opened. */
export interface JournalOptions {
  /** The output the journal belongs to: it is locked for as long as the journal is open. */
  readonly out: string;
  /** The journal file, usually beside `out`. */
  readonly path: string;
  /** The field that names `out`, for messages (see errors.ts's field). */
  readonly field: string;
}

/**
 * An output's JSON-lines journal, held exclusively: opening it takes the output's lock (refusing a second writer,
 * taking over a dead one's), removes temp files that killed writers left beside the output, and reads what the
 * journal holds. Each append is on disk (fsync) before it returns; a failed append is cut back off and reported,
 * naming the journal, and every later append refuses, so the first error is the one the user sees.
 */
export class Journal {
  readonly lines: JournalLines;
  private readonly lock: OutputLock;
  private fd: number | undefined;
  private needsNewline: boolean;
  private size: number;
  private failure: IotnetsError | undefined;

  constructor(private readonly options: JournalOptions) {
    this.lock = acquireOutputLock(options.out, options.field);
    try {
      removeStaleTemps(options.out);
      this.lines = readJsonLines(options.path, options.field);
    } catch (e) {
      this.lock.release();
      throw e;
    }
    this.needsNewline = this.lines.unterminated;
    this.size = this.lines.validBytes;
  }

  get path(): string {
    return this.options.path;
  }

  /** The first write error, once one happened. */
  get failed(): IotnetsError | undefined {
    return this.failure;
  }

  private fail(e: unknown): never {
    this.failure ??= new IotnetsError(
      `cannot write ${this.path}: ${writeErrorReason(e)}; what it held before stays intact; free space or choose another ${field(this.options.field)}`,
    );
    throw this.failure;
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    try {
      this.fd = openSync(this.path, 'a');
      // Cut off a torn last line so new records start on a line of their own.
      if (fstatSync(this.fd).size !== this.size) ftruncateSync(this.fd, this.size);
    } catch (e) {
      this.fail(e);
    }
    return this.fd;
  }

  /** Appends records as JSON lines and waits until they are durable; all or none of them stay in the file. */
  append(...records: readonly unknown[]): void {
    if (this.failure) throw this.failure;
    const fd = this.open();
    const text = `${this.needsNewline ? '\n' : ''}${records.map((r) => `${JSON.stringify(r)}\n`).join('')}`;
    const bytes = Buffer.from(text);
    try {
      writeAll(fd, bytes);
      fsyncSync(fd);
    } catch (e) {
      try {
        ftruncateSync(fd, this.size);
      } catch {
        // The torn tail stays; the next reader ignores it.
      }
      this.fail(e);
    }
    this.needsNewline = false;
    this.size += bytes.length;
  }

  /** Closes the file and releases the output's lock. */
  close(): void {
    try {
      if (this.fd !== undefined) closeSync(this.fd);
    } finally {
      this.fd = undefined;
      this.lock.release();
    }
  }
}
