import { check } from '../errors.js';
import { medianRelativeHalfWidth } from './stats.js';

/** The paper's protocol: 10 runs on fresh random inputs, statistics over the last 5 (main_run_all.py). */
export const PAPER_PROTOCOL = { warmup: 5, runs: 5 } as const;

/** The paper's protocol, as recorded with a measurement (its settings are PAPER_PROTOCOL's). */
export interface PaperProtocol {
  readonly name: 'paper';
}

/** A fixed number of warm-up runs, then a fixed number of timed runs. */
export interface FixedProtocol {
  readonly name: 'fixed';
  readonly warmup: number;
  readonly runs: number;
}

/** Warm-up, then runs until the median is stable, the run cap is reached, or the per-network time budget is spent. */
export interface AdaptiveProtocol {
  readonly name: 'adaptive';
  readonly warmup: number;
  readonly minRuns: number;
  readonly maxRuns: number;
  /** Stop once the 95% confidence interval of the median is within ± this fraction of it. */
  readonly targetRelativeCi: number;
  /** Stop once this many seconds (warm-up included) are spent and at least minRuns runs are kept. */
  readonly budgetSeconds: number;
}

/** How one network is timed; recorded with every measurement. */
export type Protocol = PaperProtocol | FixedProtocol | AdaptiveProtocol;

export type ProtocolName = Protocol['name'];

/**
 * The protocol every measurement uses unless told otherwise: a measurement engineer's (warm-up, then runs until the
 * median is precise), not the paper's 10 runs, whose 5 kept runs leave session setup a large share of the wall time
 * and its mean exposed to outliers.
 */
export const DEFAULT_PROTOCOL: ProtocolName = 'adaptive';

/** Why a measurement stopped. */
export type StopReason = 'runs' | 'stable' | 'budget' | 'max-runs';

/** Progress of one measurement, as a protocol sees it when deciding whether to go on. */
export interface RunState {
  /** Times of the runs after the warm-up, in ms. */
  readonly keptMs: readonly number[];
  /** Wall time spent on this network's runs so far, warm-up included. */
  readonly elapsedSeconds: number;
}

interface ProtocolDef<P extends Protocol> {
  readonly description: string;
  /** Leading runs that are timed and recorded but excluded from the statistics. */
  discarded(p: P): number;
  /** The reason to stop now, or undefined to run once more. */
  stop(p: P, state: RunState): StopReason | undefined;
}

// Checking the median's interval after every run would sort the times each run; every few runs is as good.
const ADAPTIVE_CHECK_EVERY = 5;

const PROTOCOLS: { readonly [N in ProtocolName]: ProtocolDef<Extract<Protocol, { name: N }>> } = {
  paper: {
    description: '10 runs on fresh random inputs; t_avg/t_std = mean and population std of the last 5 (the original main_run_all.py)',
    discarded: () => PAPER_PROTOCOL.warmup,
    stop: (_, { keptMs }) => (keptMs.length >= PAPER_PROTOCOL.runs ? 'runs' : undefined),
  },
  fixed: {
    description: '--warmup warm-up runs (recorded, left out of the statistics), then --runs runs, each on a fresh random input',
    discarded: (p) => p.warmup,
    stop: (p, { keptMs }) => (keptMs.length >= p.runs ? 'runs' : undefined),
  },
  adaptive: {
    description: '--warmup warm-up runs, then at least --min-runs runs until the 95% CI of the median is within ±--target-ci, --budget seconds are spent or --max-runs are done',
    discarded: (p) => p.warmup,
    stop: (p, { keptMs, elapsedSeconds }) => {
      const n = keptMs.length;
      if (n >= p.maxRuns) return 'max-runs';
      if (n < p.minRuns) return undefined;
      if (elapsedSeconds >= p.budgetSeconds) return 'budget';
      if ((n - p.minRuns) % ADAPTIVE_CHECK_EVERY === 0 && medianRelativeHalfWidth(keptMs) <= p.targetRelativeCi) return 'stable';
      return undefined;
    },
  },
};

function def<P extends Protocol>(p: P): ProtocolDef<P> {
  return PROTOCOLS[p.name] as unknown as ProtocolDef<P>;
}

/** The protocol names, for help texts and validation. */
export const PROTOCOL_NAMES = Object.keys(PROTOCOLS) as ProtocolName[];

/** One line describing a protocol, for help texts. */
export function protocolDescription(name: ProtocolName): string {
  return PROTOCOLS[name].description;
}

