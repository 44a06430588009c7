import { catalogOnly, latencyStatistic, type CatalogIdentity, type DeviceInfo, type LatencyStatistic, type ResultRow } from '../analysis/results.js';
import { loadResults } from '../analysis/results-node.js';
import { journalPathFor, readJournal } from '../calibrate/journal.js';
import { readJsonFile, writeFileAtomic } from '../io/files-node.js';
import { failOnProblems } from '../problems.js';
import { deviceLabel } from '../runtime/device.js';
import { averageMetrics, measuredNetworks, medianSpread, repeatAgreement, simulatedNoiseFloor, type AveragedMetrics, type MeasuredNetwork } from './evaluate.js';
import { fitLatencyModel, fitQuality, modelToJson, parseLatencyModel, type CalibrationPoint, type LatencyModel } from './model.js';
import { latencyFeatures } from './features.js';
import { latencyProbe } from '../zoo/models/latency-probes.js';
import { existsSync } from 'node:fs';

/** A results file's usable measurements as networks with features, and the device it names. */
export interface MeasuredDevice {
  readonly name: string;
  readonly device: DeviceInfo;
  readonly measurements: readonly (ResultRow & CatalogIdentity)[];
  readonly networks: readonly MeasuredNetwork[];
  /** The latency probes measured beside the results file (`calibrate --calibration-set`), which every fit adds. */
  readonly probes: readonly CalibrationPoint[];
}

/** The device record of a results file: its own, else the last one in the calibration journal beside it, else its name. */
function deviceOf(path: string, own: DeviceInfo | undefined, name: string): DeviceInfo {
  if (own) return own;
  const record = readJournal(journalPathFor(path)).devices.at(-1);
  if (record) {
    const { type: _type, ...details } = record;
    return { name: deviceLabel(record), details };
  }
  return { name, details: {} };
}

/** Reads a results file for prediction; any unusable entry (NaN, negative or missing t_avg, ...) is an error naming it. */
export async function loadMeasuredDevice(path: string): Promise<MeasuredDevice> {
  const results = await loadResults(path);
  failOnProblems(results.problems, path, 'fix or remove those entries: every t_avg must be a positive number of milliseconds');
  const measurements = catalogOnly(results.measurements, path, 'fitting or scoring a latency model');
  return {
    name: results.deviceName,
    device: deviceOf(path, results.device, results.deviceName),
    measurements,
    networks: measuredNetworks(measurements),
    probes: probePoints(path),
  };
}

/** A noise-floor row: what the measurement noise alone costs, and where it came from. */
export interface NoiseFloor {
  readonly label: string;
  readonly source: 'simulated' | 'repeat';
  readonly metrics: AveragedMetrics;
}

/** The noise floor of a device: agreement with a repeat measurement when one is given, else simulated from t_std. */
export async function noiseFloor(device: MeasuredDevice, repeatPath: string | undefined, repeats: number): Promise<NoiseFloor> {
  if (repeatPath === undefined) {
    return { label: 'noise floor (simulated from t_std)', source: 'simulated', metrics: simulatedNoiseFloor(device.networks, repeats) };
  }
  const repeat = await loadMeasuredDevice(repeatPath);
  const second = new Map(repeat.measurements.map((m) => [m.index, m.latencyMs]));
  return { label: 'noise floor (repeat measurement)', source: 'repeat', metrics: averageMetrics([repeatAgreement(device.networks, second)]) };
}

/** Reads a latency model file written by `iotnets predict fit`. */
export function loadLatencyModel(path: string): LatencyModel {
  return parseLatencyModel(readJsonFile(path, 'a latency model written by `iotnets predict fit`'), path);
}

/** Where pass `pass` (2, 3, ...) of `calibrate --repeat` writes: `x.json` -> `x.repeat2.json`. */
export function repeatResultsPath(out: string, pass: number): string {
  return `${out.replace(/\.json$/i, '')}.repeat${pass}.json`;
}

/** Where `calibrate --calibration-set` saves the latency model fit on its results: `x.json` -> `x.model.json`. */
export function modelPathFor(out: string): string {
  return `${out.replace(/\.json$/i, '')}.model.json`;
}

/** A saved fit: the model, which latency statistic it was fit on, and its leave-one-out quality. */
export interface FittedModel {
  readonly model: LatencyModel;
  readonly statistic: LatencyStatistic | 'mixed';
  readonly quality: ReturnType<typeof fitQuality>;
}

/** Where `calibrate --calibration-set` measures the latency probes beside its results: `x.json` -> `x.probes.json`. */
export function probesResultsPath(out: string): string {
  return `${out.replace(/\.json$/i, '')}.probes.json`;
}

/**
 * The latency probes measured beside a results file (none when it has no probes file), with the probe's features: the
 * median latency (what every fit takes) or the fastest run (`'min'`), weighted by the spread of the runs.
 */
export function probePoints(results: string, run: 'median' | 'min' = 'median'): CalibrationPoint[] {
  const journal = journalPathFor(probesResultsPath(results));
  if (!existsSync(journal)) return [];
  return readJournal(journal).files.map((m) => ({ features: latencyFeatures(latencyProbe(m.file)), latencyMs: m[run], latencyStdMs: medianSpread(m.median, m.p90) }));
}

/** Fits a latency model on every valid measurement (and the latency probes measured beside them) of a results file (or those `networks` picks) and writes it to `out`; returns the model, which latency it fit and its leave-one-out quality. */
export async function fitAndSave(
  results: string,
  out: string,
  networks?: (n: readonly MeasuredNetwork[]) => readonly MeasuredNetwork[],
): Promise<FittedModel> {
  const measured = await loadMeasuredDevice(results);
  const points = [...(networks ? networks(measured.networks) : measured.networks), ...measured.probes];
  const model = fitLatencyModel(points, measured.device);
  writeFileAtomic(out, `${JSON.stringify(modelToJson(model), null, 2)}\n`, 'out');
  return { model, statistic: latencyStatistic(measured.measurements), quality: fitQuality(model, points) };
}

