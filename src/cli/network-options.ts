import { Command, Option } from 'commander';
import { check, IotnetsError } from '../errors.js';
import { networkLabel, resolveNetwork, type NetworkRef, type ResolvedNetwork } from '../catalog/index.js';
import { bindStateDict } from '../weights/bind.js';
import { initWeights } from '../weights/init.js';
import { loadWeightsFile } from '../weights/load-file.js';
import type { StateDict } from '../graph/tensor.js';
import { isOnnxPath, loadOnnxFile, type OnnxFile } from '../onnx/load-file.js';

/** Options shared by every command that names one network. */
export interface NetworkOptions {
  index?: string;
  space?: string;
  law?: string;
  ranges?: string;
  id?: string;
  args?: string;
  classes?: string;
  inputSize?: string;
}

/** Adds the options that name one network: --index, --space/--law/--id (or --ranges), or a model name with --args. */
export function addNetworkOptions(command: Command): Command {
  return command
    .argument('[model]', 'a named model, e.g. ResNet18 or SynthWide (see `iotnets list`), or your own model.onnx')
    .option('--index <n>', 'catalog index 0..1616 (the paper\'s NetConfigs.json order)')
    .option('--space <name>', 'search space, e.g. random_net_mobilenetv2')
    .option('--law <law>', 'sampling law of the space, e.g. s6')
    .option('--ranges <json>', 'custom sampling ranges instead of --law, e.g. \'{"fs":[2,8],"kops":[1,3]}\'')
    .option('--id <n>', 'network id within the law (the sampler seed, 0..4294967295)')
    .option('--args <json>', 'model arguments, e.g. \'{"f":1,"l":2}\' for SynthWideAndLong')
    .addOption(new Option('--classes <n>', 'number of output classes').default('10'))
    .option('--input-size <CxHxW>', 'input size of an ONNX model whose input is symbolic, e.g. 3x224x224');
}

/** Parses `--input-size 3x224x224` into a per-sample shape. */
export function parseInputSize(value: string): number[] {
  check(/^\d+x\d+x\d+$/.test(value.trim()), `--input-size must be CxHxW, e.g. 3x224x224, got '${value}'`);
  const shape = value.trim().split('x').map(Number);
  check(shape.every((d) => d >= 1), `--input-size must have sizes of at least 1, got '${value}'`);
  return shape;
}

/** Imports an ONNX file with the --input-size the options give. */
export function onnxFileFromOptions(path: string, o: Pick<NetworkOptions, 'inputSize'>): OnnxFile {
  return loadOnnxFile(path, o.inputSize === undefined ? {} : { inputShape: parseInputSize(o.inputSize) });
}

/** The network the options name, and for an ONNX file the weights it carries. */
export function networkFromOptions(model: string | undefined, o: NetworkOptions): { network: ResolvedNetwork; weights?: StateDict } {
  if (model !== undefined && isOnnxPath(model)) {
    const others = [o.index, o.space, o.args].filter((v) => v !== undefined).length;
    check(others === 0, 'an ONNX file names the network by itself: drop --index, --space and --args');
    const { graph, weights, file, sha256, inputLayout } = onnxFileFromOptions(model, o);
    return { network: { file, sha256, ...(inputLayout === 'NHWC' ? { inputLayout } : {}), args: {}, graph }, weights };
  }
  check(o.inputSize === undefined, '--input-size applies to ONNX files only');
  return { network: resolveNetwork(networkRefFromOptions(model, o), parseInteger(o.classes ?? '10', '--classes')) };
}

/** Parses a whole number from a CLI string, naming the option on failure. */
export function parseInteger(value: string, option: string): number {
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  check(Number.isSafeInteger(n), `${option} must be a whole number (digits only, at most ${Number.MAX_SAFE_INTEGER}), got '${value}'`);
  return n;
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
function networkRefFromOptions(model: string | undefined, o: NetworkOptions): NetworkRef {
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

/** CLI strings of the options that give a network its weights. */
export interface WeightsOptions {
  weights?: string;
  seed?: string;
}

/** Adds --weights (a checkpoint) and --seed (random weights otherwise). */
export function addWeightsOptions(command: Command): Command {
  return command
    .option('--weights <file>', 'PyTorch checkpoint (.t7/.pt, zip or legacy) or .safetensors file with the trained weights')
    .option('--seed <n>', 'seed of the random weights when no --weights file is given', '0');
}

/** The weights the options give `network`: a checkpoint, an ONNX file's own, or seeded random; and a phrase saying which. */
export async function weightsFromOptions(
  network: ResolvedNetwork,
  own: StateDict | undefined,
  o: WeightsOptions,
  command: Command,
): Promise<{ weights: StateDict; source: string }> {
  const seeded = command.getOptionValueSource('seed') !== 'default';
  check(o.weights === undefined || !seeded, 'give either --weights FILE or --seed N, not both');
  if (o.weights !== undefined) {
    const { stateDict } = await loadWeightsFile(o.weights);
    return { weights: bindStateDict(network.graph, stateDict, o.weights, networkLabel(network)), source: `weights from ${o.weights}` };
  }
  if (own !== undefined && !seeded) return { weights: own, source: 'its own weights' };
  return { weights: initWeights(network.graph, parseInteger(o.seed ?? '0', '--seed')), source: `random weights, seed ${o.seed ?? '0'}` };
}
