/** Element types a state_dict or ONNX tensor can hold in iotnets. */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** A dense row-major tensor. Float tensors of any stored precision are widened to float32 data; integer ones to BigInt64Array. */
export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

/** Number of elements of a shape (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** A named set of tensors keyed by PyTorch state_dict key, in file order. */
export type StateDict = Map<string, Tensor>;
