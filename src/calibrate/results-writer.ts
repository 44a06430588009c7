import type { AccuracyEntry } from '../catalog/accuracy.js';
import { check, IotnetsError } from '../errors.js';
import { writeFileAtomic } from '../io/files-node.js';
import { deviceDifferences, type DeviceRecord } from '../runtime/device.js';
import { journalPathFor, JournalWriter, readJournal, type JournalContents, type JournalDevice, type JournalMeasurement } from './journal.js';
import { resultsDocument } from './results-file.js';

/** How a ResultsWriter treats what it finds and what it writes. */
export interface ResultsWriterOptions {
  /** Hears about a torn last journal line, which is ignored. */
  readonly warn: (message: string) => void;
  /** Accept a device or setup that differs from the journal's. */
  readonly force?: boolean;
  /** Accuracy and run ids to carry into the results file. */
  readonly accuracy?: ReadonlyMap<number, AccuracyEntry>;
}

/**
 * A calibration's paper-format results file and the journal beside it, as `iotnets calibrate` and `iotnets serve` keep
 * them: each measurement is durably in the journal before the next, and the results file is rewritten from it
 * atomically. Nothing is written before a device is accepted, so a refused device leaves the files untouched.
 */
export class ResultsWriter {
  readonly journalPath: string;
  private readonly journal: JournalContents;
  private readonly measurements: JournalMeasurement[];
  private readonly measured: Set<number>;
  private inForce: JournalDevice | undefined;
  private writer: JournalWriter | undefined;

  /** Reads the journal beside `out`, resuming its measurements. */
  constructor(readonly out: string, private readonly options: ResultsWriterOptions) {
    this.journalPath = journalPathFor(out);
    this.journal = readJournal(this.journalPath);
    if (this.journal.tornLine !== undefined) {
      options.warn(`${this.journalPath}: ignoring an incomplete last line (an interrupted write): ${this.journal.tornLine.slice(0, 60)}...`);
    }
    this.measurements = [...this.journal.measurements];
    this.measured = new Set(this.measurements.map((m) => m.index));
    this.inForce = this.journal.devices.at(-1);
  }

  private writing<T>(path: string, write: () => T): T {
    try {
      return write();
    } catch (e) {
      throw new IotnetsError(`cannot write ${path}: ${(e as Error).message}; choose another --out`);
    }
  }

  /** Measurements in the results file, earlier runs' included. */
  get count(): number {
    return this.measurements.length;
  }

  has(index: number): boolean {
    return this.measured.has(index);
  }

  /** Makes `device` the one in force, refusing one that differs from the journal's unless forced; true when new. */
  useDevice(device: DeviceRecord): boolean {
    const differences = this.inForce ? deviceDifferences(this.inForce, device) : [];
    check(
      differences.length === 0 || this.options.force,
      () => `${this.journalPath} was measured with a different device or setup (${differences.join('; ')}); choose another --out, or pass --force to mix them`,
    );
    const writer = (this.writer ??= this.writing(this.journalPath, () => new JournalWriter(this.journalPath, this.journal)));
    if (this.inForce && differences.length === 0) return false;
    this.inForce = { type: 'device', ...device };
    this.writing(this.journalPath, () => writer.append(this.inForce!));
    return true;
  }

  /** Appends a measurement durably to the journal (the results file follows at the next writeResults). */
  add(record: JournalMeasurement): void {
    const writer = this.writer;
    if (!writer) throw new Error('a measurement was added before its device: call useDevice first');
    this.writing(this.journalPath, () => writer.append(record));
    this.measurements.push(record);
    this.measured.add(record.index);
  }

  /** Rewrites the results file from the measurements so far. */
  writeResults(): void {
    if (this.count > 0) writeFileAtomic(this.out, resultsDocument(this.measurements, this.options.accuracy), '--out');
  }

  /** Closes the journal and writes the final results file. */
  close(): void {
    this.writer?.close();
    this.writeResults();
  }
}
