import { readFileBytes } from '../io/files-node.js';
import { parseWeights, type LoadedWeights } from './torch-checkpoint.js';

/** Reads a PyTorch checkpoint (zip or legacy) or safetensors file from disk, detecting the format by content. */
export async function loadWeightsFile(path: string): Promise<LoadedWeights> {
  return parseWeights(readFileBytes(path), path);
}
