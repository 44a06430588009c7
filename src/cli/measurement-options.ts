import { Option, type Command } from 'commander';
import { check } from '../errors.js';
import { parseInteger } from './network-options.js';
import { defaultSessionSettings } from '../runtime/device-node.js';
import type { Engine } from '../runtime/engine.js';
import {
  DEFAULT_PROTOCOL,
  makeProtocol,
  PROTOCOL_NAMES,
  PROTOCOL_SETTINGS,
  protocolDescription,
  protocolsTaking,
  type Protocol,
  type SettingDef,
} from '../runtime/protocols.js';
import { flagOf } from './flags.js';
import { OPTIMIZATION_LEVELS, type OptimizationLevel, type SessionSettings } from '../runtime/session.js';

/** CLI strings of the options that say how networks are timed; each protocol setting's string sits beside them, under its option's camelCase name. */
export interface MeasurementOptions {
  threads?: string;
  optimization?: string;
  protocol: string;
}

/** The flag of a protocol setting, e.g. `--target-ci <fraction>`, as commander takes it. */
const settingOption = (s: SettingDef) => new Option(`--${s.option} <${s.kind === 'whole' ? 'n' : s.kind}>`);

/** Adds the session and timing-protocol options (the default protocol preselected). */
export function addMeasurementOptions(command: Command): Command {
  command
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all logical cores)')
    .addOption(new Option('--optimization <level>', 'ONNX Runtime graph optimisation level').choices(OPTIMIZATION_LEVELS).default('all'))
    .addOption(
      new Option(
        '--protocol <name>',
        `timing protocol: ${PROTOCOL_NAMES.map((n) => `${n} = ${protocolDescription(n, flagOf)}`).join('; ')}`,
      )
        .choices(PROTOCOL_NAMES)
        .default(DEFAULT_PROTOCOL),
    );
  for (const s of PROTOCOL_SETTINGS) {
    const option = settingOption(s);
    option.description = `${protocolsTaking(s.key).join('/')}: ${s.help} (default ${s.default})`;
    command.addOption(option);
  }
  return command;
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
  const given = PROTOCOL_SETTINGS.flatMap((s) => {
    const value = (o as unknown as Record<string, string | undefined>)[settingOption(s).attributeName()];
    if (value === undefined) return [];
    const flag = flagOf(s.key);
    return [[s.key, s.kind === 'whole' ? parseInteger(value, flag) : parseNumber(value, flag)!] as const];
  });
  return { settings, protocol: makeProtocol(o.protocol, Object.fromEntries(given)) };
}
