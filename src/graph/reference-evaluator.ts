import { check } from '../errors.js';
import type { Graph, Node } from './graph.js';
import type { OpKind, OpOf, ScalarOperation, Shape } from './ops.js';
import { numel, type StateDict } from './tensor.js';

/** What a kernel gets: its op, input activations (batch-major) with their per-sample shapes, and its module's parameters. */
interface KernelBase {
  readonly inputs: readonly Float32Array[];
  readonly inputShapes: readonly Shape[];
  readonly shape: Shape;
  readonly batch: number;
  /** The float parameter `${module}.${suffix}`. */
  param(suffix: string): Float32Array;
}

type KernelCall<K extends OpKind> = KernelBase & { readonly op: OpOf<K> };

type Kernel<K extends OpKind> = (c: KernelCall<K>) => Float32Array;

/**
 * Copies the receptive fields of one sample's group into `cols`, one row of length C/groups*kh*kw per output
 * position (zero where the window covers padding), so each output is a contiguous dot product.
 */
function gatherWindows(
  cols: Float32Array,
  x: Float32Array,
  firstPlane: number,
  channels: number,
  [h, w]: readonly [number, number],
  [oh, ow]: readonly [number, number],
  op: OpOf<'conv2d'>,
): void {
  const [kh, kw] = op.kernel;
  const [sh, sw] = op.stride;
  const [ph, pw] = op.padding;
  const [dh, dw] = op.dilation ?? [1, 1];
  const k = channels * kh * kw;
  cols.fill(0);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const row = (oy * ow + ox) * k;
      for (let i = 0; i < channels; i++) {
        const plane = (firstPlane + i) * h * w;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - ph + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - pw + kx * dw;
            if (ix >= 0 && ix < w) cols[row + (i * kh + ky) * kw + kx] = x[plane + iy * w + ix]!;
          }
        }
      }
    }
  }
}

/** Dot product of a[aStart..aStart+n) and b[bStart..bStart+n), accumulated in float64. */
function dot(a: Float32Array, aStart: number, b: Float32Array, bStart: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[aStart + i]! * b[bStart + i]!;
    s1 += a[aStart + i + 1]! * b[bStart + i + 1]!;
  }
  if (i < n) s0 += a[aStart + i]! * b[bStart + i]!;
  return s0 + s1;
}

/** out[at..at+4) = bias + a[aStart..aStart+n) . b's next four rows of n from bStart (shares each load of a). */
function dot4(out: Float32Array, at: number, bias: number, a: Float32Array, aStart: number, b: Float32Array, bStart: number, n: number): void {
  let s0 = bias;
  let s1 = bias;
  let s2 = bias;
  let s3 = bias;
  for (let i = 0; i < n; i++) {
    const av = a[aStart + i]!;
    const j = bStart + i;
    s0 += av * b[j]!;
    s1 += av * b[j + n]!;
    s2 += av * b[j + 2 * n]!;
    s3 += av * b[j + 3 * n]!;
  }
  out[at] = s0;
  out[at + 1] = s1;
  out[at + 2] = s2;
  out[at + 3] = s3;
}

/** Convolution as a dot product of each filter with each gathered receptive field. */
const conv2d: Kernel<'conv2d'> = ({ op, inputs: [x], inputShapes: [inShape], shape, batch, param }) => {
  const [c, h, w] = inShape as [number, number, number];
  const [oc, oh, ow] = shape as [number, number, number];
  const inPerGroup = c / op.groups;
  const outPerGroup = oc / op.groups;
  const k = inPerGroup * op.kernel[0] * op.kernel[1];
  const positions = oh * ow;
  const weight = param('weight');
  const bias = op.bias ? param('bias') : undefined;
  const out = new Float32Array(batch * oc * positions);
  const cols = new Float32Array(positions * k);
  for (let n = 0; n < batch; n++) {
    for (let g = 0; g < op.groups; g++) {
      gatherWindows(cols, x!, n * c + g * inPerGroup, inPerGroup, [h, w], [oh, ow], op);
      for (let o = g * outPerGroup; o < (g + 1) * outPerGroup; o++) {
        const base = (n * oc + o) * positions;
        const b = bias ? bias[o]! : 0;
        let p = 0;
        for (; p + 4 <= positions; p += 4) dot4(out, base + p, b, weight, o * k, cols, p * k, k);
        for (; p < positions; p++) out[base + p] = b + dot(weight, o * k, cols, p * k, k);
      }
    }
  }
  return out;
};

