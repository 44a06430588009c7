import { IotnetsError } from '../errors.js';
import { parseJsonLines, readJsonLines, type JournalLines } from '../io/journal-file.js';
import type { DeviceRecord } from '../runtime/device.js';
import type { StopReason } from '../runtime/protocols.js';
import { deviceRecordProblem, measurementProblem } from './records.js';

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

/** A results-file entry as iotnets writes it: the paper's fields, then the median, 90th percentile and run count. */
export interface ResultEntry extends PaperResult {
  /** Median latency in ms over the kept runs: the latency analyses use. */
  readonly t_median: number;
  readonly t_p90: number;
  /** Kept (timed, not discarded) runs. */
  readonly runs: number;
}

/** A measured ONNX file's result: the paper's fields with the file's name and SHA-256 in place of space/law/id/index. */
export interface FileResult {
  readonly file: string;
  readonly sha256: string;
  readonly params: number;
  readonly flops: number;
  readonly macs: number;
  /** Weight and peak-activation element counts, for memory under a number format (absent in journals before they were recorded). */
  readonly weight_elements?: number;
  readonly peak_activation_elements?: number;
  readonly t_avg: number;
  readonly t_std: number;
  /** In the results file only (the journal's record has median, p90 and runs). */
  readonly t_median?: number;
  readonly t_p90?: number;
  readonly runs?: number;
}

/** The full timing record of one measured network, whichever network it is. */
export interface TimingRecord {
  readonly type: 'measurement';
  /** The deployed form timed (fp16, int8, ...); absent for fp32. */
  readonly precision?: string;
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

/** One finished catalog network as the journal keeps it: the paper's fields and the full timing record. */
export interface JournalMeasurement extends PaperResult, TimingRecord {}

/** One finished ONNX file as the journal keeps it. */
export interface FileMeasurement extends Omit<FileResult, 't_median' | 't_p90' | 'runs'>, TimingRecord {}

/** Whether a journal measurement is of an ONNX file (keyed by its hash) rather than a catalog network (by its index). */
export function isFileMeasurement(m: JournalMeasurement | FileMeasurement): m is FileMeasurement {
  return 'sha256' in m;
}

/** What identifies the network of a measurement in a journal: catalog index or file hash. */
export const measurementKey = (m: JournalMeasurement | FileMeasurement): number | string => (isFileMeasurement(m) ? m.sha256 : m.index);

/** A device line: the device record in force for the measurement lines that follow it. */
export interface JournalDevice extends DeviceRecord {
  readonly type: 'device';
}

/** What a calibration journal holds, every record validated. */
export interface JournalContents {
  /** Device lines in file order; the last one is in force. */
  readonly devices: readonly JournalDevice[];
  /** One measurement per catalog network, the first the journal holds for it. */
  readonly measurements: readonly JournalMeasurement[];
  /** One measurement per ONNX file (by content), the first the journal holds for it. */
  readonly files: readonly FileMeasurement[];
  /** Line numbers of later measurements of a network already measured (two writers before locking existed). */
  readonly duplicateLines: readonly number[];
  /** The torn last line when there is one (a kill mid-write), which is ignored. */
  readonly tornLine?: string;
}

/** The journal that goes with a results file: `x.json` -> `x.journal.jsonl`. */
export function journalPathFor(resultsPath: string): string {
  return `${resultsPath.replace(/\.json$/i, '')}.journal.jsonl`;
}

/**
 * The calibration records of a journal's lines, each validated (physical bounds, a summary consistent with its
 * runs, a catalog network); a bad record is one line naming `source`, its line number and what is wrong.
 */
export function journalContents(lines: JournalLines, source: string): JournalContents {
  const devices: JournalDevice[] = [];
  const measurements: JournalMeasurement[] = [];
  const files: FileMeasurement[] = [];
  const duplicateLines: number[] = [];
  const measured = new Set<number | string>();
  for (const { value, line } of lines.records) {
    const type = (value as { type?: unknown } | null)?.type;
    const refuse = (problem: string): never => {
      throw new IotnetsError(`${source} line ${line}: ${problem}; repair or remove that line (earlier lines are intact)`);
    };
    if (type === 'device') {
      const { type: _, ...device } = value as JournalDevice;
      const problem = deviceRecordProblem(device);
      if (problem) refuse(`bad device record (${problem})`);
      devices.push(value as JournalDevice);
    } else if (type === 'measurement') {
      const problem = measurementProblem(value);
      if (problem) refuse(`bad measurement (${problem})`);
      if (devices.length === 0) refuse('a measurement before any device record; it was not written by iotnets calibrate');
      const m = value as JournalMeasurement | FileMeasurement;
      if (measured.has(measurementKey(m))) duplicateLines.push(line);
      else if (isFileMeasurement(m)) files.push(m);
      else measurements.push(m);
      measured.add(measurementKey(m));
    } else {
      refuse('neither a device nor a measurement record; is this an iotnets calibration journal?');
    }
  }
  return { devices, measurements, files, duplicateLines, ...(lines.tornLine !== undefined ? { tornLine: lines.tornLine } : {}) };
}

/** Parses and validates journal text (see journalContents). */
export function parseJournal(text: string, source: string): JournalContents {
  return journalContents(parseJsonLines(text, source), source);
}

/** Reads and validates a journal file, or returns an empty one when the file does not exist. */
export function readJournal(path: string): JournalContents {
  return journalContents(readJsonLines(path, 'out'), path);
}
