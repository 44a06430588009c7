import onnxProto, { type onnx } from 'onnx-proto';
import { escapeForMessage, IotnetsError } from '../errors.js';

const proto = onnxProto.onnx;

/** Bytes per element of the ONNX tensor types an iotnets model can hold in raw_data. */
const ELEMENT_BYTES: Partial<Record<number, number>> = {
  [proto.TensorProto.DataType.FLOAT]: 4,
  [proto.TensorProto.DataType.DOUBLE]: 8,
  [proto.TensorProto.DataType.FLOAT16]: 2,
  [proto.TensorProto.DataType.BFLOAT16]: 2,
  [proto.TensorProto.DataType.INT64]: 8,
  [proto.TensorProto.DataType.INT32]: 4,
  [proto.TensorProto.DataType.INT8]: 1,
  [proto.TensorProto.DataType.UINT8]: 1,
};

/** An int64 field as a number (protobufjs decodes int64 to Long objects when long.js is present). */
export const toNumber = (v: number | { toNumber(): number }) => (typeof v === 'number' ? v : v.toNumber());

/** The first structural defect of a decoded model, or undefined if it is complete. */
function defect(model: onnx.ModelProto): string | undefined {
  const graph = model.graph;
  if (!graph) return 'it has no graph';
  if (model.opsetImport.length === 0) return 'it declares no opset';
  const inputs = graph.input ?? [];
  const outputs = graph.output ?? [];
  const nodes = graph.node ?? [];
  const initializers = graph.initializer ?? [];
  if (inputs.length === 0 || outputs.length === 0) return 'its graph has no inputs or outputs';
  if (nodes.length === 0) return 'its graph has no nodes';
  const defined = new Set<string>([...inputs, ...initializers].map((v) => v.name ?? ''));
  for (const t of initializers) {
    const bytes = ELEMENT_BYTES[t.dataType ?? 0];
    const dims = (t.dims ?? []).map(toNumber);
    const elements = dims.reduce((n, d) => n * d, 1);
    const raw = t.rawData?.length ?? 0;
    if (bytes !== undefined && raw > 0 && raw !== elements * bytes) {
      return `initializer ${t.name} holds ${raw} bytes, its shape [${dims.join(',')}] needs ${elements * bytes}`;
    }
  }
  for (const node of nodes) {
    const undefinedInput = (node.input ?? []).find((name) => name !== '' && !defined.has(name));
    if (undefinedInput !== undefined) return `node ${node.name || node.opType} reads ${undefinedInput}, which nothing defines`;
    for (const name of node.output ?? []) defined.add(name);
  }
  const lost = outputs.find((v) => !defined.has(v.name ?? ''));
  return lost ? `output ${lost.name} is never computed` : undefined;
}

/** Decodes and checks an ONNX model file; a truncated or corrupt file gives a one-line IotnetsError naming `fileName`. */
export function readOnnxModel(bytes: Uint8Array, fileName: string): onnx.ModelProto {
  const fail = (why: string) =>
    new IotnetsError(`${fileName} is not a valid ONNX model (truncated or corrupt: ${escapeForMessage(why, 160)}); export it again with \`iotnets export\``);
  if (bytes.length === 0) throw fail('the file is empty');
  let model: onnx.ModelProto;
  try {
    model = proto.ModelProto.decode(bytes);
  } catch (err) {
    throw fail((err as Error).message.split('\n')[0]!);
  }
  const problem = defect(model);
  if (problem !== undefined) throw fail(problem);
  return model;
}
