import { Command, Option } from 'commander';
import { check, IotnetsError } from '../errors.js';
import type { NetworkRef } from '../catalog/index.js';

/** Options shared by every command that names one network. */
export interface NetworkOptions {
  index?: string;
  space?: string;
  law?: string;
  ranges?: string;
  id?: string;
  args?: string;
  classes?: string;
}

/** Adds the options that name one network: --index, --space/--law/--id (or --ranges), or a model name with --args. */
export function addNetworkOptions(command: Command): Command {
  return command
    .argument('[model]', 'a named model, e.g. ResNet18 or SynthWide (see `iotnets list`)')
    .option('--index <n>', 'catalog index 0..1616 (the paper\'s NetConfigs.json order)')
    .option('--space <name>', 'search space, e.g. random_net_mobilenetv2')
    .option('--law <law>', 'sampling law of the space, e.g. s6')
    .option('--ranges <json>', 'custom sampling ranges instead of --law, e.g. \'{"fs":[2,8],"kops":[1,3]}\'')
    .option('--id <n>', 'network id within the law (the sampler seed, 0..4294967295)')
    .option('--args <json>', 'model arguments, e.g. \'{"f":1,"l":2}\' for SynthWideAndLong')
    .addOption(new Option('--classes <n>', 'number of output classes').default('10'));
}

/** Parses a whole number from a CLI string, naming the option on failure. */
export function parseInteger(value: string, option: string): number {
  check(/^-?\d+$/.test(value.trim()), `${option} must be a whole number, got '${value}'`);
  return Number(value);
}

/** Parses a JSON option value, naming the option on failure. */
export function parseJsonOption(value: string, option: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new IotnetsError(`${option} is not valid JSON: ${value}`);
  }
}

/** Turns the network options (and optional model argument) into a NetworkRef. */
export function networkRefFromOptions(model: string | undefined, o: NetworkOptions): NetworkRef {
  const ways = [model !== undefined, o.index !== undefined, o.space !== undefined].filter(Boolean).length;
  check(ways === 1, 'name exactly one network: a model name, --index N, or --space S --law L --id I');
  if (o.index !== undefined) return { index: parseInteger(o.index, '--index') };
  if (o.space !== undefined) {
    check(o.id !== undefined, '--space needs --id N (and --law or --ranges)');
    check((o.law === undefined) !== (o.ranges === undefined), '--space needs exactly one of --law or --ranges');
    const law = o.law ?? (parseJsonOption(o.ranges!, '--ranges') as Record<string, number[]>);
    return { space: o.space, law, id: parseInteger(o.id, '--id') };
  }
  const args = o.args === undefined ? undefined : parseJsonOption(o.args, '--args');
  check(args === undefined || (typeof args === 'object' && args !== null && !Array.isArray(args)), '--args must be a JSON object');
  return { model: model!, ...(args ? { args: args as Record<string, unknown> } : {}) };
}
