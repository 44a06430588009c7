import { check, field } from '../errors.js';
import { RandomState } from '../rng/random-state.js';
import { spearman } from '../analysis/crossdevice.js';
import { fitBoosted, predictBoosted, type BoostedTrees, type BoostingOptions } from './boosting.js';
import { CandidatePosterior, standardize, standardizer, type KernelParams, type Standardizer } from './gaussian-process.js';

/** A network with a known accuracy (fraction), as the surrogate learns from it. */
export interface Observation {
  readonly features: Float64Array;
  readonly accuracy: number;
}

/** How the surrogate is fit. */
export interface SurrogateOptions {
  readonly boosting?: Partial<BoostingOptions>;
  /** Bootstrap members of the tree ensemble. */
  readonly members?: number;
  readonly seed?: number;
}

/**
 * The residual kernel's length scale (standard units of the features) and the share of the residuals' variance it
 * calls signal (the rest is noise). Broad on purpose: the marginal likelihood of the out-of-bag residuals prefers the
 * shortest scale (at the scale of single networks they look like white noise), which corrects nothing at a new
 * network; a broad kernel corrects the trees' regional biases. Chosen on bench:search's development splits 5-14 (the
 * reported splits are 0-4): best found at T=3 / T=5 83.4% / 90.3% with the likelihood's choice, 85.3% / 91.7% with
 * this one (length scales 4-16 and shares 0.2-0.5 all did better than the likelihood's choice).
 */
const LENGTH_SCALE = 8;
const SIGNAL_SHARE = 0.5;

/** Smallest residual variance the kernel assumes (a prior the trees fit exactly still needs a positive-definite kernel). */
const MIN_RESIDUAL_VARIANCE = 1e-8;

/** Fewest prior networks the surrogate is fit on: fewer leave the trees nothing to split. */
const MIN_PRIOR = 10;

/** The accuracy expected of a network when nothing is known. */
const NO_PRIOR_MEAN = 0.5;

/** Kernel with no prior to learn from: residuals of a few points, on the scale of accuracy differences. */
const NO_PRIOR_KERNEL: KernelParams = { signalVariance: 0.01, lengthScale: 3, noiseVariance: 1e-4 };

/**
 * Folds over the prior's architectures: repeat trainings of one network (equal features) share a fold, so a held-out
 * network's own twin never teaches its prediction (the paper trained 36 architectures more than once).
 */
function foldsOf(prior: readonly Observation[], folds: number, seed: number): Int32Array {
  const architectures = new Map<string, number[]>();
  prior.forEach((o, i) => {
    const key = o.features.join(',');
    architectures.set(key, [...(architectures.get(key) ?? []), i]);
  });
  const order = [...architectures.values()];
  new RandomState(seed).shuffle(order);
  const fold = new Int32Array(prior.length);
  order.forEach((rows, position) => rows.forEach((row) => (fold[row] = position % folds)));
  return fold;
}

function residualKernel(residual: Float64Array): KernelParams {
  const variance = Math.max(MIN_RESIDUAL_VARIANCE, residual.reduce((sum, v) => sum + v * v, 0) / residual.length);
  return { signalVariance: variance * SIGNAL_SHARE, lengthScale: LENGTH_SCALE, noiseVariance: variance * (1 - SIGNAL_SHARE) };
}

/** Bootstrap members of the tree ensemble (bagging steadies the mean; out-of-bag rows give honest residuals). */
const DEFAULT_MEMBERS = 16;

function bootstrapRows(n: number, rng: RandomState): Int32Array {
  return Int32Array.from({ length: n }, () => rng.randintScalar(0, n));
}

/**
 * The accuracy surrogate: a bagged ensemble of boosted trees on graph features gives each network's mean; a Gaussian
 * process on the ensemble's out-of-bag residuals gives the doubt about it and carries what each new training reveals
 * to the networks that resemble it.
 */
export class AccuracySurrogate {
  private constructor(
    private readonly members: readonly BoostedTrees[],
    private readonly scaler: Standardizer | undefined,
    private readonly residualRows: readonly Float64Array[],
    private readonly residuals: Float64Array,
    readonly kernel: KernelParams,
  ) {}

