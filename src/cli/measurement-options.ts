import { Option, type Command } from 'commander';
import { check } from '../errors.js';
import { parseInteger } from './network-options.js';
import { defaultSessionSettings } from '../runtime/device-node.js';
import type { Engine } from '../runtime/engine.js';
import {
  DEFAULT_PROTOCOL,
  makeProtocol,
  PROTOCOL_DEFAULTS,
  PROTOCOL_NAMES,
  protocolDescription,
  type Protocol,
} from '../runtime/protocols.js';
import { OPTIMIZATION_LEVELS, type OptimizationLevel, type SessionSettings } from '../runtime/session.js';

/** CLI strings of the options that say how networks are timed. */
export interface MeasurementOptions {
  threads?: string;
  optimization?: string;
  protocol: string;
  warmup?: string;
  runs?: string;
  minRuns?: string;
  maxRuns?: string;
  targetCi?: string;
  budget?: string;
}

/** Adds the session and timing-protocol options (the default protocol preselected). */
export function addMeasurementOptions(command: Command): Command {
  const d = PROTOCOL_DEFAULTS;
  return command
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all logical cores)')
    .addOption(new Option('--optimization <level>', 'ONNX Runtime graph optimisation level').choices(OPTIMIZATION_LEVELS).default('all'))
    .addOption(
      new Option(
        '--protocol <name>',
        `timing protocol: ${PROTOCOL_NAMES.map((n) => `${n} = ${protocolDescription(n)}`).join('; ')}`,
      )
        .choices(PROTOCOL_NAMES)
        .default(DEFAULT_PROTOCOL),
    )
    .option('--warmup <n>', `fixed/adaptive: runs excluded from the statistics (default ${d.warmup})`)
    .option('--runs <n>', `fixed: timed runs after the warm-up (default ${d.runs})`)
    .option('--min-runs <n>', `adaptive: fewest timed runs (default ${d.minRuns})`)
    .option('--max-runs <n>', `adaptive: most timed runs (default ${d.maxRuns})`)
    .option('--target-ci <fraction>', `adaptive: stop when the median's 95% CI is within ± this fraction (default ${d.targetRelativeCi})`)
    .option('--budget <seconds>', `adaptive: time budget per network (default ${d.budgetSeconds})`);
}

/** A decimal number (no hex, binary or Infinity, which Number() would take); finite. */
function parseNumber(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i.test(value) ? Number(value) : NaN;
  check(Number.isFinite(n), `${option} must be a finite decimal number, got '${value}'`);
  return n;
}

/** The most intra-op threads per logical core a session may be asked for. */
const MAX_THREADS_PER_CORE = 4;

/** Validated session settings from CLI strings (undefined = default). */
export function parseSessionSettings(threads: string | undefined, optimization: string | undefined): SessionSettings {
  const defaults = defaultSessionSettings();
  // More threads than a few per core only slows inference down, and ONNX Runtime fails late on absurd counts.
  const most = MAX_THREADS_PER_CORE * defaults.threads;
  const n = threads === undefined ? defaults.threads : /^\s*\d{1,9}\s*$/.test(threads) ? Number(threads) : NaN;
  check(
    n >= 1 && n <= most,
    `--threads must be a whole number in 1..${most} (${MAX_THREADS_PER_CORE} per logical core of this machine), got '${threads}'`,
  );
  const level = optimization ?? defaults.optimization;
  check(
    (OPTIMIZATION_LEVELS as readonly string[]).includes(level),
    `--optimization must be one of ${OPTIMIZATION_LEVELS.join(', ')}, got '${level}'`,
  );
  return { threads: n, optimization: level as OptimizationLevel };
}

/** onnxruntime-node, loaded on first use so that commands that measure nothing start without it. */
export async function nodeEngine(): Promise<Engine> {
  return (await import('../runtime/engine-node.js')).NODE_ENGINE;
}

/** Session settings and protocol from the measurement options. */
export function parseMeasurementOptions(o: MeasurementOptions): { settings: SessionSettings; protocol: Protocol } {
  const settings = parseSessionSettings(o.threads, o.optimization);
  const optional = <K extends string>(key: K, value: number | undefined) => (value === undefined ? {} : { [key]: value });
  const protocol = makeProtocol(o.protocol, {
    ...optional('warmup', o.warmup === undefined ? undefined : parseInteger(o.warmup, '--warmup')),
    ...optional('runs', o.runs === undefined ? undefined : parseInteger(o.runs, '--runs')),
    ...optional('minRuns', o.minRuns === undefined ? undefined : parseInteger(o.minRuns, '--min-runs')),
    ...optional('maxRuns', o.maxRuns === undefined ? undefined : parseInteger(o.maxRuns, '--max-runs')),
    ...optional('targetRelativeCi', parseNumber(o.targetCi, '--target-ci')),
    ...optional('budgetSeconds', parseNumber(o.budget, '--budget')),
  });
  return { settings, protocol };
}
