import { check, IotnetsError } from '../errors.js';
import { FP32, type NumberFormat } from '../onnx/formats.js';
import { ACCURACY, LATENCY, memoryObjective, type MemoryPart, type NetworkCandidate } from './objectives.js';
import type { Objective } from './pareto.js';
import { formatBytesIn, formatLatency } from './units.js';
import { rowOrder } from './results.js';

/** A budget: every bound is optional; memory is counted under `format` for `memoryPart`. */
export interface Constraints {
  readonly maxLatencyMs?: number;
  readonly maxMemoryBytes?: number;
  /** The unit the memory budget was given in ('KiB'), for answers in that unit; default B. */
  readonly memoryUnit?: string;
  readonly minAccuracy?: number;
  readonly format?: NumberFormat;
  readonly memoryPart?: MemoryPart;
}

/** How many networks a selection picks along the front unless told otherwise (the paper's Raspberry Pi selection has 7). */
export const DEFAULT_SELECTION_SIZE = 7;

/** What "best" means among networks that meet the constraints. */
export type Goal = 'accuracy' | 'latency' | 'memory';

/** The goals, for validating user input. */
export const GOALS: readonly Goal[] = ['accuracy', 'latency', 'memory'];

function memoryOf(p: NetworkCandidate, c: Constraints): number {
  return memoryObjective(c.format ?? FP32, c.memoryPart).value(p);
}

/** The latency a budget checks: the safety bound of a predicted network when set, else its latency. */
function budgetLatency(p: NetworkCandidate): number {
  return p.budgetLatencyMs ?? p.latencyMs;
}

/** True when the network meets every bound of the constraints. */
function meetsConstraints(p: NetworkCandidate, c: Constraints): boolean {
  return (
    (c.maxLatencyMs === undefined || budgetLatency(p) <= c.maxLatencyMs) &&
    (c.minAccuracy === undefined || p.accuracy >= c.minAccuracy) &&
    (c.maxMemoryBytes === undefined || memoryOf(p, c) <= c.maxMemoryBytes)
  );
}

/** The networks that meet the constraints, in input order. */
export function applyConstraints<T extends NetworkCandidate>(points: readonly T[], c: Constraints): T[] {
  return points.filter((p) => meetsConstraints(p, c));
}

/** A one-line account of the constraints, e.g. "latency <= 10.0 ms, memory (total, fp16) <= 64 KiB". */
export function describeConstraints(c: Constraints): string {
  const parts = [
    c.maxLatencyMs !== undefined ? `latency <= ${formatLatency(c.maxLatencyMs)}` : undefined,
    c.maxMemoryBytes !== undefined ? `memory (${c.memoryPart ?? 'total'}, ${(c.format ?? FP32).name}) <= ${formatBytesIn(c.maxMemoryBytes, c.memoryUnit)}` : undefined,
    c.minAccuracy !== undefined ? `accuracy >= ${c.minAccuracy}` : undefined,
  ].filter((s): s is string => s !== undefined);
  return parts.length > 0 ? parts.join(', ') : 'no constraints';
}

function goalOrder(goal: Goal, c: Constraints): Objective<NetworkCandidate>[] {
  const memory: Objective<NetworkCandidate> = { name: 'memory', sense: 'min', value: (p) => memoryOf(p, c) };
  if (goal === 'accuracy') return [ACCURACY, LATENCY];
  if (goal === 'latency') return [LATENCY, ACCURACY];
  return [memory, ACCURACY];
}