  /** Fits the surrogate on the prior's networks (none: a flat mean, and only the search's own trainings teach it). */
  static fit(prior: readonly Observation[], options: SurrogateOptions = {}): AccuracySurrogate {
    if (prior.length === 0) return new AccuracySurrogate([], undefined, [], new Float64Array(0), NO_PRIOR_KERNEL);
    check(prior.length >= MIN_PRIOR, `the prior has ${prior.length} networks with accuracy; the surrogate needs at least ${MIN_PRIOR} (or ${field('prior')} none)`);
    const seed = options.seed ?? 0;
    const x = prior.map((o) => o.features);
    const y = Float64Array.from(prior, (o) => o.accuracy);
    const n = x.length;
    const rng = new RandomState(seed);
    const oobSum = new Float64Array(n);
    const oobCount = new Int32Array(n);
    const members = Array.from({ length: options.members ?? DEFAULT_MEMBERS }, (_, m) => {
      const rows = bootstrapRows(n, rng);
      const inBag = new Uint8Array(n);
      for (const r of rows) inBag[r] = 1;
      const model = fitBoosted(Array.from(rows, (r) => x[r]!), Float64Array.from(rows, (r) => y[r]!), { ...options.boosting, seed: seed + m });
      for (let i = 0; i < n; i++) {
        if (inBag[i]) continue;
        oobSum[i]! += predictBoosted(model, x[i]!);
        oobCount[i]! += 1;
      }
      return model;
    });
    const used = Array.from({ length: n }, (_, i) => i).filter((i) => oobCount[i]! > 0);
    const residuals = Float64Array.from(used, (i) => y[i]! - oobSum[i]! / oobCount[i]!);
    const scaler = standardizer(x);
    const rows = used.map((i) => standardize(scaler, x[i]!));
    const kernel = residualKernel(residuals);
    return new AccuracySurrogate(members, scaler, rows, residuals, kernel);
  }

  private readonly means = new WeakMap<Float64Array, number>();
  private universe?: { readonly index: ReadonlyMap<Float64Array, number>; readonly posterior: CandidatePosterior };

  /** The ensemble's mean accuracy of one network (before any residual correction), computed once per feature vector. */
  ensembleMean(features: Float64Array): number {
    if (this.members.length === 0) return NO_PRIOR_MEAN;
    let mean = this.means.get(features);
    if (mean === undefined) {
      mean = this.members.reduce((s, m) => s + predictBoosted(m, features), 0) / this.members.length;
      this.means.set(features, mean);
    }
    return mean;
  }

  /**
   * Computes the joint posterior of every candidate a search may ask about once, so that each later posterior of some
   * of them is a copy of its rows (many searches over one pool, as in a benchmark, cost one fit).
   */
  prepare(universe: readonly Float64Array[]): void {
    this.universe = { index: new Map(universe.map((f, i) => [f, i])), posterior: this.fresh(universe) };
  }

  private scaled(features: Float64Array): Float64Array {
    return this.scaler ? standardize(this.scaler, features) : features;
  }

  /** The joint posterior accuracy of the candidates (by feature vector), before any of them is trained. */
  posterior(candidates: readonly Float64Array[]): CandidatePosterior {
    const u = this.universe;
    const rows = u ? candidates.map((c) => u.index.get(c)) : [];
    if (u && rows.every((r) => r !== undefined)) return u.posterior.subset(rows as number[]);
    return this.fresh(candidates);
  }

  private fresh(candidates: readonly Float64Array[]): CandidatePosterior {
    const posterior = CandidatePosterior.fit(this.residualRows, this.residuals, candidates.map((c) => this.scaled(c)), this.kernel);
    candidates.forEach((c, i) => (posterior.mean[i]! += this.ensembleMean(c)));
    return posterior;
  }
}

/** How well the surrogate predicts held-out networks of the prior. */
export interface CrossValidation {
  readonly folds: number;
  readonly spearman: number;
  /** Mean absolute error, as a fraction (0.007 = 0.7 points). */
  readonly mae: number;
}

/** K-fold cross-validation of the surrogate on the prior: each network predicted by a surrogate fit without it or its twins. */
export function crossValidate(prior: readonly Observation[], folds = 5, options: SurrogateOptions = {}): CrossValidation {
  check(prior.length >= folds * MIN_PRIOR, `cross-validation needs at least ${folds * MIN_PRIOR} prior networks, got ${prior.length}`);
  const fold = foldsOf(prior, folds, options.seed ?? 0);
  const predicted = new Float64Array(prior.length);
  for (let f = 0; f < folds; f++) {
    const held = prior.flatMap((_, i) => (fold[i] === f ? [i] : []));
    const surrogate = AccuracySurrogate.fit(prior.filter((_, i) => fold[i] !== f), options);
    const posterior = surrogate.posterior(held.map((i) => prior[i]!.features));
    held.forEach((i, k) => (predicted[i] = posterior.mean[k]!));
  }
  const actual = prior.map((o) => o.accuracy);
  const mae = actual.reduce((s, a, i) => s + Math.abs(a - predicted[i]!), 0) / actual.length;
  return { folds, spearman: spearman(Array.from(predicted), actual), mae };
}
