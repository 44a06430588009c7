import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { check, IotnetsError } from '../errors.js';
import type { Inference } from './timing.js';
import { OPTIMIZATION_LEVELS, type OptimizationLevel } from './optimization.js';

export { OPTIMIZATION_LEVELS, type OptimizationLevel };

/** How inference sessions are made: CPU execution provider, `threads` intra-op threads, one graph optimisation level. */
export interface SessionSettings {
  readonly threads: number;
  readonly optimization: OptimizationLevel;
}

/** Default session settings: every logical core, full graph optimisation. */
export function defaultSessionSettings(): SessionSettings {
  return { threads: availableParallelism(), optimization: 'all' };
}

/** The most intra-op threads per logical core a session may be asked for. */
const MAX_THREADS_PER_CORE = 4;

/** Validated session settings from CLI strings (undefined = default). */
export function parseSessionSettings(threads: string | undefined, optimization: string | undefined): SessionSettings {
  const defaults = defaultSessionSettings();
  // More threads than a few per core only slows inference down, and ONNX Runtime fails late on absurd counts.
  const most = MAX_THREADS_PER_CORE * defaults.threads;
  const n = threads === undefined ? defaults.threads : /^\s*\d{1,9}\s*$/.test(threads) ? Number(threads) : NaN;
  check(
    n >= 1 && n <= most,
    `--threads must be a whole number in 1..${most} (${MAX_THREADS_PER_CORE} per logical core of this machine), got '${threads}'`,
  );
  const level = optimization ?? defaults.optimization;
  check(
    (OPTIMIZATION_LEVELS as readonly string[]).includes(level),
    `--optimization must be one of ${OPTIMIZATION_LEVELS.join(', ')}, got '${level}'`,
  );
  return { threads: n, optimization: level as OptimizationLevel };
}

/** The ONNX Runtime version inference runs on. */
export const ORT_VERSION: string = ort.env.versions.node ?? ort.env.versions.common;

/** An inference session on one model with a reusable batch-1 input tensor; dispose() frees the native session. */
export interface ModelSession extends Inference {
  dispose(): Promise<void>;
}

/**
 * Opens an ONNX model (bytes as exportOnnx writes them) on the CPU with `settings`, bound to one input buffer of
 * shape [1, ...inputShape] so repeated runs allocate no input tensors.
 */
export async function openSession(model: Uint8Array, inputShape: readonly number[], settings: SessionSettings): Promise<ModelSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'],
      intraOpNumThreads: settings.threads,
      // One operator at a time: the networks are chains, and inter-op parallelism would only blur the timing.
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: settings.optimization,
      logSeverityLevel: 3,
      // Memory arena, memory pattern and initializer allocation stay at ORT's defaults: switching them made creating
      // catalog sessions no cheaper (within 2%), and switching off arena and pattern together slowed inference 4%.
    });
  } catch (e) {
    throw new IotnetsError(`ONNX Runtime could not load the model: ${(e as Error).message.split('\n')[0]}`);
  }
  const shape = [1, ...inputShape];
  const input = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input, shape) };
  return {
    input,
    async run() {
      await session.run(feeds);
    },
    async dispose() {
      await session.release();
    },
  };
}
