import onnxProto, { type onnx } from 'onnx-proto';
import { field, IotnetsError } from '../errors.js';
import { GraphBuilder, type Graph, type Value } from '../graph/graph.js';
import type { Op, ScalarOperation, Shape } from '../graph/ops.js';
import { numel, type StateDict } from '../graph/tensor.js';
import { MODULE_DOC_PREFIX, shufflePermutation } from './export.js';
import { readOnnxModel, toNumber } from './read.js';

const proto = onnxProto.onnx;
const DataType = proto.TensorProto.DataType;

/** The oldest default-domain opset the importer reads. */
export const MIN_IMPORT_OPSET = 11;

/** What the importer needs besides the bytes. */
export interface ImportOptions {
  /** Per-sample input shape [C,H,W] for a model whose input size is symbolic; must agree with any fixed size. */
  readonly inputShape?: Shape;
}

/** An imported network: the graph, its weights keyed by state_dict-style name, and where it came from. */
export interface ImportedModel {
  readonly graph: Graph;
  readonly weights: StateDict;
  readonly producer: string;
  readonly opset: number;
  /**
   * How the file's input holds the image: NCHW, or NHWC (TensorFlow's) when the file's first op transposes it to
   * NCHW. The graph (and its re-export) takes NCHW either way: the leading transpose is dropped at import.
   */
  readonly inputLayout: 'NCHW' | 'NHWC';
}

/** A constant tensor known at import time: an initializer, a Constant, or a folded shape computation. */
interface Constant {
  readonly kind: 'constant';
  readonly float: boolean;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
  /** The initializer it is, when it is one (its name gives the module's). */
  readonly initializer?: string;
}

/** A network activation (batch first in ONNX, per sample in the graph). */
interface Activation {
  readonly kind: 'activation';
  readonly value: Value;
}

/** A [C,H,W] activation viewed as [groups, C/groups, H, W] (the middle of a channel shuffle), its first two axes maybe swapped. */
interface GroupedView {
  readonly kind: 'grouped';
  readonly value: Value;
  readonly groups: number;
  readonly swapped: boolean;
}

/** A zero-padded activation (an ONNX Pad), waiting for the convolution that takes the padding into its own. */
interface PaddedActivation {
  readonly kind: 'padded';
  readonly value: Value;
  /** [top, left, bottom, right]. */
  readonly pads: readonly number[];
}

type Entry = Constant | Activation | GroupedView | PaddedActivation;

/** What a node handler sees. */
interface NodeContext {
  readonly node: onnx.INodeProto;
  readonly opset: number;
  /** Adds one graph op on `inputs`, run by `module` (or by the module an iotnets-written node names). */
  call(op: Op, inputs: readonly Value[], module?: string): Value;
  /** Entry of input `i`, undefined when the node omits it. */
  input(i: number): Entry | undefined;
  /** Ith input as an activation (a node of the network), else a one-line error naming the node. */
  activation(i: number): Value;
  /** Ith input as a constant, else a one-line error; `optional` lets an absent input be undefined. */
  constant(i: number): Constant;
  optionalConstant(i: number): Constant | undefined;
  /** The node's first output when its consumers need a look: how many nodes read it, and the first of them. */
  readers(): readonly onnx.INodeProto[];
  /** Marks a reader node as done by this one (it is skipped, its output aliased to this node's). */
  absorb(reader: onnx.INodeProto, entry: Entry): void;
  /** The constant a reader adds to this node's output, if that is what it does. */
  biasOf(add: onnx.INodeProto): Constant | undefined;
  attributeInt(name: string, fallback: number): number;
  attributeInts(name: string, fallback: readonly number[]): number[];
  attributeFloat(name: string, fallback: number): number;
  attributeString(name: string, fallback: string): string;
  /**
   * The module this node runs, named from its weight initializer (`features.0.weight` -> `features.0`); `bare` takes
   * a parameter's own name (`layer1.scale`, a tensor PyTorch registered without a module) as the module's.
   */
  moduleName(weight: Constant | undefined, bare?: boolean): string;
  /** Stores a module parameter under `${module}.${suffix}`. */
  setParam(module: string, suffix: string, shape: readonly number[], data: Float32Array): void;
  /** A one-line error naming the file, the node and its op. */
  fail(why: string): IotnetsError;
}

type Handler = (c: NodeContext) => Entry | readonly Entry[];

const pairOf = (values: readonly number[], at: number): readonly [number, number] => [values[at]!, values[at + 1]!];

/** Resolves a window's pads [top, left, bottom, right] from auto_pad (and whatever else the op reads) against the input. */
type PadRule = (c: NodeContext, autoPad: string, input: Shape, kernel: readonly [number, number], stride: readonly number[], dilation: readonly [number, number]) => number[];

/** Conv and pooling: SAME pads so that the output is ceil(input / stride), the odd one at the end for SAME_UPPER. */
const windowPads: PadRule = (c, autoPad, input, kernel, stride, dilation) => {
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const pads = [0, 0, 0, 0];
    for (const axis of [0, 1]) {
      const size = input[1 + axis]!;
      const total = Math.max((Math.ceil(size / stride[axis]!) - 1) * stride[axis]! + (kernel[axis]! - 1) * dilation[axis]! + 1 - size, 0);
      const small = Math.floor(total / 2);
      pads[axis] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[axis + 2] = total - pads[axis]!;
    }
    return pads;
  }
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  if (autoPad !== 'NOTSET') throw c.fail(`auto_pad ${autoPad} is not an ONNX value`);
  return c.attributeInts('pads', [0, 0, 0, 0]);
};

/**
 * The spatial window attributes shared by Conv, ConvTranspose and the pooling ops, pads resolved by `padRule`
 * (auto_pad against the input size).
 */
function windowOf(c: NodeContext, input: Shape, kernel: readonly [number, number], dilation: readonly [number, number], padRule: PadRule = windowPads) {
  const stride = c.attributeInts('strides', [1, 1]);
  const pads = padRule(c, c.attributeString('auto_pad', 'NOTSET'), input, kernel, stride, dilation);
  if (stride.length !== 2 || pads.length !== 4) throw c.fail('only 2-D windows are supported');
  const padding = pairOf(pads, 0);
  const padEnd = pairOf(pads, 2);
  const ceil = c.attributeInt('ceil_mode', 0) === 1;
  return {
    kernel,
    stride: pairOf(stride, 0),
    padding,
    ...(padEnd[0] !== padding[0] || padEnd[1] !== padding[1] ? { padEnd } : {}),
    ...(dilation[0] !== 1 || dilation[1] !== 1 ? { dilation } : {}),
    ...(ceil ? { ceilMode: true } : {}),
  };
}

