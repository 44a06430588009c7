import type { DeviceInfo } from '../analysis/results.js';
import { check, IotnetsError } from '../errors.js';
import { FEATURE_FAMILIES, FEATURE_NAMES, RANGE_ONLY_FEATURES, type FeatureFamily, type FeatureVector } from './features.js';
import { spearman } from '../analysis/crossdevice.js';
import { median } from './metrics.js';
import { nnls } from './nnls.js';

/** One measured network of the device being calibrated. */
export interface CalibrationPoint {
  readonly features: FeatureVector;
  /** Latency of one batch-1 inference (the paper's t_avg, or the median of the timed runs), ms. */
  readonly latencyMs: number;
  /** Spread of the timed runs (the paper's t_std; for a median, what its t_p90 shows), ms: a noisy measurement counts for less. */
  readonly latencyStdMs?: number;
  /** Catalog index, recorded in the model so a reader knows what it was calibrated on. */
  readonly index?: number;
}

/**
 * A device's latency model: milliseconds = coefficients · features, every coefficient >= 0 (a cost per layer or
 * kernel call, per MAC, per byte of a class), fit on the calibration networks.
 */
export interface LatencyModel {
  readonly device: DeviceInfo;
  /** The feature family that explained the calibration networks best; the other features cost 0. */
  readonly family: FeatureFamily;
  /** Cost per unit of each feature, ms, in FEATURE_NAMES order. */
  readonly coefficients: Float64Array;
  /** Catalog indices of the calibration networks, when they are catalog networks. */
  readonly calibration: readonly number[];
  /** Networks the fit used. */
  readonly points: number;
  /** Smallest and largest value of each feature over the calibration networks, in FEATURE_NAMES order (absent in old files). */
  readonly ranges?: { readonly min: Float64Array; readonly max: Float64Array };
  /** Sorted leave-one-out log ratios ln(measured / predicted) of the calibration networks: how far predictions miss (absent in old files). */
  readonly residuals?: readonly number[];
}

/** How well a fit predicts its own calibration networks, each left out in turn. */
export interface FitQuality {
  /** Median absolute relative error of the leave-one-out predictions. */
  readonly looMdape: number;
  /** Spearman rank correlation of leave-one-out predictions with the measurements. */
  readonly looSpearman: number;
}

/** Latency model files name their format and version; a reader refuses any other. */
const MODEL_FORMAT = 'iotnets-latency-model';
const MODEL_VERSION = 2;

/** Fewest measured networks a fit accepts: fewer cannot separate the fixed cost from the work-dependent costs. */
export const MIN_CALIBRATION_POINTS = 5;

/**
 * Ridge strength, in squared relative error per unit of a scaled coefficient. It is a constant, not scaled with the
 * number of points, so it steadies fits on 10 networks and fades as more are measured. Chosen on the MacBook data.
 */
const RIDGE = 0.3;

/** Relative spread (t_std / t_avg) at which a calibration point's weight drops to 1/√2 of a clean point's. */
const NOISY_SPREAD = 0.2;

/** A calibration point's weight: 1 / latency (relative error), lowered for a noisy measurement. */
function pointWeight(p: CalibrationPoint): number {
  const spread = (p.latencyStdMs ?? 0) / p.latencyMs;
  return 1 / (p.latencyMs * Math.sqrt(1 + (spread / NOISY_SPREAD) ** 2));
}

/**
 * Non-negative least squares on weighted relative errors using only `columns`, each scaled to unit root-mean-square
 * (so the ridge treats a cost per layer and a cost per MAC alike); returns a cost for every feature, 0 outside `columns`.
 */
function fitColumns(points: readonly CalibrationPoint[], columns: readonly number[]): Float64Array {
  const cols = columns.length;
  const rows = points.length + cols;
  const weights = points.map(pointWeight);
  const scale = columns.map((j) => Math.sqrt(points.reduce((sum, p, i) => sum + (p.features[j]! * weights[i]!) ** 2, 0) / points.length));
  const a = new Float64Array(rows * cols);
  const b = new Float64Array(rows);
  points.forEach((p, i) => {
    columns.forEach((j, k) => {
      if (scale[k]! > 0) a[i * cols + k] = (p.features[j]! * weights[i]!) / scale[k]!;
    });
    b[i] = p.latencyMs * weights[i]!;
  });
  for (let k = 0; k < cols; k++) a[(points.length + k) * cols + k] = Math.sqrt(RIDGE);
  const solution = nnls({ rows, cols, data: a }, b);
  const coefficients = new Float64Array(FEATURE_NAMES.length);
  columns.forEach((j, k) => (coefficients[j] = scale[k]! > 0 ? solution[k]! / scale[k]! : 0));
  return coefficients;
}

/**
 * Log ratio ln(measured / predicted) of each point when it is predicted from a fit on the others (a factor-2 miss
 * counts alike either way; a prediction of 0 counts as a miss by a huge factor).
 */
