import { paretoFront2, type Objective } from '../analysis/pareto.js';
import { spearman } from '../analysis/crossdevice.js';
import { check } from '../errors.js';

/** Kendall's tau-b: concordant minus discordant pairs, corrected for ties on either side (O(n²), fine for catalogs). */
export function kendallTauB(x: readonly number[], y: readonly number[]): number {
  check(x.length === y.length && x.length >= 2, `rank correlation needs two equally long series of at least 2 values, got ${x.length} and ${y.length}`);
  let concordant = 0;
  let discordant = 0;
  let tiedXOnly = 0;
  let tiedYOnly = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiedXOnly++;
      else if (dy === 0) tiedYOnly++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  const n0 = concordant + discordant;
  return (concordant - discordant) / Math.sqrt((n0 + tiedXOnly) * (n0 + tiedYOnly));
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** |predicted - measured| / measured for each network. */
function relativeErrors(predicted: readonly number[], measured: readonly number[]): number[] {
  return measured.map((m, i) => Math.abs(predicted[i]! - m) / m);
}

/** One network for the latency/accuracy metrics: its measured and predicted latency (ms) and its accuracy (fraction). */
export interface ScoredNetwork {
  readonly index: number;
  readonly measuredMs: number;
  readonly predictedMs: number;
  readonly accuracy?: number;
}

/** Number of latency budgets of the budget-regret metric, log-spaced over the measured range. */
export const BUDGETS = 20;

/** What picking the best network under latency budgets by predicted latency costs, against picking by measured latency. */
export interface BudgetRegret {
  /** Mean accuracy lost (fraction, not percentage points) over the budgets whose pick meets the budget when measured. */
  readonly accuracyLoss: number;
  /** Share of budgets whose pick is slower than the budget when measured. */
  readonly violations: number;
  /** Median of measured / budget - 1 over the violating picks (0 when none violates): how far over they run. */
  readonly overshoot: number;
  /** Share of budgets at which no network is predicted to fit although one does. */
  readonly misses: number;
}

/** How well predicted latencies rank and match measured ones. Shares and errors are fractions (0.05 is 5%). */
export interface RankingMetrics {
  readonly spearman: number;
  readonly kendall: number;
  readonly medianApe: number;
  readonly within10: number;
  readonly within20: number;
  /** Share of the true latency/accuracy front (by measured latency) that the front by predicted latency finds. */
  readonly frontRecall?: number;
}

/** How close predicted latencies are to measured ones on a set of networks. */
export interface PredictionMetrics extends RankingMetrics {
  readonly networks: number;
  readonly budget?: BudgetRegret;
}

/** The most accurate network whose latency (as `latencyOf` says) fits `budgetMs`, ties to the faster. */
function bestWithin(networks: readonly ScoredNetwork[], budgetMs: number, latencyOf: (n: ScoredNetwork) => number): ScoredNetwork | undefined {
  let best: ScoredNetwork | undefined;
  for (const n of networks) {
    if (latencyOf(n) > budgetMs) continue;
    if (!best || n.accuracy! > best.accuracy! || (n.accuracy === best.accuracy && latencyOf(n) < latencyOf(best))) best = n;
  }
  return best;
}

/** `count` budgets log-spaced from the fastest to the slowest measured latency. */
function logSpacedBudgets(networks: readonly ScoredNetwork[], count = BUDGETS): number[] {
  const measured = networks.map((n) => n.measuredMs);
  const [low, high] = [Math.min(...measured), Math.max(...measured)];
  return Array.from({ length: count }, (_, i) => low * (high / low) ** (count === 1 ? 1 : i / (count - 1)));
}

/** Picks the best network under each budget by predicted latency and scores the pick by measured latency. */
export function budgetRegret(networks: readonly ScoredNetwork[], budgets: readonly number[] = logSpacedBudgets(networks)): BudgetRegret {
  let lossSum = 0;
  let fitting = 0;
  const overshoots: number[] = [];
  let misses = 0;
  for (const budgetMs of budgets) {
    const truth = bestWithin(networks, budgetMs, (n) => n.measuredMs)!;
    const pick = bestWithin(networks, budgetMs, (n) => n.predictedMs);
    if (!pick) misses++;
    else if (pick.measuredMs > budgetMs) overshoots.push(pick.measuredMs / budgetMs - 1);
    else {
      lossSum += truth.accuracy! - pick.accuracy!;
      fitting++;
    }
  }
  return {
    accuracyLoss: fitting > 0 ? lossSum / fitting : 0,
    violations: overshoots.length / budgets.length,
    overshoot: overshoots.length > 0 ? median(overshoots) : 0,
    misses: misses / budgets.length,
  };
}

const MEASURED: Objective<ScoredNetwork> = { name: 'measured latency', sense: 'min', value: (n) => n.measuredMs };
const PREDICTED: Objective<ScoredNetwork> = { name: 'predicted latency', sense: 'min', value: (n) => n.predictedMs };
const ACCURACY: Objective<ScoredNetwork> = { name: 'accuracy', sense: 'max', value: (n) => n.accuracy! };

/** Share of the latency/accuracy front by measured latency that is also on the front by predicted latency. */
export function frontRecall(networks: readonly ScoredNetwork[]): number {
  const trueFront = paretoFront2(networks, MEASURED, ACCURACY);
  const predictedFront = new Set(paretoFront2(networks, PREDICTED, ACCURACY));
  return trueFront.filter((n) => predictedFront.has(n)).length / trueFront.length;
}

/** Rank agreement, relative error and (when every network has an accuracy) front and budget metrics. */
export function predictionMetrics(networks: readonly ScoredNetwork[]): PredictionMetrics {
  check(networks.length >= 2, `scoring a latency prediction needs at least 2 networks, got ${networks.length}`);
  const measured = networks.map((n) => n.measuredMs);
  const predicted = networks.map((n) => n.predictedMs);
  const errors = relativeErrors(predicted, measured);
  const share = (tolerance: number) => errors.filter((e) => e <= tolerance).length / errors.length;
  const withAccuracy = networks.every((n) => n.accuracy !== undefined);
  return {
    networks: networks.length,
    spearman: spearman(predicted, measured),
    kendall: kendallTauB(predicted, measured),
    medianApe: median(errors),
    within10: share(0.1),
    within20: share(0.2),
    ...(withAccuracy ? { frontRecall: frontRecall(networks), budget: budgetRegret(networks) } : {}),
  };
}
