import { basename, extname } from 'node:path';
import { joinAccuracy } from './points.js';
import { withMemory } from './network-facts.js';
import type { PredictionSpread } from './interval.js';
import type { Device } from './objectives.js';
import { describeProblems, failOnProblems, type Problem } from '../problems.js';
import { checkAgainstGraphs, deviceInfo, latencyStatistic, parseResults, type DeviceInfo, type LatencyStatistic, type Results } from './results.js';
import { loadAccuracyFile } from '../catalog/load-file.js';
import { PAPER_ACCURACY, paperGraphFacts } from '../catalog/paper.js';
import { journalPathFor, readJournal } from '../calibrate/journal.js';
import { field, IotnetsError } from '../errors.js';
import { paperData, readResultsDocument } from '../catalog/paper-node.js';

/** A results file's name without directory, 'results_' prefix and extension: the device name when the file has none. */
function deviceNameFromPath(path: string): string {
  return basename(path, extname(path)).replace(/^results_/, '') || basename(path);
}

/** The first device record of the journal `iotnets calibrate` keeps beside a results file, if there is a readable one. */
function journalDevice(resultsPath: string): DeviceInfo | undefined {
  try {
    return deviceInfo(readJournal(journalPathFor(resultsPath)).devices[0]);
  } catch (e) {
    // A damaged journal only loses the device name; the results file itself is what is being read.
    if (e instanceof IotnetsError) return undefined;
    throw e;
  }
}

/**
 * Reads and parses a results file. Its device is named by the file's own device record, else by the calibration
 * journal beside it, else by the file name.
 */
export async function loadResults(path: string): Promise<Results & { deviceName: string }> {
  const results = parseResults(readResultsDocument(path), path);
  const device = results.device ?? journalDevice(path);
  return { ...results, deviceName: device?.name ?? deviceNameFromPath(path) };
}

/** Where a device's networks come from and how strictly to read them. */
export interface DeviceSource {
  readonly results: string;
  readonly accuracy?: string;
  /** Analyse the usable entries, warning about the rest, instead of failing on the first bad file. */
  readonly skipInvalid?: boolean;
  /** Attach weight and activation element counts (builds each network's graph once). */
  readonly memory?: boolean;
  /** Also note accuracy entries naming networks the results did not measure. */
  readonly verbose?: boolean;
  /** Receives one line per warning. */
  readonly warn: (line: string) => void;
}

/** One device's usable networks with accuracies (and memory figures when asked), named for titles. */
export interface LoadedDevice extends Device {
  /** Set when the latencies are predictions: which model, and how far it misses. */
  readonly prediction?: PredictionSpread & { readonly level: number };
  readonly sources: readonly string[];
  /** Which statistic of the timed runs the points' latencies are. */
  readonly latencyStatistic: LatencyStatistic | 'mixed';
}

const SKIP_HINT = `fix the file or pass ${field('skipInvalid')} to analyse the remaining networks`;

/**
 * Reads a results file and an optional accuracy file, checks every entry against the catalog and its network graph,
 * and joins accuracies. Any unusable entry is an error naming it, or a warning with skipInvalid.
 */
export async function loadDevice(source: DeviceSource): Promise<LoadedDevice> {
  const results = await loadResults(source.results);
  const ownAccuracies = results.measurements.every((m) => m.accuracy !== undefined);
  const accuracy = source.accuracy ?? (ownAccuracies ? undefined : PAPER_ACCURACY);
  const table = accuracy === undefined ? undefined : loadAccuracyFile(accuracy);
  const graphProblems = checkAgainstGraphs(results.measurements, paperGraphFacts(paperData()));
  const mismatched = new Set(graphProblems.map((p) => p.index));
  const joined = joinAccuracy(results.measurements.filter((m) => !mismatched.has(m.index)), table);
  const accuracySource = table?.source ?? `${source.results} (acc fields)`;
  const checks: [string, readonly Problem[], string][] = [
    [source.results, [...results.problems, ...graphProblems], SKIP_HINT],
    ...(table ? [[table.source, table.problems, SKIP_HINT] as [string, readonly Problem[], string]] : []),
    [accuracySource, joined.problems, table ? SKIP_HINT : `pass ${field('accuracy')} FILE (e.g. NetConfigs.json) or ${field('skipInvalid')}`],
  ];
  for (const [name, problems, fix] of checks) {
    if (problems.length === 0) continue;
    if (source.skipInvalid) source.warn(`warning: ${name}: skipped ${describeProblems(problems)}`);
    else failOnProblems(problems, name, fix);
  }
  if (source.verbose && joined.unmatchedAccuracies > 0) {
    source.warn(`note: ${joined.unmatchedAccuracies} entries of ${accuracySource} name networks that ${source.results} did not measure`);
  }
  if (joined.points.length === 0) throw new IotnetsError(`${source.results}: no usable networks remain after skipping invalid entries; fix the file`);
  return {
    name: results.deviceName,
    ...(results.prediction ? { prediction: results.prediction } : {}),
    points: source.memory ? withMemory(joined.points) : joined.points,
    sources: [source.results, ...(table ? [table.source] : [])],
    latencyStatistic: latencyStatistic(joined.points),
  };
}