/**
 * ConvTranspose: explicit pads, or pads that give `output_shape` (or input x stride for auto_pad SAME_*), split as the
 * ONNX spec says: the odd one at the end for SAME_UPPER, at the start otherwise.
 */
const transposedPads: PadRule = (c, autoPad, input, kernel, stride, dilation) => {
  const outputShape = c.attributeInts('output_shape', []);
  const same = autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER';
  if (outputShape.length === 0 && !same) return windowPads(c, autoPad, input, kernel, stride, dilation);
  const outputPadding = c.attributeInts('output_padding', [0, 0]);
  const pads = [0, 0, 0, 0];
  for (const axis of [0, 1]) {
    const size = input[1 + axis]!;
    const wanted = outputShape.length > 0 ? outputShape[outputShape.length - 2 + axis]! : size * stride[axis]!;
    const total = stride[axis]! * (size - 1) + (outputPadding[axis] ?? 0) + (kernel[axis]! - 1) * dilation[axis]! + 1 - wanted;
    if (total < 0) throw c.fail(`output size ${wanted} is larger than an input of ${size} gives; set output_padding instead`);
    const small = Math.floor(total / 2);
    pads[axis] = autoPad === 'SAME_UPPER' ? small : total - small;
    pads[axis + 2] = total - pads[axis]!;
  }
  return pads;
};

type WindowAttributes = ReturnType<typeof windowOf>;

/** A window with the zeros of a folded Pad added to its own padding. */
function withPadding(window: WindowAttributes, padded: PaddedActivation | undefined): WindowAttributes {
  if (!padded) return window;
  const extra = padded.pads;
  const end = window.padEnd ?? window.padding;
  const padding = pairOf([window.padding[0] + extra[0]!, window.padding[1] + extra[1]!], 0);
  const padEnd = pairOf([end[0] + extra[2]!, end[1] + extra[3]!], 0);
  const { padEnd: _, ...rest } = window;
  return { ...rest, padding, ...(padEnd[0] !== padding[0] || padEnd[1] !== padding[1] ? { padEnd } : {}) };
}

/** Input 0 of a node that can take a folded Pad's zeros into its own padding. */
function mayBePadded(c: NodeContext): { x: Value; padded: PaddedActivation | undefined } {
  const given = c.input(0);
  return given?.kind === 'padded' ? { x: given.value, padded: given } : { x: c.activation(0), padded: undefined };
}

function conv(c: NodeContext): Entry {
  const { x, padded } = mayBePadded(c);
  const weight = c.constant(1);
  const bias = c.optionalConstant(2);
  if (weight.shape.length !== 4) throw c.fail(`weight is [${weight.shape.join(',')}]; only 2-D convolutions are supported`);
  const [outChannels, perGroup, kh, kw] = weight.shape as [number, number, number, number];
  const groups = c.attributeInt('group', 1);
  if (x.shape[0] !== perGroup * groups) throw c.fail(`weight expects ${perGroup * groups} input channels, the input has ${x.shape[0]}`);
  const dilation = pairOf(c.attributeInts('dilations', [1, 1]), 0);
  const module = c.moduleName(weight);
  const op: Op = { kind: 'conv2d', outChannels, groups, bias: bias !== undefined, ...withPadding(windowOf(c, x.shape, [kh, kw], dilation), padded) };
  c.setParam(module, 'weight', weight.shape, floats(weight));
  if (bias) c.setParam(module, 'bias', [outChannels], floats(bias));
  return activation(c.call(op, [x], module));
}

/** ConvTranspose: any strides, dilations, groups, output_padding, and pads explicit, from auto_pad or from output_shape. */
function convTranspose(c: NodeContext): Entry {
  const x = c.activation(0);
  const weight = c.constant(1);
  const bias = c.optionalConstant(2);
  if (weight.shape.length !== 4) throw c.fail(`weight is [${weight.shape.join(',')}]; only 2-D transposed convolutions are supported`);
  const [inChannels, perGroup, kh, kw] = weight.shape as [number, number, number, number];
  const groups = c.attributeInt('group', 1);
  const outputPadding = pairOf(c.attributeInts('output_padding', [0, 0]), 0);
  const dilation = pairOf(c.attributeInts('dilations', [1, 1]), 0);
  const { ceilMode: _, ...window } = windowOf(c, x.shape, [kh, kw], dilation, transposedPads);
  if (x.shape[0] !== inChannels) throw c.fail(`weight expects ${inChannels} input channels, the input has ${x.shape[0]}`);
  const outChannels = perGroup * groups;
  const module = c.moduleName(weight);
  const op: Op = {
    kind: 'convtranspose2d',
    outChannels,
    groups,
    bias: bias !== undefined,
    ...window,
    ...(outputPadding[0] !== 0 || outputPadding[1] !== 0 ? { outputPadding } : {}),
  };
  c.setParam(module, 'weight', weight.shape, floats(weight));
  if (bias) c.setParam(module, 'bias', [outChannels], floats(bias));
  return activation(c.call(op, [x], module));
}

function batchNormalization(c: NodeContext): Entry {
  const x = c.activation(0);
  if (c.attributeInt('training_mode', 0) !== 0) throw c.fail('training_mode=1 is not an inference model; export in eval mode');
  const [scale, shift, mean, variance] = [1, 2, 3, 4].map((i) => c.constant(i));
  const module = c.moduleName(scale);
  (['weight', 'bias', 'running_mean', 'running_var'] as const).forEach((suffix, i) =>
    c.setParam(module, suffix, [x.shape[0]!], floats([scale, shift, mean, variance][i]!)),
  );
  return activation(c.call({ kind: 'batchnorm', eps: c.attributeFloat('epsilon', 1e-5) }, [x], module));
}

