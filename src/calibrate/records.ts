import { CATALOG } from '../catalog/catalog.js';
import type { DeviceRecord } from '../runtime/device.js';
import { makeProtocol, MAX_RUNS, protocolLabel, type Protocol, type StopReason } from '../runtime/protocols.js';
import { OPTIMIZATION_LEVELS } from '../runtime/optimization.js';
import { keptStatistics, summarizeTimes } from '../runtime/stats.js';
import type { FileMeasurement, JournalMeasurement } from './journal.js';

// The one validator of device records and measurements, wherever they come from (a journal on resume, a browser's
// POST): pure, so the browser page and the server share it. Each function returns why a value is not acceptable, in
// a phrase that names the field, or undefined when it is; callers add the source and the fix.

/** Longest single inference accepted, in ms: ten minutes. Anything slower is a broken clock, not a device. */
const MAX_LATENCY_MS = 600_000;

/** Most logical cores or threads a device record may claim. */
const MAX_CORES = 4096;

/** Longest text field of a device record (a browser's user agent is well under it). */
const MAX_TEXT = 1024;

/** Relative tolerance when a summary is recomputed from its runs (they agree bit for bit when written by iotnets). */
const SUMMARY_TOLERANCE = 1e-9;

const STOP_REASONS: readonly StopReason[] = ['runs', 'stable', 'budget', 'max-runs'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_TEXT;
const isWhole = (v: unknown, min: number, max: number): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
const isTime = (v: unknown) => typeof v === 'string' && v.length <= 64 && !Number.isNaN(Date.parse(v));
const close = (a: number, b: number) => Math.abs(a - b) <= SUMMARY_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));

/** The first entry of `checks` whose test fails, as `field: reason`. */
function firstFailure(checks: readonly (readonly [boolean, string])[]): string | undefined {
  return checks.find(([ok]) => !ok)?.[1];
}

/** Why `value` is not a valid timing protocol, or undefined. */
function protocolProblem(value: unknown): string | undefined {
  if (!isObject(value) || typeof value['name'] !== 'string') return 'protocol: not a protocol object';
  const { name, ...settings } = value;
  let protocol: Protocol;
  try {
    protocol = makeProtocol(name, settings as Record<string, number>);
  } catch (e) {
    return `protocol: ${(e as Error).message.replace(/--[\w-]+/g, (flag) => flag.slice(2))}`;
  }
  // makeProtocol fills defaults; a record must spell out exactly the protocol it ran (records made before the adaptive
  // protocol had a minimum time lack it, and ran without one).
  if (protocol.name === 'adaptive' && value['minSeconds'] === undefined) {
    const { minSeconds: _minSeconds, ...withoutMinimum } = protocol;
    protocol = withoutMinimum;
  }
  return protocolLabel(protocol) === protocolLabel(value as unknown as Protocol) ? undefined : 'protocol: incomplete settings';
}

/** Why `value` is not a plausible device record, or undefined when it is. */
export function deviceRecordProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a device record object';
  const d = value as Partial<Record<keyof DeviceRecord, unknown>>;
  return firstFailure([
    [d.name === undefined || (isText(d.name) && d.name.trim() !== ''), `name: not a text of 1 to ${MAX_TEXT} characters`],
    [isText(d.cpuModel) && d.cpuModel.trim() !== '', 'cpuModel: not a CPU name'],
    [isWhole(d.cores, 1, MAX_CORES), `cores: not a whole number in 1..${MAX_CORES}`],
    [isFiniteNumber(d.cpuMHz) && d.cpuMHz >= 0, 'cpuMHz: not a clock speed >= 0'],
    [isFiniteNumber(d.memoryBytes) && d.memoryBytes >= 0, 'memoryBytes: not a byte count >= 0'],
    ...(['os', 'platform', 'arch', 'hostname', 'node', 'onnxruntime'] as const).map(
      (f) => [isText(d[f]), `${f}: not a text of at most ${MAX_TEXT} characters`] as const,
    ),
    [isWhole(d.threads, 1, MAX_CORES), `threads: not a whole number in 1..${MAX_CORES}`],
    [(OPTIMIZATION_LEVELS as readonly unknown[]).includes(d.graphOptimization), `graphOptimization: not one of ${OPTIMIZATION_LEVELS.join(', ')}`],
    [isTime(d.recordedAt), 'recordedAt: not an ISO time'],
  ]) ?? protocolProblem(d.protocol);
}

