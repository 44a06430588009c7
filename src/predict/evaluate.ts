import type { CatalogIdentity, DeviceInfo, ResultRow } from '../analysis/results.js';
import { check, field } from '../errors.js';
import { RandomState } from '../rng/random-state.js';
import { PAPER_PROTOCOL } from '../runtime/protocols.js';
import { chooseDiverse } from './chooser.js';
import { catalogFeatures, FEATURE_FAMILIES, type FeatureFamily, type FeatureVector } from './features.js';
import { predictionMetrics, type BudgetRegret, type PredictionMetrics, type RankingMetrics, type ScoredNetwork } from './metrics.js';
import { fitLatencyModel, MIN_CALIBRATION_POINTS, predictLatencyMs, type CalibrationPoint } from './model.js';
import { predictedUpperBound } from './predicted-results.js';

/** A network measured on the device under evaluation, with its features. */
export interface MeasuredNetwork {
  readonly index: number;
  /** Its search space: the diverse chooser spreads picks over groups. */
  readonly group: string;
  readonly features: FeatureVector;
  readonly latencyMs: number;
  readonly latencyStdMs?: number;
  readonly accuracy?: number;
}

/** z of the 90th percentile of a normal distribution: (p90 - median) / Z90 is its standard deviation. */
const Z90 = 1.2816;

/** The spread of timed runs around their median, as their 90th percentile shows it (a normal's standard deviation). */
export function medianSpread(medianMs: number, p90Ms: number): number {
  return Math.max(0, p90Ms - medianMs) / Z90;
}

/**
 * The spread a measurement's latency is weighted by: for a median, the spread of the runs around it as their 90th
 * percentile shows it, which outliers (a run descheduled on a loaded machine) do not inflate as they do t_std; for a
 * mean, t_std.
 */
function spreadOf(m: ResultRow): { latencyStdMs?: number } {
  if (m.latencyStatistic === 'median' && m.p90Ms !== undefined) return { latencyStdMs: medianSpread(m.latencyMs, m.p90Ms) };
  return m.latencyStdMs !== undefined ? { latencyStdMs: m.latencyStdMs } : {};
}

/** Catalog measurements (from a results file) with their networks' features. */
export function measuredNetworks(measurements: readonly (ResultRow & CatalogIdentity)[]): MeasuredNetwork[] {
  const features = catalogFeatures();
  return measurements.map((m) => ({
    index: m.index,
    group: m.space,
    features: features[m.index]!,
    latencyMs: m.latencyMs,
    ...spreadOf(m),
    ...(m.accuracy !== undefined ? { accuracy: m.accuracy } : {}),
  }));
}

/** How calibration sets are drawn: by the diverse chooser (as `calibrate --calibration-set` does) or uniformly. */
export type CalibrationSets = 'diverse' | 'random';

/** The calibration set strategies, for validating user input. */
export const CALIBRATION_SETS: readonly CalibrationSets[] = ['diverse', 'random'];

/** Metrics averaged over repeats; shares and errors are fractions, accuracy loss a fraction of accuracy. */
export interface AveragedMetrics extends RankingMetrics, Partial<BudgetRegret> {}

/** The held-out accuracy of models calibrated on K networks, over repeated calibration sets. */
export interface Evaluation extends AveragedMetrics {
  readonly k: number;
  readonly repeats: number;
  readonly sets: CalibrationSets;
  /** Held-out networks per repeat. */
  readonly heldOut: number;
  /** Lowest and highest Spearman rho over the repeats. */
  readonly spearmanRange: readonly [number, number];
  /** How many repeats' models chose each feature family. */
  readonly families: Readonly<Record<FeatureFamily, number>>;
}

