import { catalogEntry, catalogIndexOf } from '../catalog/catalog.js';
import { check, field } from '../errors.js';
import type { Problem } from '../problems.js';
import type { PredictionSpread } from './interval.js';
import type { MemorySized } from './objectives.js';

/** Which statistic of a network's timed runs stands for its latency. */
export type LatencyStatistic = 'median' | 'mean' | 'predicted';

/** One network's measured latency on a device: a paper catalog network, or an ONNX file measured with `calibrate --onnx`. */
export interface ResultRow {
  /** Catalog index, space, law and id of a catalog network (absent for a file). */
  readonly index?: number;
  readonly space?: string;
  readonly law?: string;
  readonly id?: number;
  /** File name and content SHA-256 of a measured ONNX file (absent for a catalog network). */
  readonly file?: string;
  readonly sha256?: string;
  /** A file's weight and peak-activation element counts, as calibration recorded them (a catalog network's come from its graph). */
  readonly memory?: MemorySized;
  /**
   * Latency of one batch-1 inference in milliseconds, what fronts, selection and the predictor use: the median of
   * the timed runs (t_median) when the file has it, else their mean (t_avg, all the paper's files have).
   */
  readonly latencyMs: number;
  /** Absent = mean (points made in code rather than read from a file). */
  readonly latencyStatistic?: LatencyStatistic;
  /** The mean (the paper's t_avg) and population standard deviation (t_std), in ms. */
  readonly meanMs?: number;
  readonly latencyStdMs?: number;
  /** 90th percentile of the timed runs (t_p90) and their count (runs), when the file has them. */
  readonly p90Ms?: number;
  readonly runs?: number;
  readonly runid?: string;
  readonly params?: number;
  readonly flops?: number;
  /** Accuracy as a fraction (the paper's acc), when the results file carries it. */
  readonly accuracy?: number;
  /** Latency a predictor expected, in milliseconds (t_pred), when present. */
  readonly predictedMs?: number;
  /** For a predicted latency: the interval written with it (t_low..t_high, ms). */
  readonly interval?: { readonly lowMs: number; readonly highMs: number };
  /** For a predicted latency: how far (log factor) the network's features lie beyond the calibration set's (absent inside). */
  readonly rangeExcess?: number;
  /** For a predicted latency: the network lies outside the calibration range, so the prediction extrapolates. */
  readonly outOfRange?: boolean;
  /** The latency a budget is checked against when it differs from latencyMs: the upper bound at a safety level. */
  readonly budgetLatencyMs?: number;
}

/** What names a catalog network in a results entry, with the paper's optional facts about it. */
export interface EntryIdentity extends CatalogIdentity {
  readonly params?: number;
  readonly flops?: number;
  readonly accuracy?: number;
  readonly runid?: string;
}

/** The fields of a results entry that name its network. */
export interface EntryFields {
  readonly acc?: number;
  readonly flops?: number;
  readonly id: number;
  readonly index: number;
  readonly law: string;
  readonly params?: number;
  readonly runid?: string;
  readonly spacename: string;
}

/**
 * A paper-format results entry (the inverse of parsing one): the network's acc, flops, id, index, law, params, runid
 * and spacename, then `values` (t_avg, t_std, ...), keys in sorted order as the original's json.dump(sort_keys=True).
 */
export function resultsEntry<V extends Readonly<Record<string, unknown>>>(network: EntryIdentity, values: V): V & EntryFields {
  const entry: Record<string, unknown> = {
    ...values,
    ...(network.accuracy !== undefined ? { acc: network.accuracy } : {}),
    ...(network.flops !== undefined ? { flops: network.flops } : {}),
    id: network.id,
    index: network.index,
    law: network.law,
    ...(network.params !== undefined ? { params: network.params } : {}),
    ...(network.runid !== undefined ? { runid: network.runid } : {}),
    spacename: network.space,
  };
  return Object.fromEntries(Object.keys(entry).sort().map((k) => [k, entry[k]])) as V & EntryFields;
}

