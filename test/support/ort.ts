import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import type { Graph } from '../../src/graph/graph.ts';

/** Logits ONNX Runtime computes for `model` on `input`, checked to have shape [batch, numClasses]. */
export async function runOrt(model: Uint8Array, graph: Graph, input: Float32Array, batch: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model);
  try {
    const result = await session.run({ input: new ort.Tensor('float32', input, [batch, ...graph.inputShape]) });
    assert.deepEqual(result.logits!.dims, [batch, graph.numClasses]);
    return result.logits!.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Largest absolute difference relative to the largest reference magnitude (which must be finite and non-zero). */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  assert.equal(actual.length, expected.length);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
  }
  assert.ok(scale > 0 && Number.isFinite(scale), `reference logits are all zero or not finite (${scale})`);
  return diff / scale;
}
