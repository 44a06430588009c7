import type { RandomState } from '../rng/random-state.js';
import { InputSequence } from './inputs.js';
import { discardedRuns, stopReason, type Protocol, type StopReason } from './protocols.js';
import { keptStatistics, medianRelativeHalfWidth, summarizeTimes, type TimingSummary } from './stats.js';

/** Something that runs one inference on the values currently in `input`. */
export interface Inference {
  /** The input buffer; given the next random input before every run, outside the timed region. */
  readonly input: Float32Array;
  run(): Promise<void>;
}

/** The timed runs of one network and their statistics (all times in ms). */
export interface Timing {
  readonly protocol: Protocol;
  /** Every run in order, warm-up included, as measured. */
  readonly timesMs: readonly number[];
  /** Leading runs excluded from the statistics (warm-up; the paper's first 5). */
  readonly discarded: number;
  readonly stop: StopReason;
  /** Mean and population std of the kept runs: the paper's t_avg and t_std. */
  readonly t_avg: number;
  readonly t_std: number;
  readonly summary: TimingSummary;
  /** Half-width of the median's 95% CI relative to the median (a precision figure for any protocol). */
  readonly medianCi: number;
  /** Wall time of all runs including input generation, in seconds. */
  readonly wallSeconds: number;
}

/** Thrown by `timeInference` when its abort signal fires between two runs. */
export class MeasurementAborted extends Error {
  constructor() {
    super('measurement aborted');
    this.name = 'MeasurementAborted';
  }
}

/**
 * Times single inferences under `protocol`: before each run the next standard-normal input (like the paper's fresh
 * np.random.randn per run) is put in place outside the timed region, and only the inference call is timed, with
 * the monotonic high-resolution clock. `random` is where inputs come from: a shared InputSequence (generated once,
 * copied in) or a RandomState (drawn afresh for every run).
 */
export async function timeInference(
  inference: Inference,
  protocol: Protocol,
  options: { random: InputSequence | RandomState; signal?: AbortSignal },
): Promise<Timing> {
  const { random } = options;
  const discarded = discardedRuns(protocol);
  const timesMs: number[] = [];
  const kept: number[] = [];
  // performance.now() is monotonic and sub-microsecond in Node and in browsers alike, so the page shares this loop.
  const started = performance.now();
  let stop: StopReason | undefined;
  for (;;) {
    if (options.signal?.aborted) throw new MeasurementAborted();
    if (random instanceof InputSequence) inference.input.set(random.get(timesMs.length));
    else random.fillStandardNormal(inference.input);
    const t0 = performance.now();
    await inference.run();
    const t1 = performance.now();
    const ms = t1 - t0;
    timesMs.push(ms);
    if (timesMs.length <= discarded) continue;
    kept.push(ms);
    stop = stopReason(protocol, { keptMs: kept, elapsedSeconds: (t1 - started) / 1e3 });
    if (stop) break;
  }
  return {
    protocol,
    timesMs,
    discarded,
    stop,
    ...keptStatistics(timesMs, discarded),
    summary: summarizeTimes(kept),
    medianCi: medianRelativeHalfWidth(kept),
    wallSeconds: (performance.now() - started) / 1e3,
  };
}