function leaveOneOutLogRatios(points: readonly CalibrationPoint[], columns: readonly number[]): number[] {
  return points.map((p, i) => {
    const predicted = dot(fitColumns(points.filter((_, j) => j !== i), columns), p.features);
    return Math.log(p.latencyMs / Math.max(predicted, Number.MIN_VALUE));
  });
}

const squares = (xs: readonly number[]) => xs.map((x) => x * x);

/** Whether `challenger`'s errors are lower than `incumbent`'s on the same points by more than one standard error. */
function clearlyBetter(challenger: readonly number[], incumbent: readonly number[]): boolean {
  const gains = incumbent.map((e, i) => e - challenger[i]!);
  const mean = gains.reduce((s, g) => s + g, 0) / gains.length;
  const variance = gains.reduce((s, g) => s + (g - mean) ** 2, 0) / (gains.length - 1);
  return mean > Math.sqrt(variance / gains.length);
}

/** The feature families, the paper's per-layer model first. */
const FAMILIES = Object.keys(FEATURE_FAMILIES) as FeatureFamily[];

/**
 * The family a device's model starts from: what its runtime executes. A device iotnets measured names the ONNX
 * Runtime it timed with (device record field `onnxruntime`), so its networks run as ONNX Runtime's kernels; the
 * paper's devices ran PyTorch, one call per module. On the development machine's 50 catalog networks this lowered
 * the held-out MdAPE of 10-network fits from 42% to 32% (diverse sets) and changed no larger fit for the worse.
 */
export function preferredFamily(device: DeviceInfo): FeatureFamily {
  return typeof device.details.onnxruntime === 'string' ? 'onnxruntime' : 'layers';
}

/**
 * Fits an additive cost model to measured networks by non-negative least squares on relative errors (so a 5 ms and
 * a 2 s network count alike) with a light ridge, on one feature family: the device's preferred family (see
 * preferredFamily) unless another predicts left-out calibration networks better by more than one standard error. So
 * a device is modelled by what its runtime executes, and a few noisy measurements do not switch a PyTorch device to
 * ONNX Runtime's kernels (on the MacBook, taking the family with the lower mean error did that for 2 to 3 of 20
 * random sets of 10 or 20 networks).
 */
export function fitLatencyModel(points: readonly CalibrationPoint[], device: DeviceInfo): LatencyModel {
  check(
    points.length >= MIN_CALIBRATION_POINTS,
    `a latency model needs at least ${MIN_CALIBRATION_POINTS} measured networks, got ${points.length}; measure more (20 recommended)`,
  );
  for (const p of points) check(Number.isFinite(p.latencyMs) && p.latencyMs > 0, `calibration latency ${p.latencyMs} ms is not a positive number`);
  let family = preferredFamily(device);
  let ratios = leaveOneOutLogRatios(points, FEATURE_FAMILIES[family].columns);
  for (const challenger of FAMILIES.filter((f) => f !== family)) {
    const challengerRatios = leaveOneOutLogRatios(points, FEATURE_FAMILIES[challenger].columns);
    if (clearlyBetter(squares(challengerRatios), squares(ratios))) [family, ratios] = [challenger, challengerRatios];
  }
  const coefficients = fitColumns(points, FEATURE_FAMILIES[family].columns);
  const calibration = points.flatMap((p) => (p.index === undefined ? [] : [p.index]));
  const min = FEATURE_NAMES.map((_, j) => Math.min(...points.map((p) => p.features[j]!)));
  const max = FEATURE_NAMES.map((_, j) => Math.max(...points.map((p) => p.features[j]!)));
  return {
    device,
    family,
    coefficients,
    calibration,
    points: points.length,
    ranges: { min: Float64Array.from(min), max: Float64Array.from(max) },
    residuals: [...ratios].sort((a, b) => a - b),
  };
}

/** Leave-one-out quality of a fit on its calibration points. */
export function fitQuality(model: LatencyModel, points: readonly CalibrationPoint[]): FitQuality {
  const ratios = leaveOneOutLogRatios(points, FEATURE_FAMILIES[model.family].columns);
  return {
    looMdape: median(ratios.map((r) => Math.abs(Math.exp(-r) - 1))),
    looSpearman: spearman(points.map((p, i) => p.latencyMs / Math.exp(ratios[i]!)), points.map((p) => p.latencyMs)),
  };
}

/**
 * How far a network's features lie above the calibration networks' (see outOfRange), as a log factor: each costing
 * feature's log overshoot of the calibrated maximum, weighted by its share of the prediction. 0 inside the range
 * and for a model file without ranges; it widens the prediction interval.
 */
export function rangeExcess(model: LatencyModel, features: FeatureVector): number {
  const ranges = model.ranges;
  if (!ranges) return 0;
  const total = predictLatencyMs(model, features);
  let excess = 0;
  for (let j = 0; j < features.length; j++) {
    const share = (model.coefficients[j]! * features[j]!) / total;
    if (share > 0 && features[j]! > ranges.max[j]!) excess += share * Math.log(features[j]! / ranges.max[j]!);
  }
  return excess;
}