/** Why the timing fields of `m` do not describe its own runs, or undefined. */
function timingProblem(m: Record<string, unknown>): string | undefined {
  const { timesMs, discarded, runs } = m;
  if (!Array.isArray(timesMs) || timesMs.length > MAX_RUNS) return `timesMs: not a list of at most ${MAX_RUNS} runs`;
  const badRun = timesMs.findIndex((t) => !isFiniteNumber(t) || t < 0 || t > MAX_LATENCY_MS);
  if (badRun >= 0) return `timesMs[${badRun}]: not a time in 0..${MAX_LATENCY_MS} ms`;
  if (!isWhole(discarded, 0, timesMs.length - 1)) return 'discarded: not a whole number of warm-up runs below the number of runs';
  const kept = timesMs.slice(discarded) as number[];
  if (runs !== kept.length) return `runs: ${String(runs)} but timesMs holds ${kept.length} runs after the ${discarded} discarded`;
  const s = summarizeTimes(kept);
  const recomputed = { ...keptStatistics(timesMs as number[], discarded), median: s.median, min: s.min, max: s.max, p90: s.p90 };
  for (const [field, expected] of Object.entries(recomputed)) {
    const given = m[field];
    if (!isFiniteNumber(given) || !close(given, expected)) return `${field}: ${String(given)} disagrees with its runs (${expected})`;
  }
  return undefined;
}

/** Why `value` is not a valid, self-consistent measurement record of a catalog network or an ONNX file, or undefined when it is. */
export function measurementProblem(value: unknown): string | undefined {
  if (!isObject(value) || value['type'] !== 'measurement') return 'not a measurement record object';
  const m = value as Partial<Record<keyof JournalMeasurement | keyof FileMeasurement, unknown>>;
  const entry = isWhole(m.index, 0, CATALOG.length - 1) ? CATALOG[m.index] : undefined;
  const seconds = m.seconds;
  const identity: (readonly [boolean, string])[] =
    'sha256' in value
      ? [
          [typeof m.sha256 === 'string' && /^[0-9a-f]{64}$/.test(m.sha256), 'sha256: not a SHA-256 hex digest'],
          [isText(m.file) && m.file !== '', 'file: not a file name'],
          [isWhole(m.macs, 0, Number.MAX_SAFE_INTEGER), 'macs: not a whole number >= 0'],
          ...(['weight_elements', 'peak_activation_elements'] as const).map(
            (f) => [m[f] === undefined || isWhole(m[f], 0, Number.MAX_SAFE_INTEGER), `${f}: not a whole number >= 0`] as const,
          ),
        ]
      : [
          [entry !== undefined, `index: not a catalog index 0..${CATALOG.length - 1}`],
          [entry?.space === m.spacename && entry?.law === m.law && entry?.id === m.id, `spacename/law/id: not those of catalog network #${String(m.index)}`],
        ];
  return firstFailure([
    ...identity,
    [isWhole(m.params, 1, Number.MAX_SAFE_INTEGER), 'params: not a positive whole number'],
    [isFiniteNumber(m.flops) && m.flops > 0, 'flops: not a positive number'],
    [isFiniteNumber(m.t_avg) && m.t_avg > 0 && m.t_avg <= MAX_LATENCY_MS, `t_avg: not a latency in (0, ${MAX_LATENCY_MS}] ms`],
    [isFiniteNumber(m.t_std) && m.t_std >= 0, 't_std: not a standard deviation >= 0'],
    ...(['median', 'min', 'max', 'p90'] as const).map((f) => [isFiniteNumber(m[f]) && (m[f] as number) >= 0, `${f}: not a time >= 0`] as const),
    [(m.min as number) <= (m.median as number) && (m.median as number) <= (m.max as number), 'min/median/max: not in order'],
    [isFiniteNumber(m.medianCi) && m.medianCi >= 0, 'medianCi: not a fraction >= 0'],
    [(STOP_REASONS as readonly unknown[]).includes(m.stop), `stop: not one of ${STOP_REASONS.join(', ')}`],
    [isText(m.protocol), 'protocol: not a protocol label'],
    [m.acc === undefined || (isFiniteNumber(m.acc) && m.acc >= 0 && m.acc <= 1), 'acc: not an accuracy in 0..1'],
    [m.runid === undefined || isText(m.runid), 'runid: not a text'],
    [isObject(seconds) && Object.values(seconds).every((s) => isFiniteNumber(s) && s >= 0), 'seconds: not a record of durations >= 0'],
    [isTime(m.measuredAt), 'measuredAt: not an ISO time'],
  ]) ?? timingProblem(value);
}
