import { RandomState } from '../rng/random-state.js';

/** Settings of a gradient-boosted regression-tree ensemble. */
export interface BoostingOptions {
  readonly trees: number;
  readonly depth: number;
  readonly learningRate: number;
  /** Fewest training rows a leaf keeps. */
  readonly minLeaf: number;
  /** Share of the rows each tree sees (stochastic gradient boosting). */
  readonly subsample: number;
  readonly seed: number;
}

/** Defaults chosen by cross-validation on the paper's catalog (bench:search). */
export const BOOSTING_DEFAULTS: BoostingOptions = { trees: 300, depth: 4, learningRate: 0.05, minLeaf: 5, subsample: 0.8, seed: 0 };

/** Candidate split points per feature: quantile bin edges keep the split search linear in the rows. */
const MAX_BINS = 48;

/** A regression tree in flat arrays: node i splits on feature[i] at threshold[i], or is a leaf when feature[i] < 0. */
interface Tree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
}

/** A fitted ensemble: predicts base + the sum of its trees. */
export interface BoostedTrees {
  readonly base: number;
  readonly trees: readonly Tree[];
}

function binEdges(column: Float64Array): Float64Array {
  const sorted = Float64Array.from(new Set(column)).sort();
  if (sorted.length <= MAX_BINS) return sorted.subarray(0, sorted.length - 1).map((v, i) => (v + sorted[i + 1]!) / 2);
  const edges = new Set<number>();
  for (let b = 1; b < MAX_BINS; b++) {
    const i = Math.floor((b * sorted.length) / MAX_BINS);
    edges.add((sorted[i - 1]! + sorted[i]!) / 2);
  }
  return Float64Array.from(edges).sort();
}

function binIndex(edges: Float64Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface Binned {
  readonly edges: readonly Float64Array[];
  /** bins[f][row]: the bin of row's feature f. */
  readonly bins: readonly Uint8Array[];
}

function binRows(rows: readonly Float64Array[], features: number): Binned {
  const edges: Float64Array[] = [];
  const bins: Uint8Array[] = [];
  for (let f = 0; f < features; f++) {
    const column = Float64Array.from(rows, (r) => r[f]!);
    const e = binEdges(column);
    edges.push(e);
    bins.push(Uint8Array.from(column, (v) => binIndex(e, v)));
  }
  return { edges, bins };
}

class TreeBuilder {
  readonly feature: number[] = [];
  readonly threshold: number[] = [];
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly value: number[] = [];
  private readonly sums = new Float64Array(MAX_BINS + 1);
  private readonly counts = new Int32Array(MAX_BINS + 1);

  constructor(private readonly data: Binned, private readonly residual: Float64Array, private readonly o: BoostingOptions) {}

  grow(rows: Int32Array, depth: number): number {
    const node = this.value.length;
    let total = 0;
    for (const r of rows) total += this.residual[r]!;
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push((total / rows.length) * this.o.learningRate);
    if (depth >= this.o.depth || rows.length < 2 * this.o.minLeaf) return node;
    const split = this.bestSplit(rows, total);
    if (!split) return node;
    const bins = this.data.bins[split.feature]!;
    const leftRows = rows.filter((r) => bins[r]! <= split.bin);
    const rightRows = rows.filter((r) => bins[r]! > split.bin);
    this.feature[node] = split.feature;
    this.threshold[node] = this.data.edges[split.feature]![split.bin]!;
    this.left[node] = this.grow(leftRows, depth + 1);
    this.right[node] = this.grow(rightRows, depth + 1);
    return node;
  }

  private bestSplit(rows: Int32Array, total: number): { feature: number; bin: number } | undefined {
    const n = rows.length;
    let bestGain = 1e-12;
    let best: { feature: number; bin: number } | undefined;
    const { sums, counts } = this;
    for (let f = 0; f < this.data.bins.length; f++) {
      const nb = this.data.edges[f]!.length;
      if (nb === 0) continue;
      sums.fill(0, 0, nb + 1);
      counts.fill(0, 0, nb + 1);
      const bins = this.data.bins[f]!;
      const residual = this.residual;
      for (let k = 0; k < n; k++) {
        const r = rows[k]!;
        const b = bins[r]!;
        sums[b]! += residual[r]!;
        counts[b]! += 1;
      }
      let leftSum = 0;
      let leftCount = 0;
      for (let b = 0; b < nb; b++) {
        leftSum += sums[b]!;
        leftCount += counts[b]!;
        const rightCount = n - leftCount;
        if (leftCount < this.o.minLeaf) continue;
        if (rightCount < this.o.minLeaf) break;
        const rightSum = total - leftSum;
        const gain = (leftSum * leftSum) / leftCount + (rightSum * rightSum) / rightCount - (total * total) / n;
        if (gain > bestGain) {
          bestGain = gain;
          best = { feature: f, bin: b };
        }
      }
    }
    return best;
  }

  tree(): Tree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
    };
  }
}

function treeValue(t: Tree, x: Float64Array): number {
  let node = 0;
  while (t.feature[node]! >= 0) node = x[t.feature[node]!]! <= t.threshold[node]! ? t.left[node]! : t.right[node]!;
  return t.value[node]!;
}

/** Predicts one row. */
export function predictBoosted(model: BoostedTrees, x: Float64Array): number {
  let y = model.base;
  for (const t of model.trees) y += treeValue(t, x);
  return y;
}

/** Fits a least-squares gradient-boosted tree ensemble to rows `x` (all of one length) and targets `y`. */
export function fitBoosted(x: readonly Float64Array[], y: ArrayLike<number>, options: Partial<BoostingOptions> = {}): BoostedTrees {
  const o = { ...BOOSTING_DEFAULTS, ...options };
  const n = x.length;
  const base = Array.from(y).reduce((a, b) => a + b, 0) / n;
  const data = binRows(x, x[0]?.length ?? 0);
  const residual = Float64Array.from(y, (v) => v - base);
  const rng = new RandomState(o.seed);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const take = Math.max(2 * o.minLeaf, Math.round(n * o.subsample));
  const trees: Tree[] = [];
  for (let t = 0; t < o.trees; t++) {
    let rows = all;
    if (take < n) {
      const shuffled = Array.from(all);
      rng.shuffle(shuffled);
      rows = Int32Array.from(shuffled.slice(0, take)).sort();
    }
    const builder = new TreeBuilder(data, residual, o);
    builder.grow(rows, 0);
    const tree = builder.tree();
    trees.push(tree);
    for (let i = 0; i < n; i++) residual[i]! -= treeValue(tree, x[i]!);
  }
  return { base, trees };
}
