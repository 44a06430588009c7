import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { joinAccuracy, parseAccuracyCsv, parseAccuracyJson, type AccuracyTable } from '../analysis/accuracy.js';
import { networkFacts, withMemory } from '../analysis/network-facts.js';
import type { NetworkCandidate } from '../analysis/objectives.js';
import { describeProblems, failOnProblems, type Problem } from '../problems.js';
import { checkAgainstGraphs, deviceInfo, parseResults, type DeviceInfo, type Results } from '../analysis/results.js';
import { IotnetsError } from '../errors.js';

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file; check the path',
  EISDIR: 'is a directory; pass a file',
  EACCES: 'permission denied; make the file readable',
};

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const reason = READ_ERRORS[(e as NodeJS.ErrnoException).code ?? ''];
    if (reason) throw new IotnetsError(`${path}: ${reason}`);
    throw e;
  }
}

/** Parses JSON as Python's json module writes it: bare NaN and Infinity values (unreadable to JSON.parse) become null. */
function parsePythonJson(text: string, path: string): unknown {
  if (text.trim() === '') throw new IotnetsError(`${path}: the file is empty; pass a results file with measurements`);
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(text.replace(/(:\s*|\[\s*|,\s*)-?(?:NaN|Infinity)\b/g, '$1null'));
    } catch (e) {
      throw new IotnetsError(`${path}: not valid JSON (${(e as Error).message}); pass a results file in the paper's format`);
    }
  }
}

/** A results file's name without directory, 'results_' prefix and extension: the device name when the file has none. */
export function deviceNameFromPath(path: string): string {
  return basename(path, extname(path)).replace(/^results_/, '') || basename(path);
}

/** The first device record of the journal `iotnets calibrate` keeps beside a results file, if there is one. */
async function journalDevice(resultsPath: string): Promise<DeviceInfo | undefined> {
  const journal = join(dirname(resultsPath), `${basename(resultsPath, extname(resultsPath))}.journal.jsonl`);
  const text = await readFile(journal, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    try {
      const record = JSON.parse(line) as { type?: unknown };
      if (record.type === 'device') return deviceInfo(record);
    } catch {
      // A torn or foreign line names no device; keep looking.
    }
  }
  return undefined;
}

/**
 * Reads and parses a results file. Its device is named by the file's own device record, else by the calibration
 * journal beside it, else by the file name.
 */
export async function loadResults(path: string): Promise<Results & { deviceName: string }> {
  const results = parseResults(parsePythonJson(await readText(path), path), path);
  const device = results.device ?? (await journalDevice(path));
  return { ...results, deviceName: device?.name ?? deviceNameFromPath(path) };
}

/** Reads an accuracy file: CSV by its .csv extension, JSON otherwise (NetConfigs.json format or a mapping). */
export async function loadAccuracy(path: string): Promise<AccuracyTable> {
  const text = await readText(path);
  if (extname(path).toLowerCase() === '.csv') return parseAccuracyCsv(text, path);
  return parseAccuracyJson(parsePythonJson(text, path), path);
}

/** The browser build of the Vega runtime, to inline into self-contained HTML. */
export async function vegaBrowserSource(): Promise<string> {
  const moduleFile = fileURLToPath(import.meta.resolve('vega'));
  return readFile(join(dirname(moduleFile), 'vega.min.js'), 'utf8');
}

/** Where a device's networks come from and how strictly to read them. */
export interface DeviceSource {
  readonly results: string;
  readonly accuracy?: string;
  /** Analyse the usable entries, warning about the rest, instead of failing on the first bad file. */
  readonly skipInvalid?: boolean;
  /** Attach weight and activation element counts (builds each network's graph once). */
  readonly memory?: boolean;
  /** Receives one line per warning. */
  readonly warn: (line: string) => void;
}

/** One device's usable networks with accuracies (and memory figures when asked), named for titles. */
export interface LoadedDevice {
  readonly name: string;
  readonly points: readonly NetworkCandidate[];
  readonly sources: readonly string[];
}

const SKIP_HINT = 'fix the file or pass --skip-invalid to analyse the remaining networks';

/**
 * Reads a results file and an optional accuracy file, checks every entry against the catalog and its network graph,
 * and joins accuracies. Any unusable entry is an error naming it, or a warning with skipInvalid.
 */
export async function loadDevice(source: DeviceSource): Promise<LoadedDevice> {
  const results = await loadResults(source.results);
  const table = source.accuracy === undefined ? undefined : await loadAccuracy(source.accuracy);
  const graphProblems = checkAgainstGraphs(results.measurements, networkFacts);
  const mismatched = new Set(graphProblems.map((p) => p.index));
  const joined = joinAccuracy(results.measurements.filter((m) => !mismatched.has(m.index)), table);
  const accuracySource = table?.source ?? `${source.results} (acc fields)`;
  const checks: [string, readonly Problem[], string][] = [
    [source.results, [...results.problems, ...graphProblems], SKIP_HINT],
    ...(table ? [[table.source, table.problems, SKIP_HINT] as [string, readonly Problem[], string]] : []),
    [accuracySource, joined.problems, table ? SKIP_HINT : 'pass --accuracy FILE (e.g. NetConfigs.json) or --skip-invalid'],
  ];
  for (const [name, problems, fix] of checks) {
    if (problems.length === 0) continue;
    if (source.skipInvalid) source.warn(`warning: ${name}: skipped ${describeProblems(problems)}`);
    else failOnProblems(problems, name, fix);
  }
  if (joined.unmatchedAccuracies > 0) {
    source.warn(`note: ${joined.unmatchedAccuracies} entries of ${accuracySource} name networks that ${source.results} did not measure`);
  }
  if (joined.points.length === 0) throw new IotnetsError(`${source.results}: no usable networks remain after skipping invalid entries; fix the file`);
  return {
    name: results.deviceName,
    points: source.memory ? withMemory(joined.points) : joined.points,
    sources: [source.results, ...(source.accuracy ? [source.accuracy] : [])],
  };
}
