import { CATALOG, catalogArgs } from '../catalog/catalog.js';
import type { Graph } from '../graph/graph.js';
import { latencyFeatures } from '../predict/features.js';
import { predictLatencyMs, type LatencyModel } from '../predict/model.js';
import { measureNetwork, WEIGHT_SEED, type MeasureOptions } from '../runtime/measure.js';
import { protocolLabel } from '../runtime/protocols.js';
import { initWeights } from '../weights/init.js';
import { build } from '../zoo/index.js';
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

/** One network's latency measured on the device. */
export interface LiveLatency {
  /** Median of the protocol's kept runs, ms. */
  readonly latencyMs: number;
  readonly runs: number;
  readonly protocol: string;
}

/** Measures a candidate's latency live on the device: the search confirms each network by it before proposing it. */
export interface LatencyMeter {
  /** What the measurement is, for tables: 'measured on this machine (adaptive protocol)'. */
  readonly label: string;
  measure(c: Candidate, signal?: AbortSignal): Promise<LiveLatency>;
}

/** A meter that times each candidate (seeded random weights) on `options`' engine, session settings and protocol. */
export function runtimeMeter(options: MeasureOptions, device: string): LatencyMeter {
  return {
    label: `measured on ${device} (${protocolLabel(options.protocol)})`,
    async measure(c, signal) {
      const graph = build(c.space, { args: c.args });
      const { timing } = await measureNetwork(graph, initWeights(graph, WEIGHT_SEED), { ...options, ...(signal ? { signal } : {}) });
      return { latencyMs: timing.summary.median, runs: timing.summary.count, protocol: protocolLabel(timing.protocol) };
    },
  };
}