/** A linear layer from a weight stored [in, out] (`transposed`) or [out, in], with an optional bias. */
function linearLayer(c: NodeContext, x: Value, weight: Constant, transposed: boolean, bias: Constant | undefined): Activation {
  if (x.shape.length !== 1) throw c.fail(`input is [${x.shape.join(',')}]; a linear layer needs a flat input (Flatten first)`);
  if (weight.shape.length !== 2) throw c.fail(`weight is [${weight.shape.join(',')}], expected a matrix`);
  const [rows, cols] = weight.shape as [number, number];
  const [outFeatures, inFeatures] = transposed ? [cols, rows] : [rows, cols];
  if (inFeatures !== x.shape[0]) throw c.fail(`weight takes ${inFeatures} features, the input has ${x.shape[0]}`);
  if (bias && numel(bias.shape) !== outFeatures) throw c.fail(`bias has ${numel(bias.shape)} values for ${outFeatures} outputs`);
  const data = floats(weight);
  const matrix = transposed ? transpose(data, rows, cols) : data;
  const module = c.moduleName(weight);
  c.setParam(module, 'weight', [outFeatures, inFeatures], matrix);
  if (bias) c.setParam(module, 'bias', [outFeatures], floats(bias));
  return activation(c.call({ kind: 'linear', outFeatures, bias: bias !== undefined }, [x], module));
}

function gemm(c: NodeContext): Entry {
  if (c.attributeFloat('alpha', 1) !== 1 || c.attributeFloat('beta', 1) !== 1 || c.attributeInt('transA', 0) !== 0) {
    throw c.fail('only alpha=1, beta=1, transA=0 are supported');
  }
  return linearLayer(c, c.activation(0), c.constant(1), c.attributeInt('transB', 0) === 0, c.optionalConstant(2));
}

/** MatMul by a constant [in, out] matrix; a following Add of a constant vector becomes the bias. */
function matMul(c: NodeContext): Entry {
  const x = c.activation(0);
  const weight = c.constant(1);
  const readers = c.readers();
  const add = readers.length === 1 && readers[0]!.opType === 'Add' ? readers[0]! : undefined;
  const bias = add ? c.biasOf(add) : undefined;
  const layer = linearLayer(c, x, weight, true, bias);
  if (add && bias) c.absorb(add, layer);
  return layer;
}

const activation = (value: Value): Activation => ({ kind: 'activation', value });

/** A float copy of a constant's values. */
function floats(t: Constant): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) out[k * rows + r] = data[r * cols + k]!;
  return out;
}

const unary =
  (op: Op) =>
  (c: NodeContext): Entry =>
    activation(c.call(op, [c.activation(0)]));

function clip(c: NodeContext): Entry {
  const bound = (i: number, attribute: string, fallback: number) => {
    if (c.opset < 11) return c.attributeFloat(attribute, fallback);
    const t = c.optionalConstant(i);
    return t === undefined ? fallback : t.data[0]!;
  };
  const min = bound(1, 'min', -Infinity);
  const max = bound(2, 'max', Infinity);
  if (min === 0 && max === Infinity) return unary({ kind: 'relu' })(c);
  return unary({ kind: 'clip', min, max })(c);
}

const SCALAR_OPERATIONS: Record<string, ScalarOperation> = { Add: 'add', Sub: 'sub', Mul: 'mul', Div: 'div' };

/** Add/Sub/Mul/Div: two activations (a sum, a product or an SE gate), or an activation and a scalar or per-channel constant. */
function binary(c: NodeContext): Entry {
  const [a, b] = [c.input(0), c.input(1)];
  const operation = SCALAR_OPERATIONS[c.node.opType!]!;
  if (a?.kind === 'activation' && b?.kind === 'activation') {
    if (operation === 'add') return activation(c.call({ kind: 'add' }, [a.value, b.value]));
    if (operation === 'mul') {
      const [x, gate] = numel(a.value.shape) >= numel(b.value.shape) ? [a.value, b.value] : [b.value, a.value];
      return activation(c.call({ kind: 'mul' }, [x, gate]));
    }
    throw c.fail(`${c.node.opType} of two activations is not supported`);
  }
  const constantFirst = a?.kind === 'constant';
  const [x, k] = constantFirst ? [b, a] : [a, b];
  if (x?.kind !== 'activation' || k?.kind !== 'constant') throw c.fail('expects an activation and a constant');
  if (constantFirst && (operation === 'sub' || operation === 'div')) throw c.fail(`a constant ${operation === 'sub' ? 'minus' : 'divided by'} an activation is not supported`);
  if (numel(k.shape) === 1) return activation(c.call({ kind: 'scalar', operation, value: k.data[0]! }, [x.value]));
  if (!isPerChannel(k.shape, x.value.shape)) {
    const expected = x.value.shape.length === 3 ? `[${x.value.shape[0]},1,1]` : `[${x.value.shape[0]}]`;
    throw c.fail(`the constant has shape [${k.shape.join(',')}] on an [N,${x.value.shape.join(',')}] activation; only scalars and per-channel constants (${expected}) are supported`);
  }
  const op: Op = { kind: 'channelwise', operation };
  const module = c.moduleName(k, true);
  c.setParam(module, 'weight', x.value.shape.length === 3 ? [x.value.shape[0]!, 1, 1] : [x.value.shape[0]!], floats(k));
  return activation(c.call(op, [x.value], module));
}

/** Whether a constant of `shape` holds one value per channel of an activation of per-sample `activation` shape ([C,1,1] or [1,C,1,1] on maps, [C] or [1,C] on vectors). */
function isPerChannel(shape: readonly number[], activation: Shape): boolean {
  const dims = [...shape];
  while (dims.length > activation.length && dims[0] === 1) dims.shift();
  const wanted = activation.length === 3 ? [activation[0]!, 1, 1] : activation.length === 1 ? [activation[0]!] : [];
  return dims.length === wanted.length && dims.every((d, i) => d === wanted[i]);
}

/** The one channel axis of an axis attribute on a [N,C,H,W] activation, else an error. */
function channelAxis(c: NodeContext, axis: number, rank: number): void {
  if ((axis < 0 ? axis + rank : axis) !== 1) throw c.fail(`axis ${axis} is not the channel axis; only channel concatenation and splits are supported`);
}

function concat(c: NodeContext): Entry {
  const inputs = (c.node.input ?? []).map((_, i) => c.activation(i));
  channelAxis(c, c.attributeInt('axis', 1), 1 + inputs[0]!.shape.length);
  return activation(c.call({ kind: 'concat' }, inputs));
}

function split(c: NodeContext): readonly Entry[] {
  const x = c.activation(0);
  channelAxis(c, c.attributeInt('axis', 0), 1 + x.shape.length);
  const outputs = (c.node.output ?? []).length;
  const given = c.opset >= 13 ? c.optionalConstant(1) : undefined;
  const sizes = given ? [...given.data] : c.attributeInts('split', []);
  const channels = x.shape[0]!;
  const parts = sizes.length > 0 ? sizes : new Array<number>(outputs).fill(Math.ceil(channels / outputs));
  let start = 0;
  return parts.map((size) => {
    const end = Math.min(start + size, channels);
    const part = activation(c.call({ kind: 'slice', start, end }, [x]));
    start = end;
    return part;
  });
}

