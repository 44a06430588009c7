/**
 * Timing statistics, computed the way NumPy computes them so that `t_avg`/`t_std` of the paper protocol are
 * bit-identical to the original's `np.mean(1000 * ts[5:])` and `np.std(1000 * ts[5:])`.
 * Pure: no I/O, no clock.
 */

/** Summary of one network's timed runs, in milliseconds. */
export interface TimingSummary {
  readonly count: number;
  readonly mean: number;
  /** Population standard deviation (NumPy's default ddof=0, as the paper used). */
  readonly std: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p90: number;
}

// NumPy's pairwise summation block size (PW_BLOCKSIZE in loops_utils.h).
const PAIRWISE_BLOCK = 128;

/** NumPy's pairwise sum of xs[start, start+n): 8 interleaved accumulators per block, halves above the block size. */
function pairwiseSum(xs: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += xs[start + i]!;
    return sum;
  }
  if (n <= PAIRWISE_BLOCK) {
    const r = Array.from({ length: 8 }, (_, j) => xs[start + j]!);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += xs[start + i + j]!;
    let sum = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) sum += xs[start + i]!;
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(xs, start, half) + pairwiseSum(xs, start + half, n - half);
}

/** `np.sum` of a float64 vector (NumPy's pairwise summation, bit for bit). */
export function numpySum(xs: ArrayLike<number>): number {
  return pairwiseSum(xs, 0, xs.length);
}

/** `np.mean` of a float64 vector. */
export function numpyMean(xs: ArrayLike<number>): number {
  return numpySum(xs) / xs.length;
}

/** `np.std` (population, ddof=0) of a float64 vector. */
export function numpyStd(xs: ArrayLike<number>): number {
  const mean = numpyMean(xs);
  const squares = Array.from(xs, (x) => (x - mean) * (x - mean));
  return Math.sqrt(numpySum(squares) / xs.length);
}

/** NumPy's `_lerp`: a + (b-a)t, computed from b's side when t >= 0.5 so that t=1 gives b exactly. */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** `np.quantile(xs, q)` with NumPy's default 'linear' method, for ascending-sorted `sorted`. */
function sortedQuantile(sorted: readonly number[], q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return lerp(sorted[below]!, sorted[above]!, position - below);
}

/** `np.median` for ascending-sorted `sorted`: the middle value, or the mean of the two middle values. */
export function sortedMedian(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ascending = (a: number, b: number) => a - b;

/** Count, mean, population std, median, min, max and 90th percentile of `timesMs` (at least one value). */
export function summarizeTimes(timesMs: readonly number[]): TimingSummary {
  if (timesMs.length === 0) throw new RangeError('summarizeTimes needs at least one time');
  const sorted = [...timesMs].sort(ascending);
  return {
    count: sorted.length,
    mean: numpyMean(timesMs),
    std: numpyStd(timesMs),
    median: sortedMedian(sorted),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    p90: sortedQuantile(sorted, 0.9),
  };
}

/**
 * t_avg and t_std of a protocol's runs in ms: NumPy mean and population std of the runs after the first `discarded`
 * (the paper's `np.mean(1000 * ts[5:])`, `np.std(1000 * ts[5:])`).
 */
export function keptStatistics(timesMs: readonly number[], discarded: number): { t_avg: number; t_std: number } {
  const kept = timesMs.slice(discarded);
  if (kept.length === 0) throw new RangeError(`no runs left after the ${discarded} discarded`);
  return { t_avg: numpyMean(kept), t_std: numpyStd(kept) };
}

/** Two-sided 97.5% normal quantile, for the 95% confidence interval of the median. */
const Z_95 = 1.959963984540054;

/**
 * Distribution-free 95% confidence interval of the median of sorted samples (order statistics at ranks
 * n/2 ± z·√n/2, the normal approximation to the binomial), clamped to the sample range.
 */
export function medianConfidenceInterval(sorted: readonly number[]): { low: number; high: number } {
  const n = sorted.length;
  const spread = (Z_95 * Math.sqrt(n)) / 2;
  const lowRank = Math.max(1, Math.floor(n / 2 - spread));
  const highRank = Math.min(n, Math.ceil(n / 2 + 1 + spread));
  return { low: sorted[lowRank - 1]!, high: sorted[highRank - 1]! };
}

/** Half the width of the median's 95% confidence interval, relative to the median. */
export function medianRelativeHalfWidth(timesMs: readonly number[]): number {
  const sorted = [...timesMs].sort(ascending);
  const { low, high } = medianConfidenceInterval(sorted);
  return (high - low) / 2 / sortedMedian(sorted);
}
