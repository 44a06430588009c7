import { check } from '../errors.js';
import type { NetworkPoint } from './points.js';
import { storageBytes, type NumberFormat } from '../onnx/formats.js';
import type { Objective } from './pareto.js';

/** Element counts that fix a network's memory under any number format (batch 1). */
export interface MemorySized {
  readonly weightElements: number;
  readonly peakActivationElements: number;
}

/** A network point that may carry the element counts memory needs (attached by withMemory). */
export type NetworkCandidate = NetworkPoint & Partial<MemorySized>;

/** A device as fronts, comparisons and reports see it: a name and the networks measured on it. */
export interface Device {
  readonly name: string;
  readonly points: readonly NetworkCandidate[];
}

/** Which memory a budget bounds: stored weights, the peak of live activations, or both together. */
export type MemoryPart = 'weights' | 'activations' | 'total';

/** The memory parts, for validating user input. */
export const MEMORY_PARTS: readonly MemoryPart[] = ['total', 'weights', 'activations'];

/** Bytes of `part` when weights and activations are stored in `format`. */
export function memoryBytes(network: MemorySized, format: NumberFormat, part: MemoryPart = 'total'): number {
  const weights = storageBytes(network.weightElements, format);
  const activations = storageBytes(network.peakActivationElements, format);
  return part === 'weights' ? weights : part === 'activations' ? activations : weights + activations;
}

/** Latency, smaller is better. */
export const LATENCY: Objective<NetworkPoint> = { name: 'latency', sense: 'min', value: (p) => p.latencyMs };

/** Accuracy, larger is better. */
export const ACCURACY: Objective<NetworkPoint> = { name: 'accuracy', sense: 'max', value: (p) => p.accuracy };

/** The element counts of a network that may lack them; a programming error (not user input) when absent. */
function requireMemory(p: Partial<MemorySized>): MemorySized {
  check(
    p.weightElements !== undefined && p.peakActivationElements !== undefined,
    'memory figures are missing: attach them with withMemory() before using a memory budget or axis',
  );
  return p as MemorySized;
}

/** Memory of `part` under `format`, smaller is better. */
export function memoryObjective(format: NumberFormat, part: MemoryPart = 'total'): Objective<Partial<MemorySized>> {
  return { name: `memory (${part}, ${format.name})`, sense: 'min', value: (p) => memoryBytes(requireMemory(p), format, part) };
}
