import * as ort from 'onnxruntime-node';
import type { Engine } from './engine.js';

/** onnxruntime-node on the CPU execution provider: how Node measures. */
export const NODE_ENGINE: Engine = { ort, executionProvider: 'cpu' };
