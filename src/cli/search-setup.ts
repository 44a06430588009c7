import { parseFormat } from '../onnx/formats.js';
import { parseLatencyMs, parseMemoryBytes } from '../analysis/units.js';
import { CATALOG } from '../catalog/catalog.js';
import { catalogAccuracies } from '../catalog/accuracy.js';
import { loadAccuracyFile } from '../catalog/load-file.js';
import { check, IotnetsError } from '../errors.js';
import { readJsonFile } from '../io/files-node.js';
import { parseLatencyModel } from '../predict/model.js';
import { loadResults } from '../analysis/results-node.js';
import { catalogOnly } from '../analysis/results.js';
import { candidateLabel, lawCandidate, lawCandidates, parsePool, uniqueCandidates, type Candidate } from '../search/candidates.js';
import { describeSearchConstraints, weightMemoryBytes, type SearchConstraints } from '../search/constraints.js';
import { deriveConstrainedLaw, type DerivedLaw } from '../search/derive.js';
import { digest, type SearchIdentity } from '../search/journal.js';
import { modelLatency, resultsLatency, type LatencySource } from '../search/latency.js';
import { sizeCandidate } from '../search/sized.js';
import { evaluateCandidate, Study, type EvaluatedCandidate } from '../search/study.js';
import { AccuracySurrogate, type Observation } from '../search/surrogate.js';
import { getSpace, listSpaces, validateRanges, type Ranges } from '../zoo/index.js';
import { parseJsonOption } from './network-options.js';

/** The options that define a search (stored in its journal, so `search ask` can continue it). */
export interface SearchDefinition {
  pool?: string;
  space?: string;
  law?: string;
  ranges?: string;
  ids: string;
  derive?: boolean;
  deriveYield: string;
  format: string;
  maxWeights?: string;
  maxActivations?: string;
  maxFlops?: string;
  maxLatency?: string;
  latencyResults?: string;
  latencyModel?: string;
  /** Measure each network live before it is proposed (the latency model prefilters). */
  measure?: boolean;
  prior: string;
}

/** The keys of SearchDefinition, to pick them out of parsed options. */
export const DEFINITION_KEYS = [
  'pool', 'space', 'law', 'ranges', 'ids', 'derive', 'deriveYield', 'format',
  'maxWeights', 'maxActivations', 'maxFlops', 'maxLatency', 'latencyResults', 'latencyModel', 'measure', 'prior',
] as const satisfies readonly (keyof SearchDefinition)[];

/** Everything a search needs, built from its definition. */
export interface SearchSetup {
  readonly study: Study;
  readonly identity: SearchIdentity;
  readonly constraints: SearchConstraints;
  readonly latency?: LatencySource;
  readonly derived: readonly DerivedLaw[];
  readonly prior: readonly Observation[];
  readonly priorPoints: readonly PriorPoint[];
}

