import { CATALOG, catalogGraph } from '../catalog/catalog.js';
import type { Graph, Node, NodeCosts } from '../graph/graph.js';
import type { OpKind, OpOf } from '../graph/ops.js';
import { networkTotals, nodeCosts } from '../graph/summary.js';
import { numel } from '../graph/tensor.js';
import { TypedArrayPool } from '../typed-arrays.js';
import { onnxRuntimePlan, type ConvolutionKind, type OrtKernel, type OrtKernelCall } from './onnxruntime-plan.js';

/**
 * What a layer costs a runtime: the classes differ in how fast a device turns their work into time
 * (a dense 3x3 convolution runs near peak, a depthwise one is bound by memory and per-group calls).
 */
export type LayerClass =
  | 'conv1x1'
  | 'convkxk'
  | 'depthwise'
  | 'grouped'
  | 'linear'
  | 'batchnorm'
  | 'activation'
  | 'pool'
  | 'elementwise'
  | 'copy';

/** Layer classes whose multiply-accumulates are a feature. */
const MAC_CLASSES = ['conv1x1', 'convkxk', 'depthwise', 'grouped', 'linear'] as const satisfies readonly LayerClass[];

/** Layer classes that some runtimes execute as one call per group, so their group count is a feature. */
const GROUP_CLASSES = ['depthwise', 'grouped'] as const satisfies readonly LayerClass[];

const LAYER_CLASSES: readonly LayerClass[] = [...MAC_CLASSES, 'batchnorm', 'activation', 'pool', 'elementwise', 'copy'];

/** Bytes of one float32 activation element. */
const FLOAT_BYTES = 4;

function convClass(op: OpOf<'conv2d' | 'convtranspose2d'>, inChannels: number): LayerClass {
  if (op.groups === 1) return op.kernel[0] * op.kernel[1] === 1 ? 'conv1x1' : 'convkxk';
  return op.groups === inChannels ? 'depthwise' : 'grouped';
}

/**
 * The class of every op kind, given the channels of its (first) input; undefined for ops a runtime performs without
 * touching data (the input itself and flatten, which is a view).
 */
const CLASS_OF: { [K in OpKind]: (op: OpOf<K>, inChannels: number) => LayerClass | undefined } = {
  input: () => undefined,
  conv2d: convClass,
  convtranspose2d: convClass,
  batchnorm: () => 'batchnorm',
  linear: () => 'linear',
  relu: () => 'activation',
  sigmoid: () => 'activation',
  clip: () => 'activation',
  leakyrelu: () => 'activation',
  hardsigmoid: () => 'activation',
  hardswish: () => 'activation',
  scalar: () => 'elementwise',
  channelwise: () => 'elementwise',
  softmax: () => 'activation',
  maxpool: () => 'pool',
  avgpool: () => 'pool',
  add: () => 'elementwise',
  mul: () => 'elementwise',
  concat: () => 'copy',
  slice: () => 'copy',
  shuffle: () => 'copy',
  flatten: () => undefined,
};

/** How ONNX Runtime kernels group for their per-call overhead. */
type OrtCallClass = 'conv' | 'nchwcConv' | 'nchwcDepthwise' | 'reorder' | 'other';
/**
 * How they group for memory traffic, which costs a kernel per byte at very different rates: compute kernels
 * (convolutions, linear), layout reorders, copies (Concat, Split, channel shuffles, Flatten), elementwise kernels
 * (activations, Add, Mul, BatchNorm) and pooling (a window read per output).
 */
type OrtByteClass = 'compute' | 'reorder' | 'copy' | 'elementwise' | 'pool';
/** How their multiply-accumulates group: blocked or plain layout, dense, depthwise (blocked BatchNorm too) or grouped. */
type OrtMacClass = 'nchwcConv' | 'nchwcDepthwise' | 'conv' | 'depthwise' | 'grouped' | 'linear';

