import * as ort from 'onnxruntime-node';
import { check } from '../errors.js';
import { evaluate } from '../graph/reference-evaluator.js';
import type { Graph } from '../graph/graph.js';
import { numel, type StateDict } from '../graph/tensor.js';
import { RandomState } from '../rng/random-state.js';
import { exportOnnx, INPUT_NAME, OUTPUT_NAME } from '../onnx/export.js';
import { floatFormat, FP32, type NumberFormat } from '../onnx/formats.js';
import { NODE_ENGINE } from './engine-node.js';
import { exportInPrecision, type CalibrationInputs } from './precision.js';

/** Samples per ONNX Runtime call while evaluating. */
const EVAL_BATCH = 64;

/** Network inputs to compare precisions on; `labels` (one class per sample) adds accuracy. */
export interface EvaluationInputs {
  readonly data: Float32Array;
  readonly count: number;
  readonly labels?: Uint8Array;
  readonly label: string;
}

/** How one precision's logits compare with fp32's on the same inputs. */
export interface PrecisionDeviation {
  readonly format: string;
  readonly bits: number;
  /** Largest absolute logit difference relative to the largest fp32 logit magnitude. */
  readonly maxRelativeError: number;
  /** Share of samples whose top-1 class is fp32's. */
  readonly top1Agreement: number;
  /** Top-1 accuracy, with labels. */
  readonly accuracy?: number;
}

/** The fewest-bits float whose accuracy stays within the allowed drop (the paper's model-optimized IEEE 754 type). */
export interface OptimizedFormat {
  readonly format: string;
  readonly bits: number;
  readonly accuracy: number;
  /** Float layouts evaluated to find it. */
  readonly tried: number;
}

/** What `checkPrecisions` reports. */
export interface PrecisionReport {
  readonly inputs: string;
  readonly samples: number;
  readonly fp32Accuracy?: number;
  readonly formats: readonly PrecisionDeviation[];
  /** With labels and a maxDrop: the model-optimized format, or undefined when no float of at most 16 bits qualifies. */
  readonly optimized?: OptimizedFormat;
}

async function logitsOf(model: Uint8Array, graph: Graph, inputs: EvaluationInputs): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { logSeverityLevel: 3 });
  const sampleSize = inputs.data.length / inputs.count;
  const logits = new Float32Array(inputs.count * graph.numClasses);
  try {
    for (let first = 0; first < inputs.count; first += EVAL_BATCH) {
      const n = Math.min(EVAL_BATCH, inputs.count - first);
      const batch = inputs.data.subarray(first * sampleSize, (first + n) * sampleSize);
      const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', batch, [n, ...graph.inputShape]) });
      logits.set(out[OUTPUT_NAME]!.data as Float32Array, first * graph.numClasses);
    }
  } finally {
    await session.release();
  }
  return logits;
}

function top1(logits: Float32Array, classes: number): Uint8Array {
  const out = new Uint8Array(logits.length / classes);
  for (let s = 0; s < out.length; s++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[s * classes + c]! > logits[s * classes + best]!) best = c;
    out[s] = best;
  }
  return out;
}

const share = (a: Uint8Array, b: Uint8Array) => a.reduce((n, v, i) => n + (v === b[i] ? 1 : 0), 0) / a.length;

/** Largest absolute difference of `logits` from `reference`, relative to the largest reference magnitude. */
function maxRelativeError(logits: Float32Array, reference: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < reference.length; i++) {
    scale = Math.max(scale, Math.abs(reference[i]!));
    diff = Math.max(diff, Math.abs(logits[i]! - reference[i]!));
  }
  return scale > 0 ? diff / scale : diff;
}

function deviation(format: NumberFormat, logits: Float32Array, reference: Float32Array, classes: number, labels?: Uint8Array): PrecisionDeviation {
  const classes1 = top1(logits, classes);
  return {
    format: format.name,
    bits: format.bits,
    maxRelativeError: maxRelativeError(logits, reference),
    top1Agreement: share(classes1, top1(reference, classes)),
    ...(labels ? { accuracy: share(classes1, labels) } : {}),
  };
}

/** Widest float the model-optimized search tries; fp16 is the deployed fallback beyond it. */
const MAX_SEARCH_BITS = 16;
const MAX_SEARCH_EXPONENT = 8;

/**
 * Runs `graph` with `weights` in fp32 and in each of `formats` on `inputs` and compares the logits; with labels and
 * `maxDrop` (accuracy points, 1 = one percentage point), also finds the model-optimized float: bit widths from 3 up,
 * every exponent width at each, the first width with a layout whose accuracy drop is within maxDrop, best of them.
 */
export async function checkPrecisions(
  graph: Graph,
  weights: StateDict,
  formats: readonly NumberFormat[],
  inputs: EvaluationInputs,
  options: { readonly maxDrop?: number; readonly calibration?: CalibrationInputs; readonly onFormat?: (name: string) => void } = {},
): Promise<PrecisionReport> {
  check(inputs.count > 0, `${inputs.label} holds no samples`);
  const reference = await logitsOf(exportOnnx(graph, weights), graph, inputs);
  const classes = graph.numClasses;
  const fp32 = deviation(FP32, reference, reference, classes, inputs.labels);
  const rows: PrecisionDeviation[] = [];
  for (const format of formats) {
    options.onFormat?.(format.name);
    const model = await exportInPrecision(NODE_ENGINE, graph, weights, format, options.calibration);
    rows.push(deviation(format, await logitsOf(model, graph, inputs), reference, classes, inputs.labels));
  }
  const report = { inputs: inputs.label, samples: inputs.count, formats: rows, ...(fp32.accuracy !== undefined ? { fp32Accuracy: fp32.accuracy } : {}) };
  if (inputs.labels === undefined || options.maxDrop === undefined) return report;
  const floor = fp32.accuracy! - options.maxDrop / 100;
  let tried = 0;
  for (let bits = 3; bits <= MAX_SEARCH_BITS; bits++) {
    let best: OptimizedFormat | undefined;
    for (let exponent = 2; exponent <= Math.min(MAX_SEARCH_EXPONENT, bits - 1); exponent++) {
      const format = floatFormat({ exponent, mantissa: bits - 1 - exponent });
      options.onFormat?.(format.name);
      tried += 1;
      const { accuracy } = deviation(format, await logitsOf(exportOnnx(graph, weights, { precision: format }), graph, inputs), reference, classes, inputs.labels);
      // A small tolerance: accuracies are ratios of whole counts and must not miss the floor by rounding.
      if (accuracy! >= floor - 1e-12 && (!best || accuracy! > best.accuracy)) best = { format: format.name, bits, accuracy: accuracy!, tried };
    }
    if (best) return { ...report, optimized: { ...best, tried } };
  }
  return report;
}

/** Seed of the inputs an exported file is verified on. */
const VERIFY_SEED = 7;

/**
 * How far ONNX Runtime's logits for an exported `model` are from what `graph` with `weights` computes in the
 * reference evaluator (graph/reference-evaluator.ts), on `samples` seeded standard-normal inputs: the largest absolute logit
 * difference relative to the largest reference logit. An fp32 export stays within about 1e-6; reduced precisions
 * differ by their rounding.
 */
export async function exportDeviation(model: Uint8Array, graph: Graph, weights: StateDict, samples = 4): Promise<number> {
  const data = new Float32Array(samples * numel(graph.inputShape));
  new RandomState(VERIFY_SEED).fillStandardNormal(data);
  const logits = await logitsOf(model, graph, { data, count: samples, label: 'random inputs' });
  return maxRelativeError(logits, evaluate(graph, weights, data, samples));
}
