import type { Graph, Node } from '../graph/graph.js';
import { OPS, type OpKind, type OpOf, type Shape } from '../graph/ops.js';
import { numel } from '../graph/tensor.js';

/**
 * The kernels ONNX Runtime's CPU provider runs for an exported graph once it has optimised it: convolutions in plain
 * NCHW layout (`conv`, with BatchNorm folded in and an activation or Add fused on), convolutions in the blocked NCHWc layout
 * (`nchwcConv`, also what a BatchNorm on a blocked tensor becomes), the reorders between the two layouts, and the ops
 * left standing.
 */
export type OrtKernel =
  | 'conv'
  | 'nchwcConv'
  | 'reorderInput'
  | 'reorderOutput'
  | 'batchnorm'
  | 'relu'
  | 'add'
  | 'concat'
  | 'pool'
  | 'nchwcPool'
  | 'linear'
  | 'flatten'
  | 'other';

/** One kernel call of the optimised graph, with the sizes its cost depends on. */
export interface OrtKernelCall {
  readonly kernel: OrtKernel;
  /** The graph node it runs (the convolution of a fused one, the producer of the tensor a reorder converts). */
  readonly node: Node;
  /** Shapes of every tensor it reads (a fused Add's operand included) and of its output, blocked channels padded. */
  readonly inputs: readonly Shape[];
  readonly output: Shape;
  /** Multiply-accumulates it computes, padded channels included. */
  readonly macs: number;
  /** What kind of convolution a convolution kernel computes (a blocked BatchNorm is a 1x1 depthwise one). */
  readonly convolution?: ConvolutionKind;
  /** The activation fused onto a convolution (ReLU runs inside the convolution kernel, the others in a pass over its output). */
  readonly activation?: OpKind;
}

/** Dense (one group), depthwise (one group per channel) or grouped convolution. */
export type ConvolutionKind = 'dense' | 'depthwise' | 'grouped';

function convolutionKind(op: OpOf<'conv2d' | 'convtranspose2d'>, inChannels: number): ConvolutionKind {
  if (op.groups === 1) return 'dense';
  return op.groups === inChannels && op.outChannels === op.groups ? 'depthwise' : 'grouped';
}

/**
 * NCHWc block size of ONNX Runtime on x86-64 with AVX-512 (8 with AVX2 alone, 1 where its math library has no NCHWc
 * kernels). The features use this machine's, on which the plan matches ONNX Runtime 1.30's optimised graphs kernel for
 * kernel on all 1617 catalog networks and, per kernel class, on the 24 torchvision classifiers bench:predict predicts.
 */
const NCHWC_BLOCK = 16;

/**
 * The channel multiple the NCHWc transform asks of a dense convolution's input channels (at least one block) and of a
 * grouped one's output channels; blocks are zero-padded beyond it. ONNX Runtime 1.30's behaviour on the catalog.
 */
const NCHWC_CHANNEL_ALIGNMENT = 4;

/** A graph node as the optimiser rewrites it: the value it now writes and what was fused into it. */
interface Step {
  readonly node: Node;
  output: number;
  bias: boolean;
  /** The activation fused onto it. */
  activation?: OpKind;
  /** The value a fused Add adds to a convolution's output. */
  sum?: number;
  removed: boolean;
  blocked: boolean;
  /** Channels a Split writes when sibling Slices of one value run as that one kernel (this step is the first). */
  splitChannels?: number;
  /** What the kernel reads when that is not the node's inputs: QuickGelu reads x alone for x · Sigmoid(x). */
  reads?: readonly number[];
}

/** A value in NCHWc layout: the step that writes it, its logical channels, and how many readers still want NCHW. */
interface BlockedValue {
  readonly producer: Step;
  readonly channels: number;
  /** Readers of the value before the transform. */
  readonly readers: number;
  nchwReaders: number;
}

const roundUp = (n: number, block: number) => Math.ceil(n / block) * block;

/** How many times each value is read (twice by an op reading it twice; the graph output counts as a reader). */
function readerCounts(graph: Graph): number[] {
  const count = new Array<number>(graph.nodes.length).fill(0);
  for (const node of graph.nodes) for (const i of node.inputs) count[i] = count[i]! + 1;
  count[graph.output] = count[graph.output]! + 1;
  return count;
}

/** Whether the NCHWc transform takes a convolution; `blockedInput` false when it reads a narrow input as NCHW. */
function nchwcConvolution(op: OpOf<'conv2d'>, inChannels: number, block: number): { readonly blockedInput: boolean } | undefined {
  const perGroup = inChannels / op.groups;
  if (op.groups > 1) {
    if (op.outChannels % NCHWC_CHANNEL_ALIGNMENT !== 0) return undefined;
    const depthwise = perGroup === 1 && op.outChannels === op.groups;
    return depthwise || (perGroup % block === 0 && (op.outChannels / op.groups) % block === 0) ? { blockedInput: true } : undefined;
  }
  if (perGroup < block) return { blockedInput: false };
  return perGroup % NCHWC_CHANNEL_ALIGNMENT === 0 ? { blockedInput: true } : undefined;
}

