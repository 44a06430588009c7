import { check, IotnetsError } from '../errors.js';
import { numel, type DType } from './tensor.js';

/** A per-sample activation shape: [C, H, W] for feature maps, [F] for vectors (the batch dimension is implicit). */
export type Shape = readonly number[];

type Pair = readonly [number, number];

/**
 * A sliding window. `padding` pads the top and left (and the bottom and right unless `padEnd` says otherwise, as
 * asymmetric ONNX pads do); `ceilMode` rounds the output size up; `dilation` spaces the taps (1 when absent).
 */
interface Window {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  padEnd?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

/** A scalar constant applied elementwise, `x <operation> value` (ONNX Add/Sub/Mul/Div with a one-element constant). */
export type ScalarOperation = 'add' | 'sub' | 'mul' | 'div';

/** Every operation a network graph can hold, with its attributes. */
export type Op =
  | { kind: 'input' }
  | ({ kind: 'conv2d'; outChannels: number; groups: number; bias: boolean } & Window)
  /**
   * Transposed convolution (ONNX ConvTranspose, nn.ConvTranspose2d): every input pixel scatters a kernel onto the
   * output at stride spacing; `padding`/`padEnd` crop the output, `outputPadding` adds rows and columns at its end.
   */
  | ({ kind: 'convtranspose2d'; outChannels: number; groups: number; bias: boolean; outputPadding?: Pair } & Window)
  | { kind: 'batchnorm'; eps: number }
  | { kind: 'linear'; outFeatures: number; bias: boolean }
  | { kind: 'relu' }
  | { kind: 'sigmoid' }
  | { kind: 'clip'; min: number; max: number }
  | { kind: 'leakyrelu'; alpha: number }
  | { kind: 'hardsigmoid'; alpha: number; beta: number }
  | { kind: 'hardswish' }
  | { kind: 'scalar'; operation: ScalarOperation; value: number }
  /** `x <operation> weight[c]` per channel (per feature of a vector): Keras normalisation layers, an unfused BatchNorm. */
  | { kind: 'channelwise'; operation: ScalarOperation }
  | ({ kind: 'maxpool' } & Window)
  /** `countIncludePad` false divides by the taps inside the input only (ONNX's default; PyTorch's is true). */
  | ({ kind: 'avgpool'; countIncludePad?: boolean } & Window)
  | { kind: 'add' }
  | { kind: 'mul' }
  | { kind: 'concat' }
  | { kind: 'slice'; start: number; end: number }
  /** ShuffleNet's channel shuffle: view as [groups, C/groups, H, W], swap the first two axes, view back. */
  | { kind: 'shuffle'; groups: number }
  | { kind: 'flatten' }
  | { kind: 'softmax' };

export type OpKind = Op['kind'];
export type OpOf<K extends OpKind> = Extract<Op, { kind: K }>;

/** One state_dict entry a module owns, named by its suffix (`weight`, `running_mean`, ...). */
export interface ParamSpec {
  readonly suffix: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Learned by training (weights, biases), as opposed to buffers (BatchNorm statistics). */
  readonly trainable: boolean;
}

/**
 * How error messages name the op being checked: text, or an object that formats it only when a message quotes it
 * (the builder checks every op of every network; the text is wanted only for the one that fails).
 */
export type Where = string | { toString(): string };

/** What the graph knows about one kind of operation. */
export interface OpDef<K extends OpKind> {
  /** Output shape for the given input shapes; throws IotnetsError for inputs the op cannot take. */
  inferShape(op: OpOf<K>, inputs: readonly Shape[], where: Where): Shape;
  /** state_dict entries of the module that performs this op (none for parameter-free ops). */
  params(op: OpOf<K>, inputs: readonly Shape[]): readonly ParamSpec[];
  /** Multiply-accumulates per sample (convolutions and linear layers only). */
  macs(op: OpOf<K>, inputs: readonly Shape[], output: Shape): number;
  /**
   * FLOPs per sample under the paper's per-module counter (see shared/paper-data/SOURCE.md);
   * `isModule` says whether the original called an nn.Module (counted) or a function (invisible).
   */
  paperFlops(op: OpOf<K>, inputs: readonly Shape[], output: Shape, isModule: boolean): number;
}

/** The entries of a parameter-free module: one shared empty list (a network has many such modules). */
const NO_PARAMS: readonly ParamSpec[] = [];
const none = () => NO_PARAMS;
const zero = () => 0;

/** Output size of a window along one axis; in ceil mode the last window must still start inside the input or its top padding. */
function spatialOut(size: number, kernel: number, stride: number, before: number, after: number, dilation: number, ceil: boolean): number {
  const span = size + before + after - dilation * (kernel - 1) - 1;
  const out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  return ceil && (out - 1) * stride >= size + before ? out - 1 : out;
}

// The shape rules run for every op of every network built (a search builds thousands of networks a second): plain
// tests that format their message only when they fail, no closures, no destructured parameters.

function feature(shape: Shape, where: Where): { c: number; h: number; w: number } {
  if (shape.length !== 3) throw new IotnetsError(`${where}: expects a [C,H,W] feature map, got [${shape.join(',')}]`);
  return { c: shape[0]!, h: shape[1]!, w: shape[2]! };
}

const NO_DILATION: Pair = [1, 1];

/** The output of a window over a feature map, with `channels` output channels. */
function window(op: Window, input: Shape, where: Where, channels: number): Shape {
  const { h, w } = feature(input, where);
  const end = op.padEnd ?? op.padding;
  const dilation = op.dilation ?? NO_DILATION;
  const ceil = op.ceilMode === true;
  const oh = spatialOut(h, op.kernel[0], op.stride[0], op.padding[0], end[0], dilation[0], ceil);
  const ow = spatialOut(w, op.kernel[1], op.stride[1], op.padding[1], end[1], dilation[1], ceil);
  if (oh < 1 || ow < 1) {
    throw new IotnetsError(
      `${where}: spatial size ${h}x${w} shrinks to ${oh}x${ow} (kernel ${op.kernel.join('x')}, stride ${op.stride.join('x')}); use a larger input or fewer downsampling stages`,
    );
  }
  return [channels, oh, ow];
}

/** A (transposed) convolution's channels in and out must split into its groups, and it must have an output channel. */
function checkChannelGroups(inChannels: number, op: { readonly outChannels: number; readonly groups: number }, where: Where): void {
  if (inChannels % op.groups !== 0 || op.outChannels % op.groups !== 0) {
    throw new IotnetsError(
      `${where}: channels ${inChannels} -> ${op.outChannels} are not divisible by groups=${op.groups}; choose arguments whose channel counts are multiples of the groups`,
    );
  }
  if (!(op.outChannels >= 1)) throw new IotnetsError(`${where}: needs at least one output channel, got ${op.outChannels}`);
}

/** Output size of a transposed convolution along one axis. */
const transposedOut = (size: number, kernel: number, stride: number, before: number, after: number, dilation: number, extra: number) =>
  (size - 1) * stride - before - after + dilation * (kernel - 1) + extra + 1;

function sameShapes(inputs: readonly Shape[], where: Where): Shape {
  const first = inputs[0]!;
  for (const s of inputs) {
    let same = s.length === first.length;
    for (let i = 0; same && i < s.length; i++) same = s[i] === first[i];
    if (!same) throw new IotnetsError(`${where}: operand shapes differ: ${inputs.map((x) => `[${x.join(',')}]`).join(' vs ')}`);
  }
  return first;
}

/**
 * BatchNorm's state_dict entries for `channels` channels. They depend on the width alone, so each width's list is
 * made once and shared by every BatchNorm of that width (networks hold one per conv; a search builds many). Not
 * frozen: frozen arrays take slower paths in V8's loops over shapes; the readonly types keep them unmodified.
 */
function batchNormParams(channels: number): readonly ParamSpec[] {
  const kept = Number.isInteger(channels) && channels >= 0 && channels < BATCH_NORM_WIDTHS_KEPT;
  let params = kept ? BATCH_NORM_PARAMS[channels] : undefined;
  if (params === undefined) {
    const c = [channels];
    params = [
      { suffix: 'weight', shape: c, dtype: 'float32', trainable: true },
      { suffix: 'bias', shape: c, dtype: 'float32', trainable: true },
      { suffix: 'running_mean', shape: c, dtype: 'float32', trainable: false },
      { suffix: 'running_var', shape: c, dtype: 'float32', trainable: false },
      { suffix: 'num_batches_tracked', shape: [], dtype: 'int64', trainable: false },
    ];
    if (kept) BATCH_NORM_PARAMS[channels] = params;
  }
  return params;
}

/**
 * BatchNorm entry lists kept, indexed by width (an array: a numeric-key Map lookup cost more than the rest of the
 * BatchNorm's registration): widths below 4096, more than any search space draws.
 */
const BATCH_NORM_WIDTHS_KEPT = 4096;
const BATCH_NORM_PARAMS: (readonly ParamSpec[] | undefined)[] = [];

const poolDef = (counted: (input: Shape) => number): OpDef<'maxpool' | 'avgpool'> => ({
  inferShape: (op, inputs, where) => window(op, inputs[0]!, where, inputs[0]![0]!),
  params: none,
  macs: zero,
  paperFlops: (_op, inputs, _out, isModule) => (isModule ? counted(inputs[0]!) : 0),
});

const elementwise: OpDef<'relu' | 'sigmoid' | 'clip' | 'leakyrelu' | 'hardsigmoid' | 'hardswish' | 'scalar' | 'softmax'> = {
  inferShape: (_op, inputs) => inputs[0]!,
  params: none,
  macs: zero,
  paperFlops: (_op, _in, out, isModule) => (isModule ? numel(out) : 0),
};

const functionalOnly = <K extends OpKind>(inferShape: OpDef<K>['inferShape']): OpDef<K> => ({
  inferShape,
  params: none,
  macs: zero,
  paperFlops: zero,
});

/** The op registry: shape rules, parameters and costs of every op kind. */
export const OPS: { [K in OpKind]: OpDef<K> } = {
  input: functionalOnly(() => {
    throw new Error('input has no inputs');
  }),
  conv2d: {
    inferShape(op, inputs, where) {
      const input = inputs[0]!;
      checkChannelGroups(feature(input, where).c, op, where);
      return window(op, input, where, op.outChannels);
    },
    params(op, inputs) {
      const weight: ParamSpec = {
        suffix: 'weight',
        shape: [op.outChannels, inputs[0]![0]! / op.groups, op.kernel[0], op.kernel[1]],
        dtype: 'float32',
        trainable: true,
      };
      return op.bias ? [weight, { suffix: 'bias', shape: [op.outChannels], dtype: 'float32', trainable: true }] : [weight];
    },
    macs: (op, inputs, out) => numel(out) * (inputs[0]![0]! / op.groups) * op.kernel[0] * op.kernel[1],
    paperFlops: (op, inputs, out) => OPS.conv2d.macs(op, inputs, out) + (op.bias ? numel(out) : 0),
  },
  convtranspose2d: {
    inferShape(op, [input], where) {
      const { c, h, w } = feature(input!, where);
      checkChannelGroups(c, op, where);
      const end = op.padEnd ?? op.padding;
      const [dh, dw] = op.dilation ?? [1, 1];
      const [eh, ew] = op.outputPadding ?? [0, 0];
      const oh = transposedOut(h, op.kernel[0], op.stride[0], op.padding[0], end[0], dh, eh);
      const ow = transposedOut(w, op.kernel[1], op.stride[1], op.padding[1], end[1], dw, ew);
      check(oh >= 1 && ow >= 1, () => `${where}: padding crops the ${h}x${w} input's output to ${oh}x${ow}; use less padding`);
      return [op.outChannels, oh, ow];
    },
    params(op, [input]) {
      const weight: ParamSpec = {
        suffix: 'weight',
        shape: [input![0]!, op.outChannels / op.groups, op.kernel[0], op.kernel[1]],
        dtype: 'float32',
        trainable: true,
      };
      return op.bias ? [weight, { suffix: 'bias', shape: [op.outChannels], dtype: 'float32', trainable: true }] : [weight];
    },
    // Every input element meets every tap of its group's kernels (outputs the padding crops included).
    macs: (op, [input]) => numel(input!) * (op.outChannels / op.groups) * op.kernel[0] * op.kernel[1],
    paperFlops: (op, inputs, out) => OPS.convtranspose2d.macs(op, inputs, out) + (op.bias ? numel(out) : 0),
  },
  channelwise: {
    inferShape(_op, [input], where) {
      check(input!.length === 1 || input!.length === 3, () => `${where}: a per-channel constant needs [C] or [C,H,W], got [${input!.join(',')}]`);
      return input!;
    },
    params: (_op, [input]) => [{ suffix: 'weight', shape: input!.length === 3 ? [input![0]!, 1, 1] : [input![0]!], dtype: 'float32', trainable: true }],
    macs: zero,
    paperFlops: (_op, _in, out) => numel(out),
  },
  batchnorm: {
    inferShape(_op, inputs, where) {
      const input = inputs[0]!;
      if (input.length !== 1 && input.length !== 3) throw new IotnetsError(`${where}: BatchNorm expects [C] or [C,H,W], got [${input.join(',')}]`);
      return input;
    },
    params: (_op, inputs) => batchNormParams(inputs[0]![0]!),
    macs: zero,
    paperFlops: (_op, _in, out) => 2 * numel(out),
  },
  linear: {
    inferShape(op, inputs, where) {
      const input = inputs[0]!;
      if (input.length !== 1) throw new IotnetsError(`${where}: Linear expects a flat [F] input, got [${input.join(',')}]; flatten first`);
      return [op.outFeatures];
    },
    params(op, inputs) {
      const weight: ParamSpec = { suffix: 'weight', shape: [op.outFeatures, inputs[0]![0]!], dtype: 'float32', trainable: true };
      return op.bias ? [weight, { suffix: 'bias', shape: [op.outFeatures], dtype: 'float32', trainable: true }] : [weight];
    },
    macs: (op, inputs) => inputs[0]![0]! * op.outFeatures,
    paperFlops: (op, inputs) => inputs[0]![0]! * op.outFeatures,
  },
  relu: elementwise as OpDef<'relu'>,
  sigmoid: elementwise as OpDef<'sigmoid'>,
  clip: elementwise as OpDef<'clip'>,
  leakyrelu: elementwise as OpDef<'leakyrelu'>,
  hardsigmoid: elementwise as OpDef<'hardsigmoid'>,
  hardswish: elementwise as OpDef<'hardswish'>,
  scalar: elementwise as OpDef<'scalar'>,
  softmax: elementwise as OpDef<'softmax'>,
  maxpool: poolDef((input) => numel(input)) as OpDef<'maxpool'>,
  avgpool: poolDef((input) => numel(input)) as OpDef<'avgpool'>,
  add: functionalOnly((_op, inputs, where) => sameShapes(inputs, where)),
  mul: functionalOnly((_op, inputs, where) => {
    const a = inputs[0]!;
    const b = inputs[1]!;
    if (a.length === b.length && a.every((d, i) => d === b[i])) return a;
    const { c, h, w } = feature(a, where);
    const gate = feature(b, where);
    check(
      gate.c === c && ((gate.h === 1 && gate.w === 1) || (gate.h === h && gate.w === w)),
      () => `${where}: cannot broadcast [${b.join(',')}] onto [${a.join(',')}]`,
    );
    return a;
  }),
  concat: functionalOnly((_op, inputs, where) => {
    const { h, w } = feature(inputs[0]!, where);
    let channels = 0;
    for (const input of inputs) {
      const s = feature(input, where);
      if (s.h !== h || s.w !== w) throw new IotnetsError(`${where}: concatenated maps differ in size: ${inputs.map((x) => `[${x.join(',')}]`).join(' + ')}`);
      channels += s.c;
    }
    return [channels, h, w];
  }),
  slice: functionalOnly((op, inputs, where) => {
    const { h, w, c } = feature(inputs[0]!, where);
    if (!(0 <= op.start && op.start < op.end && op.end <= c)) throw new IotnetsError(`${where}: channel slice ${op.start}:${op.end} is outside 0:${c}`);
    return [op.end - op.start, h, w];
  }),
  shuffle: functionalOnly((op, inputs, where) => {
    const input = inputs[0]!;
    const { c } = feature(input, where);
    check(Number.isInteger(op.groups) && op.groups >= 1 && c % op.groups === 0, () => `${where}: ${c} channels do not split into ${op.groups} shuffle groups`);
    return input;
  }),
  flatten: functionalOnly((_op, inputs) => [numel(inputs[0]!)]),
};