/** Transposed convolution: each input pixel scatters its group's kernels onto the output, accumulated in float64. */
const convtranspose2d: Kernel<'convtranspose2d'> = ({ op, inputs: [x], inputShapes: [inShape], shape, batch, param }) => {
  const [c, h, w] = inShape as [number, number, number];
  const [oc, oh, ow] = shape as [number, number, number];
  const inPerGroup = c / op.groups;
  const outPerGroup = oc / op.groups;
  const [kh, kw] = op.kernel;
  const [sh, sw] = op.stride;
  const [ph, pw] = op.padding;
  const [dh, dw] = op.dilation ?? [1, 1];
  const weight = param('weight');
  const bias = op.bias ? param('bias') : undefined;
  const sums = new Float64Array(batch * oc * oh * ow);
  for (let n = 0; n < batch; n++) {
    for (let i = 0; i < c; i++) {
      const firstOut = Math.floor(i / inPerGroup) * outPerGroup;
      for (let iy = 0; iy < h; iy++) {
        for (let ix = 0; ix < w; ix++) {
          const v = x![((n * c + i) * h + iy) * w + ix]!;
          for (let j = 0; j < outPerGroup; j++) {
            const plane = (n * oc + firstOut + j) * oh;
            const taps = (i * outPerGroup + j) * kh * kw;
            for (let ky = 0; ky < kh; ky++) {
              const oy = iy * sh - ph + ky * dh;
              if (oy < 0 || oy >= oh) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ox = ix * sw - pw + kx * dw;
                if (ox >= 0 && ox < ow) sums[(plane + oy) * ow + ox] += v * weight[taps + ky * kw + kx]!;
              }
            }
          }
        }
      }
    }
  }
  const positions = oh * ow;
  return Float32Array.from(sums, (v, k) => v + (bias ? bias[Math.floor(k / positions) % oc]! : 0));
};

/** `x <operation> weight[c]` with one constant per channel (per feature of a vector). */
const channelwise: Kernel<'channelwise'> = ({ op, inputs: [x], inputShapes: [inShape], param }) => {
  const c = inShape![0]!;
  const plane = numel(inShape!) / c;
  const weight = param('weight');
  const apply = SCALAR_OPERATIONS[op.operation];
  return x!.map((v, k) => apply(v, weight[Math.floor(k / plane) % c]!));
};

/** Eval-mode BatchNorm: per channel (x - running_mean) / sqrt(running_var + eps) * weight + bias. */
const batchnorm: Kernel<'batchnorm'> = ({ op, inputs: [x], inputShapes: [inShape], batch, param }) => {
  const c = inShape![0]!;
  const plane = numel(inShape!) / c;
  const [gamma, beta, mean, variance] = ['weight', 'bias', 'running_mean', 'running_var'].map(param);
  const out = new Float32Array(x!.length);
  for (let ch = 0; ch < c; ch++) {
    const scale = gamma![ch]! / Math.sqrt(variance![ch]! + op.eps);
    const shift = beta![ch]! - mean![ch]! * scale;
    for (let n = 0; n < batch; n++) {
      const base = (n * c + ch) * plane;
      for (let i = base; i < base + plane; i++) out[i] = x![i]! * scale + shift;
    }
  }
  return out;
};

/** y = x W^T + b. */
const linear: Kernel<'linear'> = ({ op, inputs: [x], inputShapes: [inShape], batch, param }) => {
  const f = inShape![0]!;
  const weight = param('weight');
  const bias = op.bias ? param('bias') : undefined;
  const out = new Float32Array(batch * op.outFeatures);
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < op.outFeatures; o++) {
      const sum = bias ? bias[o]! : 0;
      out[n * op.outFeatures + o] = sum + dot(weight, o * f, x!, n * f, f);
    }
  }
  return out;
};

const elementwise =
  (fn: (v: number) => number) =>
  ({ inputs: [x] }: KernelBase) =>
    x!.map(fn);

