import { DEFAULT_INTERVAL_LEVEL, latencyInterval, type PredictionSpread } from '../analysis/interval.js';
import { networkFacts } from '../analysis/network-facts.js';
import { resultsEntry, type CatalogIdentity, type ResultRow } from '../analysis/results.js';
import type { AccuracyEntry } from '../catalog/accuracy.js';
import { catalogEntry } from '../catalog/catalog.js';
import { catalogFeatures, type FeatureVector } from './features.js';
import { check } from '../errors.js';
import { outOfRange, predictLatencyMs, rangeExcess, type LatencyModel } from './model.js';

/** A latency model's prediction of one network, with its doubt. */
export interface Prediction {
  readonly predictedMs: number;
  /** The central interval at the level asked for. */
  readonly lowMs: number;
  readonly highMs: number;
  /** Log factor by which the network's features lie beyond the calibration set's (0 inside). */
  readonly excess: number;
  /**
   * Some feature lies beyond the calibration range (see outOfRange): the prediction extrapolates, and its interval is
   * widened by how far the costing features do (a range-only feature, weights per MAC, flags without widening).
   */
  readonly outOfRange: boolean;
}

/** How far a model's predictions miss, as predicted results carry it; `name` says which model. A model file from before intervals is refused. */
function predictionSpread(model: LatencyModel, name: string): PredictionSpread {
  check(model.residuals !== undefined, `the latency model of ${model.device.name} has no residuals for prediction intervals (an older file); refit it with \`iotnets predict fit\``);
  return { model: name, residuals: model.residuals };
}

/** The model's prediction of a network from its features, with the central interval at `level` (default 90%). */
export function predictWithInterval(model: LatencyModel, features: FeatureVector, level = DEFAULT_INTERVAL_LEVEL): Prediction {
  const predictedMs = predictLatencyMs(model, features);
  const excess = rangeExcess(model, features);
  return {
    predictedMs,
    ...latencyInterval(predictedMs, predictionSpread(model, ''), level, excess),
    excess,
    outOfRange: outOfRange(model, features).length > 0,
  };
}

/** The upper end of a network's central `level` interval: the bound `select --safety level` checks a budget against (see withSafetyBound). */
export function predictedUpperBound(model: LatencyModel, features: FeatureVector, level: number): number {
  return predictWithInterval(model, features, level).highMs;
}

/** A catalog network to predict, with what the results format carries beside its latency. */
export interface NetworkToPredict {
  readonly index: number;
  readonly space: string;
  readonly law: string;
  readonly id: number;
  readonly features: FeatureVector;
  readonly params?: number;
  readonly flops?: number;
  readonly accuracy?: number;
  readonly runid?: string;
}

/**
 * Predicted latencies in the paper's results format, so select, pareto and report read them as they read
 * measurements: `{predicted: true, model, device, interval: {level, residuals}, results}`; each entry's t_avg is the
 * prediction, t_low..t_high its interval, range_excess and out_of_range set when it extrapolates.
 */
export function predictedResultsDocument(model: LatencyModel, modelName: string, networks: readonly NetworkToPredict[], level = DEFAULT_INTERVAL_LEVEL) {
  return {
    predicted: true,
    model: modelName,
    device: { ...model.device.details, name: `${model.device.name} (predicted)` },
    interval: { level, residuals: predictionSpread(model, modelName).residuals },
    results: networks.map((n) => {
      const p = predictWithInterval(model, n.features, level);
      return resultsEntry(n, {
        t_avg: p.predictedMs,
        t_low: p.lowMs,
        t_high: p.highMs,
        ...(p.excess > 0 ? { range_excess: p.excess } : {}),
        ...(p.outOfRange ? { out_of_range: true } : {}),
      });
    }),
  };
}

/** Measured results rows as a results document with each entry's predicted latency added as t_pred (what `report` draws against the measurement). */
export function withPredictions(rows: readonly (ResultRow & CatalogIdentity)[], model: LatencyModel) {
  const features = catalogFeatures();
  return rows.map((m) =>
    resultsEntry(m, {
      ...(m.runs !== undefined ? { runs: m.runs } : {}),
      t_avg: m.meanMs ?? m.latencyMs,
      ...(m.latencyStatistic === 'median' ? { t_median: m.latencyMs } : {}),
      ...(m.p90Ms !== undefined ? { t_p90: m.p90Ms } : {}),
      ...(m.latencyStdMs !== undefined ? { t_std: m.latencyStdMs } : {}),
      t_pred: predictLatencyMs(model, features[m.index]!),
    }),
  );
}

/** Catalog networks to predict, with the paper's params and flops from their graphs and accuracies when given. */
export function catalogNetworksToPredict(indices: readonly number[], accuracies?: ReadonlyMap<number, AccuracyEntry>): NetworkToPredict[] {
  const features = catalogFeatures();
  return indices.map((index) => {
    const facts = networkFacts(index);
    const trained = accuracies?.get(index);
    return {
      ...catalogEntry(index),
      features: features[index]!,
      params: facts.stateDictElements,
      flops: facts.flops,
      ...(trained ? { accuracy: trained.accuracy, ...(trained.runid ? { runid: trained.runid } : {}) } : {}),
    };
  });
}
