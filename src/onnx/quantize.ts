import onnxProto, { type onnx } from 'onnx-proto';
import { IotnetsError } from '../errors.js';
import { roundHalfToEven } from './formats.js';
import { DataType, dimsOf, floatsOf, metadata, tensorProto, withGraph } from './tensors.js';

const proto = onnxProto.onnx;

/** The smallest and largest value a tensor took over the calibration inputs. */
export interface ValueRange {
  readonly min: number;
  readonly max: number;
}

/** Activation ranges of an fp32 model by tensor name (its input and every node output), and where they came from. */
export interface Calibration {
  readonly ranges: ReadonlyMap<string, ValueRange>;
  /** Says which inputs gave the ranges, e.g. "32 seeded random normal inputs (seed 1)": it goes into the metadata. */
  readonly label: string;
}

/** Weightless ONNX op types ONNX Runtime fuses with their QuantizeLinear/DequantizeLinear into integer kernels on the CPU. */
const INTEGER_KERNELS: ReadonlySet<string> = new Set([
  'Add', 'Mul', 'Concat', 'AveragePool', 'GlobalAveragePool', 'Sigmoid',
  // Data movement: ONNX Runtime drops their Q/DQ pair when input and output share scale and zero point.
  'MaxPool', 'Flatten', 'Slice',
]);

/** Ops with a weight initializer quantized per output channel. */
const WEIGHTED = new Set(['Conv', 'Gemm']);

/** Whether a Conv or Gemm has constant weights with the output channels on axis 0 (Gemm: transB=1). */
function hasChannelWeights(n: onnx.INodeProto, initializers: ReadonlyMap<string, onnx.ITensorProto>): boolean {
  const constant = initializers.has(n.input![1]!) && (n.input![2] === undefined || initializers.has(n.input![2]));
  return constant && (n.opType === 'Conv' || Number(n.attribute?.find((a) => a.name === 'transB')?.i ?? 0) === 1);
}

/** Ops whose output must keep its input's scale and zero point for ONNX Runtime to run them on the integers. */
const SAME_SCALE = new Set(['MaxPool', 'Flatten', 'Slice']);

/** Per-tensor activation quantization: uint8 (the CPU provider's fast path on x86), zero inside the range. */
interface Affine {
  readonly scale: number;
  readonly zeroPoint: number;
}

function uint8Affine({ min, max }: ValueRange): Affine {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale, zeroPoint: Math.min(255, Math.max(0, roundHalfToEven(-lo / scale))) };
}

type Node = onnx.INodeProto;

/** Which nodes read each tensor. */
function consumers(nodes: readonly Node[]): Map<string, number> {
  const count = new Map<string, number>();
  for (const n of nodes) for (const i of n.input ?? []) count.set(i, (count.get(i) ?? 0) + 1);
  return count;
}

/**
 * Folds each BatchNormalization that is the only reader of a Conv's output into that Conv (scaled weights, shifted
 * bias), so the pair becomes one integer convolution; `initializers` gains the folded tensors.
 */
function foldBatchNorms(nodes: readonly Node[], initializers: Map<string, onnx.ITensorProto>, outputs: ReadonlySet<string>): Node[] {
  const readers = consumers(nodes);
  const producer = new Map(nodes.map((n) => [n.output![0]!, n]));
  const folded = new Set<Node>();
  const replaced = new Map<Node, Node>();
  for (const bn of nodes) {
    if (bn.opType !== 'BatchNormalization') continue;
    const x = bn.input![0]!;
    const conv = producer.get(x);
    if (!conv || conv.opType !== 'Conv' || readers.get(x) !== 1 || outputs.has(x)) continue;
    const [gamma, beta, mean, variance] = bn.input!.slice(1).map((name) => floatsOf(initializers.get(name)!));
    const epsilon = bn.attribute?.find((a) => a.name === 'epsilon')?.f ?? 1e-5;
    const weight = initializers.get(conv.input![1]!)!;
    const w = floatsOf(weight);
    const channels = gamma!.length;
    const perChannel = w.length / channels;
    const bias = conv.input![2] ? floatsOf(initializers.get(conv.input![2])!) : new Float32Array(channels);
    const fw = new Float32Array(w.length);
    const fb = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      const k = gamma![c]! / Math.sqrt(variance![c]! + epsilon);
      for (let i = c * perChannel; i < (c + 1) * perChannel; i++) fw[i] = w[i]! * k;
      fb[c] = (bias[c]! - mean![c]!) * k + beta![c]!;
    }
    const name = conv.name ?? bn.output![0]!;
    initializers.set(`${name}.folded_weight`, tensorProto(`${name}.folded_weight`, dimsOf(weight), DataType.FLOAT, fw));
    initializers.set(`${name}.folded_bias`, tensorProto(`${name}.folded_bias`, [channels], DataType.FLOAT, fb));
    replaced.set(conv, { ...conv, input: [conv.input![0]!, `${name}.folded_weight`, `${name}.folded_bias`], output: [bn.output![0]!] });
    folded.add(bn);
  }
  return nodes.filter((n) => !folded.has(n)).map((n) => replaced.get(n) ?? n);
}