const ORT_CALL_CLASSES: readonly OrtCallClass[] = ['conv', 'nchwcConv', 'nchwcDepthwise', 'reorder', 'other'];
const ORT_BYTE_CLASSES: readonly OrtByteClass[] = ['compute', 'reorder', 'copy', 'elementwise', 'pool'];
const ORT_MAC_CLASSES: readonly OrtMacClass[] = ['nchwcConv', 'nchwcDepthwise', 'conv', 'depthwise', 'grouped', 'linear'];

const ORT_CLASSES: { [K in OrtKernel]: { readonly calls: OrtCallClass; readonly bytes: OrtByteClass } } = {
  conv: { calls: 'conv', bytes: 'compute' },
  nchwcConv: { calls: 'nchwcConv', bytes: 'compute' },
  linear: { calls: 'other', bytes: 'compute' },
  reorderInput: { calls: 'reorder', bytes: 'reorder' },
  reorderOutput: { calls: 'reorder', bytes: 'reorder' },
  batchnorm: { calls: 'other', bytes: 'elementwise' },
  relu: { calls: 'other', bytes: 'elementwise' },
  add: { calls: 'other', bytes: 'elementwise' },
  concat: { calls: 'other', bytes: 'copy' },
  pool: { calls: 'other', bytes: 'pool' },
  nchwcPool: { calls: 'other', bytes: 'pool' },
  flatten: { calls: 'other', bytes: 'copy' },
  other: { calls: 'other', bytes: 'elementwise' },
};

/** Ops among the `other` kernels that only move data (Split, channel shuffle). */
const COPY_OPS: ReadonlySet<OpKind> = new Set(['slice', 'shuffle']);

const LAYER_FEATURES: readonly string[] = [
  ...MAC_CLASSES.map((c) => `${c}.macs`),
  ...GROUP_CLASSES.map((c) => `${c}.groups`),
  ...LAYER_CLASSES.map((c) => `${c}.layers`),
  ...LAYER_CLASSES.map((c) => `${c}.bytes`),
  'weights.bytes',
];

const ORT_FEATURES: readonly string[] = [
  ...ORT_CALL_CLASSES.map((c) => `ort.${c}.calls`),
  ...ORT_BYTE_CLASSES.map((c) => `ort.${c}.bytes`),
  'ort.sum.bytes',
  'ort.activation.bytes',
  ...ORT_MAC_CLASSES.map((c) => `ort.${c}.macs`),
  'ort.conv.groups',
  'ort.im2col.bytes',
  'ort.weights.bytes',
];

/**
 * Names of the latency features, in vector order. `network` is 1 (fixed cost of one inference). The layer features
 * describe what PyTorch runs, one call per module: `*.layers` counts layers, `*.groups` convolution groups, `*.macs`
 * multiply-accumulates, `*.bytes` activation bytes read plus written, `weights.bytes` parameter bytes (float32). The
 * `ort.*` features describe what ONNX Runtime runs after its graph optimisations (see onnxruntime-plan.ts): `*.calls`
 * kernel calls (blocked depthwise convolutions apart), `*.bytes` bytes they read and write (blocked channels padded;
 * for a pooling kernel one window read per output), `ort.sum.bytes` the operand bytes of Adds fused into
 * convolutions, `ort.activation.bytes` the output bytes of convolutions with a fused activation other than ReLU (which
 * MLAS applies in a pass of its own), `*.macs` multiply-accumulates they compute, `ort.conv.groups` groups of
 * plain-layout grouped and depthwise convolutions, `ort.im2col.bytes` the unfolded input of plain-layout k×k
 * convolutions, `ort.weights.bytes` the weight bytes the compute kernels read (only the taps
 * that overlap their input): the weight traffic of networks at 1x1-4x4 pixels, which only the latency probes price.
 */
export const FEATURE_NAMES: readonly string[] = ['network', ...LAYER_FEATURES, ...ORT_FEATURES, 'weights.bytesPerMac'];

