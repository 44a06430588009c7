import { check } from '../errors.js';

/**
 * How far predictions of a latency model miss: the sorted log ratios ln(measured / predicted) of its calibration
 * networks, each predicted by a fit on the others (leave-one-out), so they say how a network the fit never saw fares.
 */
export interface PredictionSpread {
  /** Name of the model that predicted, for titles and output. */
  readonly model: string;
  /** Sorted leave-one-out log ratios ln(measured / predicted). */
  readonly residuals: readonly number[];
}

/** Coverage of the interval written with predicted results: the central 90%. */
export const DEFAULT_INTERVAL_LEVEL = 0.9;

/**
 * The split-conformal quantile of the residuals at `level`: the ceil((n + 1) level)-th smallest of n (clamped to the
 * extremes), so the next network's log ratio falls below it with probability >= level when networks are exchangeable.
 */
export function residualQuantile(residuals: readonly number[], level: number): number {
  check(residuals.length > 0, 'a prediction interval needs the residuals of at least one calibration network');
  check(level > 0 && level < 1, `an interval level must lie strictly between 0 and 1, got ${level}`);
  const rank = Math.ceil((residuals.length + 1) * level);
  return residuals[Math.min(Math.max(rank, 1), residuals.length) - 1]!;
}

/** The central `level` interval of a predicted latency, widened on both sides by the network's log range excess. */
export function latencyInterval(predictedMs: number, spread: PredictionSpread, level: number, excess = 0): { lowMs: number; highMs: number } {
  const tail = (1 - level) / 2;
  return {
    lowMs: predictedMs * Math.exp(Math.min(0, residualQuantile(spread.residuals, tail)) - excess),
    highMs: predictedMs * Math.exp(Math.max(0, residualQuantile(spread.residuals, 1 - tail)) + excess),
  };
}

/**
 * The points with budgetLatencyMs set to the upper end of each one's central `level` interval (widened by its range
 * excess), so a latency budget is checked against that bound instead of the prediction. The one-sided bound at
 * `level` would not do: picking the most accurate network under a bound favours the networks a model underestimates,
 * so on the paper's devices budget picks broke the budget up to twice as often as `level` promised (bench:predict).
 */
export function withSafetyBound<T extends { readonly latencyMs: number; readonly rangeExcess?: number }>(
  points: readonly T[],
  spread: PredictionSpread,
  level: number,
): (T & { budgetLatencyMs: number })[] {
  return points.map((p) => ({ ...p, budgetLatencyMs: latencyInterval(p.latencyMs, spread, level, p.rangeExcess ?? 0).highMs }));
}