function slice(c: NodeContext): Entry {
  const x = c.activation(0);
  const starts = [...c.constant(1).data];
  const ends = [...c.constant(2).data];
  const axes = c.optionalConstant(3)?.data ?? starts.map((_, i) => i);
  const steps = c.optionalConstant(4)?.data ?? starts.map(() => 1);
  const full = [1, ...x.shape];
  let result: Value = x;
  axes.forEach((rawAxis, i) => {
    const axis = rawAxis < 0 ? rawAxis + full.length : rawAxis;
    const size = full[axis]!;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
    const [from, to] = [clamp(starts[i]!), clamp(ends[i]!)];
    if (from === 0 && to === size && steps[i] === 1) return;
    if (axis !== 1 || steps[i] !== 1 || x.shape.length !== 3) throw c.fail('only unit-step slices of the channel axis are supported');
    result = c.call({ kind: 'slice', start: from, end: to }, [result]);
  });
  return activation(result);
}

/** Reshape by a constant shape: a flatten, a no-op, or one of the two views of a channel shuffle. */
function reshape(c: NodeContext): Entry {
  const x = c.input(0);
  const target = [...c.constant(1).data];
  if (x?.kind === 'constant') throw c.fail('internal: constant reshape reached the activation handler');
  if (x === undefined) throw c.fail('has no data input');
  const shape = x.value.shape;
  const total = x.kind === 'grouped' ? numel(shape) : numel(x.value.shape);
  const current = x.kind === 'grouped' ? [x.swapped ? shape[0]! / x.groups : x.groups, x.swapped ? x.groups : shape[0]! / x.groups, ...shape.slice(1)] : shape;
  const resolved = target.map((d, i) => (d === 0 ? [1, ...current][i]! : d));
  if (resolved[0] !== 1 && resolved[0] !== -1) throw c.fail(`reshapes across the batch dimension (target [${target.join(',')}])`);
  const sample = resolved.slice(1);
  const known = sample.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const perSample = sample.map((d) => (d === -1 ? total / known : d));
  if (numel(perSample) !== total) throw c.fail(`cannot view [${current.join(',')}] as [${perSample.join(',')}]`);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  if (x.kind === 'grouped') {
    if (x.swapped && same(perSample, shape)) return activation(c.call({ kind: 'shuffle', groups: x.groups }, [x.value]));
    throw c.fail('only the channel shuffle view [N,g,C/g,H,W] -> transpose -> [N,C,H,W] is supported');
  }
  if (same(perSample, shape)) return x;
  if (perSample.length === 1) return activation(shape.length === 1 ? x.value : c.call({ kind: 'flatten' }, [x.value]));
  if (shape.length === 3 && perSample.length === 4 && perSample[0]! * perSample[1]! === shape[0] && same(perSample.slice(2), shape.slice(1))) {
    return { kind: 'grouped', value: x.value, groups: perSample[0]!, swapped: false };
  }
  throw c.fail(`reshape of [${shape.join(',')}] to [${perSample.join(',')}] is not supported (flatten and channel shuffle are)`);
}

function transposeNode(c: NodeContext): Entry {
  const x = c.input(0);
  const perm = c.attributeInts('perm', []);
  if (x?.kind === 'grouped' && perm.join(',') === '0,2,1,3,4') return { ...x, swapped: !x.swapped };
  throw c.fail(`Transpose with perm [${perm.join(',')}] is only supported inside a channel shuffle`);
}

/** Gather of a constant channel permutation on an activation: a channel shuffle (how iotnets itself writes one). */
function gatherChannels(c: NodeContext): Entry {
  const x = c.activation(0);
  const indices = [...c.constant(1).data];
  channelAxis(c, c.attributeInt('axis', 0), 1 + x.shape.length);
  const channels = x.shape[0]!;
  for (let groups = 1; groups <= channels; groups++) {
    if (channels % groups === 0 && shufflePermutation(channels, groups).every((v, i) => v === indices[i]) && indices.length === channels) {
      return activation(c.call({ kind: 'shuffle', groups }, [x]));
    }
  }
  throw c.fail('only a Gather of a channel-shuffle permutation is supported on activations');
}

function flatten(c: NodeContext): Entry {
  const x = c.activation(0);
  if (c.attributeInt('axis', 1) !== 1) throw c.fail('only Flatten with axis=1 is supported');
  return activation(x.shape.length === 1 ? x : c.call({ kind: 'flatten' }, [x]));
}

/** Squeeze of the 1x1 spatial axes of a pooled map: a flatten. */
function squeeze(c: NodeContext): Entry {
  const x = c.activation(0);
  const axes = c.opset >= 13 ? [...(c.optionalConstant(1)?.data ?? [])] : c.attributeInts('axes', []);
  const squeezes = x.shape.length === 3 && x.shape[1] === 1 && x.shape[2] === 1 && [...axes].sort().join(',') === '2,3';
  if (!squeezes) throw c.fail('only squeezing the 1x1 spatial axes of a pooled map is supported');
  return activation(c.call({ kind: 'flatten' }, [x]));
}

const pool =
  (kind: 'maxpool' | 'avgpool'): Handler =>
  (c) => {
    const { x, padded } = kind === 'avgpool' ? mayBePadded(c) : { x: c.activation(0), padded: undefined };
    const kernel = pairOf(c.attributeInts('kernel_shape', []), 0);
    if (kernel.some((k) => k === undefined)) throw c.fail('needs a 2-D kernel_shape');
    const dilation = pairOf(c.attributeInts('dilations', [1, 1]), 0);
    if (dilation[0] !== 1 || dilation[1] !== 1) throw c.fail('dilated pooling is not supported');
    const own = windowOf(c, x.shape, kernel, dilation);
    const ownPadding = own.padding.some((p) => p > 0) || own.padEnd !== undefined || own.ceilMode === true;
    // Zeros of a folded Pad count in the average, as count_include_pad=1 does: they cannot mix with padding excluded.
    const excludesPad = kind === 'avgpool' && ownPadding && c.attributeInt('count_include_pad', 0) === 0;
    if (excludesPad && padded) throw c.fail('averages a zero-padded input while excluding its own padding; this mix is not supported');
    const window = withPadding(own, padded);
    return activation(c.call({ kind, ...window, ...(excludesPad ? { countIncludePad: false } : {}) }, [x]));
  };

