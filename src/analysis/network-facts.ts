import { check } from '../errors.js';
import { catalogEntry, catalogGraph } from '../catalog/catalog.js';
import { networkTotals } from '../graph/summary.js';
import type { NetworkPoint } from './points.js';
import type { MemorySized } from './objectives.js';
import type { GraphFacts } from './results.js';

/** What a catalog network's graph says about its size: the paper's params and flops, and its memory in elements. */
export interface NetworkFacts extends GraphFacts, MemorySized {}

/** A network point with the element counts that memory under a number format needs. */
export interface SizedPoint extends NetworkPoint, MemorySized {}

const cache = new Map<number, NetworkFacts>();

/** Params, flops, weight and peak-activation elements of catalog network `index`, built and summarised once. */
export function networkFacts(index: number): NetworkFacts {
  let facts = cache.get(index);
  if (!facts) {
    const s = networkTotals(catalogGraph(catalogEntry(index)));
    facts = {
      stateDictElements: s.stateDictElements,
      flops: s.flops,
      weightElements: s.weightElements,
      peakActivationElements: s.peakActivationElements,
    };
    cache.set(index, facts);
  }
  return facts;
}

/**
 * The points with their networks' weight and peak-activation element counts: a catalog network's from its graph, a
 * measured file's as its results entry records them.
 */
export function withMemory(points: readonly NetworkPoint[], factsOf: (index: number) => MemorySized = networkFacts): SizedPoint[] {
  return points.map((p) => {
    check(
      p.index !== undefined || p.memory !== undefined,
      `${p.file}: its results entry has no weight_elements and peak_activation_elements; measure the file again into a new results file (calibration records them)`,
    );
    const { weightElements, peakActivationElements } = p.memory ?? factsOf(p.index!);
    return { ...p, weightElements, peakActivationElements };
  });
}