/** Activations ONNX Runtime fuses into the convolution before them (its MLAS kernels apply them on the output). */
const CONV_ACTIVATIONS: ReadonlySet<OpKind> = new Set(['relu', 'clip', 'leakyrelu', 'sigmoid', 'hardsigmoid', 'hardswish']);

/**
 * What folds into a convolution it follows: BatchNorm, a multiplication by a constant and a per-channel constant Mul
 * or Add (ConvMulFusion, ConvAddFusion) into its weights and bias, or an activation.
 */
function foldsAs(op: Node['op']): 'weights' | 'activation' | undefined {
  if (op.kind === 'batchnorm' || (op.kind === 'scalar' && op.operation === 'mul')) return 'weights';
  if (op.kind === 'channelwise' && (op.operation === 'mul' || op.operation === 'add')) return 'weights';
  return CONV_ACTIVATIONS.has(op.kind) ? 'activation' : undefined;
}

/**
 * Levels 1 and 2, for a reader that is a value's only one: BatchNorm, a multiplication by a constant and a per-channel
 * constant Add fold into the convolution before them, and an activation fuses onto it. Also x · Sigmoid(x) becomes one
 * QuickGelu kernel, and sibling Slices of one value one Split.
 */
function foldIntoConvolutions(graph: Graph, readers: readonly number[]): { steps: Step[]; producer: Map<number, Step> } {
  const steps: Step[] = [];
  const producer = new Map<number, Step>();
  const splits = new Map<number, Step>();
  for (const node of graph.nodes.slice(1)) {
    const input = node.inputs[0]!;
    const conv = producer.get(input);
    const fold = foldsAs(node.op);
    if (fold && conv?.node.op.kind === 'conv2d' && conv.output === input && readers[input] === 1 && !conv.activation) {
      if (node.op.kind === 'batchnorm' || (node.op.kind === 'channelwise' && node.op.operation === 'add')) conv.bias = true;
      if (fold === 'activation') conv.activation = node.op.kind;
      conv.output = node.id;
      producer.set(node.id, conv);
      continue;
    }
    const step: Step = { node, output: node.id, bias: node.op.kind === 'conv2d' && node.op.bias, removed: false, blocked: false };
    if (node.op.kind === 'mul') {
      const gate = node.inputs.map((i) => producer.get(i)).find((p) => p?.node.op.kind === 'sigmoid' && readers[p.output] === 1);
      // x · Sigmoid(x) (SiLU) runs as one QuickGelu kernel: the Sigmoid has none of its own.
      if (gate && node.inputs.includes(gate.node.inputs[0]!)) [gate.removed, step.reads] = [true, gate.node.inputs];
    }
    if (node.op.kind === 'slice') {
      const first = splits.get(input);
      const channels = node.shape[0]!;
      if (first) [first.splitChannels, step.removed] = [(first.splitChannels ?? first.node.shape[0]!) + channels, true];
      else splits.set(input, step);
    }
    steps.push(step);
    producer.set(node.id, step);
  }
  return { steps, producer };
}

/**
 * Activations that run on a blocked tensor when they do not fuse into a convolution (HardSwish as HardSigmoid and Mul),
 * as does a Mul of two blocked tensors of one shape (SiLU's QuickGelu among them); a broadcasting Mul needs NCHW.
 */
const BLOCKED_ACTIVATIONS: ReadonlySet<OpKind> = new Set(['sigmoid', 'hardsigmoid', 'hardswish']);

/** What the NCHWc transform did: the values it left blocked and the NCHW values it reorders into blocks. */
interface NchwcLayout {
  readonly blocked: Map<number, BlockedValue>;
  readonly reordered: Set<number>;
}

/**
 * Level 3, the NCHWc transform, step by step in execution order: convolutions and pooling with suitable channels go
 * blocked (their NCHW inputs reordered), BatchNorm, Add, Concat and ReLU follow when all their inputs are blocked, and
 * a blocked convolution with one reader absorbs the ReLU or the Add after it.
 */
