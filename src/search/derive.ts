import { check, field, IotnetsError } from '../errors.js';
import { getSpace, type Ranges } from '../zoo/index.js';
import { lawCandidate, type Candidate } from './candidates.js';
import { constraintExcess, describeAgainstConstraints, type SearchConstraints } from './constraints.js';
import type { LatencySource } from './latency.js';
import { sizeCandidate } from './sized.js';

/** A law narrowed to the constraints: its ranges (as `info --ranges` and `calibrate` take them) and its yield. */
export interface DerivedLaw {
  readonly space: string;
  readonly ranges: Ranges;
  /** Share of ids 0..samples-1 that meet the constraints. */
  readonly yield: number;
  readonly samples: number;
}

/** How a law is derived. */
export interface DeriveOptions {
  /** Ids the yield is measured on (0..samples-1). */
  readonly samples?: number;
  /** Yield to reach. */
  readonly target?: number;
  readonly maxSteps?: number;
  /** How a network stands against the constraints ("2588 params, 10352 B of fp32 weights ..."), for the error when none can meet them. */
  readonly explain?: (c: Candidate) => string;
}

/** Samples each candidate narrowing is judged on. */
const PROBE_SAMPLES = 50;

/** Narrowing steps in a row with no network meeting the constraints before the space is given up. */
const BARREN_STEPS = 12;

/** What a network that cannot be built (or has no known latency) counts as missing the constraints by. */
const UNBUILDABLE_EXCESS = 10;

/** Each narrowing step keeps this share of a range. */
const KEEP = 0.6;

/** The widest law of a space: every range key spans all its laws' ranges, every choice key all their choices. */
export function envelopeLaw(space: string): Ranges {
  const def = getSpace(space);
  const laws = Object.values(def.laws);
  return Object.fromEntries(
    Object.entries(def.rangeKinds).map(([key, kind]) => {
      const values = laws.map((l) => l[key]!);
      if (kind === 'range') return [key, [Math.min(...values.map((v) => v[0]!)), Math.max(...values.map((v) => v[1]!))]];
      return [key, [...new Set(values.flat())].sort((a, b) => a - b)];
    }),
  );
}

/** The narrowest law at a space's low end: every range key at its envelope's lowest value, every choice key its smallest. */
export function lowestLaw(space: string): Ranges {
  const widest = envelopeLaw(space);
  return Object.fromEntries(
    Object.entries(getSpace(space).rangeKinds).map(([key, kind]) => {
      const v = widest[key]!;
      return [key, kind === 'range' ? [v[0]!, v[0]! + 1] : [Math.min(...v)]];
    }),
  );
}

/** The narrower laws one step away: each range cut from above or from below to KEEP of its width, each choice less one value. */
function narrowings(space: string, ranges: Ranges): Ranges[] {
  const out: Ranges[] = [];
  for (const [key, kind] of Object.entries(getSpace(space).rangeKinds)) {
    const v = ranges[key]!;
    if (kind === 'range') {
      const [low, high] = [v[0]!, v[1]!];
      if (high - low < 2) continue;
      const width = Math.max(1, Math.floor((high - low) * KEEP));
      out.push({ ...ranges, [key]: [low, low + width] }, { ...ranges, [key]: [high - width, high] });
    } else if (v.length > 1) {
      for (const drop of v) out.push({ ...ranges, [key]: v.filter((x) => x !== drop) });
    }
  }
  return out;
}

function volume(space: string, ranges: Ranges): number {
  return Object.entries(getSpace(space).rangeKinds).reduce((s, [key, kind]) => {
    const v = ranges[key]!;
    return s + Math.log(kind === 'range' ? v[1]! - v[0]! : v.length);
  }, 0);
}

/**
 * Narrows a space's widest law, one range at a time, until at least `target` of its samples meet the constraints
 * (`excess` is 0 for such a network, else how far it misses them; a network that cannot be built misses): each step
 * takes the narrowing with the highest yield, then the smallest mean miss, then the widest. Throws a one-line error
 * when no narrowing reaches the target.
 */
