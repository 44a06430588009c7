import { IotnetsError } from './errors.js';

/** Why an input entry cannot be used as it stands. */
export type ProblemKind =
  | 'malformed'
  | 'not-in-catalog'
  | 'index-mismatch'
  | 'duplicate'
  | 'bad-latency'
  | 'bad-accuracy'
  | 'params-mismatch'
  | 'flops-mismatch'
  | 'missing-accuracy'
  | 'not-measured';

/** One unusable input entry, described in a sentence naming the entry. */
export interface Problem {
  readonly kind: ProblemKind;
  readonly message: string;
  /** Catalog index of the entry, when it was matched to one. */
  readonly index?: number;
}

const KIND_LABELS: Readonly<Record<ProblemKind, string>> = {
  malformed: 'malformed',
  'not-in-catalog': 'not in the paper catalog',
  'index-mismatch': 'with an index that disagrees with spacename/law/id',
  duplicate: 'duplicated',
  'bad-latency': 'without a positive latency',
  'bad-accuracy': 'with an accuracy outside 0..1',
  'params-mismatch': 'whose params differ from the network graph',
  'flops-mismatch': 'whose flops differ from the network graph',
  'missing-accuracy': 'without an accuracy',
  'not-measured': 'naming files the results did not measure',
};

/** One line counting the problems by kind and quoting the first, e.g. "2 entries not in the paper catalog; first: ...". */
export function describeProblems(problems: readonly Problem[]): string {
  const counts = new Map<ProblemKind, number>();
  for (const p of problems) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  const parts = [...counts].map(([kind, n]) => `${n} ${n === 1 ? 'entry' : 'entries'} ${KIND_LABELS[kind]}`);
  return `${parts.join(', ')}; first: ${problems[0]!.message}`;
}

/** Throws a one-line IotnetsError naming the source, the problems and the fix, unless there are none. */
export function failOnProblems(problems: readonly Problem[], source: string, fix: string): void {
  if (problems.length > 0) throw new IotnetsError(`${source}: ${describeProblems(problems)}; ${fix}`);
}
