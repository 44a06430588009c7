// Pure (no ONNX Runtime import), so validators that run in a browser can name the levels too.

/** ONNX Runtime graph optimisation levels, weakest first. */
export const OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;

export type OptimizationLevel = (typeof OPTIMIZATION_LEVELS)[number];