/**
 * Features no family costs, kept for their calibrated range alone. `weights.bytesPerMac`, parameter bytes per
 * multiply-accumulate, tells weight-bound networks (small inputs, wide layers: torchvision classifiers at 32-64 px
 * read 0.06-2.8 bytes of weights per MAC) from compute-bound ones (the catalog's CIFAR networks: 0.16 at most, median
 * 0.012), whose time a calibration set of the latter cannot price. `ort.linear.macs` is 1/4 of the linear layers'
 * share of `ort.weights.bytes`, so a price of its own is not identifiable: the catalog's 10-class classifiers span too
 * little of it, and fits on this machine priced it at 100-250x a blocked convolution's MAC, predicting mobilenet_v3 (a
 * 960x1280 classifier) 3-5x too slow.
 */
export const RANGE_ONLY_FEATURES: readonly string[] = ['weights.bytesPerMac', 'ort.linear.macs'];

/** A set of features that together describe how one kind of runtime spends time; a model uses one family. */
export type FeatureFamily = 'layers' | 'onnxruntime';

/**
 * The columns of each feature family (`network` in both): `layers`, one call per layer as PyTorch runs the network;
 * `onnxruntime`, ONNX Runtime's kernels after BatchNorm folding, ReLU/Add fusion and the NCHWc layout transform.
 */
export const FEATURE_FAMILIES: { readonly [F in FeatureFamily]: { readonly columns: readonly number[] } } = {
  layers: { columns: [0, ...LAYER_FEATURES.map((_, i) => 1 + i)] },
  onnxruntime: { columns: [0, ...ORT_FEATURES.map((_, i) => 1 + LAYER_FEATURES.length + i).filter((j) => !RANGE_ONLY_FEATURES.includes(FEATURE_NAMES[j]!))] },
};

const FEATURE_INDEX = new Map(FEATURE_NAMES.map((name, i) => [name, i]));

function slot(name: string): number {
  const i = FEATURE_INDEX.get(name);
  if (i === undefined) throw new Error(`no latency feature ${name}`);
  return i;
}

/** Where each layer class's features sit in the vector (-1: the class has no such feature). */
const LAYER_SLOTS = Object.fromEntries(
  LAYER_CLASSES.map((c) => [c, { layers: slot(`${c}.layers`), bytes: slot(`${c}.bytes`), macs: FEATURE_INDEX.get(`${c}.macs`) ?? -1, groups: FEATURE_INDEX.get(`${c}.groups`) ?? -1 }]),
) as Record<LayerClass, { readonly layers: number; readonly bytes: number; readonly macs: number; readonly groups: number }>;

/** Where each ONNX Runtime kernel's call and byte features sit, and each MAC class's. */
const ORT_SLOTS = Object.fromEntries(
  (Object.keys(ORT_CLASSES) as OrtKernel[]).map((k) => [k, { calls: slot(`ort.${ORT_CLASSES[k].calls}.calls`), bytes: slot(`ort.${ORT_CLASSES[k].bytes}.bytes`) }]),
) as Record<OrtKernel, { readonly calls: number; readonly bytes: number }>;
const ORT_COPY_SLOT = slot('ort.copy.bytes');
const ORT_ACTIVATION_SLOT = slot('ort.activation.bytes');
const ORT_SUM_SLOT = slot('ort.sum.bytes');
const ORT_DEPTHWISE_CALLS_SLOT = slot('ort.nchwcDepthwise.calls');
const ORT_MAC_SLOTS = Object.fromEntries(ORT_MAC_CLASSES.map((c) => [c, slot(`ort.${c}.macs`)])) as Record<OrtMacClass, number>;
const NETWORK_SLOT = slot('network');
const WEIGHT_BYTES_SLOT = slot('weights.bytes');
const WEIGHTS_PER_MAC_SLOT = slot('weights.bytesPerMac');
const LAYER_MAC_SLOTS = MAC_CLASSES.map((c) => slot(`${c}.macs`));
const ORT_GROUPS_SLOT = slot('ort.conv.groups');
const ORT_IM2COL_SLOT = slot('ort.im2col.bytes');
const ORT_WEIGHTS_SLOT = slot('ort.weights.bytes');
const RANGE_ONLY_SLOTS = RANGE_ONLY_FEATURES.map(slot);

