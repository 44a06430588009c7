import { CATALOG } from '../catalog/catalog.js';
import { check } from '../errors.js';
import { RandomState } from '../rng/random-state.js';
import { catalogFeatures, FEATURE_NAMES, type FeatureVector } from './features.js';

/** A network the chooser may pick: an identifier, its group (search space) and its latency features. */
export interface ChooserCandidate {
  readonly id: number;
  readonly group: string;
  readonly features: FeatureVector;
}

/**
 * The features the chooser spreads picks over: ONNX Runtime's kernel features (`ort.*`, the linear MACs no fit prices
 * included: the classifier's width is diversity all the same). Fewer and less redundant than the
 * per-layer ones, they gave calibration sets that predict better on the MacBook and on this machine alike. Weight
 * bytes are left out: the catalog's networks barely vary in weight traffic per MAC (the latency probes price it), and
 * spreading over it would move the picks without widening that range.
 */
const DIVERSITY_COLUMNS = FEATURE_NAMES.flatMap((name, j) => (name.startsWith('ort.') && name !== 'ort.weights.bytes' ? [j] : []));

/** Diversity features on a common scale: log(1 + x) standardized over the candidates, constant columns dropped. */
function standardized(candidates: readonly ChooserCandidate[]): Float64Array[] {
  const n = candidates.length;
  const logs = candidates.map((c) => Float64Array.from(DIVERSITY_COLUMNS, (j) => Math.log1p(c.features[j]!)));
  const columns = [...DIVERSITY_COLUMNS.keys()];
  const mean = columns.map((j) => logs.reduce((s, r) => s + r[j]!, 0) / n);
  const sd = columns.map((j) => Math.sqrt(logs.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / n));
  const kept = columns.filter((j) => sd[j]! > 0);
  return logs.map((r) => Float64Array.from(kept, (j) => (r[j]! - mean[j]!) / sd[j]!));
}

function squaredDistance(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let j = 0; j < a.length; j++) d += (a[j]! - b[j]!) ** 2;
  return d;
}

/** Picks of each group in proportion to its size (largest remainders, earlier groups first on ties). */
function quotas(sizes: readonly number[], k: number): number[] {
  const total = sizes.reduce((s, n) => s + n, 0);
  const exact = sizes.map((n) => (n * k) / total);
  const quota = exact.map(Math.floor);
  const byRemainder = exact.map((x, g) => ({ g, r: x - Math.floor(x) })).sort((p, q) => q.r - p.r || p.g - q.g);
  const left = k - quota.reduce((s, q) => s + q, 0);
  for (let i = 0; i < left; i++) quota[byRemainder[i]!.g]! += 1;
  return quota;
}

/** Medoid iterations after seeding; the assignment settles within a few on catalog-sized groups. */
const MEDOID_ROUNDS = 10;

/**
 * k medoids of `points` (indices into `z`): k-means++ seeding from `rng`, then alternating nearest-medoid assignment
 * and, per cluster, the member nearest the cluster's centroid.
 */
function kMedoids(z: readonly Float64Array[], points: readonly number[], k: number, rng: RandomState): number[] {
  const nearest = new Float64Array(points.length).fill(Infinity);
  const medoids = [points[Math.floor(rng.randomSample() * points.length)]!];
  while (medoids.length < k) {
    const last = z[medoids[medoids.length - 1]!]!;
    let total = 0;
    points.forEach((p, i) => {
      nearest[i] = Math.min(nearest[i]!, squaredDistance(z[p]!, last));
      total += nearest[i]!;
    });
    // Draw proportional to squared distance from the chosen medoids; if every point coincides with one, take an unchosen one.
    let u = rng.randomSample() * total;
    let next = -1;
    for (let i = 0; i < points.length && next < 0; i++) {
      u -= nearest[i]!;
      if (nearest[i]! > 0 && u < 0) next = i;
    }
    medoids.push(next >= 0 ? points[next]! : points.find((p) => !medoids.includes(p))!);
  }
  for (let round = 0; round < MEDOID_ROUNDS; round++) {
    const clusters = medoids.map(() => [] as number[]);
    for (const p of points) {
      // A medoid stays in its own cluster, so no cluster empties and the updated medoids stay distinct.
      const own = medoids.indexOf(p);
      if (own >= 0) {
        clusters[own]!.push(p);
        continue;
      }
      let best = 0;
      for (let c = 1; c < medoids.length; c++) if (squaredDistance(z[p]!, z[medoids[c]!]!) < squaredDistance(z[p]!, z[medoids[best]!]!)) best = c;
      clusters[best]!.push(p);
    }
    const updated = clusters.map((members) => {
      const centroid = new Float64Array(z[0]!.length);
      for (const p of members) for (let j = 0; j < centroid.length; j++) centroid[j] = centroid[j]! + z[p]![j]! / members.length;
      return members.reduce((best, p) => (squaredDistance(z[p]!, centroid) < squaredDistance(z[best]!, centroid) ? p : best));
    });
    if (updated.every((m, c) => m === medoids[c])) break;
    medoids.splice(0, medoids.length, ...updated);
  }
  return medoids;
}

/**
 * Picks k diverse candidates to measure: each group (search space) gets picks in proportion to its size, and within a
 * group the picks are k-medoids in standardized log space of the ONNX Runtime features, so they spread over depth,
 * width, work and kernel mix.
 * Deterministic for a seed; returns candidate ids in ascending order.
 */
export function chooseDiverse(candidates: readonly ChooserCandidate[], k: number, seed = 0): number[] {
  check(Number.isInteger(k) && k >= 1, `the calibration set size must be a whole number >= 1, got ${k}`);
  check(k <= candidates.length, `cannot choose ${k} networks from ${candidates.length}; choose at most ${candidates.length}`);
  const z = standardized(candidates);
  const groups = [...new Set(candidates.map((c) => c.group))];
  const members = groups.map((g) => [...candidates.keys()].filter((i) => candidates[i]!.group === g));
  const quota = quotas(members.map((m) => m.length), k);
  const rng = new RandomState(seed);
  const chosen = members.flatMap((m, g) => (quota[g]! > 0 ? kMedoids(z, m, quota[g]!, rng) : []));
  return chosen.map((i) => candidates[i]!.id).sort((a, b) => a - b);
}

/** `calibrate --calibration-set K`: K diverse catalog indices, spread over the search spaces, laws and work. */
export function chooseCalibrationSet(k: number, seed = 0): number[] {
  const features = catalogFeatures();
  return chooseDiverse(
    CATALOG.map((e) => ({ id: e.index, group: e.space, features: features[e.index]! })),
    k,
    seed,
  );
}
