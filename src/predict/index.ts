export * from './chooser.js';
export * from './evaluate.js';
export * from './features.js';
export * from './metrics.js';
export * from './model.js';
export * from './nnls.js';
export * from './onnxruntime-plan.js';
