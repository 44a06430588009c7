import { check } from '../errors.js';
import type { NetworkPoint } from './points.js';
import { ACCURACY, LATENCY, type Device } from './objectives.js';
import { paretoFront2 } from './pareto.js';
import { catalogOnly, type CatalogIdentity } from './results.js';

/** Ranks 1..n of the values, ties sharing the average of the ranks they span. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && order[end]!.v === order[start]!.v) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!.i] = rank;
    start = end;
  }
  return ranks;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rank correlation: Pearson's correlation of average ranks (NaN when either side is constant). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  check(x.length === y.length && x.length >= 2, `rank correlation needs two equally long series of at least 2 values, got ${x.length} and ${y.length}`);
  return pearson(averageRanks(x), averageRanks(y));
}

/** A network point of a paper catalog network: devices are compared by catalog index. */
export type CatalogPoint = NetworkPoint & CatalogIdentity;

/** A device whose networks are all catalog networks. */
export interface CatalogDevice extends Device {
  readonly points: readonly CatalogPoint[];
}

/** A device's networks for comparing devices, which match networks by catalog index: measured files are refused. */
export function catalogDevice(device: Device): CatalogDevice {
  return { name: device.name, points: catalogOnly(device.points, device.name, 'comparing devices') };
}

/** At one latency budget on the target device: the best accuracy its own front gives and what the other front gives. */
export interface BudgetOutcome {
  readonly budgetMs: number;
  /** The target front's member that sets the budget (the best network within it). */
  readonly index: number;
  readonly accuracy: number;
  /** The most accurate member of the other front that fits the budget on the target, if any does. */
  readonly chosenIndex?: number;
  readonly chosenAccuracy?: number;
  readonly accuracyLoss?: number;
}

/** For one member of the other front: its latency on the target against the fastest as-accurate network there. */
export interface LatencyOutcome {
  readonly index: number;
  readonly accuracy: number;
  readonly latencyMs: number;
  readonly fastestIndex: number;
  readonly fastestMs: number;
  readonly latencyRatio: number;
}

/** The cost on device `target` of choosing networks from the front of device `source`. */
export interface FrontTransfer {
  readonly source: string;
  readonly target: string;
  readonly budgets: readonly BudgetOutcome[];
  readonly maxAccuracyLoss: number;
  readonly meanAccuracyLoss: number;
  /** Budgets at which no member of the source front fits at all. */
  readonly budgetsWithoutChoice: number;
  readonly members: readonly LatencyOutcome[];
  readonly maxLatencyRatio: number;
  readonly geomeanLatencyRatio: number;
}

/** How two devices' latency/accuracy trade-offs differ, over the networks measured on both. */
export interface DeviceComparison {
  readonly a: string;
  readonly b: string;
  readonly common: number;
  /** Catalog indices measured on only one of the devices. */
  readonly onlyMeasuredOnA: readonly number[];
  readonly onlyMeasuredOnB: readonly number[];
  /** Spearman's rho of the two devices' latencies. */
  readonly latencyRho: number;
  /** Latency/accuracy fronts over the common networks, as catalog indices by increasing latency. */
  readonly frontA: readonly number[];
  readonly frontB: readonly number[];
  readonly onlyOnFrontA: readonly number[];
  readonly onlyOnFrontB: readonly number[];
  /** Choosing on B by A's front, and on A by B's front. */
  readonly aFrontOnB: FrontTransfer;
  readonly bFrontOnA: FrontTransfer;
}

function latencyFront(points: readonly CatalogPoint[]): CatalogPoint[] {
  return paretoFront2(points, LATENCY, ACCURACY);
}