/** The networks that meet the constraints; throws a one-line error saying how close they come when none does. */
export function requireFeasible<T extends NetworkCandidate>(points: readonly T[], c: Constraints): T[] {
  check(points.length > 0, 'there are no networks to choose from');
  const feasible = applyConstraints(points, c);
  if (feasible.length === 0) {
    const closest = [
      c.maxLatencyMs !== undefined
        ? `the fastest ${points.some((p) => p.budgetLatencyMs !== undefined) ? "one's safe bound is" : 'takes'} ${formatLatency(Math.min(...points.map(budgetLatency)))}`
        : undefined,
      c.maxMemoryBytes !== undefined ? `the smallest needs ${formatBytesIn(Math.min(...points.map((p) => memoryOf(p, c))), c.memoryUnit)}` : undefined,
      c.minAccuracy !== undefined ? `the most accurate reaches ${(Math.max(...points.map((p) => p.accuracy)) * 100).toFixed(2)}%` : undefined,
    ].filter((s) => s !== undefined);
    throw new IotnetsError(`no network meets ${describeConstraints(c)} (${closest.join('; ')}); relax a constraint`);
  }
  return feasible;
}

/**
 * The `n` best networks meeting the constraints, best first: most accurate (ties: faster), fastest (ties: more
 * accurate) or smallest (ties: more accurate), then by index; throws a one-line error saying how close the networks
 * come when none qualifies.
 */
export function rankUnder<T extends NetworkCandidate>(points: readonly T[], c: Constraints, goal: Goal = 'accuracy', n = 1): T[] {
  check(Number.isInteger(n) && n >= 1, `the number of networks to rank must be a whole number >= 1, got ${n}`);
  const order = goalOrder(goal, c);
  const scored = requireFeasible(points, c).map((p) => ({ p, score: order.map((o) => (o.sense === 'min' ? o.value(p) : -o.value(p))) }));
  scored.sort((a, b) => {
    for (let i = 0; i < a.score.length; i++) if (a.score[i] !== b.score[i]) return a.score[i]! - b.score[i]!;
    return rowOrder(a.p, b.p);
  });
  return scored.slice(0, n).map((s) => s.p);
}

/** The best network meeting the constraints (see rankUnder). */
export function bestUnder<T extends NetworkCandidate>(points: readonly T[], c: Constraints, goal: Goal = 'accuracy'): T {
  return rankUnder(points, c, goal, 1)[0]!;
}

/**
 * Up to k front members spanning the front: for targets evenly spaced in log(value) from the front's smallest to its
 * largest value, the member nearest each target in log space (each member chosen once); ordered by value.
 */
export function spanSelection<T>(front: readonly T[], k: number, value: (item: T) => number): T[] {
  check(Number.isInteger(k) && k >= 1, `the selection size must be a whole number >= 1, got ${k}`);
  if (front.length <= k) return [...front].sort((a, b) => value(a) - value(b));
  const logs = front.map((t) => Math.log(value(t)));
  const lo = Math.min(...logs);
  const hi = Math.max(...logs);
  const chosen = new Set<number>();
  for (let j = 0; j < k; j++) {
    const target = k === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * j) / (k - 1);
    let nearest = -1;
    for (let i = 0; i < front.length; i++) {
      if (chosen.has(i)) continue;
      if (nearest < 0 || Math.abs(logs[i]! - target) < Math.abs(logs[nearest]! - target)) nearest = i;
    }
    chosen.add(nearest);
  }
  return [...chosen].map((i) => front[i]!).sort((a, b) => value(a) - value(b));
}

/**
 * Networks that miss a latency or memory budget by at most `slack` (a fraction) and beat `best` by accuracy, most
 * accurate first: what a slightly larger budget would buy.
 */
export function nearMisses<T extends NetworkCandidate>(points: readonly T[], c: Constraints, best: T, slack = 0.1, n = 3): T[] {
  const relaxed: Constraints = {
    ...c,
    ...(c.maxLatencyMs !== undefined ? { maxLatencyMs: c.maxLatencyMs * (1 + slack) } : {}),
    ...(c.maxMemoryBytes !== undefined ? { maxMemoryBytes: c.maxMemoryBytes * (1 + slack) } : {}),
  };
  return points
    .filter((p) => p.accuracy > best.accuracy && meetsConstraints(p, relaxed) && !meetsConstraints(p, c))
    .sort((a, b) => b.accuracy - a.accuracy || rowOrder(a, b))
    .slice(0, n);
}