function nchwcTransform(graph: Graph, steps: readonly Step[], readers: readonly number[], block: number): NchwcLayout {
  const shape = (value: number) => graph.nodes[value]!.shape;
  const blocked = new Map<number, BlockedValue>();
  const reordered = new Set<number>();
  const readBlocked = (value: number) => {
    const b = blocked.get(value);
    if (b) b.nchwReaders--;
    else reordered.add(value);
  };
  const writeBlocked = (value: number, channels: number, producer: Step) => {
    blocked.set(value, { producer, channels, readers: readers[value]!, nchwReaders: readers[value]! });
  };
  const takesFusion = (b: BlockedValue) =>
    b.producer.blocked && (b.producer.node.op.kind === 'conv2d' || b.producer.node.op.kind === 'batchnorm') && b.readers === 1 && !b.producer.activation;
  if (block <= 1) return { blocked, reordered };
  for (const step of steps) {
    const { node } = step;
    const op = node.op;
    const operands = node.inputs.map((i) => blocked.get(i));
    if (op.kind === 'conv2d' || op.kind === 'maxpool' || op.kind === 'avgpool') {
      const channels = shape(node.inputs[0]!)[0]!;
      const conv = op.kind === 'conv2d' ? nchwcConvolution(op, channels, block) : channels % block === 0 ? { blockedInput: true } : undefined;
      if (!conv) continue;
      if (conv.blockedInput) readBlocked(node.inputs[0]!);
      step.blocked = true;
      writeBlocked(step.output, op.kind === 'conv2d' ? op.outChannels : channels, step);
      continue;
    }
    if (!operands.every((b) => b !== undefined)) continue;
    const channels = operands[0]!.channels;
    if (op.kind === 'add' && operands.every((b) => b.channels === channels)) {
      for (const b of operands) b.nchwReaders--;
      const into = operands.length === 2 ? operands.findIndex((b) => takesFusion(b) && b.producer.sum === undefined) : -1;
      if (into >= 0) {
        operands[into]!.producer.sum = node.inputs[1 - into]!;
        step.removed = true;
        writeBlocked(node.id, channels, operands[into]!.producer);
      } else {
        step.blocked = true;
        writeBlocked(node.id, channels, step);
      }
    } else if (op.kind === 'concat' && operands.every((b) => b.channels % block === 0)) {
      for (const b of operands) b.nchwReaders--;
      step.blocked = true;
      writeBlocked(node.id, operands.reduce((s, b) => s + b.channels, 0), step);
    } else if (op.kind === 'relu') {
      operands[0]!.nchwReaders--;
      if (takesFusion(operands[0]!)) {
        operands[0]!.producer.activation = 'relu';
        step.removed = true;
        writeBlocked(node.id, channels, operands[0]!.producer);
      } else {
        step.blocked = true;
        writeBlocked(node.id, channels, step);
      }
    } else if (BLOCKED_ACTIVATIONS.has(op.kind) || (op.kind === 'mul' && node.inputs.every((i) => numel(shape(i)) === numel(node.shape)))) {
      for (const b of operands) b.nchwReaders--;
      step.blocked = true;
      writeBlocked(node.id, channels, step);
    } else if (op.kind === 'batchnorm' && shape(node.inputs[0]!).length === 3) {
      operands[0]!.nchwReaders--;
      step.blocked = true;
      writeBlocked(node.id, channels, step);
    }
  }
  return { blocked, reordered };
}

/**
 * Level 3, after NCHWc: an Add reading an NCHW convolution (its only reader, no activation yet, with a bias) fuses into
 * it, and so does a ReLU that is the Add's only reader.
 */
function fuseAddsIntoConvolutions(steps: readonly Step[], producer: ReadonlyMap<number, Step>, readers: readonly number[]): void {
  const plain = (s: Step | undefined) => (s && !s.removed && !s.blocked ? s : undefined);
  for (const step of steps) {
    const { node } = step;
    if (!plain(step) || node.op.kind !== 'add' || node.inputs.length !== 2) continue;
    const into = node.inputs.findIndex((value) => {
      const p = plain(producer.get(value));
      return p?.node.op.kind === 'conv2d' && p.output === value && readers[value] === 1 && !p.activation && p.sum === undefined && p.bias;
    });
    if (into < 0) continue;
    const target = producer.get(node.inputs[into]!)!;
    target.sum = node.inputs[1 - into]!;
    target.output = node.id;
    step.removed = true;
    const relu = steps.find((s) => plain(s) && s.node.op.kind === 'relu' && s.node.inputs[0] === node.id);
    if (relu && readers[node.id] === 1) {
      target.activation = 'relu';
      target.output = relu.node.id;
      relu.removed = true;
    }
  }
}

/**
 * The kernels ONNX Runtime (CPU provider, graph optimisation level "all") runs for `graph` as `exportOnnx` writes it,
 * with NCHWc block size `block` (1 = no NCHWc kernels). Mirrors its rewrites in their order: Conv+BatchNorm (and
 * constant Mul) folding and Conv+activation fusion, QuickGelu and Split fusion, the NCHWc layout transform with its
 * reorders, then Conv+Add(+ReLU) fusion in NCHW.
 */