/**
 * Windowed pooling over each channel plane: `reduce` folds the taps inside the input, `finish` turns the fold into the
 * output given the window's size, counted over the padding (clipped where ceil mode lets it pass) or over the input only.
 */
const pool =
  (initial: number, reduce: (acc: number, v: number) => number, finish: (acc: number, windowSize: number) => number) =>
  ({ op, inputs: [x], inputShapes: [inShape], shape, batch }: KernelCall<'maxpool' | 'avgpool'>) => {
    const [c, h, w] = inShape as [number, number, number];
    const [, oh, ow] = shape as [number, number, number];
    const [kh, kw] = op.kernel;
    const [sh, sw] = op.stride;
    const [ph, pw] = op.padding;
    const [eh, ew] = op.padEnd ?? op.padding;
    const overPadding = !('countIncludePad' in op) || op.countIncludePad !== false;
    const out = new Float32Array(batch * c * oh * ow);
    for (let plane = 0; plane < batch * c; plane++) {
      const inBase = plane * h * w;
      for (let oy = 0; oy < oh; oy++) {
        const y0 = oy * sh - ph;
        const [top, bottom] = [Math.max(y0, 0), Math.min(y0 + kh, h)];
        const windowH = overPadding ? Math.min(y0 + kh, h + eh) - y0 : bottom - top;
        for (let ox = 0; ox < ow; ox++) {
          const x0 = ox * sw - pw;
          const [left, right] = [Math.max(x0, 0), Math.min(x0 + kw, w)];
          const windowW = overPadding ? Math.min(x0 + kw, w + ew) - x0 : right - left;
          let acc = initial;
          for (let iy = top; iy < bottom; iy++) {
            for (let ix = left; ix < right; ix++) acc = reduce(acc, x![inBase + iy * w + ix]!);
          }
          out[(plane * oh + oy) * ow + ox] = finish(acc, windowH * windowW);
        }
      }
    }
    return out;
  };

/** Elementwise a * gate, the gate either the same shape or [C,1,1] broadcast over each plane. */
const mul: Kernel<'mul'> = ({ inputs: [a, gate], inputShapes: [shape, gateShape], batch }) => {
  const c = shape![0]!;
  const plane = numel(shape!) / c;
  if (numel(gateShape!) === numel(shape!)) return a!.map((v, i) => v * gate![i]!);
  const out = new Float32Array(a!.length);
  for (let p = 0; p < batch * c; p++) {
    const g = gate![p]!;
    for (let i = p * plane; i < (p + 1) * plane; i++) out[i] = a![i]! * g;
  }
  return out;
};

/** Channel concatenation per sample. */
const concat: Kernel<'concat'> = ({ inputs, inputShapes, shape, batch }) => {
  const sampleSize = numel(shape);
  const out = new Float32Array(batch * sampleSize);
  for (let n = 0; n < batch; n++) {
    let offset = n * sampleSize;
    inputs.forEach((x, i) => {
      const size = numel(inputShapes[i]!);
      out.set(x.subarray(n * size, (n + 1) * size), offset);
      offset += size;
    });
  }
  return out;
};

/** Channels start..end of each sample. */
const slice: Kernel<'slice'> = ({ op, inputs: [x], inputShapes: [inShape], shape, batch }) => {
  const plane = numel(inShape!) / inShape![0]!;
  const inSize = numel(inShape!);
  const outSize = numel(shape);
  const out = new Float32Array(batch * outSize);
  for (let n = 0; n < batch; n++) out.set(x!.subarray(n * inSize + op.start * plane, n * inSize + op.end * plane), n * outSize);
  return out;
};

/** ShuffleNet's channel shuffle: output channel j * groups + g is input channel g * (C / groups) + j. */
const shuffle: Kernel<'shuffle'> = ({ op, inputs: [x], inputShapes: [inShape], batch }) => {
  const c = inShape![0]!;
  const plane = numel(inShape!) / c;
  const perGroup = c / op.groups;
  const out = new Float32Array(x!.length);
  for (let n = 0; n < batch; n++) {
    for (let g = 0; g < op.groups; g++) {
      for (let j = 0; j < perGroup; j++) {
        const from = (n * c + g * perGroup + j) * plane;
        out.set(x!.subarray(from, from + plane), (n * c + j * op.groups + g) * plane);
      }
    }
  }
  return out;
};

