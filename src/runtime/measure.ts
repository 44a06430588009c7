import type { Graph } from '../graph/graph.js';
import type { StateDict } from '../graph/tensor.js';
import { FP32, type NumberFormat } from '../onnx/formats.js';
import type { Engine } from './engine.js';
import { sharedInputSequence } from './inputs.js';
import type { Protocol } from './protocols.js';
import { exportInPrecision, type CalibrationInputs } from './precision.js';
import { openSession, type SessionSettings } from './session.js';
import { timeInference, type Timing } from './timing.js';

/** Seed of the random inputs: every network sees the same input sequence, whatever order it is measured in. */
const INPUT_SEED = 1;

/** Seed of the random weights networks without a checkpoint get: latency depends on their scale, not their values. */
export const WEIGHT_SEED = 0;

/** Wall time of each step of one measurement, in seconds; `inference` covers the protocol's runs. */
export interface PhaseSeconds {
  readonly export: number;
  readonly session: number;
  readonly inference: number;
  /** Freeing the session. */
  readonly release: number;
}

/** A network's timing and what preparing it cost. */
export interface Measurement {
  readonly timing: Timing;
  readonly phases: PhaseSeconds;
}

/** How a network is measured: the engine, its session settings, the timing protocol and the precision (default fp32). */
export interface MeasureOptions {
  readonly engine: Engine;
  readonly settings: SessionSettings;
  readonly protocol: Protocol;
  readonly signal?: AbortSignal;
  readonly precision?: NumberFormat;
  /** int8: the inputs activation ranges come from (seeded random when absent). */
  readonly calibration?: CalibrationInputs;
}

const seconds = (from: number, to: number) => (to - from) / 1000;

/**
 * Exports `graph` with `weights` to ONNX in the precision asked for (int8 calibration counts as export), opens one
 * session on it, times it under `protocol` on the shared input sequence, and frees it: the one measurement Node
 * calibration, the browser page, demo, run-model and the benchmarks all make, on the engine they pass. Timed with
 * performance.now(), monotonic in Node and browsers alike.
 */
export async function measureNetwork(graph: Graph, weights: StateDict, options: MeasureOptions): Promise<Measurement> {
  const t0 = performance.now();
  const model = await exportInPrecision(options.engine, graph, weights, options.precision ?? FP32, options.calibration);
  const t1 = performance.now();
  const session = await openSession(options.engine, model, graph.inputShape, options.settings);
  const t2 = performance.now();
  let timing: Timing;
  try {
    timing = await timeInference(session, options.protocol, {
      random: sharedInputSequence(session.input.length, INPUT_SEED),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await session.dispose();
  }
  const t3 = performance.now();
  return {
    timing,
    phases: { export: seconds(t0, t1), session: seconds(t1, t2), inference: timing.wallSeconds, release: seconds(t2, t3) - timing.wallSeconds },
  };
}
