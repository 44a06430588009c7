import onnxProto, { type onnx } from 'onnx-proto';

const proto = onnxProto.onnx;

/** ONNX element type numbers the precision stages write. */
export const DataType = proto.TensorProto.DataType;

/** The float32 values of a FLOAT initializer (raw_data or float_data). */
export function floatsOf(t: onnx.ITensorProto): Float32Array {
  const raw = t.rawData;
  if (raw && raw.length > 0) return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return Float32Array.from(t.floatData ?? []);
}

/** Little-endian bytes of a typed array (ONNX raw_data is little-endian, as every supported host). */
export function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** An initializer of `dataType` holding `data` in raw_data. */
export function tensorProto(name: string, dims: readonly number[], dataType: number, data: ArrayBufferView): onnx.ITensorProto {
  return { name, dims: [...dims], dataType, rawData: bytesOf(data) };
}

/** A model's metadata entry (`iotnets.*` keys say how the model was made). */
export const metadata = (key: string, value: string): onnx.IStringStringEntryProto => ({ key: `iotnets.${key}`, value });

/** The int64 dims of a tensor as numbers. */
export const dimsOf = (t: onnx.ITensorProto): number[] => (t.dims ?? []).map((d) => Number(d));

/** A model with `graph` in place of its graph and `entries` added to its metadata. */
export function withGraph(model: onnx.IModelProto, graph: onnx.IGraphProto, entries: onnx.IStringStringEntryProto[]): onnx.ModelProto {
  return proto.ModelProto.create({
    irVersion: model.irVersion,
    producerName: model.producerName,
    opsetImport: [...(model.opsetImport ?? [])],
    metadataProps: [...(model.metadataProps ?? []), ...entries],
    graph: proto.GraphProto.create(graph),
  });
}