function list(text: string | undefined): string[] | undefined {
  return text?.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Ids `A-B` (inclusive) or a single id. */
function parseIds(text: string): { first: number; count: number } {
  const m = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(text);
  check(m, `--ids: '${text}' is not an id range; write e.g. 0-199`);
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  check(first <= last && last <= 0xffffffff, `--ids: ${text} must run upwards within 0..4294967295`);
  return { first, count: last - first + 1 };
}

/** The constraints the definition names. */
export function searchConstraints(d: SearchDefinition): SearchConstraints {
  const maxFlops = d.maxFlops === undefined ? undefined : Number(d.maxFlops);
  check(maxFlops === undefined || (Number.isFinite(maxFlops) && maxFlops > 0), `--max-flops must be a positive number, got '${d.maxFlops}'`);
  return {
    format: parseFormat(d.format),
    ...(d.maxWeights !== undefined ? { maxWeightBytes: parseMemoryBytes(d.maxWeights) } : {}),
    ...(d.maxActivations !== undefined ? { maxActivationBytes: parseMemoryBytes(d.maxActivations) } : {}),
    ...(maxFlops !== undefined ? { maxFlops } : {}),
    ...(d.maxLatency !== undefined ? { maxLatencyMs: parseLatencyMs(d.maxLatency) } : {}),
  };
}

async function latencySource(d: SearchDefinition): Promise<LatencySource | undefined> {
  check(!(d.latencyResults && d.latencyModel), 'give one latency source: --latency-results or --latency-model, not both');
  if (d.latencyResults !== undefined) {
    const results = await loadResults(d.latencyResults);
    return resultsLatency(catalogOnly(results.measurements, d.latencyResults, 'a search'), d.latencyResults);
  }
  check(!d.measure || (d.latencyModel !== undefined && d.maxLatency !== undefined), '--measure confirms --max-latency on this machine and needs --latency-model to prefilter with (fit one with `iotnets calibrate --calibration-set` on this machine)');
  if (d.latencyModel !== undefined) return modelLatency(parseLatencyModel(readJsonFile(d.latencyModel, 'a latency model from `iotnets predict fit`'), d.latencyModel), d.latencyModel);
  check(d.maxLatency === undefined, '--max-latency needs a latency source: --latency-results FILE (or paper:raspi) or --latency-model FILE');
  return undefined;
}

function deriveYield(d: SearchDefinition): number {
  const target = Number(d.deriveYield);
  check(target > 0 && target <= 1, `--derive-yield must be a fraction in (0, 1], got '${d.deriveYield}'`);
  return target;
}

/** The candidates the definition names: a pool file, derived laws, custom ranges, or spaces and laws (all by default). */
function candidatesOf(d: SearchDefinition, constraints: SearchConstraints, latency: LatencySource | undefined): { candidates: Candidate[]; derived: DerivedLaw[] } {
  if (d.pool !== undefined) {
    check(d.space === undefined && d.law === undefined && d.ranges === undefined && !d.derive, '--pool names the candidates itself: drop --space, --law, --ranges and --derive');
    return { candidates: parsePool(readJsonFile(d.pool, 'a JSON array of {spacename, law, id} or {space, args}'), d.pool), derived: [] };
  }
  const { first, count } = parseIds(d.ids);
  const spaces = list(d.space) ?? listSpaces().map((s) => s.name);
  spaces.forEach((s) => getSpace(s));
  if (d.ranges !== undefined) {
    check(spaces.length === 1 && d.law === undefined && !d.derive, '--ranges needs exactly one --space, and no --law or --derive');
    const ranges = validateRanges(spaces[0]!, parseJsonOption(d.ranges, '--ranges')) as Ranges;
    return { candidates: lawCandidates(spaces[0]!, ranges, count, first), derived: [] };
  }
  if (d.derive) {
    check(d.law === undefined, '--derive narrows the laws itself: drop --law');
    check(constraints.maxLatencyMs === undefined || d.latencyModel !== undefined, '--derive with --max-latency needs --latency-model: new networks are not in a results file');
    const target = deriveYield(d);
    const derived = spaces.flatMap((space) => {
      try {
        return [
          deriveConstrainedLaw(space, constraints, latency, { target }),
        ];
      } catch (e) {
        if (spaces.length === 1) throw e;
        return [];
      }
    });
    check(derived.length > 0, `no space's laws narrow to a yield of ${(target * 100).toFixed(0)}% under ${describeSearchConstraints(constraints)}; relax the constraints or lower --derive-yield`);
    return { candidates: uniqueCandidates(derived.flatMap((l) => lawCandidates(l.space, l.ranges, count, first))), derived };
  }
  const candidates = spaces.flatMap((space) => (list(d.law) ?? Object.keys(getSpace(space).laws)).map((law) => lawCandidates(space, law, count, first))).flat();
  return { candidates: uniqueCandidates(candidates), derived: [] };
}

/** A prior network as the search's charts draw it. */
export interface PriorPoint {
  readonly label: string;
  readonly accuracy: number;
  readonly weightBytes: number;
  readonly latencyMs?: number;
}

/** The prior's networks with their accuracy and features, points for the charts, and a lookup of the accuracy by network. */
function priorOf(path: string, constraints: SearchConstraints, latency: LatencySource | undefined) {
  if (path === 'none') return { observations: [], points: [], accuracyOf: () => undefined, label: 'none' };
  const table = catalogAccuracies(loadAccuracyFile(path));
  const byKey = new Map<string, number>();
  const points: PriorPoint[] = [];
  const observations: Observation[] = [...table.entries()].map(([index, e]) => {
    const { space, law, id } = CATALOG[index]!;
    const { sized, graph } = sizeCandidate(lawCandidate(space, law, id));
    byKey.set(sized.key, e.accuracy);
    const latencyMs = latency?.latencyMs(sized, graph);
    points.push({ label: `#${index} ${candidateLabel(sized)}`, accuracy: e.accuracy, weightBytes: weightMemoryBytes(sized.size, constraints.format), ...(latencyMs !== undefined ? { latencyMs } : {}) });
    return { features: sized.features, accuracy: e.accuracy };
  });
  return { observations, points, accuracyOf: (c: Candidate) => byKey.get(c.key), label: `${path} (${observations.length} networks)` };
}

/** Builds the study a definition describes: candidates, constraints, latency, the prior and the surrogate fit on it. */
export async function setUpSearch(d: SearchDefinition, progress: (line: string) => void): Promise<SearchSetup> {
  const constraints = searchConstraints(d);
  const latency = await latencySource(d);
  const { candidates, derived } = candidatesOf(d, constraints, latency);
  for (const l of derived) progress(`derived law for ${l.space}: ${JSON.stringify(l.ranges)} (yield ${(l.yield * 100).toFixed(1)}% of ${l.samples} samples)`);
  const evaluated: EvaluatedCandidate[] = [];
  const unbuildable: string[] = [];
  for (const c of candidates) {
    try {
      evaluated.push(evaluateCandidate(sizeCandidate(c), constraints, latency));
    } catch (e) {
      if (!(e instanceof IotnetsError)) throw e;
      check(d.pool === undefined, () => `${d.pool}: ${candidateLabel(c)} cannot be built (${e.message}); fix or remove that entry`);
      unbuildable.push(candidateLabel(c));
    }
  }
  if (unbuildable.length > 0) progress(`note: ${unbuildable.length} sampled networks cannot be built and are left out (first: ${unbuildable[0]})`);
  const prior = priorOf(d.prior, constraints, latency);
  progress(`${evaluated.filter((c) => c.feasible).length} of ${evaluated.length} candidates meet ${describeSearchConstraints(constraints)}; fitting the surrogate on ${prior.label}`);
  const surrogate = AccuracySurrogate.fit(prior.observations);
  const study = new Study(evaluated, constraints, surrogate, prior.accuracyOf);
  return {
    study,
    constraints,
    ...(latency ? { latency } : {}),
    derived,
    prior: prior.observations,
    priorPoints: prior.points,
    identity: {
      constraints: describeSearchConstraints(constraints),
      ...(latency ? { latency: d.measure ? `${latency.label}, each proposal measured on this machine` : latency.label } : {}),
      prior: prior.label,
      candidates: evaluated.length,
      candidatesDigest: digest(evaluated.map((c) => c.key)),
    },
  };
}
