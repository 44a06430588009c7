import type { Graph, Module, Node } from '../graph/graph.js';
import type { OpKind, OpOf } from '../graph/ops.js';
import { numel, type StateDict, type Tensor } from '../graph/tensor.js';
import { Sfc32 } from '../rng/sfc32.js';

/**
 * Mean and mean square of one activation element under the initialisation below, estimated by treating activations
 * as Gaussian. Only the scale matters: BatchNorm running_var is set from it, as training would, so activations stay
 * near unit scale however deep the network.
 */
interface Moments {
  readonly mean: number;
  readonly meanSquare: number;
}

type MomentRule = (inputs: readonly Moments[], node: Node, graph: Graph) => Moments;

const variance = (m: Moments) => Math.max(m.meanSquare - m.mean * m.mean, 0);

/** erf(x) to 1.5e-7 (Abramowitz and Stegun 7.1.26). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return Math.sign(x) * (1 - poly * Math.exp(-x * x));
}

/** Moments of max(x, 0) for x ~ N(mean, variance). */
function rectified(m: Moments): Moments {
  const sd = Math.sqrt(variance(m));
  if (sd === 0) return m.mean > 0 ? m : { mean: 0, meanSquare: 0 };
  const z = m.mean / sd;
  const cdf = 0.5 * (1 + erf(z / Math.SQRT2));
  const pdf = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
  return { mean: m.mean * cdf + sd * pdf, meanSquare: m.meanSquare * cdf + m.mean * sd * pdf };
}

/** Zero-mean weights with variance 2/fan_in (He et al.) give zero-mean outputs of twice the input's mean square. */
const weighted: MomentRule = ([m]) => ({ mean: 0, meanSquare: 2 * m!.meanSquare });

const same: MomentRule = ([m]) => m!;

/** A standardised activation, as the network input. */
const UNIT: Moments = { mean: 0, meanSquare: 1 };

const MOMENTS: { [K in OpKind]: MomentRule } = {
  input: () => UNIT,
  conv2d: weighted,
  convtranspose2d: weighted,
  linear: weighted,
  // Initialised near the identity (scales near 1, shifts near 0, below): the scale stays.
  channelwise: same,
  // Running statistics are matched to the input, so BatchNorm output has the gain its random parameters give it.
  batchnorm: () => ({ mean: 0, meanSquare: BATCHNORM_GAIN }),
  relu: ([m]) => rectified(m!),
  // sigmoid(x) ~ 1/2 + x/4 near zero.
  sigmoid: ([m]) => {
    const mean = Math.min(0.9, Math.max(0.1, 0.5 + m!.mean / 4));
    return { mean, meanSquare: mean * mean + Math.min(0.25, variance(m!) / 16) };
  },
  // Bounded and leaky rectifiers and hard-swish are near enough to ReLU for a scale estimate; hard-sigmoid to sigmoid.
  clip: ([m]) => rectified(m!),
  leakyrelu: ([m]) => rectified(m!),
  hardswish: ([m]) => rectified(m!),
  hardsigmoid: (ms, node, graph) => MOMENTS.sigmoid(ms, node, graph),
  scalar: ([m], node) => {
    const op = node.op as OpOf<'scalar'>;
    const shift = op.operation === 'add' ? op.value : op.operation === 'sub' ? -op.value : 0;
    const scale = op.operation === 'mul' ? op.value : op.operation === 'div' ? 1 / op.value : 1;
    const mean = m!.mean * scale + shift;
    return { mean, meanSquare: mean * mean + variance(m!) * scale * scale };
  },
  softmax: same,
  shuffle: same,
  // The largest of a window of correlated neighbours: about one standard deviation above their mean.
  maxpool: ([m]) => {
    const sd = Math.sqrt(variance(m!));
    const mean = m!.mean + sd;
    return { mean, meanSquare: mean * mean + variance(m!) / 2 };
  },
  // Neighbouring activations are strongly correlated, so a local average keeps their scale.
  avgpool: same,
  add: (ms) => {
    const mean = ms.reduce((s, m) => s + m.mean, 0);
    return { mean, meanSquare: mean * mean + ms.reduce((s, m) => s + variance(m), 0) };
  },
  mul: ([a, b]) => ({ mean: a!.mean * b!.mean, meanSquare: a!.meanSquare * b!.meanSquare }),
  concat: (ms, node, graph) => {
    const weights = node.inputs.map((id) => graph.nodes[id]!.shape[0]! / node.shape[0]!);
    return {
      mean: ms.reduce((s, m, i) => s + weights[i]! * m.mean, 0),
      meanSquare: ms.reduce((s, m, i) => s + weights[i]! * m.meanSquare, 0),
    };
  },
  slice: same,
  flatten: same,
};

/** Estimated moments of the input of each module's first call, keyed by module name. */
function moduleInputMoments(graph: Graph): Map<string, Moments> {
  const moments = new Array<Moments>(graph.nodes.length);
  const byModule = new Map<string, Moments>();
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((i) => moments[i]!);
    if (node.module !== undefined && !byModule.has(node.module)) byModule.set(node.module, inputs[0]!);
    moments[node.id] = MOMENTS[node.op.kind](inputs, node, graph);
  }
  return byModule;
}

