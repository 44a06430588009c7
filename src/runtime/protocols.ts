import { check, field } from '../errors.js';
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

/**
 * Warm-up, then runs for at least a minimum time until the median is stable, the run cap is reached, or the
 * per-network time budget is spent.
 */
export interface AdaptiveProtocol {
  readonly name: 'adaptive';
  readonly warmup: number;
  readonly minRuns: number;
  readonly maxRuns: number;
  /**
   * Seconds (warm-up included) to keep timing before the median may count as stable: a machine shared with other
   * processes is slower for stretches of 0.1-1 s, so a sub-millisecond network stable after 10 ms of runs would give
   * the speed of whichever stretch it fell in. Absent in the records of measurements made before it existed (no minimum).
   */
  readonly minSeconds?: number;
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
  /** What the protocol does, its settings named by `name` (field keys in the library, flags in the CLI). */
  describe(name: (key: SettingKey) => string): string;
  /** The settings it takes. */
  readonly settings: readonly SettingKey[];
  /** Leading runs that are timed and recorded but excluded from the statistics. */
  discarded(p: P): number;
  /** The reason to stop now, or undefined to run once more. */
  stop(p: P, state: RunState): StopReason | undefined;
}

// Checking the median's interval after every run would sort the times each run; every few runs is as good.
const ADAPTIVE_CHECK_EVERY = 5;

