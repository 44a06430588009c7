import type { DeviceInfo } from '../analysis/results.js';
import { check, IotnetsError } from '../errors.js';
import { FEATURE_NAMES, type FeatureVector } from './features.js';
import { nnls } from './nnls.js';

/** One measured network of the device being calibrated. */
export interface CalibrationPoint {
  readonly features: FeatureVector;
  /** Mean latency of one batch-1 inference (the paper's t_avg), ms. */
  readonly latencyMs: number;
  /** Spread of the timed runs (the paper's t_std), ms: a noisy measurement counts for less. */
  readonly latencyStdMs?: number;
  /** Catalog index, recorded in the model so a reader knows what it was calibrated on. */
  readonly index?: number;
}

/**
 * A device's latency model: milliseconds = coefficients · features, every coefficient >= 0 (a cost per layer,
 * per MAC, per byte of a layer class), fit on the calibration networks.
 */
export interface LatencyModel {
  readonly device: DeviceInfo;
  /** Cost per unit of each feature, ms, in FEATURE_NAMES order. */
  readonly coefficients: Float64Array;
  /** Catalog indices of the calibration networks, when they are catalog networks. */
  readonly calibration: readonly number[];
  /** Networks the fit used. */
  readonly points: number;
}

/** Latency model files name their format and version; a reader refuses any other. */
export const MODEL_FORMAT = 'iotnets-latency-model';
export const MODEL_VERSION = 1;

/** Fewest measured networks a fit accepts: fewer cannot separate the fixed cost from the work-dependent costs. */
export const MIN_CALIBRATION_POINTS = 5;

/**
 * Ridge strength, in squared relative error per unit of a scaled coefficient. It is a constant, not scaled with the
 * number of points, so it steadies fits on 10 networks and fades as more are measured. Chosen on the MacBook data.
 */
const RIDGE = 0.3;

/** Relative spread (t_std / t_avg) at which a calibration point's weight drops to 1/√2 of a clean point's. */
const NOISY_SPREAD = 0.2;

/**
 * Fits the per-layer cost model to measured networks by non-negative least squares on relative errors
 * (so a 5 ms and a 2 s network count alike), with columns scaled to unit size and a light ridge.
 */
export function fitLatencyModel(points: readonly CalibrationPoint[], device: DeviceInfo): LatencyModel {
  check(
    points.length >= MIN_CALIBRATION_POINTS,
    `a latency model needs at least ${MIN_CALIBRATION_POINTS} measured networks, got ${points.length}; measure more (20 recommended)`,
  );
  for (const p of points) check(Number.isFinite(p.latencyMs) && p.latencyMs > 0, `calibration latency ${p.latencyMs} ms is not a positive number`);
  const features = FEATURE_NAMES.length;
  const rows = points.length + features;
  const weights = points.map((p) => {
    const spread = (p.latencyStdMs ?? 0) / p.latencyMs;
    return 1 / (p.latencyMs * Math.sqrt(1 + (spread / NOISY_SPREAD) ** 2));
  });
  // Scaling each column to unit root-mean-square makes the ridge treat a cost per layer and a cost per MAC alike.
  const scale = new Float64Array(features);
  points.forEach((p, i) => {
    for (let j = 0; j < features; j++) scale[j] = scale[j]! + (p.features[j]! * weights[i]!) ** 2;
  });
  for (let j = 0; j < features; j++) scale[j] = Math.sqrt(scale[j]! / points.length);
  const a = new Float64Array(rows * features);
  const b = new Float64Array(rows);
  points.forEach((p, i) => {
    for (let j = 0; j < features; j++) if (scale[j]! > 0) a[i * features + j] = (p.features[j]! * weights[i]!) / scale[j]!;
    b[i] = p.latencyMs * weights[i]!;
  });
  for (let j = 0; j < features; j++) a[(points.length + j) * features + j] = Math.sqrt(RIDGE);
  const solution = nnls({ rows, cols: features, data: a }, b);
  const coefficients = solution.map((x, j) => (scale[j]! > 0 ? x / scale[j]! : 0));
  const calibration = points.flatMap((p) => (p.index === undefined ? [] : [p.index]));
  return { device, coefficients, calibration, points: points.length };
}

