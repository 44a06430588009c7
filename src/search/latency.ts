import { CATALOG, catalogArgs } from '../catalog/catalog.js';
import type { Graph } from '../graph/graph.js';
import { latencyFeatures } from '../predict/features.js';
import { predictLatencyMs, type LatencyModel } from '../predict/model.js';
import { networkKey, type Candidate } from './candidates.js';

/** Where a candidate's latency on the target device comes from. */
export interface LatencySource {
  /** What the latency is, for tables: 'measured (results_RaspPi.json)', 'predicted (k20.model.json)'. */
  readonly label: string;
  /** The latency in ms, or undefined when this source does not know the network. */
  latencyMs(c: Candidate, graph: Graph): number | undefined;
}

/** Latencies looked up in a results file by network (a pool network equal to a catalog network finds its entry). */
export function resultsLatency(measurements: readonly { index: number; latencyMs: number }[], name: string): LatencySource {
  const byKey = new Map<string, number>();
  for (const m of measurements) {
    const entry = CATALOG[m.index]!;
    byKey.set(networkKey(entry.space, catalogArgs(entry)), m.latencyMs);
  }
  return { label: `measured (${name})`, latencyMs: (c) => byKey.get(c.key) };
}

/** Latencies predicted by a device's latency model (from `calibrate --calibration-set` or `predict fit`). */
export function modelLatency(model: LatencyModel, name: string): LatencySource {
  return { label: `predicted (${name})`, latencyMs: (_, graph) => predictLatencyMs(model, latencyFeatures(graph, model.family)) };
}
