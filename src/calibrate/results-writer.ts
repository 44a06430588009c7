import type { AccuracyEntry } from '../catalog/accuracy.js';
import { check, escapeForMessage, field } from '../errors.js';
import { writeFileAtomic } from '../io/files-node.js';
import { Journal } from '../io/journal-file.js';
import { deviceDifferences, type DeviceRecord } from '../runtime/device.js';
import {
  isFileMeasurement,
  journalContents,
  journalPathFor,
  measurementKey,
  type FileMeasurement,
  type JournalDevice,
  type JournalMeasurement,
} from './journal.js';
import { fileResultsDocument, resultsDocument } from './results-file.js';

/** How a ResultsWriter treats what it finds and what it writes. */
export interface ResultsWriterOptions {
  /** Hears about a torn last journal line or duplicate measurements, which are ignored. */
  readonly warn: (message: string) => void;
  /** Accept a device or setup that differs from the journal's. */
  readonly force?: boolean;
  /** Accuracy and run ids to carry into the results file. */
  readonly accuracy?: ReadonlyMap<number, AccuracyEntry>;
}

/**
 * A calibration's paper-format results file and the journal beside it, as `iotnets calibrate` and `iotnets serve` keep
 * them: one writer at a time (the output is locked while it is open), each measurement durably in the journal before
 * the next, and the results file rewritten from it atomically. A device is checked against the journal's when it is
 * chosen but written only with the first measurement, so a run that fails before measuring anything leaves the files
 * as they were.
 */
export class ResultsWriter {
  readonly journalPath: string;
  private readonly journal: Journal;
  private readonly measurements: JournalMeasurement[];
  private readonly files: FileMeasurement[];
  private readonly measured: Set<number | string>;
  private inForce: JournalDevice | undefined;
  /** The device chosen but not yet in the journal. */
  private pending: JournalDevice | undefined;

  /** Locks `out` and reads the journal beside it, resuming its measurements. */
  constructor(readonly out: string, private readonly options: ResultsWriterOptions) {
    this.journalPath = journalPathFor(out);
    this.journal = new Journal({ out, path: this.journalPath, field: 'out' });
    try {
      const contents = journalContents(this.journal.lines, this.journalPath);
      if (contents.tornLine !== undefined) {
        options.warn(`${this.journalPath}: ignoring an incomplete last line (an interrupted write): ${escapeForMessage(contents.tornLine, 60)}`);
      }
      if (contents.duplicateLines.length > 0) {
        const lines = contents.duplicateLines;
        options.warn(`${this.journalPath}: ignoring ${lines.length} repeated measurement${lines.length === 1 ? '' : 's'} of networks measured earlier in it (line ${lines.slice(0, 5).join(', ')}${lines.length > 5 ? ', ...' : ''})`);
      }
      this.measurements = [...contents.measurements];
      this.files = [...contents.files];
      this.inForce = contents.devices.at(-1);
    } catch (e) {
      this.journal.close();
      throw e;
    }
    this.measured = new Set([...this.measurements, ...this.files].map(measurementKey));
  }

  /** Measurements in the results file, earlier runs' included. */
  get count(): number {
    return this.measurements.length + this.files.length;
  }

  /** Whether the network with this catalog index or ONNX file hash is measured already. */
  has(key: number | string): boolean {
    return this.measured.has(key);
  }

  /** Refuses ONNX file measurements (`files`) in a results file of catalog networks, or the other way round. */
  checkKind(files: boolean): void {
    const [others, kind] = files ? [this.measurements, 'catalog networks'] : [this.files, 'ONNX files'];
    check(others.length === 0, `${this.out} holds measurements of ${kind}; choose another ${field('out')}: one results file is either catalog networks or ONNX files`);
  }

  /** Makes `device` the one in force, refusing one that differs from the journal's unless forced; true when new. */
  useDevice(device: DeviceRecord): boolean {
    const current = this.pending ?? this.inForce;
    const differences = current ? deviceDifferences(current, device) : [];
    check(
      differences.length === 0 || this.options.force,
      () => `${this.journalPath} was measured with a different device or setup (${differences.join('; ')}); choose another ${field('out')}, or pass ${field('force')} to mix them`,
    );
    if (current && differences.length === 0) return false;
    this.pending = { type: 'device', ...device };
    return true;
  }

  /** Appends a measurement durably to the journal, after its device if that is new (the results file follows at the next writeResults). */
  add(record: JournalMeasurement | FileMeasurement): void {
    if (!this.pending && !this.inForce) throw new Error('a measurement was added before its device: call useDevice first');
    this.checkKind(isFileMeasurement(record));
    this.journal.append(...(this.pending ? [this.pending] : []), record);
    if (this.pending) this.inForce = this.pending;
    this.pending = undefined;
    if (isFileMeasurement(record)) this.files.push(record);
    else this.measurements.push(record);
    this.measured.add(measurementKey(record));
  }

  /** Rewrites the results file from the measurements so far. */
  writeResults(): void {
    if (this.count === 0) return;
    const document = this.files.length > 0 ? fileResultsDocument(this.files) : resultsDocument(this.measurements, this.options.accuracy);
    writeFileAtomic(this.out, document, 'out');
  }

  /** Writes the final results file (unless a journal write failed: that error stands) and releases the output. */
  close(): void {
    try {
      if (!this.journal.failed) this.writeResults();
    } finally {
      this.journal.close();
    }
  }
}
