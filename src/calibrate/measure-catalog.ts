import type { AccuracyEntry } from '../catalog/accuracy.js';
import { catalogEntry, catalogGraph, type CatalogEntry } from '../catalog/catalog.js';
import { summarize, type GraphSummary } from '../graph/summary.js';
import { measureNetwork, WEIGHT_SEED, type MeasureOptions } from '../runtime/measure.js';
import { protocolLabel } from '../runtime/protocols.js';
import type { Timing } from '../runtime/timing.js';
import { initWeights } from '../weights/init.js';
import type { Graph } from '../graph/graph.js';
import type { StateDict } from '../graph/tensor.js';
import type { JournalMeasurement, TimingRecord } from './journal.js';

/** One catalog network measured for a calibration: what it is, its timing and the seconds of every step. */
export interface CatalogMeasurement {
  readonly entry: CatalogEntry;
  readonly summary: GraphSummary;
  readonly timing: Timing;
  readonly seconds: JournalMeasurement['seconds'];
}

/**
 * Builds catalog network `index` with the seeded weights, then measures it (export, session, timing): the step a
 * calibration repeats per network, in Node and in the browser page alike, on whichever engine `options` names.
 */
export async function measureCatalogNetwork(index: number, options: MeasureOptions): Promise<CatalogMeasurement> {
  const t0 = performance.now();
  const entry = catalogEntry(index);
  const { graph, weights } = prepareCatalogNetwork(entry);
  const summary = summarize(graph);
  const build = (performance.now() - t0) / 1000;
  const { timing, phases } = await measureNetwork(graph, weights, options);
  return { entry, summary, timing, seconds: { build, ...phases } };
}

/** A catalog network's graph with the seeded weights every calibration times it with. */
export function prepareCatalogNetwork(entry: CatalogEntry): { graph: Graph; weights: StateDict } {
  const graph = catalogGraph(entry);
  return { graph, weights: initWeights(graph, WEIGHT_SEED) };
}

/** The journal record of one catalog network's measurement; `trained` adds the paper's acc and runid. */
export function measurementRecord(
  entry: CatalogEntry,
  summary: Pick<GraphSummary, 'stateDictElements' | 'flops'>,
  timing: Timing,
  seconds: JournalMeasurement['seconds'],
  trained?: AccuracyEntry,
): JournalMeasurement {
  return {
    type: 'measurement',
    spacename: entry.space,
    law: entry.law,
    id: entry.id,
    index: entry.index,
    params: summary.stateDictElements,
    flops: summary.flops,
    t_avg: timing.t_avg,
    t_std: timing.t_std,
    ...(trained ? { acc: trained.accuracy, ...(trained.runid ? { runid: trained.runid } : {}) } : {}),
    ...timingRecord(timing, seconds),
  };
}

/** The timing fields of a journal record, whichever network (catalog or ONNX file) it is. */
export function timingRecord(timing: Timing, seconds: JournalMeasurement['seconds']): Omit<TimingRecord, 'type'> {
  return {
    median: timing.summary.median,
    min: timing.summary.min,
    max: timing.summary.max,
    p90: timing.summary.p90,
    runs: timing.summary.count,
    discarded: timing.discarded,
    stop: timing.stop,
    medianCi: timing.medianCi,
    protocol: protocolLabel(timing.protocol),
    timesMs: timing.timesMs,
    seconds,
    measuredAt: new Date().toISOString(),
  };
}
