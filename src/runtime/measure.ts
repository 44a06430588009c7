import type { Graph } from '../graph/graph.js';
import type { StateDict } from '../graph/tensor.js';
import { FP32, type NumberFormat } from '../onnx/formats.js';
import { sharedInputSequence } from './inputs.js';
import type { Protocol } from './protocols.js';
import { exportInPrecision, type CalibrationInputs } from './precision.js';
import { openSession, type SessionSettings } from './session.js';
import { timeInference, type Timing } from './timing.js';

/** Seed of the random inputs: every network sees the same input sequence, whatever order it is measured in. */
export const INPUT_SEED = 1;


/** Seed of the random weights networks without a checkpoint get: latency depends on their scale, not their values. */
export const WEIGHT_SEED = 0;

/** Wall time of each step of one measurement, in seconds; `inference` covers the protocol's runs. */
export interface PhaseSeconds {
  readonly export: number;
  readonly session: number;
  readonly inference: number;
  /** Freeing the native session. */
  readonly release: number;
}

/** A network's timing and what preparing it cost. */
export interface Measurement {
  readonly timing: Timing;
  readonly phases: PhaseSeconds;
}

const seconds = (from: bigint, to: bigint) => Number(to - from) / 1e9;

/** How one network is measured: session settings, protocol, and the precision it is deployed in (default fp32). */
export interface MeasureOptions {
  readonly settings: SessionSettings;
  readonly protocol: Protocol;
  readonly signal?: AbortSignal;
  readonly precision?: NumberFormat;
  /** int8: the inputs activation ranges come from (seeded random when absent). */
  readonly calibration?: CalibrationInputs;
}

/**
 * Exports `graph` with `weights` to ONNX in the precision asked for (int8 calibration counts as export), opens one
 * session on it, times it under `protocol`, and frees it.
 */
export async function measureNetwork(graph: Graph, weights: StateDict, options: MeasureOptions): Promise<Measurement> {
  const t0 = process.hrtime.bigint();
  const model = await exportInPrecision(graph, weights, options.precision ?? FP32, options.calibration);
  const t1 = process.hrtime.bigint();
  const session = await openSession(model, graph.inputShape, options.settings);
  const t2 = process.hrtime.bigint();
  let timing: Timing;
  try {
    timing = await timeInference(session, options.protocol, {
      random: sharedInputSequence(session.input.length, INPUT_SEED),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await session.dispose();
  }
  const t3 = process.hrtime.bigint();
  return {
    timing,
    phases: { export: seconds(t0, t1), session: seconds(t1, t2), inference: timing.wallSeconds, release: seconds(t2, t3) - timing.wallSeconds },
  };
}