/** Options of a repeated held-out evaluation. */
export interface EvaluationOptions {
  readonly k: number;
  readonly repeats: number;
  readonly sets: CalibrationSets;
  /** Repeat r draws its calibration set with seed + r. */
  readonly seed?: number;
  /** Score the upper bound each network stays under with this probability instead of the prediction (what select --safety picks by). */
  readonly safety?: number;
  /** The device measured, whose runtime sets the preferred feature family (default: named by the source alone). */
  readonly device?: DeviceInfo;
  /** Latency probes measured with the networks, added to every calibration set as `calibrate --calibration-set` fits them. */
  readonly probes?: readonly CalibrationPoint[];
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** The mean of each metric over runs; front and budget metrics only when every run has them. */
export function averageMetrics(runs: readonly PredictionMetrics[]): AveragedMetrics {
  const of = (pick: (m: PredictionMetrics) => number) => mean(runs.map(pick));
  const withFront = runs.every((m) => m.frontRecall !== undefined && m.budget !== undefined);
  return {
    spearman: of((m) => m.spearman),
    kendall: of((m) => m.kendall),
    medianApe: of((m) => m.medianApe),
    within10: of((m) => m.within10),
    within20: of((m) => m.within20),
    ...(withFront
      ? {
          frontRecall: of((m) => m.frontRecall!),
          accuracyLoss: of((m) => m.budget!.accuracyLoss),
          violations: of((m) => m.budget!.violations),
          overshoot: of((m) => m.budget!.overshoot),
          misses: of((m) => m.budget!.misses),
        }
      : {}),
  };
}

function calibrationSet(networks: readonly MeasuredNetwork[], k: number, sets: CalibrationSets, seed: number): Set<number> {
  if (sets === 'diverse') return new Set(chooseDiverse(networks.map((n, i) => ({ id: i, group: n.group, features: n.features })), k, seed));
  const order = [...networks.keys()];
  new RandomState(seed).shuffle(order);
  return new Set(order.slice(0, k));
}

function scored(n: MeasuredNetwork, predictedMs: number): ScoredNetwork {
  return { index: n.index, measuredMs: n.latencyMs, predictedMs, ...(n.accuracy !== undefined ? { accuracy: n.accuracy } : {}) };
}

/**
 * Calibrates on K of the measured networks and scores the prediction on the rest, `repeats` times with different
 * calibration sets. `source` names the results in errors.
 */
export function evaluatePredictor(networks: readonly MeasuredNetwork[], options: EvaluationOptions, source: string): Evaluation {
  const { k, repeats, sets } = options;
  check(Number.isInteger(k) && k >= MIN_CALIBRATION_POINTS, `${field('k')} must be a whole number >= ${MIN_CALIBRATION_POINTS}, got ${k}`);
  check(Number.isInteger(repeats) && repeats >= 1, `${field('repeats')} must be a whole number >= 1, got ${repeats}`);
  check(
    networks.length >= k + 2,
    `${source} has ${networks.length} valid measurements; ${field('k')} ${k} needs at least ${k + 2} (${k} to calibrate, 2 or more to score); lower ${field('k')} or measure more networks`,
  );
  const runs: PredictionMetrics[] = [];
  const families = Object.fromEntries(Object.keys(FEATURE_FAMILIES).map((f) => [f, 0])) as Record<FeatureFamily, number>;
  for (let r = 0; r < repeats; r++) {
    const chosen = calibrationSet(networks, k, sets, (options.seed ?? 0) + r);
    const model = fitLatencyModel(
      [...[...chosen].map((i) => networks[i]!), ...(options.probes ?? [])],
      options.device ?? { name: source, details: {} },
    );
    families[model.family]++;
    const heldOut = networks.filter((_, i) => !chosen.has(i));
    const latencyOf = (f: FeatureVector) => (options.safety === undefined ? predictLatencyMs(model, f) : predictedUpperBound(model, f, options.safety));
    runs.push(predictionMetrics(heldOut.map((n) => scored(n, latencyOf(n.features)))));
  }
  const rhos = runs.map((m) => m.spearman);
  return { k, repeats, sets, heldOut: networks.length - k, ...averageMetrics(runs), spearmanRange: [Math.min(...rhos), Math.max(...rhos)], families };
}

/** How well a second measurement of the same networks agrees with the first: the floor any prediction is judged against. */
export function repeatAgreement(first: readonly MeasuredNetwork[], secondMs: ReadonlyMap<number, number>): PredictionMetrics {
  const common = first.filter((n) => secondMs.has(n.index));
  check(common.length >= 2, `the repeat measurement shares ${common.length} networks with the first; measure the same networks twice`);
  return predictionMetrics(common.map((n) => scored(n, secondMs.get(n.index)!)));
}

/**
 * A simulated second measurement when only one exists: each mean redrawn log-normally with the spread two independent
 * means of `timedRuns` runs with standard deviation t_std would have between them (√(2/(n-1)) · t_std).
 */
function simulatedRepeat(networks: readonly MeasuredNetwork[], seed: number, timedRuns: number = PAPER_PROTOCOL.runs): Map<number, number> {
  const rng = new RandomState(seed);
  return new Map(
    networks.map((n) => {
      const relative = ((n.latencyStdMs ?? 0) / n.latencyMs) * Math.sqrt(2 / (timedRuns - 1));
      return [n.index, n.latencyMs * Math.exp(relative * rng.standardNormal())];
    }),
  );
}

/** The repeat agreement of simulated second measurements, averaged over `repeats` draws. */
export function simulatedNoiseFloor(networks: readonly MeasuredNetwork[], repeats: number, seed = 0): AveragedMetrics {
  check(
    networks.some((n) => (n.latencyStdMs ?? 0) > 0),
    `the results carry no t_std, so the measurement noise cannot be simulated; measure twice (calibrate with ${field('repeat')} 2)`,
  );
  return averageMetrics(Array.from({ length: repeats }, (_, r) => repeatAgreement(networks, simulatedRepeat(networks, seed + r))));
}