/** Number of leading runs `p` excludes from the statistics. */
export function discardedRuns(p: Protocol): number {
  return def(p).discarded(p);
}

/** Why `p` stops at `state`, or undefined to run once more. */
export function stopReason(p: Protocol, state: RunState): StopReason | undefined {
  return def(p).stop(p, state);
}

/** Settings a user may give for a protocol; unset ones take the defaults. */
export interface ProtocolSettings {
  readonly warmup?: number;
  readonly runs?: number;
  readonly minRuns?: number;
  readonly maxRuns?: number;
  readonly targetRelativeCi?: number;
  readonly budgetSeconds?: number;
}

/** Defaults: fixed = 5 warm-up + 20 runs; adaptive = 5 warm-up, 10..1000 runs, ±2% median CI, 5 s per network. */
export const PROTOCOL_DEFAULTS = {
  warmup: 5,
  runs: 20,
  minRuns: 10,
  maxRuns: 1000,
  targetRelativeCi: 0.02,
  budgetSeconds: 5,
} as const;

/** Most runs (warm-up included) one network may be timed for: the journal keeps every run. */
export const MAX_RUNS = 1_000_000;

const wholeAtLeast = (value: number, min: number, option: string) =>
  check(Number.isInteger(value) && value >= min, `${option} must be a whole number >= ${min}, got ${value}`);

/** A validated protocol from its name and settings; settings that the protocol does not use are refused. */
export function makeProtocol(name: string, settings: ProtocolSettings = {}): Protocol {
  check(
    (PROTOCOL_NAMES as string[]).includes(name),
    `unknown protocol '${name}': use ${PROTOCOL_NAMES.join(', ')}`,
  );
  const given = Object.entries(settings).filter(([, v]) => v !== undefined).map(([k]) => k);
  const uses: Record<ProtocolName, readonly string[]> = {
    paper: [],
    fixed: ['warmup', 'runs'],
    adaptive: ['warmup', 'minRuns', 'maxRuns', 'targetRelativeCi', 'budgetSeconds'],
  };
  const unused = given.filter((k) => !uses[name as ProtocolName].includes(k));
  check(unused.length === 0, () => `--protocol ${name} does not take ${unused.map(optionName).join(', ')}`);
  const s = { ...PROTOCOL_DEFAULTS, ...Object.fromEntries(given.map((k) => [k, settings[k as keyof ProtocolSettings]])) };
  if (name === 'paper') return { name };
  wholeAtLeast(s.warmup, 0, '--warmup');
  if (name === 'fixed') {
    wholeAtLeast(s.runs, 1, '--runs');
    check(s.warmup + s.runs <= MAX_RUNS, `--warmup plus --runs must be at most ${MAX_RUNS}, got ${s.warmup + s.runs}`);
    return { name, warmup: s.warmup, runs: s.runs };
  }
  wholeAtLeast(s.minRuns, 3, '--min-runs');
  wholeAtLeast(s.maxRuns, s.minRuns, '--max-runs');
  check(s.warmup + s.maxRuns <= MAX_RUNS, `--warmup plus --max-runs must be at most ${MAX_RUNS}, got ${s.warmup + s.maxRuns}`);
  check(s.targetRelativeCi > 0 && s.targetRelativeCi < 1, `--target-ci must be a fraction in (0, 1), got ${s.targetRelativeCi}`);
  check(s.budgetSeconds > 0, `--budget must be a positive number of seconds, got ${s.budgetSeconds}`);
  return {
    name: 'adaptive',
    warmup: s.warmup,
    minRuns: s.minRuns,
    maxRuns: s.maxRuns,
    targetRelativeCi: s.targetRelativeCi,
    budgetSeconds: s.budgetSeconds,
  };
}

const OPTION_NAMES: Record<keyof ProtocolSettings, string> = {
  warmup: '--warmup',
  runs: '--runs',
  minRuns: '--min-runs',
  maxRuns: '--max-runs',
  targetRelativeCi: '--target-ci',
  budgetSeconds: '--budget',
};

function optionName(key: string): string {
  return OPTION_NAMES[key as keyof ProtocolSettings] ?? key;
}

/** A short label such as `paper`, `fixed(warmup=5,runs=20)`. */
export function protocolLabel(p: Protocol): string {
  const { name, ...settings } = p;
  const parts = Object.entries(settings).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? `${name}(${parts.join(',')})` : name;
}
