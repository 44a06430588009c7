import { check } from '../../errors.js';
import { GraphBuilder, type Graph, type Value } from '../../graph/graph.js';

// Latency probes: small networks iotnets builds to price, on the device being calibrated, what the catalog's
// compute-bound CIFAR networks never show: the cost of a kernel call, of weight traffic (layers at 1x1-2x2 pixels
// with large weights), of depthwise convolutions at small maps, of stems that shrink 32-64 px inputs fast, and of the
// small kernels between the convolutions of imported mobile networks (pooling, ShuffleNet's split, concatenation and
// channel shuffle, squeeze-and-excitation gates), each kind in a chain of its own so that its calls are priced apart.

/** conv-BN-ReLU, the unit every probe is made of: 'same' padding, none for a kernel that tiles its input (stride = kernel). */
function unit(b: GraphBuilder, name: string, x: Value, width: number, kernel: number, stride = 1, groups = 1): Value {
  const padding = stride === kernel ? 0 : kernel >> 1;
  return b.relu(b.bn(`${name}.bn`, b.conv(`${name}.conv`, x, width, kernel, { stride, padding, groups, bias: false })));
}

/** Global average pooling to a vector, then the classifier. */
function head(b: GraphBuilder, x: Value): Value {
  return b.linear('fc', b.flatten(b.avgPool(x, [x.shape[1]!, x.shape[2]!])), b.numClasses);
}

/** `depth` 3x3 convolutions of 8 channels on an 8x8 map: nearly nothing but kernel calls. */
function calls(depth: number): (b: GraphBuilder) => Value {
  return (b) => {
    let x = unit(b, 'stem', b.input, 8, 3);
    for (let i = 0; i < depth; i++) x = unit(b, `layer${i}`, x, 8, 3);
    return head(b, x);
  };
}

/** A 4x4 input folded to one pixel, then 1x1 convolutions of `widths`: every weight is read for one multiply. */
function weights(widths: readonly number[]): (b: GraphBuilder) => Value {
  return (b) => {
    let x = unit(b, 'stem', b.input, widths[0]!, 4, 4);
    widths.slice(1).forEach((w, i) => (x = unit(b, `layer${i}`, x, w, 1)));
    return head(b, x);
  };
}

/** 3x3 convolutions of `widths` on a 2x2 map (an 8x8 input strided by 4): few multiplies per weight. */
function smallMap(widths: readonly number[]): (b: GraphBuilder) => Value {
  return (b) => {
    let x = unit(b, 'stem', b.input, widths[0]!, 4, 4);
    widths.slice(1).forEach((w, i) => (x = unit(b, `layer${i}`, x, w, 3)));
    return head(b, x);
  };
}

/** Inverted residual blocks (1x1 expand, 3x3 depthwise, 1x1 project) of `width` x6 on maps of `size` pixels. */
function depthwise(size: number, width: number, blocks: number): (b: GraphBuilder) => Value {
  return (b) => {
    let x = unit(b, 'stem', b.input, width, 3, 32 / size);
    for (let i = 0; i < blocks; i++) {
      const expanded = unit(b, `block${i}.expand`, x, 6 * width, 1);
      const spread = unit(b, `block${i}.dw`, expanded, 6 * width, 3, 1, 6 * width);
      x = b.add(x, b.bn(`block${i}.project.bn`, b.conv(`block${i}.project.conv`, spread, width, 1, { bias: false })));
    }
    return head(b, x);
  };
}

/** A torchvision-like stem: stride-2 convolutions from `widths[0]` channels halving the map down to 2x2. */
function stem(widths: readonly number[]): (b: GraphBuilder) => Value {
  return (b) => {
    let x = b.input;
    widths.forEach((w, i) => (x = unit(b, `stage${i}`, x, w, 3, x.shape[1]! > 2 ? 2 : 1)));
    return head(b, x);
  };
}

/** A stem to `width` channels (a `stemKernel` x `stemKernel` one tiling the input), then `depth` repeats of `step`. */
function chain(width: number, depth: number, step: (b: GraphBuilder, x: Value, i: number) => Value, stemKernel = 1): (b: GraphBuilder) => Value {
  return (b) => {
    let x = unit(b, 'stem', b.input, width, stemKernel, stemKernel);
    for (let i = 0; i < depth; i++) x = step(b, x, i);
    return head(b, x);
  };
}

