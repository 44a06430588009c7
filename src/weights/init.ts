import type { Graph, Module, Node } from '../graph/graph.js';
import type { OpKind } from '../graph/ops.js';
import { numel, type StateDict, type Tensor } from '../graph/tensor.js';
import { RandomState } from '../rng/random-state.js';

/**
 * Mean square of one activation element (E[x^2]) after a node, given its inputs' mean squares, under the
 * initialisation below. Only the scale matters: BatchNorm statistics are set from it, as training would set them.
 */
type MeanSquareRule = (inputs: readonly number[], node: Node, graph: Graph) => number;

const same: MeanSquareRule = ([m]) => m!;

/** Weights drawn with variance 2/fan_in double the mean square of their input (He et al.), biases add a little. */
const weighted: MeanSquareRule = ([m]) => 2 * m!;

const MEAN_SQUARE: { [K in OpKind]: MeanSquareRule } = {
  input: () => 1,
  conv2d: weighted,
  linear: weighted,
  // Running statistics are matched to the input scale, so BatchNorm output is about unit scale.
  batchnorm: () => 1,
  // A ReLU keeps the positive half of a zero-mean symmetric input.
  relu: ([m]) => m! / 2,
  // sigmoid(x) ~ 1/2 + x/4 near zero, bounded by 1.
  sigmoid: ([m]) => Math.min(0.5, 0.25 + m! / 16),
  maxpool: same,
  // Neighbouring activations are strongly correlated, so a local average keeps their scale.
  avgpool: same,
  add: (ms) => ms.reduce((s, m) => s + m, 0),
  mul: ([a, b]) => a! * b!,
  concat: (ms, node, graph) => {
    let weighted = 0;
    node.inputs.forEach((id, i) => (weighted += ms[i]! * graph.nodes[id]!.shape[0]!));
    return weighted / node.shape[0]!;
  },
  slice: same,
  flatten: same,
};

/** Mean square of the input of each module's first call, keyed by module name. */
function moduleInputScales(graph: Graph): Map<string, number> {
  const meanSquare = new Array<number>(graph.nodes.length);
  const scales = new Map<string, number>();
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((i) => meanSquare[i]!);
    if (node.module !== undefined && !scales.has(node.module)) scales.set(node.module, inputs[0]!);
    meanSquare[node.id] = MEAN_SQUARE[node.op.kind](inputs, node, graph);
  }
  return scales;
}

/** Fills `out` with independent draws from U(low, high). */
function fillUniform(rng: RandomState, out: Float32Array, low: number, high: number): Float32Array {
  const width = high - low;
  for (let i = 0; i < out.length; i++) out[i] = low + width * rng.randomSample();
  return out;
}

function float32(shape: readonly number[], data: Float32Array): Tensor {
  return { dtype: 'float32', shape, data };
}

/** The tensors of one module, drawn in state_dict order. */
type ModuleInit = (module: Module, inputScale: number, rng: RandomState) => Tensor[];

/**
 * Convolutions and linear layers: weights ~ U(+-sqrt(6/fan_in)) (PyTorch's kaiming_uniform_ for ReLU networks),
 * which keeps activation scale through the network; biases ~ U(+-1/sqrt(fan_in)) as PyTorch's default.
 */
const weightedInit: ModuleInit = (module, _scale, rng) => {
  const [weight, bias] = module.params;
  const fanIn = numel(weight!.shape.slice(1));
  const bound = Math.sqrt(6 / fanIn);
  const tensors = [float32(weight!.shape, fillUniform(rng, new Float32Array(numel(weight!.shape)), -bound, bound))];
  if (bias) {
    const b = 1 / Math.sqrt(fanIn);
    tensors.push(float32(bias.shape, fillUniform(rng, new Float32Array(numel(bias.shape)), -b, b)));
  }
  return tensors;
};

/** BatchNorm in eval mode as after training: gamma ~ U(0.5,1.5), small beta and mean, variance ~ U(0.5,1.5) x input scale. */
const batchNormInit: ModuleInit = (module, scale, rng) => {
  const c = module.params[0]!.shape;
  const n = c[0]!;
  const spread = Math.sqrt(scale);
  return [
    float32(c, fillUniform(rng, new Float32Array(n), 0.5, 1.5)),
    float32(c, fillUniform(rng, new Float32Array(n), -0.1, 0.1)),
    float32(c, fillUniform(rng, new Float32Array(n), -0.1 * spread, 0.1 * spread)),
    float32(c, fillUniform(rng, new Float32Array(n), 0.5 * scale, 1.5 * scale)),
    { dtype: 'int64', shape: [], data: new BigInt64Array(1) },
  ];
};

const MODULE_INIT: Partial<Record<OpKind, ModuleInit>> = {
  conv2d: weightedInit,
  linear: weightedInit,
  batchnorm: batchNormInit,
};

/**
 * A deterministic random state_dict for `graph`: the same seed always gives the same tensors. Magnitudes are
 * realistic for a trained network in eval mode: activations stay near unit scale (no denormals, no blow-up) and
 * every running_var is positive.
 */
export function initWeights(graph: Graph, seed: number): StateDict {
  const rng = new RandomState(seed);
  const scales = moduleInputScales(graph);
  const weights: StateDict = new Map();
  for (const module of graph.modules) {
    if (module.params.length === 0) continue;
    const init = MODULE_INIT[module.op.kind];
    if (!init) throw new Error(`${graph.name}: no initialiser for ${module.op.kind} module ${module.name}`);
    const tensors = init(module, scales.get(module.name)!, rng);
    module.params.forEach((p, i) => weights.set(`${module.name}.${p.suffix}`, tensors[i]!));
  }
  return weights;
}