/** A pooling window covering the whole map, optionally flattened (ReduceMean with keepdims=0). */
function globalPool(c: NodeContext, kind: 'maxpool' | 'avgpool', keepDims: boolean): Entry {
  const x = c.activation(0);
  if (x.shape.length !== 3) throw c.fail(`expects a [N,C,H,W] map, got [N,${x.shape.join(',')}]`);
  const size: readonly [number, number] = [x.shape[1]!, x.shape[2]!];
  const pooled = c.call({ kind, kernel: size, stride: size, padding: [0, 0] }, [x]);
  return activation(keepDims ? pooled : c.call({ kind: 'flatten' }, [pooled]));
}

function reduceMean(c: NodeContext): Entry {
  const axes = c.opset >= 18 ? [...(c.optionalConstant(1)?.data ?? [])] : c.attributeInts('axes', []);
  const normalised = axes.map((a) => (a < 0 ? a + 4 : a)).sort();
  if (normalised.join(',') !== '2,3') throw c.fail(`ReduceMean over axes [${axes.join(',')}]; only the spatial axes [2,3] are supported`);
  return globalPool(c, 'avgpool', c.attributeInt('keepdims', 1) === 1);
}

function softmax(c: NodeContext): Entry {
  const x = c.activation(0);
  const axis = c.attributeInt('axis', c.opset >= 13 ? -1 : 1);
  if (x.shape.length !== 1 || (axis !== 1 && axis !== -1)) throw c.fail('only Softmax over the class axis of [N,K] logits is supported');
  return activation(c.call({ kind: 'softmax' }, [x]));
}

/** Zero padding of the spatial axes, folded into the convolution that reads it. */
function pad(c: NodeContext): Entry {
  const x = c.activation(0);
  const mode = c.attributeString('mode', 'constant');
  const pads = c.opset >= 11 ? [...c.constant(1).data] : c.attributeInts('pads', []);
  const value = c.opset >= 11 ? (c.optionalConstant(2)?.data[0] ?? 0) : c.attributeFloat('value', 0);
  if (mode !== 'constant' || value !== 0 || pads.length !== 8 || [0, 1, 4, 5].some((i) => pads[i] !== 0) || pads.some((p) => p < 0)) {
    throw c.fail('only zero padding of the spatial axes is supported');
  }
  if (!c.readers().every((r) => r.opType === 'Conv' || r.opType === 'AveragePool')) {
    throw c.fail('pads a tensor read by other ops than Conv and AveragePool, the only ones padding folds into');
  }
  return { kind: 'padded', value: x, pads: [pads[2]!, pads[3]!, pads[6]!, pads[7]!] };
}

function passThrough(c: NodeContext): Entry {
  const x = c.input(0);
  if (x === undefined) throw c.fail('has no input');
  return x;
}

/** How each supported ONNX op becomes graph ops when it acts on activations. */
const HANDLERS: Readonly<Record<string, Handler>> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  BatchNormalization: batchNormalization,
  Gemm: gemm,
  MatMul: matMul,
  Relu: unary({ kind: 'relu' }),
  Sigmoid: unary({ kind: 'sigmoid' }),
  HardSwish: unary({ kind: 'hardswish' }),
  HardSigmoid: (c) => unary({ kind: 'hardsigmoid', alpha: c.attributeFloat('alpha', 0.2), beta: c.attributeFloat('beta', 0.5) })(c),
  LeakyRelu: (c) => unary({ kind: 'leakyrelu', alpha: c.attributeFloat('alpha', 0.01) })(c),
  Clip: clip,
  Add: binary,
  Sub: binary,
  Mul: binary,
  Div: binary,
  Concat: concat,
  Split: split,
  Slice: slice,
  Reshape: reshape,
  Transpose: transposeNode,
  Gather: gatherChannels,
  Flatten: flatten,
  Squeeze: squeeze,
  MaxPool: pool('maxpool'),
  AveragePool: pool('avgpool'),
  GlobalAveragePool: (c) => globalPool(c, 'avgpool', true),
  GlobalMaxPool: (c) => globalPool(c, 'maxpool', true),
  ReduceMean: reduceMean,
  Softmax: softmax,
  Pad: pad,
  Dropout: passThrough,
  Identity: passThrough,
  Cast: (c) => {
    if (c.attributeInt('to', DataType.FLOAT) !== DataType.FLOAT) throw c.fail('casts an activation to a non-float type');
    return passThrough(c);
  },
};

// ---- constant folding: the shape arithmetic exporters emit (Shape/Gather/Unsqueeze/Concat feeding a Reshape) ----

/** A constant of computed values. */
const computed = (float: boolean, shape: readonly number[], values: ArrayLike<number>): Constant => ({
  kind: 'constant',
  float,
  shape,
  data: float ? Float32Array.from(values) : Float64Array.from(values),
});

type Folder = (c: NodeContext, inputs: readonly (Constant | undefined)[]) => Constant;

const need = (c: NodeContext, t: Constant | undefined): Constant => {
  if (t === undefined) throw c.fail('lacks an input');
  return t;
};

/** Elementwise arithmetic on constants, broadcasting a one-element operand; integer division truncates as ONNX's. */
const arithmetic =
  (fn: (a: number, b: number) => number): Folder =>
  (c, [a, b]) => {
    const [x, y] = [need(c, a), need(c, b)];
    const float = x.float || y.float;
    const long = numel(x.shape) >= numel(y.shape) ? x : y;
    const at = (t: Constant, i: number) => t.data[numel(t.shape) === 1 ? 0 : i]!;
    if (numel(x.shape) !== numel(y.shape) && numel(x.shape) !== 1 && numel(y.shape) !== 1) throw c.fail('broadcasts constants in a way the importer does not fold');
    const values = Array.from({ length: numel(long.shape) }, (_, i) => {
      const v = fn(at(x, i), at(y, i));
      return float ? v : Math.trunc(v);
    });
    return computed(float, long.shape, values);
  };

/** For every element of an output of `shape`, the flat index of the source element `source` maps its index to. */
function gatherIndices(from: readonly number[], shape: readonly number[], source: (index: number[]) => number[]): number[] {
  const strides = from.map((_, a) => from.slice(a + 1).reduce((p, d) => p * d, 1));
  return Array.from({ length: numel(shape) }, (_, flat) => {
    const index: number[] = [];
    let rest = flat;
    for (let a = shape.length - 1; a >= 0; a--) {
      index[a] = rest % shape[a]!;
      rest = Math.floor(rest / shape[a]!);
    }
    return source(index).reduce((sum, v, a) => sum + v * strides[a]!, 0);
  });
}

