import type { Graph } from '../graph/graph.js';
import type { StateDict } from '../graph/tensor.js';
import { encodeModel, exportOnnx, INPUT_NAME, onnxModelProto } from '../onnx/export.js';
import type { NumberFormat } from '../onnx/formats.js';
import { exposeActivations, type Calibration, type ValueRange } from '../onnx/quantize.js';
import { RandomState } from '../rng/random-state.js';
import { check } from '../errors.js';
import type { Engine } from './engine.js';

/** Samples a calibration batch holds when the user gives no calibration data. */
const RANDOM_CALIBRATION_SAMPLES = 32;
/** Seed of the random calibration inputs. */
export const CALIBRATION_SEED = 7;
/** Samples per ONNX Runtime call while calibrating. */
const CALIBRATION_BATCH = 8;

/** Inputs int8 activation ranges are measured on: `count` samples of the network's input shape, back to back. */
export interface CalibrationInputs {
  readonly data: Float32Array;
  readonly count: number;
  /** Where they came from, for the model's metadata, e.g. "test_batch.bin (1000 images)". */
  readonly label: string;
}

/** Seeded standard-normal calibration inputs, labelled as such. */
export function randomCalibrationInputs(sampleSize: number, count = RANDOM_CALIBRATION_SAMPLES, seed = CALIBRATION_SEED): CalibrationInputs {
  check(Number.isInteger(count) && count >= 1, `need at least one calibration input, got ${count}`);
  const data = new Float32Array(sampleSize * count);
  new RandomState(seed).fillStandardNormal(data);
  return { data, count, label: `${count} seeded random normal inputs (seed ${seed}), not real data` };
}

function widen(ranges: Map<string, ValueRange>, name: string, values: Float32Array): void {
  let { min, max } = ranges.get(name) ?? { min: Infinity, max: -Infinity };
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  ranges.set(name, { min, max });
}

/** Min/max of the fp32 model's input and every intermediate tensor over `inputs`, run on `engine`. */
export async function calibrateActivations(engine: Engine, graph: Graph, weights: StateDict, inputs: CalibrationInputs): Promise<Calibration> {
  const { ort } = engine;
  const { model, tensors } = exposeActivations(onnxModelProto(graph, weights));
  const session = await ort.InferenceSession.create(encodeModel(model), { executionProviders: [engine.executionProvider], logSeverityLevel: 3 });
  const sampleSize = inputs.data.length / inputs.count;
  const ranges = new Map<string, ValueRange>();
  try {
    for (let first = 0; first < inputs.count; first += CALIBRATION_BATCH) {
      const n = Math.min(CALIBRATION_BATCH, inputs.count - first);
      const batch = inputs.data.subarray(first * sampleSize, (first + n) * sampleSize);
      widen(ranges, INPUT_NAME, batch);
      const outputs = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', batch, [n, ...graph.inputShape]) }, tensors);
      for (const name of tensors) widen(ranges, name, outputs[name]!.data as Float32Array);
    }
  } finally {
    await session.release();
  }
  return { ranges, label: inputs.label };
}

/** The ONNX bytes of `graph` in `precision`; int8 measures its activation ranges on `calibration` (seeded random if absent). */
export async function exportInPrecision(
  engine: Engine,
  graph: Graph,
  weights: StateDict,
  precision: NumberFormat,
  calibration?: CalibrationInputs,
): Promise<Uint8Array> {
  if (precision.name !== 'int8') return exportOnnx(graph, weights, { precision });
  const inputs = calibration ?? randomCalibrationInputs(graph.inputShape.reduce((a, b) => a * b, 1));
  return exportOnnx(graph, weights, { precision, calibration: await calibrateActivations(engine, graph, weights, inputs) });
}