/** Taps of a kernel axis that some output position applies to the input rather than to its padding. */
function tapsTouched(size: number, outSize: number, kernel: number, stride: number, padding: number, dilation: number): number {
  let touched = 0;
  for (let tap = 0; tap < kernel; tap++) {
    const first = tap * dilation - padding;
    const last = first + (outSize - 1) * stride;
    // Positions first, first + stride, ..., last: one of them lands in 0..size-1.
    const lo = first >= 0 ? first : first + Math.ceil(-first / stride) * stride;
    if (lo <= last && lo < size) touched += 1;
  }
  return touched;
}

/**
 * Weight bytes a compute kernel reads: a linear layer's whole matrix, a convolution's weights of the taps that overlap
 * its input (a 3x3 convolution on a 1x1 map reads only its centre taps).
 */
function weightBytesTouched(call: OrtKernelCall): number {
  const op = call.node.op;
  if (op.kind === 'linear') return FLOAT_BYTES * call.macs;
  if (op.kind !== 'conv2d' || call.macs === 0) return 0;
  const [, h, w] = call.inputs[0]!;
  const [, oh, ow] = call.output;
  const dilation = op.dilation ?? [1, 1];
  const taps = tapsTouched(h!, oh!, op.kernel[0], op.stride[0], op.padding[0], dilation[0]) * tapsTouched(w!, ow!, op.kernel[1], op.stride[1], op.padding[1], dilation[1]);
  return (FLOAT_BYTES * call.macs * taps) / (oh! * ow! * op.kernel[0] * op.kernel[1]);
}

/** A network's latency features: one number per FEATURE_NAMES entry. */
export type FeatureVector = Float64Array;

/** Adds one node's layer features; `costs` are the graph's per-node output elements and MACs. */
function addNode(features: FeatureVector, graph: Graph, node: Node, costs: NodeCosts): void {
  const inputs = node.inputs;
  const inChannels = inputs.length > 0 ? graph.nodes[inputs[0]!]!.shape[0]! : 0;
  const layerClass = (CLASS_OF[node.op.kind] as (op: typeof node.op, inChannels: number) => LayerClass | undefined)(node.op, inChannels);
  if (layerClass === undefined) return;
  const slots = LAYER_SLOTS[layerClass];
  features[slots.layers] += 1;
  const elements = costs.elements;
  let touched = elements[node.id]!;
  for (let k = 0; k < inputs.length; k++) touched += elements[inputs[k]!]!;
  features[slots.bytes] += FLOAT_BYTES * touched;
  const macs = costs.macs[node.id]!;
  if (macs > 0) features[slots.macs] += macs;
  if ((node.op.kind === 'conv2d' || node.op.kind === 'convtranspose2d') && node.op.groups > 1) features[slots.groups] += node.op.groups;
}

/** The MAC class of a convolution by kind, in plain and in blocked layout (blocked grouped ones run the dense kernel). */
const ORT_CONV_MAC_CLASS: { [K in ConvolutionKind]: { readonly plain: OrtMacClass; readonly blocked: OrtMacClass } } = {
  dense: { plain: 'conv', blocked: 'nchwcConv' },
  depthwise: { plain: 'depthwise', blocked: 'nchwcDepthwise' },
  grouped: { plain: 'grouped', blocked: 'nchwcConv' },
};

/** The MAC class of a kernel call that computes MACs: a convolution's by kind and layout, else the linear layer's. */
function ortMacClass(call: OrtKernelCall): OrtMacClass {
  if (call.convolution === undefined) return 'linear';
  const classes = ORT_CONV_MAC_CLASS[call.convolution];
  return call.kernel === 'nchwcConv' ? classes.blocked : classes.plain;
}

/** Bytes a kernel call moves for its byte class: its tensors, or for a pooling kernel one window read per output. */
function kernelBytes(call: OrtKernelCall): number {
  const op = call.node.op;
  const output = numel(call.output);
  if (op.kind === 'maxpool' || op.kind === 'avgpool') return FLOAT_BYTES * output * (op.kernel[0] * op.kernel[1] + 1);
  // A fused Add's operand (a convolution's second input) is priced apart, as ort.sum.bytes.
  const read = call.convolution !== undefined ? numel(call.inputs[0]!) : call.inputs.reduce((sum, s) => sum + numel(s), 0);
  return FLOAT_BYTES * (read + output);
}

