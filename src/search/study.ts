import { check, field } from '../errors.js';
import type { Graph } from '../graph/graph.js';
import { pickByImprovement } from './acquisition.js';
import type { Candidate } from './candidates.js';
import { meetsSearchConstraints, meetsSizeConstraints, noFeasibleError, weightMemoryBytes, type SearchConstraints } from './constraints.js';
import type { LatencySource } from './latency.js';
import { sizeCandidate, type SizedCandidate } from './sized.js';
import type { AccuracySurrogate } from './surrogate.js';

/** A candidate with its latency on the target device and whether it meets the constraints. */
export interface EvaluatedCandidate extends SizedCandidate {
  readonly latencyMs?: number;
  /** The latency was measured live on this machine (else it is the latency source's). */
  readonly latencyMeasured?: boolean;
  readonly weightBytes: number;
  readonly feasible: boolean;
}

/**
 * Sizes every candidate and checks it against the constraints; latency is asked of the source only for candidates
 * that meet every other bound (the cheap checks filter first).
 */
export function evaluateCandidates(candidates: readonly Candidate[], constraints: SearchConstraints, latency?: LatencySource): EvaluatedCandidate[] {
  return candidates.map((c) => evaluateCandidate(sizeCandidate(c), constraints, latency));
}

/** One sized candidate checked against the constraints. */
export function evaluateCandidate({ sized, graph }: { sized: SizedCandidate; graph: Graph }, constraints: SearchConstraints, latency?: LatencySource): EvaluatedCandidate {
  const weightBytes = weightMemoryBytes(sized.size, constraints.format);
  const sizeOk = meetsSizeConstraints(sized.size, constraints);
  const latencyMs = latency !== undefined && (sizeOk || constraints.maxLatencyMs === undefined) ? latency.latencyMs(sized, graph) : undefined;
  const feasible = sizeOk && meetsSearchConstraints(sized.size, latencyMs, constraints);
  // Object.assign, not a spread: V8 adds a property after a spread on a slow path (about 1 µs each, per candidate).
  return Object.assign({}, sized, latencyMs !== undefined ? { weightBytes, latencyMs, feasible } : { weightBytes, feasible });
}

/** A network the study proposes to train, with what the surrogate expects of it. */
export interface Proposal {
  readonly candidate: EvaluatedCandidate;
  readonly mean: number;
  readonly std: number;
  readonly probabilityOfImprovement: number;
  readonly expectedImprovement: number;
}

/** How the study treats one feasible candidate. */
export type Standing = 'known' | 'trained' | 'failed' | 'pending' | 'open';

/** A feasible candidate's row in the ranking: known or trained accuracy, or the prediction with its doubt. */
export interface RankedCandidate {
  readonly candidate: EvaluatedCandidate;
  readonly standing: Standing;
  /** The accuracy, known (prior), trained, or predicted (posterior mean). */
  readonly accuracy: number;
  /** Standard deviation of the accuracy a training would show (0 for known or trained networks). */
  readonly std: number;
}

/** Candidates given a full joint posterior: the best predicted ones, beyond which no network can plausibly win. */
const CONTENDERS = 400;

/**
 * A constrained search in the style of ask/tell: the feasible candidates, what the prior already knows of them, and
 * every training told so far; `ask` proposes the next networks to train by probability of improvement.
 */
export class Study {
  private prefiltered: EvaluatedCandidate[];
  private readonly known = new Map<string, number>();
  private readonly trained = new Map<string, number>();
  private readonly failed = new Set<string>();

  /**
   * `knownAccuracy` gives the prior's accuracy of a candidate it already holds: such a network is reported as known
   * and never trained. Throws a one-line error when no candidate meets the constraints.
   */
  constructor(
    readonly candidates: readonly EvaluatedCandidate[],
    readonly constraints: SearchConstraints,
    private readonly surrogate: AccuracySurrogate,
    knownAccuracy: (c: Candidate) => number | undefined,
  ) {
    check(candidates.length > 0, `there are no candidates: give ${field('pool')}, ${field('space')}/${field('law')}, ${field('ranges')} or ${field('derive')}`);
    this.prefiltered = candidates.filter((c) => c.feasible);
    if (this.prefiltered.length === 0) throw noFeasibleError(candidates.map((c) => ({ size: c.size, latencyMs: c.latencyMs })), constraints);
    for (const c of this.feasible) {
      const accuracy = knownAccuracy(c);
      if (accuracy !== undefined) this.known.set(c.key, accuracy);
    }
  }