/** The device a results file was measured on. */
export interface DeviceInfo {
  readonly name: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** A parsed results file: usable measurements in file order, plus every entry that could not be used. */
export interface Results {
  readonly source: string;
  readonly device?: DeviceInfo;
  /** Set when the latencies are predictions (`iotnets predict --out`): the model and how far it misses. */
  readonly prediction?: PredictionSpread & { readonly level: number };
  readonly measurements: readonly ResultRow[];
  readonly problems: readonly Problem[];
}

/** What the network graph says about a catalog network, for checking a file's params and flops. */
export interface GraphFacts {
  readonly stateDictElements: number;
  readonly flops: number;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function optionalNumber(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

/** A CPU model string without trademark noise: 'Intel(R) Xeon(R) Processor' -> 'Intel Xeon'. */
function shortCpuName(cpuModel: unknown): unknown {
  return typeof cpuModel === 'string'
    ? cpuModel.replace(/\((R|TM|tm)\)|\b(Processor|CPU)\b|@.*$/g, '').replace(/\s+/g, ' ').trim()
    : cpuModel;
}

/** The device a record names by name, model, cpuModel or hostname (in that preference), if it names one. */
export function deviceInfo(raw: unknown): DeviceInfo | undefined {
  if (typeof raw === 'string' && raw.trim() !== '') return { name: raw, details: {} };
  if (!isRecord(raw)) return undefined;
  const name = [raw.name, raw.model, shortCpuName(raw.cpuModel), raw.hostname].find((x): x is string => typeof x === 'string' && x.trim() !== '');
  return name === undefined ? undefined : { name, details: raw };
}

/** The device a non-network element of a results array describes: `{device: ...}`, or a journal-style `{type: 'device', ...}`. */
function deviceElement(e: unknown): unknown {
  if (!isRecord(e) || 'spacename' in e) return undefined;
  return e.type === 'device' ? e : e.device;
}

/** The prediction header of a `{predicted: true, model, interval: {level, residuals}, results}` document. */
function predictionHeader(json: Record<string, unknown>, source: string): Results['prediction'] {
  if (json.predicted !== true) return undefined;
  const interval = isRecord(json.interval) ? json.interval : {};
  const residuals = Array.isArray(interval.residuals) ? interval.residuals : [];
  const level = interval.level;
  check(
    typeof level === 'number' && level > 0 && level < 1 && residuals.length > 0 && residuals.every((r) => typeof r === 'number' && Number.isFinite(r)),
    `${source}: predicted results need interval.level in (0, 1) and interval.residuals (numbers); write it again with predict's ${field('out')}`,
  );
  return { model: typeof json.model === 'string' ? json.model : 'a latency model', level, residuals: [...(residuals as number[])].sort((a, b) => a - b) };
}

/** The entry list, device record and prediction header of a results document: a paper-style array (optionally with a device element) or `{device, results}`. */
function splitDocument(json: unknown, source: string): { entries: unknown[]; device?: DeviceInfo; prediction?: Results['prediction'] } {
  if (isRecord(json) && Array.isArray(json.results)) {
    const device = deviceInfo(json.device);
    const prediction = predictionHeader(json, source);
    return { entries: json.results, ...(device ? { device } : {}), ...(prediction ? { prediction } : {}) };
  }
  check(
    Array.isArray(json),
    `${source}: expected a JSON array of {spacename, law, id, t_avg, t_std} like the paper's results files`,
  );
  const deviceElements = json.filter((e) => deviceElement(e) !== undefined);
  const device = deviceElements.length > 0 ? deviceInfo(deviceElement(deviceElements[0])) : undefined;
  return { entries: json.filter((e) => !deviceElements.includes(e)), ...(device ? { device } : {}) };
}

/** The interval and range excess of a predicted entry, when it has a usable t_low <= t_avg <= t_high. */
function predictedFields(raw: Record<string, unknown>, latencyMs: number): Pick<ResultRow, 'interval' | 'rangeExcess' | 'outOfRange'> {
  const [lowMs, highMs, excess] = [optionalNumber(raw.t_low), optionalNumber(raw.t_high), optionalNumber(raw.range_excess)];
  return {
    ...(lowMs !== undefined && highMs !== undefined && lowMs <= latencyMs && latencyMs <= highMs ? { interval: { lowMs, highMs } } : {}),
    ...(excess !== undefined && excess > 0 ? { rangeExcess: excess } : {}),
    ...(raw.out_of_range === true ? { outOfRange: true } : {}),
  };
}

type Identity = Pick<ResultRow, 'index' | 'space' | 'law' | 'id' | 'file' | 'sha256' | 'memory'>;

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Which network a results entry is: a catalog network by spacename/law/id (checked against its index), or an ONNX file by name and hash. */
function networkIdentity(raw: Record<string, unknown>, where: string): Identity | { problem: Problem } {
  if ('sha256' in raw || 'file' in raw) {
    if (typeof raw.file !== 'string' || raw.file.trim() === '' || typeof raw.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(raw.sha256)) {
      return { problem: { kind: 'malformed', message: `${where} lacks a file name or a SHA-256 hex digest` } };
    }
    const [weightElements, peakActivationElements] = [raw.weight_elements, raw.peak_activation_elements];
    const memory = isCount(weightElements) && isCount(peakActivationElements) ? { memory: { weightElements, peakActivationElements } } : {};
    return { file: raw.file, sha256: raw.sha256, ...memory };
  }
  if (typeof raw.spacename !== 'string' || typeof raw.law !== 'string' || !Number.isInteger(raw.id)) {
    return { problem: { kind: 'malformed', message: `${where} lacks spacename, law or a whole-number id (or file and sha256)` } };
  }
  const name = `${raw.spacename}/${raw.law}/${raw.id as number}`;
  const index = catalogIndexOf(raw.spacename, raw.law, raw.id as number);
  if (index === undefined) return { problem: { kind: 'not-in-catalog', message: `${where} (${name}) is not a network the paper trained` } };
  if (raw.index !== undefined && raw.index !== index) {
    return { problem: { kind: 'index-mismatch', message: `${where} (${name}) says index ${String(raw.index)} but the catalog has it at ${index}` } };
  }
  const { space, law, id } = catalogEntry(index);
  return { index, space, law, id };
}

/** What identifies a network among one device's networks, and names it in output: '#687', or the file name. */
export function rowKey(m: Pick<ResultRow, 'index' | 'file'>): string {
  return m.file ?? `#${m.index}`;
}

/** How a chart labels a network: its catalog index, or its file name. */
export function rowLabel(m: Pick<ResultRow, 'index' | 'file'>): number | string {
  return m.file ?? m.index!;
}

/** Output order of networks: catalog networks by index, then files by name. */
export function rowOrder(a: Pick<ResultRow, 'index' | 'file'>, b: Pick<ResultRow, 'index' | 'file'>): number {
  if (a.index !== undefined && b.index !== undefined) return a.index - b.index;
  if (a.index !== undefined || b.index !== undefined) return a.index !== undefined ? -1 : 1;
  return a.file! < b.file! ? -1 : a.file! > b.file! ? 1 : 0;
}

/** The catalog identity of a measurement of a paper network. */
export interface CatalogIdentity {
  readonly index: number;
  readonly space: string;
  readonly law: string;
  readonly id: number;
}

/** Whether a measurement is of a catalog network (rather than an ONNX file). */
export function isCatalogRow<T extends ResultRow>(m: T): m is T & CatalogIdentity {
  return m.index !== undefined;
}

/** The measurements when every one is of a catalog network; a measured ONNX file among them is one line naming `purpose`. */
export function catalogOnly<T extends ResultRow>(measurements: readonly T[], source: string, purpose: string): (T & CatalogIdentity)[] {
  const file = measurements.find((m) => !isCatalogRow(m));
  check(file === undefined, `${source} holds measured ONNX files (${file?.file}); ${purpose} works on paper catalog networks only`);
  return measurements as (T & CatalogIdentity)[];
}

/**
 * Reads a results document (the paper's results_*.json format, or one written by `iotnets calibrate`) and matches
 * each entry to the catalog by spacename/law/id; entries that cannot be used are listed as problems, not dropped silently.
 */
export function parseResults(json: unknown, source: string): Results {
  const { entries, device, prediction } = splitDocument(json, source);
  check(entries.length > 0, `${source}: the results file holds no measurements; run \`iotnets calibrate\` or pass a paper results file`);
  const measurements: ResultRow[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  entries.forEach((raw, position) => {
    const where = `entry ${position}`;
    const identity = isRecord(raw) ? networkIdentity(raw, where) : { problem: { kind: 'malformed', message: `${where} is not an object` } as Problem };
    if ('problem' in identity) {
      problems.push(identity.problem);
      return;
    }
    const entry = raw as Record<string, unknown>;
    const name = `${where} (${identity.file ?? `${identity.space}/${identity.law}/${identity.id}`})`;
    const latencyMs = optionalNumber(entry.t_avg);
    if (latencyMs === undefined || latencyMs <= 0) {
      problems.push({ kind: 'bad-latency', message: `${name} has t_avg ${JSON.stringify(entry.t_avg) ?? 'missing'}, not a positive number of ms` });
      return;
    }
    const medianMs = optionalNumber(entry.t_median);
    if (entry.t_median !== undefined && (medianMs === undefined || medianMs <= 0)) {
      problems.push({ kind: 'bad-latency', message: `${name} has t_median ${JSON.stringify(entry.t_median)}, not a positive number of ms` });
      return;
    }
    const accuracy = optionalNumber(entry.acc);
    if (entry.acc !== undefined && (accuracy === undefined || accuracy < 0 || accuracy > 1)) {
      problems.push({ kind: 'bad-accuracy', message: `${name} has acc ${JSON.stringify(entry.acc)}, not a fraction in 0..1` });
      return;
    }
    const key = rowKey(identity);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      const fix = identity.file !== undefined && measurements.find((m) => rowKey(m) === key)?.sha256 !== identity.sha256 ? ' with other content; rename one of the two files' : '';
      problems.push({ kind: 'duplicate', message: `${name} repeats entry ${earlier}${fix}` });
      return;
    }
    seen.set(key, position);
    measurements.push({
      ...identity,
      latencyMs: medianMs ?? latencyMs,
      latencyStatistic: prediction ? 'predicted' : medianMs === undefined ? 'mean' : 'median',
      meanMs: latencyMs,
      latencyStdMs: optionalNumber(entry.t_std),
      p90Ms: optionalNumber(entry.t_p90),
      runs: optionalNumber(entry.runs),
      runid: typeof entry.runid === 'string' ? entry.runid : undefined,
      params: optionalNumber(entry.params),
      flops: optionalNumber(entry.flops),
      accuracy,
      predictedMs: optionalNumber(entry.t_pred),
      ...predictedFields(entry, latencyMs),
    });
  });
  return { source, ...(device ? { device } : {}), ...(prediction ? { prediction } : {}), measurements, problems };
}

/** The statistic the latencies of `measurements` are: median or mean, or 'mixed' when only some entries have a median. */
export function latencyStatistic(measurements: readonly Pick<ResultRow, 'latencyStatistic'>[]): LatencyStatistic | 'mixed' {
  const kinds = new Set(measurements.map((m) => m.latencyStatistic ?? 'mean'));
  return kinds.size === 1 ? [...kinds][0]! : kinds.size === 0 ? 'mean' : 'mixed';
}

const LATENCY_STATISTIC_TEXT: Readonly<Record<LatencyStatistic | 'mixed', string>> = {
  median: "latency = median of each network's timed runs (t_median)",
  mean: "latency = mean of each network's timed runs (t_avg; the file has no t_median, like the paper's)",
  predicted: 'latency = predicted by a latency model (t_avg of a predicted results file)',
  mixed: 'latency = median of the timed runs (t_median) where an entry has one, else their mean (t_avg)',
};

/** One phrase saying which statistic the latencies are, for output. */
export function describeLatencyStatistic(statistic: LatencyStatistic | 'mixed'): string {
  return LATENCY_STATISTIC_TEXT[statistic];
}

/** Problems for measurements whose params or flops disagree with the network graph of their catalog index. */
export function checkAgainstGraphs(measurements: readonly ResultRow[], factsOf: (index: number) => GraphFacts): Problem[] {
  const problems: Problem[] = [];
  for (const m of measurements) {
    if (!isCatalogRow(m) || (m.params === undefined && m.flops === undefined)) continue;
    const facts = factsOf(m.index);
    const name = `#${m.index} (${m.space}/${m.law}/${m.id})`;
    if (m.params !== undefined && m.params !== facts.stateDictElements) {
      problems.push({ kind: 'params-mismatch', index: m.index, message: `${name} has params ${m.params} but its graph has ${facts.stateDictElements}` });
    }
    if (m.flops !== undefined && m.flops !== facts.flops) {
      problems.push({ kind: 'flops-mismatch', index: m.index, message: `${name} has flops ${m.flops} but its graph has ${facts.flops}` });
    }
  }
  return problems;
}