/** Predicted latency (ms) of a network from its features: one dot product. */
export function predictLatencyMs(model: LatencyModel, features: FeatureVector): number {
  const c = model.coefficients;
  let ms = 0;
  for (let j = 0; j < c.length; j++) ms += c[j]! * features[j]!;
  return ms;
}

/** One feature's share of a prediction: its value, the device's cost per unit, and their product. */
export interface LatencyTerm {
  readonly feature: string;
  readonly value: number;
  readonly msPerUnit: number;
  readonly ms: number;
}

/** The terms of a prediction that cost anything, largest first: what the model says the time goes into. */
export function latencyBreakdown(model: LatencyModel, features: FeatureVector): LatencyTerm[] {
  return FEATURE_NAMES.map((feature, j) => ({ feature, value: features[j]!, msPerUnit: model.coefficients[j]!, ms: model.coefficients[j]! * features[j]! }))
    .filter((t) => t.ms > 0)
    .sort((a, b) => b.ms - a.ms);
}

/** The JSON document of a latency model file. */
export interface LatencyModelJson {
  readonly format: typeof MODEL_FORMAT;
  readonly version: typeof MODEL_VERSION;
  readonly device: { readonly name: string; readonly details: Readonly<Record<string, unknown>> };
  readonly method: string;
  /** Cost per feature unit, ms, keyed by feature name. */
  readonly coefficients: Readonly<Record<string, number>>;
  readonly calibration: { readonly points: number; readonly indices: readonly number[] };
}

/** What a model file says about how it was fit. */
const METHOD = 'additive per-layer-class cost, non-negative least squares on relative error, ridge 0.3';

/** The model as its JSON file content. */
export function modelToJson(model: LatencyModel): LatencyModelJson {
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    device: { name: model.device.name, details: model.device.details },
    method: METHOD,
    coefficients: Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, model.coefficients[j]!])),
    calibration: { points: model.points, indices: model.calibration },
  };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Reads a latency model file's JSON; a file of another format or version, or with other features, is an error. */
export function parseLatencyModel(json: unknown, source: string): LatencyModel {
  const refit = 'refit it with `iotnets predict fit`';
  check(isRecord(json) && json.format === MODEL_FORMAT, `${source}: not an iotnets latency model (expected "format": "${MODEL_FORMAT}"); pass a file written by \`iotnets predict fit\``);
  if (json.version !== MODEL_VERSION) {
    throw new IotnetsError(`${source}: latency model version ${JSON.stringify(json.version)}, this iotnets reads version ${MODEL_VERSION}; ${refit}`);
  }
  const device = json.device;
  check(isRecord(device) && typeof device.name === 'string', `${source}: the model has no device name; ${refit}`);
  const coefficients = json.coefficients;
  check(isRecord(coefficients), `${source}: the model has no coefficients; ${refit}`);
  const names = Object.keys(coefficients);
  const missing = FEATURE_NAMES.filter((n) => !(n in coefficients));
  const unknown = names.filter((n) => !FEATURE_NAMES.includes(n));
  check(
    missing.length === 0 && unknown.length === 0,
    `${source}: the model's features differ from this iotnets version's (${[...missing.map((n) => `missing ${n}`), ...unknown.map((n) => `unknown ${n}`)].slice(0, 3).join(', ')}); ${refit}`,
  );
  const values = FEATURE_NAMES.map((n) => coefficients[n]);
  const bad = FEATURE_NAMES.find((_, j) => typeof values[j] !== 'number' || !Number.isFinite(values[j]) || (values[j] as number) < 0);
  check(bad === undefined, () => `${source}: coefficient ${bad} is ${JSON.stringify(coefficients[bad!])}, not a non-negative number; ${refit}`);
  const calibration = isRecord(json.calibration) ? json.calibration : {};
  const indices = Array.isArray(calibration.indices) ? calibration.indices.filter((i): i is number => Number.isInteger(i)) : [];
  return {
    device: { name: device.name, details: isRecord(device.details) ? device.details : {} },
    coefficients: Float64Array.from(values as number[]),
    calibration: indices,
    points: typeof calibration.points === 'number' ? calibration.points : indices.length,
  };
}