  /** The candidates that meet the constraints (by their latency source, or measured where measured). */
  get feasible(): readonly EvaluatedCandidate[] {
    return this.prefiltered;
  }

  /** Whether candidate `key` is feasible by its measured latency (one measured over the bound has left the candidates). */
  confirmed(key: string): boolean {
    return this.prefiltered.some((c) => c.key === key && c.latencyMeasured === true);
  }

  /**
   * Records candidate `key`'s latency as measured on the device: it replaces the prediction, and a candidate over the
   * latency bound leaves the feasible set (it is never proposed).
   */
  measure(key: string, latencyMs: number): void {
    this.prefiltered = this.prefiltered.flatMap((c) => {
      if (c.key !== key) return [c];
      const candidate = { ...c, latencyMs, latencyMeasured: true, feasible: meetsSearchConstraints(c.size, latencyMs, this.constraints) };
      return candidate.feasible ? [candidate] : [];
    });
  }

  /** Records a finished training of candidate `key`: its accuracy, or undefined for a failed trial. */
  tell(key: string, accuracy: number | undefined): void {
    if (accuracy === undefined) this.failed.add(key);
    else this.trained.set(key, accuracy);
  }

  /** The best accuracy among feasible networks known or trained so far (-Infinity when none). */
  incumbent(): number {
    return Math.max(-Infinity, ...this.known.values(), ...this.trained.values());
  }

  /** True when a feasible candidate is neither known, trained, failed nor in `pending`: it may still be proposed. */
  private isOpen(c: EvaluatedCandidate, pending: ReadonlySet<string>): boolean {
    return !this.known.has(c.key) && !this.trained.has(c.key) && !this.failed.has(c.key) && !pending.has(c.key);
  }

  /** The posterior over the contenders, the trained networks and the pending ones, conditioned on every training. */
  private conditioned(pending: ReadonlySet<string>): { pool: EvaluatedCandidate[]; posterior: ReturnType<AccuracySurrogate['posterior']> } {
    const open = this.feasible.filter((c) => this.isOpen(c, pending));
    const contenders = open.length <= CONTENDERS ? open : open.map((c) => ({ c, m: this.surrogate.ensembleMean(c.features) })).sort((a, b) => b.m - a.m).slice(0, CONTENDERS).map((x) => x.c);
    const observed = this.feasible.filter((c) => this.trained.has(c.key) || pending.has(c.key));
    const pool = [...observed, ...contenders];
    const posterior = this.surrogate.posterior(pool.map((c) => c.features));
    pool.forEach((c, i) => {
      const accuracy = this.trained.get(c.key);
      if (accuracy !== undefined) posterior.observe(i, accuracy);
    });
    // Pending trainings are believed to land at their mean, so a batch does not pile onto one region.
    pool.forEach((c, i) => {
      if (pending.has(c.key)) posterior.observe(i, posterior.mean[i]!);
    });
    return { pool, posterior };
  }

  /** Up to `count` networks to train next, none of them known, trained, failed or among `pending` keys. */
  ask(count: number, pending: ReadonlySet<string> = new Set()): Proposal[] {
    const { pool, posterior } = this.conditioned(pending);
    const eligible = pool.flatMap((c, i) => (this.isOpen(c, pending) ? [i] : []));
    return pickByImprovement(posterior, eligible, this.incumbent(), count).map((p) => ({
      candidate: pool[p.index]!,
      mean: p.mean,
      std: p.std,
      probabilityOfImprovement: p.probabilityOfImprovement,
      expectedImprovement: p.expectedImprovement,
    }));
  }

  /** The feasible candidates ranked by accuracy (known, trained or predicted), best first, up to `limit`. */
  ranking(limit: number, pending: ReadonlySet<string> = new Set()): RankedCandidate[] {
    const { pool, posterior } = this.conditioned(pending);
    const rows: RankedCandidate[] = this.feasible.filter((c) => this.known.has(c.key)).map((c) => ({ candidate: c, standing: 'known', accuracy: this.known.get(c.key)!, std: 0 }));
    pool.forEach((c, i) => {
      const trained = this.trained.get(c.key);
      rows.push(
        trained !== undefined
          ? { candidate: c, standing: 'trained', accuracy: trained, std: 0 }
          : { candidate: c, standing: pending.has(c.key) ? 'pending' : 'open', accuracy: posterior.mean[i]!, std: posterior.predictiveStd(i) },
      );
    });
    return rows.sort((a, b) => b.accuracy - a.accuracy).slice(0, limit);
  }
}