function unsqueezeAxes(c: NodeContext, inputs: readonly (Constant | undefined)[]): number[] {
  return c.opset >= 13 ? [...need(c, inputs[1]).data] : c.attributeInts('axes', []);
}

const FOLDERS: Readonly<Record<string, Folder>> = {
  Identity: (c, [x]) => need(c, x),
  Dropout: (c, [x]) => need(c, x),
  Cast: (c, [x]) => {
    const to = c.attributeInt('to', DataType.FLOAT);
    const float = to === DataType.FLOAT || to === DataType.DOUBLE || to === DataType.FLOAT16;
    const t = need(c, x);
    return computed(float, t.shape, float ? t.data : Array.from(t.data, Math.trunc));
  },
  Gather: (c, [data, indices]) => {
    const [d, idx] = [need(c, data), need(c, indices)];
    if (d.shape.length !== 1 || c.attributeInt('axis', 0) !== 0) throw c.fail('gathers from a constant of rank > 1');
    const picked = Array.from(idx.data, (i) => d.data[i < 0 ? i + d.shape[0]! : i]!);
    return computed(d.float, idx.shape, picked);
  },
  Unsqueeze: (c, inputs) => {
    const t = need(c, inputs[0]);
    const axes = unsqueezeAxes(c, inputs);
    const rank = t.shape.length + axes.length;
    const shape: number[] = [];
    let from = 0;
    for (let i = 0; i < rank; i++) shape.push(axes.some((a) => (a < 0 ? a + rank : a) === i) ? 1 : t.shape[from++]!);
    return { ...t, shape, initializer: undefined } as Constant;
  },
  Squeeze: (c, inputs) => {
    const t = need(c, inputs[0]);
    return { ...t, shape: t.shape.filter((d) => d !== 1), initializer: undefined } as Constant;
  },
  Concat: (c, inputs) => {
    const parts = inputs.map((t) => need(c, t));
    if (parts.some((t) => t.shape.length !== 1)) throw c.fail('concatenates constants of rank > 1');
    const values = parts.flatMap((t) => [...t.data]);
    return computed(parts.some((t) => t.float), [values.length], values);
  },
  Slice: (c, [data, starts, ends, axes, steps]) => {
    const d = need(c, data);
    const rank = d.shape.length;
    const ranges = d.shape.map((size) => ({ start: 0, step: 1, count: size }));
    [...need(c, starts).data].forEach((rawStart, i) => {
      const axis = axes ? (axes.data[i]! < 0 ? axes.data[i]! + rank : axes.data[i]!) : i;
      const size = d.shape[axis]!;
      const step = steps ? steps.data[i]! : 1;
      const at = (v: number, low: number, high: number) => Math.min(Math.max(v < 0 ? v + size : v, low), high);
      const start = step > 0 ? at(rawStart, 0, size) : at(rawStart, -1, size - 1);
      const end = step > 0 ? at(need(c, ends).data[i]!, 0, size) : at(need(c, ends).data[i]!, -1, size - 1);
      ranges[axis] = { start, step, count: Math.max(0, Math.ceil((end - start) / step)) };
    });
    const shape = ranges.map((r) => r.count);
    return computed(d.float, shape, gatherIndices(d.shape, shape, (index) => index.map((v, a) => ranges[a]!.start + v * ranges[a]!.step)).map((i) => d.data[i]!));
  },
  Transpose: (c, [data]) => {
    const d = need(c, data);
    const perm = c.attributeInts('perm', d.shape.map((_, i) => d.shape.length - 1 - i));
    const shape = perm.map((p) => d.shape[p]!);
    return computed(d.float, shape, gatherIndices(d.shape, shape, (index) => {
      const source = new Array<number>(index.length);
      perm.forEach((p, a) => (source[p] = index[a]!));
      return source;
    }).map((i) => d.data[i]!));
  },
  ConstantOfShape: (c, [shape]) => {
    const dims = [...need(c, shape).data];
    const value = attributeMap(c.node).get('value')?.t;
    const fill = value ? decodeTensor(value, 'ConstantOfShape value', c.fail) : computed(true, [1], [0]);
    return computed(fill.float, dims, new Array<number>(numel(dims)).fill(fill.data[0] ?? 0));
  },
  Reshape: (c, [data, shape]) => {
    const d = need(c, data);
    const target = [...need(c, shape).data];
    const known = target.filter((v) => v > 0).reduce((p, v) => p * v, 1);
    return { ...d, shape: target.map((v, i) => (v === -1 ? numel(d.shape) / known : v === 0 ? d.shape[i]! : v)), initializer: undefined } as Constant;
  },
  Add: arithmetic((a, b) => a + b),
  Sub: arithmetic((a, b) => a - b),
  Mul: arithmetic((a, b) => a * b),
  Div: arithmetic((a, b) => a / b),
};

// ---- reading the model ----

function decodeTensor(t: onnx.ITensorProto, what: string, fail: (why: string) => IotnetsError): Constant {
  const shape = (t.dims ?? []).map(toNumber);
  const n = numel(shape);
  if (t.dataLocation === proto.TensorProto.DataLocation.EXTERNAL) throw fail(`${what} is stored in an external data file, which is not supported; save the model as one file`);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  const read = (bytes: number, get: (v: DataView, at: number) => number, field: ArrayLike<number | { toNumber(): number }> | null | undefined) => {
    const out = new Float64Array(n);
    if (view) for (let i = 0; i < n; i++) out[i] = get(view, i * bytes);
    else for (let i = 0; i < n; i++) out[i] = toNumber(field?.[i] ?? 0);
    return out;
  };
  switch (t.dataType) {
    case DataType.FLOAT: {
      // raw_data is little-endian, as every supported host: one copy into an aligned buffer.
      const data = raw ? new Float32Array(new Uint8Array(raw).buffer, 0, Math.floor(raw.length / 4)) : Float32Array.from(t.floatData ?? []);
      if (data.length !== n) throw fail(`${what} holds ${data.length} values, its shape [${shape.join(',')}] needs ${n}`);
      return { kind: 'constant', float: true, shape, data, ...(t.name ? { initializer: t.name } : {}) };
    }
    case DataType.DOUBLE:
      return { kind: 'constant', float: true, shape, data: Float32Array.from(read(8, (v, at) => v.getFloat64(at, true), t.doubleData)) };
    case DataType.INT64:
      return { kind: 'constant', float: false, shape, data: read(8, (v, at) => Number(v.getBigInt64(at, true)), t.int64Data) };
    case DataType.INT32:
      return { kind: 'constant', float: false, shape, data: read(4, (v, at) => v.getInt32(at, true), t.int32Data) };
    case DataType.INT8:
    case DataType.UINT8:
    case DataType.BOOL:
      return { kind: 'constant', float: false, shape, data: read(1, (v, at) => (t.dataType === DataType.INT8 ? v.getInt8(at) : v.getUint8(at)), t.int32Data) };
    default:
      throw fail(`${what} has ONNX element type ${t.dataType}, which the importer does not read (float32, float64 and integers are supported)`);
  }
}