/** Softmax over each sample's values. */
const softmax: Kernel<'softmax'> = ({ inputs: [x], shape, batch }) => {
  const size = numel(shape);
  const out = new Float32Array(x!.length);
  for (let n = 0; n < batch; n++) {
    const row = x!.subarray(n * size, (n + 1) * size);
    const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
    let sum = 0;
    row.forEach((v, i) => (sum += out[n * size + i] = Math.exp(v - max)));
    for (let i = n * size; i < (n + 1) * size; i++) out[i] = out[i]! / sum;
  }
  return out;
};

const SCALAR_OPERATIONS: { [O in ScalarOperation]: (v: number, c: number) => number } = {
  add: (v, c) => v + c,
  sub: (v, c) => v - c,
  mul: (v, c) => v * c,
  div: (v, c) => v / c,
};

const KERNELS: { [K in Exclude<OpKind, 'input'>]: Kernel<K> } = {
  conv2d,
  convtranspose2d,
  channelwise,
  batchnorm,
  linear,
  relu: elementwise((v) => (v > 0 ? v : 0)),
  sigmoid: elementwise((v) => 1 / (1 + Math.exp(-v))),
  clip: (c) => elementwise((v) => Math.min(Math.max(v, c.op.min), c.op.max))(c),
  leakyrelu: (c) => elementwise((v) => (v >= 0 ? v : v * c.op.alpha))(c),
  hardsigmoid: (c) => elementwise((v) => Math.min(Math.max(c.op.alpha * v + c.op.beta, 0), 1))(c),
  hardswish: elementwise((v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6),
  scalar: (c) => elementwise((v) => SCALAR_OPERATIONS[c.op.operation](v, c.op.value))(c),
  maxpool: pool(-Infinity, Math.max, (acc) => acc),
  avgpool: pool(0, (acc, v) => acc + v, (acc, size) => acc / size),
  add: ({ inputs: [a, b] }) => a!.map((v, i) => v + b![i]!),
  mul,
  concat,
  slice,
  shuffle,
  softmax,
  // Row-major [N,C,H,W] already is [N,C*H*W].
  flatten: ({ inputs: [x] }) => x!,
};

function floatParam(weights: StateDict, node: Node, suffix: string): Float32Array {
  const key = `${node.module}.${suffix}`;
  const tensor = weights.get(key);
  if (!(tensor?.data instanceof Float32Array)) throw new Error(`evaluate: weights lack float tensor ${key}`);
  return tensor.data;
}

/**
 * Runs `graph` on `input` ([batch, 3, H, W] row-major float32) with `weights` (eval mode) and returns the logits
 * [batch, numClasses]. A plain reference implementation for checking exported models, not for speed.
 */
export function evaluate(graph: Graph, weights: StateDict, input: Float32Array, batch: number): Float32Array {
  check(
    Number.isInteger(batch) && batch >= 1 && input.length === batch * numel(graph.inputShape),
    `evaluate: input has ${input.length} values, expected ${batch} x [${graph.inputShape.join(',')}]`,
  );
  const lastUse = new Array<number>(graph.nodes.length).fill(-1);
  for (const node of graph.nodes) for (const i of node.inputs) lastUse[i] = node.id;
  const values: (Float32Array | undefined)[] = [input];
  for (const node of graph.nodes.slice(1)) {
    const kernel = KERNELS[node.op.kind as Exclude<OpKind, 'input'>] as Kernel<OpKind>;
    values[node.id] = kernel({
      op: node.op,
      inputs: node.inputs.map((i) => values[i]!),
      inputShapes: node.inputs.map((i) => graph.nodes[i]!.shape),
      shape: node.shape,
      batch,
      param: (suffix) => floatParam(weights, node, suffix),
    });
    // Free activations nobody reads any more, so large nets fit in memory.
    for (const i of node.inputs) if (lastUse[i] === node.id && i !== graph.output) values[i] = undefined;
  }
  return values[graph.output]!;
}
