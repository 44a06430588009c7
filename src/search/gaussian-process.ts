import { check } from '../errors.js';

/** A squared-exponential kernel on standardized features: signal variance, length scale, and observation noise. */
export interface KernelParams {
  readonly signalVariance: number;
  readonly lengthScale: number;
  readonly noiseVariance: number;
}

/** Column means and standard deviations, so every feature counts on the same scale. */
export interface Standardizer {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

/** The standardizer of a set of rows (a constant column gets scale 1). */
export function standardizer(rows: readonly Float64Array[]): Standardizer {
  const d = rows[0]?.length ?? 0;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (const r of rows) for (let f = 0; f < d; f++) mean[f]! += r[f]! / rows.length;
  for (const r of rows) for (let f = 0; f < d; f++) scale[f]! += (r[f]! - mean[f]!) ** 2 / rows.length;
  for (let f = 0; f < d; f++) scale[f] = scale[f]! > 1e-12 ? Math.sqrt(scale[f]!) : 1;
  return { mean, scale };
}

/** The row in standard units. */
export function standardize(s: Standardizer, row: Float64Array): Float64Array {
  return row.map((v, f) => (v - s.mean[f]!) / s.scale[f]!);
}

function kernel(a: Float64Array, b: Float64Array, p: KernelParams): number {
  let d2 = 0;
  for (let f = 0; f < a.length; f++) d2 += (a[f]! - b[f]!) ** 2;
  return p.signalVariance * Math.exp((-0.5 * d2) / (p.lengthScale * p.lengthScale));
}

/** Lower Cholesky factor of a symmetric positive-definite n x n matrix (row-major), in place. */
function cholesky(a: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! ** 2;
    check(d > 0, 'the kernel matrix is not positive definite');
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / ljj;
    }
    for (let k = j + 1; k < n; k++) a[j * n + k] = 0;
  }
  return a;
}

/** Solves L z = b for lower-triangular L, in place on b. */
function forward(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  return b;
}

/** Solves Lᵀ z = b, in place on b. */
function backward(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  return b;
}

function kernelMatrix(x: readonly Float64Array[], p: KernelParams): Float64Array {
  const n = x.length;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = kernel(x[i]!, x[j]!, p);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
    k[i * n + i]! += p.noiseVariance;
  }
  return k;
}

/**
 * The joint posterior of a GP over a fixed set of candidates: their means and covariance given the training rows,
 * updated in place as observations of candidates arrive (a rank-one update each).
 */
export class CandidatePosterior {
  private constructor(
    readonly mean: Float64Array,
    /** m x m covariance of the latent values, row-major. */
    readonly cov: Float64Array,
    readonly size: number,
    readonly noiseVariance: number,
  ) {}

  /** The posterior at `candidates` given targets `y` at `x` (all rows standardized alike). */
  static fit(x: readonly Float64Array[], y: Float64Array, candidates: readonly Float64Array[], p: KernelParams): CandidatePosterior {
    const n = x.length;
    const m = candidates.length;
    const mean = new Float64Array(m);
    const cov = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j <= i; j++) {
        const v = kernel(candidates[i]!, candidates[j]!, p);
        cov[i * m + j] = v;
        cov[j * m + i] = v;
      }
    }
    if (n > 0) {
      const l = cholesky(kernelMatrix(x, p), n);
      const alpha = backward(l, n, forward(l, n, Float64Array.from(y)));
      // v[i] = L⁻¹ k(X, candidate i): the posterior covariance is K_cc − VᵀV.
      const v = candidates.map((c) => {
        const k = Float64Array.from(x, (row) => kernel(row, c, p));
        let mu = 0;
        for (let t = 0; t < n; t++) mu += k[t]! * alpha[t]!;
        return { mu, z: forward(l, n, k) };
      });
      for (let i = 0; i < m; i++) {
        mean[i] = v[i]!.mu;
        const zi = v[i]!.z;
        for (let j = 0; j <= i; j++) {
          const zj = v[j]!.z;
          let s = 0;
          for (let t = 0; t < n; t++) s += zi[t]! * zj[t]!;
          cov[i * m + j]! -= s;
          if (j !== i) cov[j * m + i]! -= s;
        }
      }
    }
    return new CandidatePosterior(mean, cov, m, p.noiseVariance);
  }

  /** The posterior restricted to candidates `indices` (a copy). */
  subset(indices: readonly number[]): CandidatePosterior {
    const m = indices.length;
    const cov = new Float64Array(m * m);
    indices.forEach((a, i) => indices.forEach((b, j) => (cov[i * m + j] = this.cov[a * this.size + b]!)));
    return new CandidatePosterior(Float64Array.from(indices, (a) => this.mean[a]!), cov, m, this.noiseVariance);
  }

  /** Standard deviation of what training candidate i would show: its latent value's doubt plus the observation noise. */
  predictiveStd(i: number): number {
    return Math.sqrt(Math.max(0, this.cov[i * this.size + i]!) + this.noiseVariance);
  }

  /** Standard deviation of candidate i's latent value. */
  std(i: number): number {
    return Math.sqrt(Math.max(0, this.cov[i * this.size + i]!));
  }

  /**
   * Conditions on candidate i having been observed at `y` with the kernel's noise (or `noise`): means move toward
   * the residual in proportion to their covariance with i, and the variance near i shrinks.
   */
  observe(i: number, y: number, noise = this.noiseVariance): void {
    const m = this.size;
    const denom = this.cov[i * m + i]! + noise;
    const column = this.cov.slice(i * m, i * m + m);
    const step = (y - this.mean[i]!) / denom;
    for (let a = 0; a < m; a++) {
      this.mean[a]! += column[a]! * step;
      const ca = column[a]! / denom;
      if (ca === 0) continue;
      for (let b = 0; b < m; b++) this.cov[a * m + b]! -= ca * column[b]!;
    }
  }
}