export function onnxRuntimePlan(graph: Graph, block = NCHWC_BLOCK): OrtKernelCall[] {
  const readers = readerCounts(graph);
  const { steps, producer } = foldIntoConvolutions(graph, readers);
  const layout = nchwcTransform(graph, steps, readers, block);
  fuseAddsIntoConvolutions(steps, producer, readers);
  return kernelCalls(graph, steps, layout, block);
}

const KERNEL_OF: { [K in Exclude<OpKind, 'conv2d'>]: (blocked: boolean) => OrtKernel } = {
  input: () => 'other',
  convtranspose2d: () => 'conv',
  channelwise: () => 'other',
  batchnorm: (blocked) => (blocked ? 'nchwcConv' : 'batchnorm'),
  linear: () => 'linear',
  relu: () => 'relu',
  sigmoid: () => 'other',
  clip: () => 'other',
  leakyrelu: () => 'other',
  hardsigmoid: () => 'other',
  hardswish: () => 'other',
  scalar: () => 'other',
  softmax: () => 'other',
  maxpool: (blocked) => (blocked ? 'nchwcPool' : 'pool'),
  avgpool: (blocked) => (blocked ? 'nchwcPool' : 'pool'),
  add: () => 'add',
  mul: () => 'other',
  concat: () => 'concat',
  slice: () => 'other',
  shuffle: () => 'other',
  flatten: () => 'flatten',
};

function kernelCalls(graph: Graph, steps: readonly Step[], { blocked, reordered }: NchwcLayout, block: number): OrtKernelCall[] {
  const shape = (value: number) => graph.nodes[value]!.shape;
  const padded = (s: Shape): Shape => (s.length === 3 ? [roundUp(s[0]!, block), s[1]!, s[2]!] : s);
  const calls: OrtKernelCall[] = [];
  for (const value of reordered) calls.push({ kernel: 'reorderInput', node: graph.nodes[value]!, inputs: [shape(value)], output: padded(shape(value)), macs: 0 });
  for (const step of steps) {
    if (step.removed) continue;
    const { node } = step;
    const op = node.op;
    const output = step.blocked ? padded(node.shape) : node.shape;
    if (op.kind === 'conv2d') {
      const inChannels = shape(node.inputs[0]!)[0]!;
      const readsBlocked = step.blocked && !(op.groups === 1 && inChannels < block);
      // A blocked input is zero-padded to whole blocks, and the kernel multiplies the padding too.
      const perGroup = readsBlocked && op.groups === 1 ? roundUp(inChannels, block) : inChannels / op.groups;
      const input = readsBlocked ? padded(shape(node.inputs[0]!)) : shape(node.inputs[0]!);
      const macs = (numel(node.shape) / op.outChannels) * output[0]! * perGroup * op.kernel[0] * op.kernel[1];
      const inputs = step.sum === undefined ? [input] : [input, output];
      const activation = step.activation === undefined ? {} : { activation: step.activation };
      calls.push({ kernel: step.blocked ? 'nchwcConv' : 'conv', node, inputs, output, macs, convolution: convolutionKind(op, inChannels), ...activation });
      continue;
    }
    const inputs = (step.reads ?? node.inputs).map((i) => (step.blocked ? padded(shape(i)) : shape(i)));
    const kernel = (KERNEL_OF[op.kind] as (blocked: boolean) => OrtKernel)(step.blocked);
    if (kernel === 'nchwcConv') {
      calls.push({ kernel, node, inputs, output, macs: numel(output), convolution: 'depthwise' });
    } else if (step.splitChannels !== undefined) {
      calls.push({ kernel, node, inputs, output: [step.splitChannels, ...node.shape.slice(1)], macs: 0 });
    } else if (op.kind === 'convtranspose2d') {
      const macs = OPS.convtranspose2d.macs(op, [shape(node.inputs[0]!)], node.shape);
      calls.push({ kernel, node, inputs, output, macs, convolution: convolutionKind(op, shape(node.inputs[0]!)[0]!) });
    } else {
      calls.push({ kernel, node, inputs, output, macs: op.kind === 'linear' ? shape(node.inputs[0]!)[0]! * op.outFeatures : 0 });
      // ONNX Runtime has no HardSwish kernel: it runs x · HardSigmoid(x), a second call.
      if (op.kind === 'hardswish') calls.push({ kernel, node, inputs: [...inputs, output], output, macs: 0 });
    }
  }
  for (const [value, b] of blocked) {
    if (b.nchwReaders > 0) calls.push({ kernel: 'reorderOutput', node: graph.nodes[value]!, inputs: [padded(shape(value))], output: shape(value), macs: 0 });
  }
  return calls;
}