function attributeMap(node: onnx.INodeProto): Map<string, onnx.IAttributeProto> {
  return new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
}

/** The Constant op's tensor from whichever value attribute it carries. */
function constantNodeValue(node: onnx.INodeProto, fail: (why: string) => IotnetsError): Constant {
  const a = attributeMap(node);
  const t = a.get('value')?.t;
  if (t) return { ...decodeTensor(t, `constant ${node.name}`, fail), initializer: undefined } as Constant;
  if (a.has('value_float')) return computed(true, [], [a.get('value_float')!.f ?? 0]);
  if (a.has('value_floats')) return computed(true, [a.get('value_floats')!.floats!.length], a.get('value_floats')!.floats!);
  if (a.has('value_int')) return computed(false, [], [toNumber(a.get('value_int')!.i ?? 0)]);
  if (a.has('value_ints')) return computed(false, [a.get('value_ints')!.ints!.length], a.get('value_ints')!.ints!.map(toNumber));
  throw fail('has no value attribute the importer reads');
}

/** The permutation a leading Transpose applies to turn an [N,H,W,C] input into [N,C,H,W]. */
const NHWC_TO_NCHW = '0,3,1,2';

/**
 * Input shape [C,H,W] of the model's one image input, with symbolic sizes filled from `given`; `channelsLast` reads
 * the input's dimensions as [N,H,W,C].
 */
function imageInput(graph: onnx.IGraphProto, fileName: string, given: Shape | undefined, channelsLast: boolean): { name: string; shape: Shape } {
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name));
  if (inputs.length !== 1) {
    throw new IotnetsError(`${fileName} has ${inputs.length} inputs (${inputs.map((v) => v.name).join(', ')}); iotnets imports image classifiers with one [N,C,H,W] input`);
  }
  const input = inputs[0]!;
  const tensor = input.type?.tensorType;
  const dims = tensor?.shape?.dim ?? [];
  if (tensor?.elemType !== DataType.FLOAT || dims.length !== 4) {
    throw new IotnetsError(`${fileName}: input ${input.name} is not a float [N,C,H,W] image (rank ${dims.length}); iotnets imports image classifiers`);
  }
  const stored = dims.slice(1).map((d) => (d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : undefined));
  const sizes = channelsLast ? [stored[2], stored[0], stored[1]] : stored;
  if (given !== undefined) {
    const conflict = sizes.findIndex((s, i) => s !== undefined && s !== given[i]);
    if (conflict >= 0) throw new IotnetsError(`${fileName}: ${field('inputShape')} ${given.join('x')} contradicts the model's fixed input [${sizes.map((s) => s ?? '?').join('x')}]; drop ${field('inputShape')} or match it`);
    return { name: input.name!, shape: given };
  }
  if (sizes.some((s) => s === undefined)) {
    throw new IotnetsError(`${fileName}: input ${input.name} has a symbolic size [N,${dims.slice(1).map((d) => d.dimParam || d.dimValue).join(',')}]; give it with ${field('inputShape')} CxHxW, e.g. 3x224x224`);
  }
  return { name: input.name!, shape: sizes as number[] };
}

function defaultOpset(model: onnx.ModelProto): number {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx' || o.domain == null);
  return entry ? toNumber(entry.version ?? 0) : 0;
}

/** The PyTorch module scope in an exporter's node name `/features/features.0/Conv` -> `features.0`. */
function scopeOf(nodeName: string): string | undefined {
  const parts = nodeName.split('/').filter((p) => p !== '');
  return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}

/**
 * Reads an ONNX image classifier (opset 11 or newer, one [N,C,H,W] float input, [N,classes] output) into the graph the
 * zoo builds, with its weights keyed by state_dict-style names, folding the exporter's shape arithmetic. Unsupported ops
 * or attributes give a one-line IotnetsError naming `fileName`, the node and its op. Pure: runs in a browser.
 */
export function importOnnx(bytes: Uint8Array, fileName: string, options: ImportOptions = {}): ImportedModel {
  return importModel(bytes, fileName, options, undefined);
}

