import type { Engine, OrtModule } from './engine.js';

/** The `env.wasm` flags of onnxruntime-web the engine sets. */
interface WasmEnv {
  numThreads?: number;
  wasmPaths?: string;
}

/**
 * onnxruntime-web (the `onnxruntime-web` or `onnxruntime-web/wasm` module) on the wasm execution provider with
 * `threads` threads, loading its binary from `wasmPaths` when given. Web sessions take their thread count from the
 * module's environment, not from session options, so it is set here, once, before the first session.
 */
export function webEngine(ort: OrtModule, options: { threads: number; wasmPaths?: string }): Engine {
  const wasm = (ort.env as { wasm?: WasmEnv }).wasm;
  if (wasm) {
    wasm.numThreads = options.threads;
    if (options.wasmPaths !== undefined) wasm.wasmPaths = options.wasmPaths;
  }
  return { ort, executionProvider: 'wasm' };
}