/**
 * Removes each Relu that is the only reader of its input: the producer writes the Relu's output directly, and the
 * uint8 quantization of that tensor (zero point 0, from the Relu output's range) clamps negatives exactly as Relu did.
 */
function absorbRelus(nodes: readonly Node[], graphInputs: ReadonlySet<string>, graphOutputs: ReadonlySet<string>): Node[] {
  const readers = consumers(nodes);
  const producerOf = new Map(nodes.map((n) => [n.output![0]!, n]));
  const renamed = new Map<Node, string>();
  const absorbed = new Set<Node>();
  for (const relu of nodes) {
    const x = relu.input?.[0];
    if (relu.opType !== 'Relu' || x === undefined || graphInputs.has(x) || readers.get(x) !== 1 || graphOutputs.has(relu.output![0]!)) continue;
    const producer = producerOf.get(x)!;
    // A same-scale op passes its input's zero point through, which would not clamp.
    if (SAME_SCALE.has(producer.opType!)) continue;
    renamed.set(producer, relu.output![0]!);
    absorbed.add(relu);
  }
  return nodes.filter((n) => !absorbed.has(n)).map((n) => (renamed.has(n) ? { ...n, output: [renamed.get(n)!] } : n));
}

const scalar = (name: string, dataType: number, value: number) =>
  tensorProto(name, [], dataType, dataType === DataType.FLOAT ? Float32Array.of(value) : Uint8Array.of(value));

/**
 * The fp32 model `model` in ONNX Runtime's QDQ form: BatchNorm folded into its Conv, Relu folded into the uint8
 * quantization, int8 per-channel symmetric weights and int32 biases for Conv and Gemm, uint8 per-tensor activations
 * from `calibration`, every tensor between two ops quantized (so whole chains run on integers) and the logits in float.
 * Ops with no integer kernel stay in float between a DequantizeLinear and a QuantizeLinear and are named in the metadata.
 */
