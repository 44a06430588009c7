import onnxProto, { type onnx } from 'onnx-proto';
import type { Graph } from '../graph/graph.js';
import type { OpKind, OpOf, Shape } from '../graph/ops.js';
import type { StateDict, Tensor } from '../graph/tensor.js';
import { bindStateDict } from '../weights/bind.js';
import { applyPrecision, type PrecisionOptions } from './precision.js';

const proto = onnxProto.onnx;

/** The ONNX operator set the exported models use. */
const OPSET = 17;
/** The IR version that goes with opset 17. */
const IR_VERSION = 8;
/** Name of the graph input [N,3,H,W] float32. */
export const INPUT_NAME = 'input';
/** Name of the graph output [N,numClasses] float32. */
export const OUTPUT_NAME = 'logits';
/** Symbolic batch dimension of the input and output. */
const BATCH_DIM = 'N';

type Attribute = onnx.IAttributeProto;

const ints = (name: string, values: readonly number[]): Attribute => ({
  name,
  type: proto.AttributeProto.AttributeType.INTS,
  ints: [...values],
});
const int = (name: string, value: number): Attribute => ({ name, type: proto.AttributeProto.AttributeType.INT, i: value });
const float = (name: string, value: number): Attribute => ({ name, type: proto.AttributeProto.AttributeType.FLOAT, f: value });

/** What an op emitter sees: its op, the names of its inputs and output, and a way to add constant tensors. */
interface EmitBase {
  readonly module?: string;
  readonly name: string;
  readonly inputs: readonly string[];
  /** Per-sample shapes of the inputs. */
  readonly inputShapes: readonly Shape[];
  readonly output: string;
  /** Adds an int64 (or float32) constant initializer named `${name}.${suffix}` and returns its name. */
  constant(suffix: string, values: readonly number[], dtype?: 'int64' | 'float32'): string;
}

type EmitContext<K extends OpKind> = EmitBase & { readonly op: OpOf<K> };

type Emitter<K extends OpKind> = (c: EmitContext<K>) => onnx.INodeProto;

/** The doc string that marks a module call, so that importing the model back knows which calls were modules. */
export const MODULE_DOC_PREFIX = 'iotnets module ';

function onnxNode(c: EmitBase, opType: string, inputs: readonly string[], attribute: Attribute[] = []): onnx.INodeProto {
  return { name: c.name, opType, input: [...inputs], output: [c.output], attribute, ...(c.module !== undefined ? { docString: `${MODULE_DOC_PREFIX}${c.module}` } : {}) };
}

/** Inputs of a module call followed by its parameters, named by state_dict key. */
const withParams = (c: EmitBase, suffixes: readonly string[]) => [...c.inputs, ...suffixes.map((s) => `${c.module!}.${s}`)];

/** Kernel, strides, pads ([top, left, bottom, right]) and ceil mode of a sliding window. */
const windowAttributes = (op: OpOf<'conv2d' | 'convtranspose2d' | 'maxpool' | 'avgpool'>): Attribute[] => {
  const end = op.padEnd ?? op.padding;
  return [
    ints('kernel_shape', op.kernel),
    ints('strides', op.stride),
    ints('pads', [op.padding[0], op.padding[1], end[0], end[1]]),
    ...(op.ceilMode ? [int('ceil_mode', 1)] : []),
    ...(op.dilation ? [ints('dilations', op.dilation)] : []),
  ];
};

const pool =
  <K extends 'maxpool' | 'avgpool'>(opType: string, extra: (op: OpOf<K>) => Attribute[]) =>
  (c: EmitContext<K>) =>
    onnxNode(c, opType, c.inputs, [...windowAttributes(c.op), ...extra(c.op)]);

const simple =
  (opType: string) =>
  (c: EmitBase) =>
    onnxNode(c, opType, c.inputs);

const SCALAR_OP_TYPES = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div' } as const;

/** The input channel each output channel of a channel shuffle reads. */
export function shufflePermutation(channels: number, groups: number): number[] {
  const perGroup = channels / groups;
  return Array.from({ length: channels }, (_, out) => (out % groups) * perGroup + Math.floor(out / groups));
}