export function deriveLaw(space: string, excess: (c: Candidate) => number, o: DeriveOptions = {}): DerivedLaw {
  const samples = o.samples ?? 200;
  const target = o.target ?? 0.8;
  check(target > 0 && target <= 1, `the derived law's target yield must be in (0, 1], got ${target}`);
  // The share of samples meeting the constraints, and how far the others miss them on average (to steer when none do).
  const judge = (ranges: Ranges, count: number) => {
    let ok = 0;
    let miss = 0;
    let closest: { candidate: Candidate; excess: number } | undefined;
    for (let id = 0; id < count; id++) {
      const candidate = lawCandidate(space, ranges, id);
      let e = Infinity;
      try {
        e = excess(candidate);
      } catch (err) {
        if (!(err instanceof IotnetsError)) throw err;
      }
      if (e === 0) ok += 1;
      miss += Number.isFinite(e) ? e : UNBUILDABLE_EXCESS;
      if (Number.isFinite(e) && (!closest || e < closest.excess)) closest = { candidate, excess: e };
    }
    return { yield: ok / count, miss: miss / count, closest };
  };
  // Steps compare narrowings on a few samples; a law that looks good enough is confirmed on all of them.
  const probe = Math.min(samples, PROBE_SAMPLES);
  const widest = envelopeLaw(space);
  let best = { ranges: widest, ...judge(widest, probe) };
  let barren = 0;
  for (let step = 0; step < (o.maxSteps ?? 60) && barren < BARREN_STEPS; step++) {
    if (best.yield >= target) {
      const confirmed = judge(best.ranges, samples).yield;
      if (confirmed >= target) return { space, ranges: best.ranges, yield: confirmed, samples };
    }
    const next = narrowings(space, best.ranges)
      .map((ranges) => ({ ranges, ...judge(ranges, probe), volume: volume(space, ranges) }))
      .sort((a, b) => b.yield - a.yield || a.miss - b.miss || b.volume - a.volume)[0];
    if (!next) break;
    barren = next.yield === 0 ? barren + 1 : 0;
    best = next;
  }
  // The narrowing gave up: either the space's smallest networks meet the constraints too rarely, or (rarely) the greedy
  // steps missed the low end, which is then the law.
  const lowest = lowestLaw(space);
  const low = judge(lowest, samples);
  if (low.yield >= target) return { space, ranges: lowest, yield: low.yield, samples };
  const smallest = `its smallest networks (every range at its low end, ${JSON.stringify(lowest)})`;
  const why =
    low.yield > 0
      ? `: ${smallest} meet the constraints in ${(low.yield * 100).toFixed(1)}% of ${samples} samples, the best narrowing in ${(best.yield * 100).toFixed(1)}% of ${probe}`
      : low.closest && o.explain
        ? `: ${smallest} miss the constraints, the closest with ${o.explain(low.closest.candidate)}`
        : ` (best ${(best.yield * 100).toFixed(1)}% of ${probe} samples)`;
  throw new IotnetsError(`no narrowing of ${space}'s laws reaches a yield of ${(target * 100).toFixed(0)}%${why}; relax the constraints or lower ${field('deriveYield')}`);
}

/** A space's law narrowed to the constraints, each sample built and its latency taken from `latency` (when bounded). */
export function deriveConstrainedLaw(space: string, constraints: SearchConstraints, latency: LatencySource | undefined, o: Omit<DeriveOptions, 'explain'> = {}): DerivedLaw {
  const judged = (c: Candidate) => {
    const { sized, graph } = sizeCandidate(c);
    return { size: sized.size, latencyMs: constraints.maxLatencyMs === undefined ? undefined : latency?.latencyMs(sized, graph) };
  };
  return deriveLaw(
    space,
    (c) => {
      const j = judged(c);
      return constraintExcess(j.size, j.latencyMs, constraints);
    },
    {
      ...o,
      explain: (c) => {
        const j = judged(c);
        return describeAgainstConstraints(j.size, j.latencyMs, constraints);
      },
    },
  );
}
