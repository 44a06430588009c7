import type { Graph } from '../graph/graph.js';
import { networkTotals } from '../graph/summary.js';
import { build } from '../zoo/index.js';
import type { Candidate } from './candidates.js';
import type { NetworkSize } from './constraints.js';
import { accuracyFeatures } from './features.js';

/** A candidate with its sizes and accuracy features, derived from its graph. */
export interface SizedCandidate extends Candidate {
  readonly size: NetworkSize;
  readonly features: Float64Array;
}

/** Builds a candidate's graph (10 classes, CIFAR-10 as the paper trained) and derives its sizes and features. */
export function sizeCandidate(c: Candidate): { sized: SizedCandidate; graph: Graph } {
  const graph = build(c.space, { args: c.args });
  const s = networkTotals(graph);
  const size: NetworkSize = {
    stateDictElements: s.stateDictElements,
    peakActivationElements: s.peakActivationElements,
    macs: s.macs,
    flops: s.flops,
  };
  // Object.assign, not a spread: V8 adds a property after a spread on a slow path (about 1 µs each, per candidate).
  const sized: SizedCandidate = Object.assign({}, c, { size, features: accuracyFeatures(graph, size, c.space) });
  return { sized, graph };
}