/** importOnnx with the class count given when the model's output width is symbolic (found by a first pass). */
function importModel(bytes: Uint8Array, fileName: string, options: ImportOptions, knownClasses: number | undefined): ImportedModel {
  const model = readOnnxModel(bytes, fileName);
  const graph = model.graph!;
  const opset = defaultOpset(model);
  if (opset < MIN_IMPORT_OPSET) {
    throw new IotnetsError(`${fileName} uses ONNX opset ${opset}; iotnets imports opset ${MIN_IMPORT_OPSET} or newer (convert it with onnx.version_converter)`);
  }
  const fromIotnets = model.producerName === 'iotnets';
  const nodes = graph.node ?? [];
  const readersOf = new Map<string, onnx.INodeProto[]>();
  for (const node of nodes) for (const name of node.input ?? []) if (name) readersOf.set(name, [...(readersOf.get(name) ?? []), node]);
  // A lone Transpose [N,H,W,C] -> [N,C,H,W] reading the input is how TensorFlow models and channels-last ports start.
  const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputReaders = (graph.input ?? []).filter((v) => !initializerNames.has(v.name)).flatMap((v) => readersOf.get(v.name ?? '') ?? []);
  const leadingTranspose = inputReaders.length === 1 && inputReaders[0]!.opType === 'Transpose' &&
    (attributeMap(inputReaders[0]!).get('perm')?.ints ?? []).map(toNumber).join(',') === NHWC_TO_NCHW ? inputReaders[0] : undefined;
  const input = imageInput(graph, fileName, options.inputShape, leadingTranspose !== undefined);
  const outputs = graph.output ?? [];
  if (outputs.length !== 1) throw new IotnetsError(`${fileName} has ${outputs.length} outputs; iotnets imports classifiers with one [N,classes] output`);

  const entries = new Map<string, Entry>();
  for (const t of graph.initializer ?? []) {
    entries.set(t.name!, decodeTensor(t, `initializer ${t.name}`, (why) => new IotnetsError(`${fileName}: ${why}`)));
  }
  const absorbed = new Map<onnx.INodeProto, Entry>();
  const weights: StateDict = new Map();
  const moduleWeights = new Map<string, Float32Array>();

  const outputShape = (outputs[0]!.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue ? toNumber(d.dimValue) : undefined));
  const classes = knownClasses ?? (outputShape.length === 2 ? outputShape[1] : undefined);
  const builder = new GraphBuilder(fileName, input.shape, classes ?? 1);
  entries.set(input.name, activation(builder.input));
  if (leadingTranspose) absorbed.set(leadingTranspose, activation(builder.input));

  nodes.forEach((node, index) => {
    const opType = node.opType ?? '';
    const label = node.name || `#${index}`;
    const fail = (why: string) => new IotnetsError(`${fileName}: node ${label} (${opType}) ${why}`);
    const done = absorbed.get(node);
    if (done) {
      for (const name of node.output ?? []) entries.set(name, done);
      return;
    }
    const attributes = attributeMap(node);
    const doc = node.docString ?? '';
    const docModule = fromIotnets && doc.startsWith(MODULE_DOC_PREFIX) ? doc.slice(MODULE_DOC_PREFIX.length) : undefined;
    const inputEntry = (i: number) => {
      const name = node.input?.[i];
      return name ? entries.get(name) : undefined;
    };
    const context: NodeContext = {
      node,
      opset,
      call: (op, inputs, module) => builder.call(op, inputs, module ?? docModule),
      input: inputEntry,
      activation(i) {
        const e = inputEntry(i);
        if (e?.kind !== 'activation') throw fail(`needs an activation as input ${i}, got ${e ? `a ${e.kind === 'constant' ? 'constant' : `${e.kind} view`}` : 'nothing'}`);
        return e.value;
      },
      constant(i) {
        const e = inputEntry(i);
        if (e?.kind !== 'constant') throw fail(`needs a constant (an initializer) as input ${i}`);
        return e;
      },
      optionalConstant(i) {
        return inputEntry(i) === undefined ? undefined : context.constant(i);
      },
      readers: () => readersOf.get(node.output?.[0] ?? '') ?? [],
      absorb(reader, entry) {
        absorbed.set(reader, entry);
      },
      biasOf(add) {
        const other = add.input?.find((name) => name !== node.output?.[0]);
        const e = other ? entries.get(other) : undefined;
        return e?.kind === 'constant' ? e : undefined;
      },
      attributeInt: (name, fallback) => (attributes.has(name) ? toNumber(attributes.get(name)!.i ?? 0) : fallback),
      attributeInts: (name, fallback) => (attributes.has(name) ? (attributes.get(name)!.ints ?? []).map(toNumber) : [...fallback]),
      attributeFloat: (name, fallback) => (attributes.has(name) ? (attributes.get(name)!.f ?? 0) : fallback),
      attributeString: (name, fallback) => (attributes.has(name) ? new TextDecoder().decode(attributes.get(name)!.s ?? new Uint8Array()) : fallback),
      moduleName(weight, bare = false) {
        if (docModule !== undefined) return docModule;
        const own = bare && weight?.initializer !== undefined && /^[\w.]+$/.test(weight.initializer) ? weight.initializer : undefined;
        const fromWeight = weight?.initializer?.endsWith('.weight') ? weight.initializer.slice(0, -'.weight'.length) : own;
        const base = fromWeight ?? scopeOf(node.name ?? '') ?? (node.name || `${opType.toLowerCase()}_${index}`);
        // Two nodes sharing one weight tensor share the module; different weights under one name get a suffix.
        let name = base;
        for (let n = 2; moduleWeights.has(name) && moduleWeights.get(name) !== weight?.data; n++) name = `${base}_${n}`;
        if (weight?.data instanceof Float32Array) moduleWeights.set(name, weight.data);
        return name;
      },
      setParam(module, suffix, shape, data) {
        weights.set(`${module}.${suffix}`, { dtype: 'float32', shape, data });
      },
      fail,
    };
    const inputs = (node.input ?? []).map((name) => (name ? entries.get(name) : undefined));
    let results: Entry | readonly Entry[];
    if (opType === 'Constant') {
      results = constantNodeValue(node, fail);
    } else if (opType === 'Shape' && (inputs[0]?.kind === 'activation' || inputs[0]?.kind === 'constant')) {
      const shape = inputs[0].kind === 'activation' ? [1, ...inputs[0].value.shape] : inputs[0].shape;
      results = computed(false, [shape.length], shape);
    } else if (FOLDERS[opType] && inputs.every((e) => e === undefined || e.kind === 'constant') && inputs.length > 0) {
      results = FOLDERS[opType]!(context, inputs as (Constant | undefined)[]);
    } else {
      const handler = HANDLERS[opType];
      if (!handler) throw fail(`is an op iotnets cannot import; supported: ${Object.keys(HANDLERS).join(', ')}`);
      try {
        results = handler(context);
      } catch (e) {
        // Shape errors of the graph builder name the module; say which node of which file they came from.
        if (e instanceof IotnetsError && !e.message.startsWith(`${fileName}: node`)) throw fail(e.message.replace(`${fileName} `, ''));
        throw e;
      }
    }
    const list = Array.isArray(results) ? results : [results as Entry];
    (node.output ?? []).forEach((name, i) => {
      if (name && list[i] !== undefined) entries.set(name, list[i]!);
    });
  });

  const result = entries.get(outputs[0]!.name!);
  if (result?.kind !== 'activation') throw new IotnetsError(`${fileName}: output ${outputs[0]!.name} is not computed from the input`);
  const logits = result.value;
  if (logits.shape.length !== 1) {
    throw new IotnetsError(`${fileName}: output ${outputs[0]!.name} is [N,${logits.shape.join(',')}]; iotnets imports classifiers whose output is [N,classes]`);
  }
  // A symbolic class count: import again with the width found (cheap: import is linear in the model).
  if (classes === undefined) return importModel(bytes, fileName, options, logits.shape[0]!);
  const inputLayout = leadingTranspose ? 'NHWC' : 'NCHW';
  return { graph: builder.build(logits), weights, producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(), opset, inputLayout };
}
