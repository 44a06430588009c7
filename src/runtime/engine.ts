/**
 * The ONNX Runtime an engine-neutral measurement runs on: onnxruntime-node natively or onnxruntime-web (wasm) in a
 * browser. Both expose the same API (onnxruntime-common), so the runtime takes the module as a parameter and never
 * imports either; the Node binding lives in engine-node.ts, the web one in engine-web.ts.
 */

/** The session options iotnets sets; both engines accept them (onnxruntime-web ignores the thread counts). */
export interface OrtSessionOptions {
  readonly executionProviders: readonly string[];
  readonly intraOpNumThreads: number;
  readonly interOpNumThreads: number;
  readonly executionMode: 'sequential';
  readonly graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  readonly logSeverityLevel: 0 | 1 | 2 | 3 | 4;
}

/** A session's outputs by name. */
export type OrtOutputs = Readonly<Record<string, { readonly data: unknown }>>;

/** An open inference session, as both engines return it. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  /** Runs the model on `feeds`; `fetches` names the outputs to return (default: the model's outputs). */
  run(feeds: Record<string, unknown>): Promise<OrtOutputs>;
  run(feeds: Record<string, unknown>, fetches: readonly string[]): Promise<OrtOutputs>;
  release(): Promise<void>;
}

/** The part of an onnxruntime module (onnxruntime-node, onnxruntime-web) the runtime uses. */
export interface OrtModule {
  readonly InferenceSession: { create(model: Uint8Array, options: Partial<OrtSessionOptions>): Promise<OrtSession> };
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
  readonly env: { readonly versions: Readonly<Record<string, string | undefined>> };
}

/** An ONNX Runtime module and the execution provider it runs networks on. */
export interface Engine {
  readonly ort: OrtModule;
  readonly executionProvider: 'cpu' | 'wasm';
}

/** The engine's ONNX Runtime version, e.g. `1.30.0`. */
export function engineVersion(engine: Engine): string {
  const { versions } = engine.ort.env;
  return versions.node ?? versions.web ?? versions.common ?? 'unknown';
}
