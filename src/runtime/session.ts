import { IotnetsError } from '../errors.js';
import type { Engine, OrtSessionOptions } from './engine.js';
import type { Inference } from './timing.js';
import { OPTIMIZATION_LEVELS, type OptimizationLevel } from './optimization.js';

export { OPTIMIZATION_LEVELS, type OptimizationLevel };

/** How inference sessions are made: `threads` intra-op threads, one graph optimisation level. */
export interface SessionSettings {
  readonly threads: number;
  readonly optimization: OptimizationLevel;
}

/** The one set of session options every measurement uses, on either engine. */
function sessionOptions(engine: Engine, settings: SessionSettings): OrtSessionOptions {
  return {
    executionProviders: [engine.executionProvider],
    intraOpNumThreads: settings.threads,
    // One operator at a time: the networks are chains, and inter-op parallelism would only blur the timing.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: settings.optimization,
    logSeverityLevel: 3,
    // Memory arena, memory pattern and initializer allocation stay at ORT's defaults: switching them made creating
    // catalog sessions no cheaper (within 2%), and switching off arena and pattern together slowed inference 4%.
  };
}

/** An inference session on one model with a reusable batch-1 input tensor; dispose() frees the native session. */
export interface ModelSession extends Inference {
  dispose(): Promise<void>;
}

/**
 * Opens an ONNX model (bytes as exportOnnx writes them) on `engine` with `settings`, bound to one input buffer of
 * shape [1, ...inputShape] so repeated runs allocate no input tensors.
 */
export async function openSession(
  engine: Engine,
  model: Uint8Array,
  inputShape: readonly number[],
  settings: SessionSettings,
): Promise<ModelSession> {
  const { ort } = engine;
  let session;
  try {
    session = await ort.InferenceSession.create(model, sessionOptions(engine, settings));
  } catch (e) {
    throw new IotnetsError(`ONNX Runtime could not load the model: ${String((e as Error).message ?? e).split('\n')[0]}`);
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