/** ShuffleNet's data movement without its convolutions: split in halves, swap, concatenate, shuffle the channels. */
function shuffleUnit(b: GraphBuilder, x: Value): Value {
  const half = x.shape[0]! / 2;
  return b.call({ kind: 'shuffle', groups: 2 }, [b.concat([b.slice(x, half, 2 * half), b.slice(x, 0, half)])]);
}

/** A squeeze-and-excitation gate without its convolutions: x times its global average. */
function gateUnit(b: GraphBuilder, x: Value): Value {
  return b.mul(x, b.avgPool(x, [x.shape[1]!, x.shape[2]!]));
}

/** A 1x1 convolution and its BatchNorm, then `finish` (an activation, a residual Add) on its output and input. */
function pointwise(width: number, finish: (b: GraphBuilder, y: Value, x: Value) => Value): (b: GraphBuilder, x: Value, i: number) => Value {
  return (b, x, i) => finish(b, b.bn(`layer${i}.bn`, b.conv(`layer${i}.conv`, x, width, 1, { bias: false })), x);
}

interface ProbeDef {
  readonly name: string;
  readonly inputSize: number;
  readonly forward: (b: GraphBuilder) => Value;
}

const PROBE_DEFS: readonly ProbeDef[] = [
  { name: 'probe_calls16', inputSize: 8, forward: calls(16) },
  { name: 'probe_calls64', inputSize: 8, forward: calls(64) },
  { name: 'probe_weights_s', inputSize: 4, forward: weights([128, 256, 256, 128]) },
  { name: 'probe_weights_m', inputSize: 4, forward: weights([256, 512, 1024, 512]) },
  { name: 'probe_weights_l', inputSize: 4, forward: weights([512, 1024, 2048, 1024]) },
  { name: 'probe_map2_m', inputSize: 8, forward: smallMap([128, 256, 256]) },
  { name: 'probe_map2_l', inputSize: 8, forward: smallMap([256, 512, 512]) },
  { name: 'probe_dw8', inputSize: 32, forward: depthwise(8, 32, 4) },
  { name: 'probe_dw4', inputSize: 32, forward: depthwise(4, 64, 4) },
  { name: 'probe_dw2', inputSize: 32, forward: depthwise(2, 96, 4) },
  { name: 'probe_dw1', inputSize: 32, forward: depthwise(1, 160, 4) },
  { name: 'probe_stem32', inputSize: 32, forward: stem([32, 64, 128, 256, 512]) },
  { name: 'probe_stem64', inputSize: 64, forward: stem([32, 64, 128, 256, 512]) },
  { name: 'probe_pool', inputSize: 8, forward: chain(64, 32, (b, x) => b.maxPool(x, 3, { stride: 1, padding: 1 })) },
  { name: 'probe_shuffle', inputSize: 8, forward: chain(64, 16, shuffleUnit) },
  { name: 'probe_gate', inputSize: 8, forward: chain(64, 16, gateUnit) },
  { name: 'probe_pointwise2', inputSize: 8, forward: chain(64, 32, (b, x, i) => unit(b, `layer${i}`, x, 64, 1), 4) },
  // Four chains alike but for what follows each 1x1 convolution, on 16x16 maps where a pass over the output shows:
  // ReLU (inside the convolution kernel), ReLU6 (a pass of its own), a residual Add, SiLU (a kernel of its own).
  { name: 'probe_pointwise16', inputSize: 16, forward: chain(32, 16, pointwise(32, (b, y) => b.relu(y))) },
  { name: 'probe_clip', inputSize: 16, forward: chain(32, 16, pointwise(32, (b, y) => b.call({ kind: 'clip', min: 0, max: 6 }, [y]))) },
  { name: 'probe_residual', inputSize: 16, forward: chain(32, 16, pointwise(32, (b, y, x) => b.add(x, y))) },
  { name: 'probe_silu', inputSize: 16, forward: chain(32, 16, pointwise(32, (b, y) => b.mul(y, b.sigmoid(y)))) },
];

/** The latency probes' names, in measuring order. */
export const LATENCY_PROBES: readonly string[] = PROBE_DEFS.map((p) => p.name);

/** The graph of latency probe `name` (10 classes). */
export function latencyProbe(name: string): Graph {
  const def = PROBE_DEFS.find((p) => p.name === name);
  check(def, () => `no latency probe ${name}; the probes are ${LATENCY_PROBES.join(', ')} (measure them again with the calibration set)`);
  const b = new GraphBuilder(name, [3, def.inputSize, def.inputSize], 10);
  return b.build(def.forward(b));
}