/** The call feature of a kernel call: its kernel's class, but a depthwise convolution's own (it costs more per call). */
function callSlot(call: OrtKernelCall): number {
  const depthwise = call.kernel === 'nchwcConv' && call.convolution === 'depthwise' && call.node.op.kind === 'conv2d';
  return depthwise ? ORT_DEPTHWISE_CALLS_SLOT : ORT_SLOTS[call.kernel].calls;
}

/** The byte feature of a kernel call: its kernel's class, but copy bytes for the `other` kernels that only move data. */
function byteSlot(call: OrtKernelCall): number {
  return call.kernel === 'other' && COPY_OPS.has(call.node.op.kind) ? ORT_COPY_SLOT : ORT_SLOTS[call.kernel].bytes;
}

function addKernelCall(features: FeatureVector, call: OrtKernelCall): void {
  const op = call.node.op;
  features[callSlot(call)] += 1;
  features[byteSlot(call)] += kernelBytes(call);
  if (call.convolution !== undefined && call.inputs.length > 1) features[ORT_SUM_SLOT] += FLOAT_BYTES * numel(call.inputs[1]!);
  // MLAS applies ReLU inside the convolution kernel, any other fused activation in a pass over the output.
  if (call.activation !== undefined && call.activation !== 'relu') features[ORT_ACTIVATION_SLOT] += FLOAT_BYTES * numel(call.output);
  if (call.macs > 0) features[ORT_MAC_SLOTS[ortMacClass(call)]] += call.macs;
  features[ORT_WEIGHTS_SLOT] += weightBytesTouched(call);
  if (call.kernel === 'conv' && op.kind === 'conv2d') {
    if (op.groups > 1) features[ORT_GROUPS_SLOT] += op.groups;
    // im2col unfolds each output pixel's receptive field, input channels x kernel area: MACs / output channels per group.
    if (op.kernel[0] * op.kernel[1] > 1) features[ORT_IM2COL_SLOT] += (FLOAT_BYTES * call.macs) / (op.outChannels / op.groups);
  }
}

/** Latency feature vectors: the search computes one per candidate. */
const FEATURE_VECTORS = new TypedArrayPool(Float64Array);

/**
 * The latency features of a network (batch 1, float32); computed once per network, predictions are then dot products.
 * With `family`, only that family's features are computed (the others, range-only ones too, stay 0, as a model of that
 * family costs them).
 */
export function latencyFeatures(graph: Graph, family?: FeatureFamily): FeatureVector {
  const features = FEATURE_VECTORS.take(FEATURE_NAMES.length);
  features[NETWORK_SLOT] = 1;
  if (family !== 'onnxruntime') {
    const costs = nodeCosts(graph);
    for (const node of graph.nodes) addNode(features, graph, node, costs);
    features[WEIGHT_BYTES_SLOT] = networkTotals(graph).weightBytes;
    const macs = LAYER_MAC_SLOTS.reduce((sum, j) => sum + features[j]!, 0);
    if (macs > 0) features[WEIGHTS_PER_MAC_SLOT] = features[WEIGHT_BYTES_SLOT]! / macs;
  }
  if (family !== 'layers') for (const call of onnxRuntimePlan(graph)) addKernelCall(features, call);
  if (family !== undefined) for (const j of RANGE_ONLY_SLOTS) features[j] = 0;
  return features;
}

/** The features of a network as a name -> value record (for reports and JSON). */
export function namedFeatures(features: FeatureVector): Record<string, number> {
  return Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, features[i]!]));
}

let catalogCache: readonly FeatureVector[] | undefined;

/** The latency features of all 1617 catalog networks, by catalog index (built once per process, about a second). */
export function catalogFeatures(): readonly FeatureVector[] {
  catalogCache ??= CATALOG.map((entry) => latencyFeatures(catalogGraph(entry)));
  return catalogCache;
}