export function quantizeQdq(model: onnx.ModelProto, calibration: Calibration): onnx.ModelProto {
  const graph = model.graph!;
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name!, t]));
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name!));
  const graphInputs = new Set((graph.input ?? []).map((i) => i.name!));
  const nodes = absorbRelus(foldBatchNorms(graph.node ?? [], initializers, graphOutputs), graphInputs, graphOutputs);

  const affine = new Map<string, Affine>();
  const rangeOf = (name: string) => {
    const range = calibration.ranges.get(name);
    if (!range) throw new IotnetsError(`int8 calibration has no range for tensor ${name}; calibrate the same fp32 model that is exported`);
    return range;
  };
  for (const name of graphInputs) affine.set(name, uint8Affine(rangeOf(name)));
  for (const n of nodes) {
    const out = n.output![0]!;
    if (graphOutputs.has(out)) continue;
    affine.set(out, SAME_SCALE.has(n.opType!) ? affine.get(n.input![0]!)! : uint8Affine(rangeOf(out)));
  }

  const added: onnx.ITensorProto[] = [];
  const emitted: Node[] = [];
  const quantized = (name: string) => `${name}.quantized`;
  const quantParams = (name: string) => [`${name}.scale`, `${name}.zero_point`];
  const quantize = (name: string) => {
    const a = affine.get(name)!;
    const [scale, zeroPoint] = quantParams(name) as [string, string];
    added.push(scalar(scale, DataType.FLOAT, a.scale), scalar(zeroPoint, DataType.UINT8, a.zeroPoint));
    emitted.push({ name: `${name}.quantize`, opType: 'QuantizeLinear', input: [name, scale, zeroPoint], output: [quantized(name)] });
  };
  let dequantizers = 0;
  const dequantize = (name: string) => {
    const out = `${name}.dequantized.${dequantizers++}`;
    emitted.push({ name: out, opType: 'DequantizeLinear', input: [quantized(name), ...quantParams(name)], output: [out] });
    return out;
  };
  /** int8 weights with one symmetric scale per output channel (axis 0), and the int32 bias at input scale x weight scale. */
  const quantizeWeights = (node: Node, input: string) => {
    const [, weightName, biasName] = node.input!;
    const weight = initializers.get(weightName!)!;
    const w = floatsOf(weight);
    const channels = dimsOf(weight)[0]!;
    const perChannel = w.length / channels;
    const scales = new Float32Array(channels);
    const q = new Int8Array(w.length);
    for (let c = 0; c < channels; c++) {
      let m = 0;
      for (let i = c * perChannel; i < (c + 1) * perChannel; i++) m = Math.max(m, Math.abs(w[i]!));
      scales[c] = m > 0 ? m / 127 : 1;
      for (let i = c * perChannel; i < (c + 1) * perChannel; i++) q[i] = Math.max(-127, Math.min(127, roundHalfToEven(w[i]! / scales[c]!)));
    }
    const base = node.name!;
    /** A per-output-channel constant (values, scales, zero zero points) and the DequantizeLinear that reads it. */
    const dequantizedConstant = (part: string, dims: readonly number[], type: number, values: Int8Array | Int32Array, scaleOf: Float32Array) => {
      const [data, scale, zeroPoint, out] = ['quantized', 'scale', 'zero_point', 'dequantized'].map((suffix) => `${base}.${part}_${suffix}`) as [string, string, string, string];
      const zeros = type === DataType.INT8 ? new Int8Array(channels) : new Int32Array(channels);
      added.push(tensorProto(data, dims, type, values), tensorProto(scale, [channels], DataType.FLOAT, scaleOf), tensorProto(zeroPoint, [channels], type, zeros));
      emitted.push({
        name: `${base}.${part}_dequantize`,
        opType: 'DequantizeLinear',
        input: [data, scale, zeroPoint],
        output: [out],
        attribute: [{ name: 'axis', type: proto.AttributeProto.AttributeType.INT, i: 0 }],
      });
      return out;
    };
    const inputs = [input, dequantizedConstant('weight', dimsOf(weight), DataType.INT8, q, scales)];
    if (biasName) {
      const b = floatsOf(initializers.get(biasName)!);
      const inputScale = affine.get(node.input![0]!)!.scale;
      const biasScales = scales.map((s) => s * inputScale);
      const quantizedBias = Int32Array.from(b, (v, c) => roundHalfToEven(v / biasScales[c]!));
      inputs.push(dequantizedConstant('bias', [channels], DataType.INT32, quantizedBias, biasScales));
    }
    return inputs;
  };

  const floatOps: string[] = [];
  for (const name of graphInputs) quantize(name);
  for (const n of nodes) {
    const activation = (i: string) => affine.has(i);
    const weighted = WEIGHTED.has(n.opType!);
    const quantizable = weighted ? hasChannelWeights(n, initializers) : INTEGER_KERNELS.has(n.opType!);
    const inputs = weighted && quantizable ? quantizeWeights(n, dequantize(n.input![0]!)) : n.input!.map((i) => (activation(i) ? dequantize(i) : i));
    if (!quantizable) floatOps.push(`${n.opType} ${n.name}`);
    emitted.push({ ...n, input: inputs });
    const out = n.output![0]!;
    if (!graphOutputs.has(out)) quantize(out);
  }

  const used = new Set(emitted.flatMap((n) => n.input ?? []));
  const initializer = [...[...initializers.values()].filter((t) => used.has(t.name!)), ...added];
  return withGraph(model, { ...graph, node: emitted, initializer }, [
    metadata('precision', 'int8'),
    metadata('weights', 'int8, symmetric per output channel (Conv, Gemm; BatchNorm folded into its Conv), int32 biases'),
    metadata('activations', `uint8, per tensor, min/max over ${calibration.label}`),
    metadata('float_ops', floatOps.length === 0 ? 'none' : floatOps.join(', ')),
  ]);
}

/**
 * `model` with every node output also a graph output, so one run over the calibration inputs gives each tensor's range;
 * returns the names of those tensors (the input's range comes from the inputs themselves).
 */
export function exposeActivations(model: onnx.ModelProto): { model: onnx.ModelProto; tensors: string[] } {
  const graph = model.graph!;
  const existing = new Set((graph.output ?? []).map((o) => o.name!));
  const tensors = (graph.node ?? []).map((n) => n.output![0]!).filter((name) => !existing.has(name));
  const output = [
    ...(graph.output ?? []),
    ...tensors.map((name) => ({ name, type: { tensorType: { elemType: DataType.FLOAT } } })),
  ];
  return { model: withGraph(model, { ...graph, output }, []), tensors };
}
