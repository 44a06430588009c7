import { catalogIndexOf } from '../catalog/catalog.js';
import { check } from '../errors.js';
import { getSpace, lawConfig, sample, validateRanges, type Args, type Ranges } from '../zoo/index.js';

/** One network the search may propose: a search-space member, by law and id or by explicit arguments. */
export interface Candidate {
  /** Identity by architecture: space and arguments, so the same network reached twice is one candidate. */
  readonly key: string;
  readonly space: string;
  /** A named law, or the ranges (custom or derived) the network was sampled from. */
  readonly law?: string | Ranges;
  readonly id?: number;
  readonly args: Args;
}

/** The identity of a network by architecture. */
export function networkKey(space: string, args: Args): string {
  return `${space}:${JSON.stringify(args)}`;
}

/** The candidate (space, law or ranges, id): the network the original sampler draws. */
export function lawCandidate(space: string, law: string | Ranges, id: number): Candidate {
  const args = sample(space, law, id);
  return { key: networkKey(space, args), space, law, id, args };
}

/** Candidates with ids `first`..`first + count - 1` of a law or ranges. */
export function lawCandidates(space: string, law: string | Ranges, count: number, first = 0): Candidate[] {
  check(Number.isInteger(count) && count >= 1, `the number of candidates must be a whole number >= 1, got ${count}`);
  const ranges = typeof law === 'string' ? lawConfig(space, law) : validateRanges(space, law);
  return Array.from({ length: count }, (_, i) => lawCandidate(space, typeof law === 'string' ? law : ranges, first + i));
}

/** The same candidates with each network once (the first occurrence), in order. */
export function uniqueCandidates(candidates: readonly Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => !seen.has(c.key) && seen.add(c.key));
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Candidates of a pool file: a JSON array of `{spacename, law, id}` (law a name or ranges) or `{space, args}`;
 * a bad entry is one line naming it.
 */
export function parsePool(json: unknown, source: string): Candidate[] {
  check(Array.isArray(json), `${source}: a pool is a JSON array of {spacename, law, id} or {space, args}`);
  check(json.length > 0, `${source}: the pool is empty; list at least one network`);
  return uniqueCandidates(
    json.map((entry, position) => {
      const where = `${source} entry ${position}`;
      check(isRecord(entry), `${where}: expected {spacename, law, id} or {space, args}`);
      const space = entry.spacename ?? entry.space;
      check(typeof space === 'string', `${where}: names no search space (spacename or space)`);
      getSpace(space);
      if (entry.args !== undefined) {
        check(isRecord(entry.args), `${where}: args must be a JSON object of the space's arguments`);
        return { key: networkKey(space, entry.args), space, args: entry.args };
      }
      const { law, id } = entry;
      check(typeof law === 'string' || isRecord(law), `${where}: needs a law (name or ranges) and an id, or args`);
      check(Number.isInteger(id) && (id as number) >= 0, `${where}: id must be a whole number >= 0, got ${JSON.stringify(id)}`);
      return lawCandidate(space, law as string | Ranges, id as number);
    }),
  );
}

/** The catalog index of a candidate the paper trained, when it names one by law and id. */
export function candidateCatalogIndex(c: Candidate): number | undefined {
  return typeof c.law === 'string' && c.id !== undefined ? catalogIndexOf(c.space, c.law, c.id) : undefined;
}

/** A short name: `random_net_mobilenetv2/s6/10`, `random_net_resnext/custom/3` or `random_net_resnext(args)`. */
export function candidateLabel(c: Candidate): string {
  if (c.id === undefined) return `${c.space}(args)`;
  return `${c.space}/${typeof c.law === 'string' ? c.law : 'custom'}/${c.id}`;
}