/** A float32 tensor of `shape` drawn from U(low, high). */
function uniform(rng: Sfc32, shape: readonly number[], low: number, high: number): Tensor {
  return { dtype: 'float32', shape, data: rng.fillUniform(new Float32Array(numel(shape)), low, high) };
}

/** The tensors of one module, drawn in state_dict order. */
type ModuleInit = (module: Module, input: Moments, rng: Sfc32) => Tensor[];

/**
 * Convolutions and linear layers: weights ~ U(+-sqrt(6/fan_in)) (PyTorch's kaiming_uniform_ for ReLU networks),
 * which keeps activation scale through the network; biases ~ U(+-1/sqrt(fan_in)) as PyTorch's default.
 */
const weightedInit: ModuleInit = (module, _input, rng) => {
  const [weight, bias] = module.params;
  const fanIn = numel(weight!.shape.slice(1));
  const bound = Math.sqrt(6 / fanIn);
  const tensors = [uniform(rng, weight!.shape, -bound, bound)];
  if (bias) {
    const b = 1 / Math.sqrt(fanIn);
    tensors.push(uniform(rng, bias.shape, -b, b));
  }
  return tensors;
};

/** BatchNorm gamma ~ U(GAMMA), beta ~ U(+-BETA), running_var ~ U(VARIANCE_FACTOR) x the input's variance. */
const GAMMA = [0.5, 1.5] as const;
const BETA = 0.1;
const VARIANCE_FACTOR = [0.5, 1.5] as const;

/** E[u^2] and E[1/u] for u ~ U(low, high). */
const uniformMeanSquare = ([low, high]: readonly [number, number]) => (high ** 3 - low ** 3) / (3 * (high - low));
const uniformMeanInverse = ([low, high]: readonly [number, number]) => Math.log(high / low) / (high - low);

/** Mean square of a BatchNorm output whose running statistics match a unit-variance input: E[gamma^2] E[1/u] + E[beta^2]. */
const BATCHNORM_GAIN = uniformMeanSquare(GAMMA) * uniformMeanInverse(VARIANCE_FACTOR) + (BETA * BETA) / 3;

/** BatchNorm in eval mode as after training: running statistics near the input's estimated mean and variance. */
const batchNormInit: ModuleInit = (module, input, rng) => {
  const c = module.params[0]!.shape;
  const inputVariance = Math.max(variance(input), 1e-4);
  const spread = 0.1 * Math.sqrt(inputVariance);
  return [
    uniform(rng, c, GAMMA[0], GAMMA[1]),
    uniform(rng, c, -BETA, BETA),
    uniform(rng, c, input.mean - spread, input.mean + spread),
    uniform(rng, c, VARIANCE_FACTOR[0] * inputVariance, VARIANCE_FACTOR[1] * inputVariance),
    { dtype: 'int64', shape: [], data: new BigInt64Array(1) },
  ];
};

/** Per-channel constants near the identity: scales ~ U(GAMMA), shifts ~ U(+-BETA), as BatchNorm's affine parameters. */
const channelwiseInit: ModuleInit = (module, _input, rng) => {
  const { shape } = module.params[0]!;
  const operation = (module.op as OpOf<'channelwise'>).operation;
  return [operation === 'mul' || operation === 'div' ? uniform(rng, shape, GAMMA[0], GAMMA[1]) : uniform(rng, shape, -BETA, BETA)];
};

const MODULE_INIT: Partial<Record<OpKind, ModuleInit>> = {
  conv2d: weightedInit,
  // nn.ConvTranspose2d's fan_in is its weight's dim 1 (out/groups) times the kernel, as weightedInit computes.
  convtranspose2d: weightedInit,
  channelwise: channelwiseInit,
  linear: weightedInit,
  batchnorm: batchNormInit,
};

/**
 * A deterministic random state_dict for `graph`: the same seed always gives the same tensors (drawn with Sfc32, not
 * NumPy's stream: latency depends on the weights' scale, not their values). Magnitudes are realistic for a trained
 * network in eval mode: activations stay near unit scale (no denormals, no blow-up) and every running_var is positive.
 */
export function initWeights(graph: Graph, seed: number): StateDict {
  const rng = new Sfc32(seed);
  const inputs = moduleInputMoments(graph);
  const weights: StateDict = new Map();
  for (const module of graph.modules) {
    if (module.params.length === 0) continue;
    const init = MODULE_INIT[module.op.kind];
    if (!init) throw new Error(`${graph.name}: no initialiser for ${module.op.kind} module ${module.name}`);
    // A module forward() never calls (declared only) sees no activations; any scale will do.
    const tensors = init(module, inputs.get(module.name) ?? UNIT, rng);
    module.params.forEach((p, i) => weights.set(`${module.name}.${p.suffix}`, tensors[i]!));
  }
  return weights;
}