/** A feature of a network outside what the calibration networks spanned: the model extrapolates there. */
export interface OutOfRange {
  readonly feature: string;
  readonly value: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Checked beyond the calibration set in every family: weight bytes, as weights that outgrow the caches cost time no
 * calibration network showed, and the range-only features (weights per MAC: weight traffic no calibration network
 * priced; linear MACs: a classifier wider than any calibrated one).
 */
const ALWAYS_CHECKED = ['weights.bytes', ...RANGE_ONLY_FEATURES].map((name) => FEATURE_NAMES.indexOf(name));

/**
 * The features of the model's family (and weight bytes and the range-only features, whatever the family) on which `features` exceeds every
 * calibration network (a network the model never saw the like of: how far to trust its prediction). Only the high
 * side counts: each cost is proportional to its feature, so a value between 0 and the calibrated minimum is an
 * interpolation towards no cost, while one above the maximum is an extrapolation. Empty for a model file without ranges.
 */
export function outOfRange(model: LatencyModel, features: FeatureVector): OutOfRange[] {
  const ranges = model.ranges;
  if (!ranges) return [];
  const columns = FEATURE_FAMILIES[model.family].columns;
  return [...columns, ...ALWAYS_CHECKED.filter((j) => !columns.includes(j))]
    .filter((j) => features[j]! > ranges.max[j]!)
    .map((j) => ({ feature: FEATURE_NAMES[j]!, value: features[j]!, min: ranges.min[j]!, max: ranges.max[j]! }));
}

function dot(coefficients: Float64Array, features: FeatureVector): number {
  let ms = 0;
  for (let j = 0; j < coefficients.length; j++) ms += coefficients[j]! * features[j]!;
  return ms;
}

/** Predicted latency (ms) of a network from its features: one dot product. */
export function predictLatencyMs(model: LatencyModel, features: FeatureVector): number {
  return dot(model.coefficients, features);
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
  /** The feature family the model uses. */
  readonly family: FeatureFamily;
  /** Cost per feature unit, ms, keyed by feature name. */
  readonly coefficients: Readonly<Record<string, number>>;
  readonly calibration: {
    readonly points: number;
    readonly indices: readonly number[];
    /** [min, max] of each feature over the calibration networks. */
    readonly ranges?: Readonly<Record<string, readonly [number, number]>>;
    /** Sorted leave-one-out log ratios ln(measured / predicted): the prediction interval's source. */
    readonly residuals?: readonly number[];
  };
}

/** What a model file says about how it was fit. */
const METHOD =
  'additive cost per feature, non-negative least squares on relative error, ridge 0.3; features of the runtime the device record names (ONNX Runtime kernels when the device record names onnxruntime, else per-layer) unless a family predicts left-out networks better by one standard error';

/** The model as its JSON file content. */
export function modelToJson(model: LatencyModel): LatencyModelJson {
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    device: { name: model.device.name, details: model.device.details },
    method: METHOD,
    family: model.family,
    coefficients: Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, model.coefficients[j]!])),
    calibration: {
      points: model.points,
      indices: model.calibration,
      ...(model.ranges ? { ranges: Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, [model.ranges!.min[j]!, model.ranges!.max[j]!] as const])) } : {}),
      ...(model.residuals ? { residuals: model.residuals } : {}),
    },
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
  const family = json.family;
  check(
    typeof family === 'string' && FAMILIES.includes(family as FeatureFamily),
    `${source}: feature family ${JSON.stringify(family)} is not one of ${FAMILIES.join(', ')}; ${refit}`,
  );
  const calibration = isRecord(json.calibration) ? json.calibration : {};
  const indices = Array.isArray(calibration.indices) ? calibration.indices.filter((i): i is number => Number.isInteger(i)) : [];
  const ranges = isRecord(calibration.ranges) ? calibration.ranges : undefined;
  const bounds = FEATURE_NAMES.map((n) => ranges?.[n]);
  const rangesValid = bounds.every((b) => Array.isArray(b) && b.length === 2 && b.every((v) => typeof v === 'number' && Number.isFinite(v)));
  check(ranges === undefined || rangesValid, `${source}: calibration.ranges must give [min, max] numbers for every feature; ${refit}`);
  const residuals = calibration.residuals;
  check(
    residuals === undefined || (Array.isArray(residuals) && residuals.length > 0 && residuals.every((r) => typeof r === 'number' && Number.isFinite(r))),
    `${source}: calibration.residuals must be a list of numbers; ${refit}`,
  );
  return {
    ...(Array.isArray(residuals) ? { residuals: [...(residuals as number[])].sort((a, b) => a - b) } : {}),
    ...(ranges !== undefined
      ? { ranges: { min: Float64Array.from(bounds.map((b) => (b as number[])[0]!)), max: Float64Array.from(bounds.map((b) => (b as number[])[1]!)) } }
      : {}),
    device: { name: device.name, details: isRecord(device.details) ? device.details : {} },
    family: family as FeatureFamily,
    coefficients: Float64Array.from(values as number[]),
    calibration: indices,
    points: typeof calibration.points === 'number' ? calibration.points : indices.length,
  };
}
