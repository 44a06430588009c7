import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { IotnetsError } from '../errors.js';
import type { DeviceRecord } from '../runtime/device.js';
import type { StopReason } from '../runtime/protocols.js';

/** The paper's per-network result fields (results_*.json), plus the catalog index. */
export interface PaperResult {
  readonly spacename: string;
  readonly law: string;
  readonly id: number;
  readonly index: number;
  readonly params: number;
  readonly flops: number;
  /** Mean latency in ms over the protocol's kept runs. */
  readonly t_avg: number;
  /** Population standard deviation in ms over the same runs. */
  readonly t_std: number;
  readonly acc?: number;
  readonly runid?: string;
}

/** One finished network as the journal keeps it: the paper's fields and the full timing record. */
export interface JournalMeasurement extends PaperResult {
  readonly type: 'measurement';
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p90: number;
  /** Runs in the statistics (after the discarded warm-up). */
  readonly runs: number;
  readonly discarded: number;
  readonly stop: StopReason;
  /** Half-width of the median's 95% CI relative to the median. */
  readonly medianCi: number;
  readonly protocol: string;
  /** Every run in order, warm-up included, in ms. */
  readonly timesMs: readonly number[];
  /** Seconds spent preparing and timing the network. */
  readonly seconds: { readonly build: number; readonly export: number; readonly session: number; readonly inference: number; readonly release?: number };
  readonly measuredAt: string;
}

/** A device line: the device record in force for the measurement lines that follow it. */
export interface JournalDevice extends DeviceRecord {
  readonly type: 'device';
}

/** What a journal file holds. */
export interface JournalContents {
  /** Device lines in file order; the last one is in force. */
  readonly devices: readonly JournalDevice[];
  readonly measurements: readonly JournalMeasurement[];
  /** Byte length of the complete records: anything after it is a torn line from an interrupted write. */
  readonly validBytes: number;
  /** Whether the last complete record lacks its newline (the next append must start a new line). */
  readonly unterminated: boolean;
  /** The torn last line when there is one (a kill mid-write), which is ignored. */
  readonly tornLine?: string;
}

/** The journal that goes with a results file: `x.json` -> `x.journal.jsonl`. */
export function journalPathFor(resultsPath: string): string {
  return `${resultsPath.replace(/\.json$/i, '')}.journal.jsonl`;
}

/** Parses journal text; a torn (unparseable, unterminated) last line is reported, any other bad line is an error. */
export function parseJournal(text: string, source: string): JournalContents {
  const devices: JournalDevice[] = [];
  const measurements: JournalMeasurement[] = [];
  const lines = text.split('\n');
  // After a final '\n' split() leaves '' behind; anything else there was never terminated.
  const tail = lines.pop()!;
  let validChars = text.length - tail.length;
  let tornLine: string | undefined;
  const parse = (line: string, lineNumber: number) => {
    const record = JSON.parse(line) as { type?: unknown };
    if (record.type === 'device') devices.push(record as JournalDevice);
    else if (record.type === 'measurement') measurements.push(record as JournalMeasurement);
    else throw new IotnetsError(`${source} line ${lineNumber}: neither a device nor a measurement record; is this an iotnets calibration journal?`);
  };
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      parse(line, i + 1);
    } catch (e) {
      if (e instanceof IotnetsError) throw e;
      throw new IotnetsError(`${source} line ${i + 1} is not valid JSON; repair or remove that line (earlier lines are intact)`);
    }
  });
  if (tail.trim() !== '') {
    try {
      // A complete record that only lacks its newline is kept; the next append terminates it.
      parse(tail, lines.length + 1);
      validChars = text.length;
    } catch (e) {
      if (e instanceof IotnetsError) throw e;
      tornLine = tail;
    }
  }
  if (measurements.length > 0 && devices.length === 0) {
    throw new IotnetsError(`${source} has measurements but no device record; it was not written by iotnets calibrate`);
  }
  return {
    devices,
    measurements,
    validBytes: Buffer.byteLength(text.slice(0, validChars)),
    unterminated: validChars > 0 && !text.slice(0, validChars).endsWith('\n'),
    ...(tornLine !== undefined ? { tornLine } : {}),
  };
}

/** Reads a journal file, or returns an empty one when the file does not exist. */
export function readJournal(path: string): JournalContents {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { devices: [], measurements: [], validBytes: 0, unterminated: false };
    throw new IotnetsError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseJournal(text, path);
}

/** An open journal: each appended record is on disk (fsync) before append returns. */
export class JournalWriter {
  private readonly fd: number;
  private needsNewline: boolean;

  /** Opens `path` for appending, first cutting off a torn last line so new records start on a line of their own. */
  constructor(readonly path: string, contents: JournalContents) {
    this.fd = openSync(path, 'a');
    if (contents.tornLine !== undefined) ftruncateSync(this.fd, contents.validBytes);
    this.needsNewline = contents.unterminated;
  }

  /** Appends one record as a JSON line and waits until it is durable. */
  append(record: JournalDevice | JournalMeasurement): void {
    const line = `${this.needsNewline ? '\n' : ''}${JSON.stringify(record)}\n`;
    this.needsNewline = false;
    writeSync(this.fd, line);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