const PROTOCOLS: { readonly [N in ProtocolName]: ProtocolDef<Extract<Protocol, { name: N }>> } = {
  paper: {
    describe: () => '10 runs on fresh random inputs; t_avg/t_std = mean and population std of the last 5 (the original main_run_all.py)',
    settings: [],
    discarded: () => PAPER_PROTOCOL.warmup,
    stop: (_, { keptMs }) => (keptMs.length >= PAPER_PROTOCOL.runs ? 'runs' : undefined),
  },
  fixed: {
    describe: (n) => `${n('warmup')} warm-up runs (recorded, left out of the statistics), then ${n('runs')} runs, each on a fresh random input`,
    settings: ['warmup', 'runs'],
    discarded: (p) => p.warmup,
    stop: (p, { keptMs }) => (keptMs.length >= p.runs ? 'runs' : undefined),
  },
  adaptive: {
    describe: (n) =>
      `${n('warmup')} warm-up runs, then at least ${n('minRuns')} runs and ${n('minSeconds')} seconds until the 95% CI of the median is within ±${n('targetRelativeCi')}, ` +
      `${n('budgetSeconds')} seconds are spent or ${n('maxRuns')} are done`,
    settings: ['warmup', 'minRuns', 'maxRuns', 'minSeconds', 'targetRelativeCi', 'budgetSeconds'],
    discarded: (p) => p.warmup,
    stop: (p, { keptMs, elapsedSeconds }) => {
      const n = keptMs.length;
      if (n >= p.maxRuns) return 'max-runs';
      if (n < p.minRuns || elapsedSeconds < (p.minSeconds ?? 0)) return undefined;
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

/** One line describing a protocol, for help texts, its settings named by `name` (default: their field keys). */
export function protocolDescription(protocol: ProtocolName, name: (key: SettingKey) => string = field): string {
  return PROTOCOLS[protocol].describe(name);
}

/** The protocols that take setting `key`. */
export function protocolsTaking(key: SettingKey): ProtocolName[] {
  return PROTOCOL_NAMES.filter((n) => PROTOCOLS[n].settings.includes(key));
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
  readonly minSeconds?: number;
  readonly targetRelativeCi?: number;
  readonly budgetSeconds?: number;
}

export type SettingKey = keyof ProtocolSettings;

/** One protocol setting: its user-facing option name, default, and the values it takes. */
export interface SettingDef {
  readonly key: SettingKey;
  /** The name options and flags use (kebab-case). */
  readonly option: string;
  readonly default: number;
  /** Whole numbers from `min` up; fractions in (0, 1); seconds above 0. */
  readonly kind: 'whole' | 'fraction' | 'seconds';
  readonly min: number;
  /** What it sets, for help texts. */
  readonly help: string;
}

/** Every protocol setting, declared once: fixed = 5 warm-up + 20 runs; adaptive = 5 warm-up, 10..10000 runs over 0.25-5 s per network, ±2% median CI. */
export const PROTOCOL_SETTINGS: readonly SettingDef[] = [
  { key: 'warmup', option: 'warmup', default: 5, kind: 'whole', min: 0, help: 'runs excluded from the statistics' },
  { key: 'runs', option: 'runs', default: 20, kind: 'whole', min: 1, help: 'timed runs after the warm-up' },
  { key: 'minRuns', option: 'min-runs', default: 10, kind: 'whole', min: 3, help: 'fewest timed runs' },
  { key: 'maxRuns', option: 'max-runs', default: 10000, kind: 'whole', min: 3, help: 'most timed runs' },
  { key: 'minSeconds', option: 'min-time', default: 0.25, kind: 'seconds', min: 0, help: 'least time per network before its median may count as stable' },
  { key: 'targetRelativeCi', option: 'target-ci', default: 0.02, kind: 'fraction', min: 0, help: "stop when the median's 95% CI is within ± this fraction" },
  { key: 'budgetSeconds', option: 'budget', default: 5, kind: 'seconds', min: 0, help: 'time budget per network' },
];

/** The defaults of the protocol settings, by key. */
export const PROTOCOL_DEFAULTS = Object.fromEntries(PROTOCOL_SETTINGS.map((s) => [s.key, s.default])) as Required<ProtocolSettings>;

/** Most runs (warm-up included) one network may be timed for: the journal keeps every run. */
export const MAX_RUNS = 1_000_000;

/** Why `value` is not a valid value of setting `s`, naming its field, or undefined. */
function settingProblem(s: SettingDef, value: number): string | undefined {
  const name = field(s.key);
  if (s.kind === 'whole') return Number.isInteger(value) && value >= s.min ? undefined : `${name} must be a whole number >= ${s.min}, got ${value}`;
  if (s.kind === 'fraction') return value > 0 && value < 1 ? undefined : `${name} must be a fraction in (0, 1), got ${value}`;
  return value > s.min && Number.isFinite(value) ? undefined : `${name} must be a positive number of seconds, got ${value}`;
}

/** A validated protocol from its name and settings; settings that the protocol does not use are refused. */
export function makeProtocol(name: string, settings: ProtocolSettings = {}): Protocol {
  check(
    (PROTOCOL_NAMES as string[]).includes(name),
    `unknown protocol '${name}': use ${PROTOCOL_NAMES.join(', ')}`,
  );
  const takes = PROTOCOLS[name as ProtocolName].settings;
  const given = (Object.keys(settings) as SettingKey[]).filter((k) => settings[k] !== undefined);
  const unused = given.filter((k) => !takes.includes(k));
  check(unused.length === 0, () => `the ${name} protocol does not take ${unused.map(field).join(', ')}`);
  const s = { ...PROTOCOL_DEFAULTS, ...Object.fromEntries(given.map((k) => [k, settings[k]])) } as Required<ProtocolSettings>;
  for (const def of PROTOCOL_SETTINGS.filter((d) => takes.includes(d.key))) {
    const problem = settingProblem(def, s[def.key]);
    check(problem === undefined, () => problem!);
  }
  if (name === 'paper') return { name };
  if (name === 'fixed') {
    check(s.warmup + s.runs <= MAX_RUNS, () => `${field('warmup')} plus ${field('runs')} must be at most ${MAX_RUNS}, got ${s.warmup + s.runs}`);
    return { name, warmup: s.warmup, runs: s.runs };
  }
  check(s.maxRuns >= s.minRuns, () => `${field('maxRuns')} must be a whole number >= ${field('minRuns')} (${s.minRuns}), got ${s.maxRuns}`);
  check(s.warmup + s.maxRuns <= MAX_RUNS, () => `${field('warmup')} plus ${field('maxRuns')} must be at most ${MAX_RUNS}, got ${s.warmup + s.maxRuns}`);
  return {
    name: 'adaptive',
    warmup: s.warmup,
    minRuns: s.minRuns,
    maxRuns: s.maxRuns,
    minSeconds: s.minSeconds,
    targetRelativeCi: s.targetRelativeCi,
    budgetSeconds: s.budgetSeconds,
  };
}

/** A short label such as `paper`, `fixed(warmup=5,runs=20)`. */
export function protocolLabel(p: Protocol): string {
  const { name, ...settings } = p;
  const parts = Object.entries(settings).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? `${name}(${parts.join(',')})` : name;
}
