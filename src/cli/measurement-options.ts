import { Option, type Command } from 'commander';
import { check } from '../errors.js';
import { parseInteger } from './network-options.js';
import {
  makeProtocol,
  PROTOCOL_DEFAULTS,
  PROTOCOL_NAMES,
  protocolDescription,
  type Protocol,
} from '../runtime/protocols.js';
import { OPTIMIZATION_LEVELS, parseSessionSettings, type SessionSettings } from '../runtime/session.js';

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

/** Adds the session and timing-protocol options, with `defaultProtocol` preselected. */
export function addMeasurementOptions(command: Command, defaultProtocol: Protocol['name']): Command {
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
        .default(defaultProtocol),
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