const EMITTERS: { [K in Exclude<OpKind, 'input'>]: Emitter<K> } = {
  conv2d: (c) =>
    onnxNode(c, 'Conv', withParams(c, c.op.bias ? ['weight', 'bias'] : ['weight']), [
      ...windowAttributes({ dilation: [1, 1], ...c.op }),
      int('group', c.op.groups),
    ]),
  convtranspose2d: (c) =>
    onnxNode(c, 'ConvTranspose', withParams(c, c.op.bias ? ['weight', 'bias'] : ['weight']), [
      ...windowAttributes({ dilation: [1, 1], ...c.op }),
      int('group', c.op.groups),
      ...(c.op.outputPadding ? [ints('output_padding', c.op.outputPadding)] : []),
    ]),
  channelwise: (c) => onnxNode(c, SCALAR_OP_TYPES[c.op.operation], withParams(c, ['weight'])),
  // Eval mode: normalises with the running statistics (BatchNormalization also takes [N,C] for BatchNorm1d).
  batchnorm: (c) =>
    onnxNode(c, 'BatchNormalization', withParams(c, ['weight', 'bias', 'running_mean', 'running_var']), [
      float('epsilon', c.op.eps),
    ]),
  linear: (c) =>
    onnxNode(c, 'Gemm', withParams(c, c.op.bias ? ['weight', 'bias'] : ['weight']), [int('transB', 1)]),
  relu: simple('Relu'),
  sigmoid: simple('Sigmoid'),
  clip: (c) => onnxNode(c, 'Clip', [...c.inputs, c.constant('min', [c.op.min], 'float32'), c.constant('max', [c.op.max], 'float32')]),
  leakyrelu: (c) => onnxNode(c, 'LeakyRelu', c.inputs, [float('alpha', c.op.alpha)]),
  hardsigmoid: (c) => onnxNode(c, 'HardSigmoid', c.inputs, [float('alpha', c.op.alpha), float('beta', c.op.beta)]),
  hardswish: simple('HardSwish'),
  scalar: (c) => onnxNode(c, SCALAR_OP_TYPES[c.op.operation], [...c.inputs, c.constant('value', [c.op.value], 'float32')]),
  softmax: (c) => onnxNode(c, 'Softmax', c.inputs, [int('axis', 1)]),
  maxpool: pool<'maxpool'>('MaxPool', () => []),
  // PyTorch averages over the padded window (count_include_pad=True); ONNX's default excludes padding.
  avgpool: pool<'avgpool'>('AveragePool', (op) => [int('count_include_pad', op.countIncludePad === false ? 0 : 1)]),
  add: simple('Add'),
  mul: simple('Mul'),
  concat: (c) => onnxNode(c, 'Concat', c.inputs, [int('axis', 1)]),
  slice: (c) =>
    onnxNode(c, 'Slice', [
      ...c.inputs,
      c.constant('starts', [c.op.start]),
      c.constant('ends', [c.op.end]),
      c.constant('axes', [1]),
    ]),
  // One Gather of the permuted channels: a single node, as every other op.
  shuffle: (c) => {
    const channels = c.inputShapes[0]![0]!;
    return onnxNode(c, 'Gather', [...c.inputs, c.constant('channels', shufflePermutation(channels, c.op.groups))], [int('axis', 1)]);
  },
  flatten: (c) => onnxNode(c, 'Flatten', c.inputs, [int('axis', 1)]),
};

/** Little-endian bytes of a float32 or int64 tensor (ONNX raw_data is little-endian, as every supported host). */
function rawBytes(data: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function initializer(name: string, tensor: Tensor): onnx.ITensorProto {
  const isFloat = tensor.data instanceof Float32Array;
  return {
    name,
    dims: [...tensor.shape],
    dataType: isFloat ? proto.TensorProto.DataType.FLOAT : proto.TensorProto.DataType.INT64,
    rawData: rawBytes(tensor.data),
  };
}

function valueInfo(name: string, dims: readonly (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: proto.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** Unique ONNX node names: the module name, or op kind and node id for function calls; repeated calls get the id too. */
function nodeNames(graph: Graph): string[] {
  const used = new Set<string>();
  return graph.nodes.map((node) => {
    let name = node.module ?? `${node.op.kind}_${node.id}`;
    if (used.has(name)) name = `${name}_${node.id}`;
    used.add(name);
    return name;
  });
}

/**
 * The ONNX model of `graph` with `weights` (checked against the graph): opset 17, input `input` [N,3,H,W] float32,
 * output `logits` [N,numClasses], batch dimension N dynamic, initializers named by state_dict key.
 */
export function onnxModelProto(graph: Graph, weights: StateDict): onnx.ModelProto {
  const bound = bindStateDict(graph, weights, 'weights');
  const names = nodeNames(graph);
  const valueName = (id: number) => (id === 0 ? INPUT_NAME : id === graph.output ? OUTPUT_NAME : names[id]!);
  const initializers: onnx.ITensorProto[] = [];
  // Only weights some node reads: num_batches_tracked matters for training alone, and a module the constructor
  // makes but forward() never calls (ProbeNet_d_length's conv_rep) would make ONNX Runtime warn on every load.
  const called = new Set(graph.nodes.map((n) => n.module));
  for (const module of graph.modules.filter((m) => called.has(m.name))) {
    for (const p of module.params) {
      const key = `${module.name}.${p.suffix}`;
      if (p.dtype === 'float32') initializers.push(initializer(key, bound.get(key)!));
    }
  }
  const nodes = graph.nodes.slice(1).map((node) => {
    const name = names[node.id]!;
    const context: EmitContext<OpKind> = {
      op: node.op,
      ...(node.module !== undefined ? { module: node.module } : {}),
      name,
      inputs: node.inputs.map(valueName),
      inputShapes: node.inputs.map((i) => graph.nodes[i]!.shape),
      output: valueName(node.id),
      constant(suffix, values, dtype = 'int64') {
        const constantName = `${name}.${suffix}`;
        const data = dtype === 'int64' ? BigInt64Array.from(values, BigInt) : Float32Array.from(values);
        // Scalars (Clip bounds, Mul/Add constants) are rank 0; index lists rank 1.
        initializers.push(initializer(constantName, { dtype, shape: dtype === 'int64' ? [values.length] : [], data }));
        return constantName;
      },
    };
    return (EMITTERS[node.op.kind as Exclude<OpKind, 'input'>] as Emitter<OpKind>)(context);
  });
  return proto.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'iotnets',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: graph.name,
      node: nodes,
      initializer: initializers,
      input: [valueInfo(INPUT_NAME, [BATCH_DIM, ...graph.inputShape])],
      output: [valueInfo(OUTPUT_NAME, [BATCH_DIM, graph.numClasses])],
    },
  });
}

/** Serialised ONNX model. */
export function encodeModel(model: onnx.IModelProto): Uint8Array {
  const bytes = proto.ModelProto.encode(model).finish();
  // protobufjs hands out a Node Buffer where it can; callers get the same plain Uint8Array everywhere.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Serialised ONNX model of `graph` with `weights` (see onnxModelProto), in `options.precision` (default fp32; int8 needs
 * `options.calibration`). Pure: runs in a browser.
 */
export function exportOnnx(graph: Graph, weights: StateDict, options: PrecisionOptions = {}): Uint8Array {
  return encodeModel(applyPrecision(onnxModelProto(graph, weights), options));
}
