import { catalogEntry, catalogIndexOf } from '../catalog/catalog.js';
import { check } from '../errors.js';
import type { Problem } from '../problems.js';

/** One network's measured latency on a device, matched to the paper catalog. */
export interface Measurement {
  readonly index: number;
  readonly space: string;
  readonly law: string;
  readonly id: number;
  /** Mean latency of one batch-1 inference, in milliseconds (the paper's t_avg). */
  readonly latencyMs: number;
  readonly latencyStdMs?: number;
  readonly runid?: string;
  readonly params?: number;
  readonly flops?: number;
  /** Accuracy as a fraction (the paper's acc), when the results file carries it. */
  readonly accuracy?: number;
  /** Latency a predictor expected, in milliseconds (t_pred), when present. */
  readonly predictedMs?: number;
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
  readonly measurements: readonly Measurement[];
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

/** The entry list and device record of a results document: a paper-style array (optionally with a device element) or `{device, results}`. */
function splitDocument(json: unknown, source: string): { entries: unknown[]; device?: DeviceInfo } {
  if (isRecord(json) && Array.isArray(json.results)) {
    const device = deviceInfo(json.device);
    return { entries: json.results, ...(device ? { device } : {}) };
  }
  check(
    Array.isArray(json),
    `${source}: expected a JSON array of {spacename, law, id, t_avg, t_std} like the paper's results files`,
  );
  const deviceElements = json.filter((e) => deviceElement(e) !== undefined);
  const device = deviceElements.length > 0 ? deviceInfo(deviceElement(deviceElements[0])) : undefined;
  return { entries: json.filter((e) => !deviceElements.includes(e)), ...(device ? { device } : {}) };
}

/**
 * Reads a results document (the paper's results_*.json format, or one written by `iotnets calibrate`) and matches
 * each entry to the catalog by spacename/law/id; entries that cannot be used are listed as problems, not dropped silently.
 */
export function parseResults(json: unknown, source: string): Results {
  const { entries, device } = splitDocument(json, source);
  check(entries.length > 0, `${source}: the results file holds no measurements; run \`iotnets calibrate\` or pass a paper results file`);
  const measurements: Measurement[] = [];
  const problems: Problem[] = [];
  const seen = new Map<number, number>();
  entries.forEach((raw, position) => {
    const where = `entry ${position}`;
    if (!isRecord(raw) || typeof raw.spacename !== 'string' || typeof raw.law !== 'string' || !Number.isInteger(raw.id)) {
      problems.push({ kind: 'malformed', message: `${where} lacks spacename, law or a whole-number id` });
      return;
    }
    const name = `${raw.spacename}/${raw.law}/${raw.id as number}`;
    const index = catalogIndexOf(raw.spacename, raw.law, raw.id as number);
    if (index === undefined) {
      problems.push({ kind: 'not-in-catalog', message: `${where} (${name}) is not a network the paper trained` });
      return;
    }
    if (raw.index !== undefined && raw.index !== index) {
      problems.push({ kind: 'index-mismatch', message: `${where} (${name}) says index ${String(raw.index)} but the catalog has it at ${index}` });
      return;
    }
    const latencyMs = optionalNumber(raw.t_avg);
    if (latencyMs === undefined || latencyMs <= 0) {
      problems.push({ kind: 'bad-latency', message: `${where} (${name}) has t_avg ${JSON.stringify(raw.t_avg) ?? 'missing'}, not a positive number of ms` });
      return;
    }
    const accuracy = optionalNumber(raw.acc);
    if (raw.acc !== undefined && (accuracy === undefined || accuracy < 0 || accuracy > 1)) {
      problems.push({ kind: 'bad-accuracy', message: `${where} (${name}) has acc ${JSON.stringify(raw.acc)}, not a fraction in 0..1` });
      return;
    }
    const earlier = seen.get(index);
    if (earlier !== undefined) {
      problems.push({ kind: 'duplicate', message: `${where} (${name}) repeats entry ${earlier}` });
      return;
    }
    seen.set(index, position);
    const { space, law, id } = catalogEntry(index);
    measurements.push({
      index,
      space,
      law,
      id,
      latencyMs,
      latencyStdMs: optionalNumber(raw.t_std),
      runid: typeof raw.runid === 'string' ? raw.runid : undefined,
      params: optionalNumber(raw.params),
      flops: optionalNumber(raw.flops),
      accuracy,
      predictedMs: optionalNumber(raw.t_pred),
    });
  });
  return { source, ...(device ? { device } : {}), measurements, problems };
}

/** Problems for measurements whose params or flops disagree with the network graph of their catalog index. */
export function checkAgainstGraphs(measurements: readonly Measurement[], factsOf: (index: number) => GraphFacts): Problem[] {
  const problems: Problem[] = [];
  for (const m of measurements) {
    if (m.params === undefined && m.flops === undefined) continue;
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
