import onnxProto, { type onnx } from 'onnx-proto';
import type { Graph } from '../graph/graph.js';
import type { OpKind, OpOf } from '../graph/ops.js';
import type { StateDict, Tensor } from '../graph/tensor.js';
import { bindStateDict } from '../weights/bind.js';
import { applyPrecision, type PrecisionOptions } from './precision.js';

const proto = onnxProto.onnx;

/** The ONNX operator set the exported models use. */
export const OPSET = 17;
/** The IR version that goes with opset 17. */
export const IR_VERSION = 8;
/** Name of the graph input [N,3,H,W] float32. */
export const INPUT_NAME = 'input';
/** Name of the graph output [N,numClasses] float32. */
export const OUTPUT_NAME = 'logits';
/** Symbolic batch dimension of the input and output. */
export const BATCH_DIM = 'N';

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
  readonly output: string;
  /** Adds an int64 constant initializer named `${name}.${suffix}` and returns its name. */
  constant(suffix: string, values: readonly number[]): string;
}

type EmitContext<K extends OpKind> = EmitBase & { readonly op: OpOf<K> };

type Emitter<K extends OpKind> = (c: EmitContext<K>) => onnx.INodeProto;

function onnxNode(c: EmitBase, opType: string, inputs: readonly string[], attribute: Attribute[] = []): onnx.INodeProto {
  return { name: c.name, opType, input: [...inputs], output: [c.output], attribute };
}

/** Inputs of a module call followed by its parameters, named by state_dict key. */
const withParams = (c: EmitBase, suffixes: readonly string[]) => [...c.inputs, ...suffixes.map((s) => `${c.module!}.${s}`)];

type Pair = readonly [number, number];

/** Kernel, strides and pads of a sliding window; ONNX pads are [top, left, bottom, right], PyTorch pads symmetrically. */
const windowAttributes = (op: { kernel: Pair; stride: Pair; padding: Pair }): Attribute[] => [
  ints('kernel_shape', op.kernel),
  ints('strides', op.stride),
  ints('pads', [op.padding[0], op.padding[1], op.padding[0], op.padding[1]]),
];

const pool =
  (opType: string, extra: Attribute[]) =>
  (c: EmitContext<'maxpool' | 'avgpool'>) =>
    onnxNode(c, opType, c.inputs, [...windowAttributes(c.op), ...extra]);

const simple =
  (opType: string) =>
  (c: EmitBase) =>
    onnxNode(c, opType, c.inputs);

const EMITTERS: { [K in Exclude<OpKind, 'input'>]: Emitter<K> } = {
  conv2d: (c) =>
    onnxNode(c, 'Conv', withParams(c, c.op.bias ? ['weight', 'bias'] : ['weight']), [
      ...windowAttributes(c.op),
      ints('dilations', [1, 1]),
      int('group', c.op.groups),
    ]),
  // Eval mode: normalises with the running statistics (BatchNormalization also takes [N,C] for BatchNorm1d).
  batchnorm: (c) =>
    onnxNode(c, 'BatchNormalization', withParams(c, ['weight', 'bias', 'running_mean', 'running_var']), [
      float('epsilon', c.op.eps),
    ]),
  linear: (c) =>
    onnxNode(c, 'Gemm', withParams(c, c.op.bias ? ['weight', 'bias'] : ['weight']), [int('transB', 1)]),
  relu: simple('Relu'),
  sigmoid: simple('Sigmoid'),
  maxpool: pool('MaxPool', []),
  // PyTorch averages over the padded window (count_include_pad=True); ONNX's default excludes padding.
  avgpool: pool('AveragePool', [int('count_include_pad', 1)]),
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
      output: valueName(node.id),
      constant(suffix, values) {
        const constantName = `${name}.${suffix}`;
        initializers.push(initializer(constantName, { dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values, BigInt) }));
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
