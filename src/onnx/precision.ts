import onnxProto, { type onnx } from 'onnx-proto';
import { check } from '../errors.js';
import { binaryExponent, FP32, largestFinite, roundAllToFloat, roundToFloat, type FloatLayout, type NumberFormat } from './formats.js';
import { quantizeQdq, type Calibration } from './quantize.js';
import { DataType, dimsOf, floatsOf, metadata, tensorProto, withGraph } from './tensors.js';

const proto = onnxProto.onnx;

/** How an exported model is made to run in a reduced precision. */
export interface PrecisionOptions {
  /** fp32 (the default), fp16, int8, or any float layout (bf16, eXmY) emulated on the weights. */
  readonly precision?: NumberFormat;
  /** Activation ranges of the fp32 model, needed for int8 (see quantize.ts). */
  readonly calibration?: Calibration;
}

const FP16: FloatLayout = { exponent: 5, mantissa: 10 };

/** IEEE binary16 bits of `x` rounded to float16 (ties to even, saturating at ±65504 instead of overflowing). */
export function float16Bits(x: number): number {
  const v = roundToFloat(x, FP16);
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a < 2 ** -14) return sign | (a / 2 ** -24);
  const e = binaryExponent(a);
  return sign | ((e + 15) << 10) | ((a / 2 ** e - 1) * 1024);
}

const isFloat = (t: onnx.ITensorProto) => t.dataType === DataType.FLOAT;

/** fp16: float16 initializers (half the file), each Cast once to float32 for ops that compute in float32. */
function toFloat16(model: onnx.ModelProto): onnx.ModelProto {
  const graph = model.graph!;
  const halves = new Set<string>();
  const initializer = (graph.initializer ?? []).map((t) => {
    if (!isFloat(t)) return t;
    halves.add(t.name!);
    return tensorProto(t.name!, dimsOf(t), DataType.FLOAT16, Uint16Array.from(floatsOf(t), float16Bits));
  });
  const widened = (name: string) => `${name}.float32`;
  const casts: onnx.INodeProto[] = [...halves].map((name) => ({
    name: `${name}.cast`,
    opType: 'Cast',
    input: [name],
    output: [widened(name)],
    attribute: [{ name: 'to', type: proto.AttributeProto.AttributeType.INT, i: DataType.FLOAT }],
  }));
  const node = (graph.node ?? []).map((n) => ({ ...n, input: (n.input ?? []).map((i) => (halves.has(i) ? widened(i) : i)) }));
  const computed = [...new Set(node.map((n) => n.opType))].sort().join(', ');
  return withGraph(model, { ...graph, initializer, node: [...casts, ...node] }, [
    metadata('precision', 'fp16'),
    metadata('weights', 'float16 initializers (ties to even, saturating at ±65504)'),
    // ONNX Runtime's x86-64 CPU provider has float16 kernels only for data movement (Concat, Flatten): it would wrap
    // every Conv, Gemm, BatchNormalization, Relu and pooling in a Cast pair, so they all compute in float32 here and the
    // weight Casts fold into float32 constants when the session loads.
    metadata('compute', `float32: ${computed}; float16: none (the CPU execution provider has no float16 kernels for these ops on x86-64)`),
  ]);
}

/** eXmY (or bf16): every float initializer rounded to the layout, stored as float32 so any runtime runs it. */
function emulateFloat(model: onnx.ModelProto, format: NumberFormat): onnx.ModelProto {
  const layout = { exponent: format.exponent!, mantissa: format.mantissa! };
  const graph = model.graph!;
  const initializer = (graph.initializer ?? []).map((t) =>
    isFloat(t) ? tensorProto(t.name!, dimsOf(t), DataType.FLOAT, roundAllToFloat(floatsOf(t), layout)) : t,
  );
  return withGraph(model, { ...graph, initializer }, [
    metadata('precision', format.name),
    metadata(
      'weights',
      `every float initializer rounded to ${format.name} (1 sign, ${layout.exponent} exponent, ${layout.mantissa} mantissa bits; ` +
        `ties to even, subnormals, saturating at ±${largestFinite(layout)}), stored as float32`,
    ),
    metadata('compute', 'float32'),
  ]);
}

type Deployment = (model: onnx.ModelProto, options: PrecisionOptions & { readonly precision: NumberFormat }) => onnx.ModelProto;

/** The precisions with a deployment of their own; every other float layout is emulated on the weights. */
const DEPLOYMENTS: Readonly<Record<string, Deployment>> = {
  fp32: (model) => model,
  fp16: toFloat16,
  int8(model, { calibration }) {
    check(calibration !== undefined, 'int8 export needs activation ranges from calibration inputs (see calibrateActivations)');
    return quantizeQdq(model, calibration);
  },
};

/** The fp32 model `model` made to run in `options.precision` (fp32 when absent, which returns it unchanged). */
export function applyPrecision(model: onnx.ModelProto, options: PrecisionOptions): onnx.ModelProto {
  const precision = options.precision ?? FP32;
  const deploy = DEPLOYMENTS[precision.name] ?? ((m: onnx.ModelProto) => emulateFloat(m, precision));
  return deploy(model, { ...options, precision });
}