function transfer(source: string, target: string, sourceFront: readonly number[], targetPoints: ReadonlyMap<number, CatalogPoint>): FrontTransfer {
  const targetFront = latencyFront([...targetPoints.values()]);
  const transferred = sourceFront.map((i) => targetPoints.get(i)!);
  const budgets = targetFront.map((best): BudgetOutcome => {
    const fitting = transferred.filter((p) => p.latencyMs <= best.latencyMs);
    const base = { budgetMs: best.latencyMs, index: best.index, accuracy: best.accuracy };
    if (fitting.length === 0) return base;
    const chosen = fitting.reduce((x, y) => (y.accuracy > x.accuracy ? y : x));
    return { ...base, chosenIndex: chosen.index, chosenAccuracy: chosen.accuracy, accuracyLoss: best.accuracy - chosen.accuracy };
  });
  const losses = budgets.flatMap((b) => (b.accuracyLoss === undefined ? [] : [b.accuracyLoss]));
  const members = transferred.map((p): LatencyOutcome => {
    // The target front holds the fastest network at least as accurate as p; p itself qualifies, so the ratio is >= 1.
    const fastest = targetFront.find((q) => q.accuracy >= p.accuracy)!;
    return { index: p.index, accuracy: p.accuracy, latencyMs: p.latencyMs, fastestIndex: fastest.index, fastestMs: fastest.latencyMs, latencyRatio: p.latencyMs / fastest.latencyMs };
  });
  const ratios = members.map((m) => m.latencyRatio);
  return {
    source,
    target,
    budgets,
    maxAccuracyLoss: Math.max(0, ...losses),
    meanAccuracyLoss: losses.length > 0 ? losses.reduce((s, v) => s + v, 0) / losses.length : 0,
    budgetsWithoutChoice: budgets.length - losses.length,
    members,
    maxLatencyRatio: Math.max(...ratios),
    geomeanLatencyRatio: Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length),
  };
}

/** Compares two devices over the networks both measured: latency rank correlation, fronts and the cost of swapping them. */
export function compareDevices(a: CatalogDevice, b: CatalogDevice): DeviceComparison {
  const byIndexA = new Map(a.points.map((p) => [p.index, p]));
  const byIndexB = new Map(b.points.map((p) => [p.index, p]));
  const commonIndices = [...byIndexA.keys()].filter((i) => byIndexB.has(i)).sort((x, y) => x - y);
  check(commonIndices.length >= 2, `${a.name} and ${b.name} share ${commonIndices.length} measured networks; a comparison needs at least 2`);
  const commonA = new Map(commonIndices.map((i) => [i, byIndexA.get(i)!]));
  const commonB = new Map(commonIndices.map((i) => [i, byIndexB.get(i)!]));
  const frontA = latencyFront([...commonA.values()]).map((p) => p.index);
  const frontB = latencyFront([...commonB.values()]).map((p) => p.index);
  return {
    a: a.name,
    b: b.name,
    common: commonIndices.length,
    onlyMeasuredOnA: [...byIndexA.keys()].filter((i) => !byIndexB.has(i)),
    onlyMeasuredOnB: [...byIndexB.keys()].filter((i) => !byIndexA.has(i)),
    latencyRho: spearman(
      commonIndices.map((i) => commonA.get(i)!.latencyMs),
      commonIndices.map((i) => commonB.get(i)!.latencyMs),
    ),
    frontA,
    frontB,
    onlyOnFrontA: frontA.filter((i) => !frontB.includes(i)),
    onlyOnFrontB: frontB.filter((i) => !frontA.includes(i)),
    aFrontOnB: transfer(a.name, b.name, frontA, commonB),
    bFrontOnA: transfer(b.name, a.name, frontB, commonA),
  };
}

/** One pair of devices in an N-device comparison: rank correlation and the cost of choosing by the other's front. */
export interface DevicePair {
  readonly a: string;
  readonly b: string;
  readonly common: number;
  readonly latencyRho: number;
  /** Choosing on B from A's front: mean and largest accuracy lost over B's own front budgets (fractions). */
  readonly aFrontOnB: { readonly meanAccuracyLoss: number; readonly maxAccuracyLoss: number };
  readonly bFrontOnA: { readonly meanAccuracyLoss: number; readonly maxAccuracyLoss: number };
}

/** Every pair of the devices (in the given order), compared as compareDevices does; at least two devices. */
export function comparePairs(devices: readonly CatalogDevice[]): DevicePair[] {
  check(devices.length >= 2, `comparing devices needs at least 2, got ${devices.length}`);
  const names = devices.map((d) => d.name);
  check(new Set(names).size === names.length, `two devices share the name '${names.find((n, i) => names.indexOf(n) !== i)}'; give them different names`);
  const loss = (t: FrontTransfer) => ({ meanAccuracyLoss: t.meanAccuracyLoss, maxAccuracyLoss: t.maxAccuracyLoss });
  return devices.flatMap((a, i) =>
    devices.slice(i + 1).map((b) => {
      const c = compareDevices(a, b);
      return { a: c.a, b: c.b, common: c.common, latencyRho: c.latencyRho, aFrontOnB: loss(c.aFrontOnB), bFrontOnA: loss(c.bFrontOnA) };
    }),
  );
}
