import type { AccuracyEntry } from '../catalog/accuracy.js';
import { catalogEntry, catalogGraph, type CatalogEntry } from '../catalog/catalog.js';
import { summarize, type GraphSummary } from '../graph/summary.js';
import { measureNetwork, WEIGHT_SEED, type MeasureOptions, type PhaseSeconds } from '../runtime/measure.js';
import { protocolLabel } from '../runtime/protocols.js';
import type { Timing } from '../runtime/timing.js';
import { initWeights } from '../weights/init.js';
import type { Graph } from '../graph/graph.js';
import type { StateDict } from '../graph/tensor.js';
import type { FileMeasurement, JournalMeasurement, TimingRecord } from './journal.js';

/** One network measured for a calibration: its summary, its timing and the seconds of every step. */
export interface PreparedMeasurement {
  readonly summary: GraphSummary;
  readonly timing: Timing;
  readonly seconds: PhaseSeconds & { readonly build: number };
}

/** One catalog network measured for a calibration. */
export interface CatalogMeasurement extends PreparedMeasurement {
  readonly entry: CatalogEntry;
}

/**
 * Builds a network with `prepare` (graph and weights, timed as `build` with its summary), then measures it (export,
 * session, timing): the step a calibration repeats per network, for catalog networks and ONNX files, in Node and in
 * the browser page alike, on whichever engine `options` names.
 */
export async function prepareAndMeasure(prepare: () => { graph: Graph; weights: StateDict }, options: MeasureOptions): Promise<PreparedMeasurement> {
  const t0 = performance.now();
  const { graph, weights } = prepare();
  const summary = summarize(graph);
  const build = (performance.now() - t0) / 1000;
  const { timing, phases } = await measureNetwork(graph, weights, options);
  return { summary, timing, seconds: { build, ...phases } };
}

/** Catalog network `index` with the seeded weights, measured by prepareAndMeasure. */
export async function measureCatalogNetwork(index: number, options: MeasureOptions): Promise<CatalogMeasurement> {
  const entry = catalogEntry(index);
  return { entry, ...(await prepareAndMeasure(() => prepareCatalogNetwork(entry), options)) };
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

/** The journal record of one ONNX file's measurement, keyed by its name and content hash. */
export function fileMeasurementRecord(
  identity: Pick<FileMeasurement, 'file' | 'sha256'>,
  summary: Pick<GraphSummary, 'stateDictElements' | 'flops' | 'macs' | 'weightElements' | 'peakActivationElements'>,
  timing: Timing,
  seconds: JournalMeasurement['seconds'],
): FileMeasurement {
  return {
    type: 'measurement',
    file: identity.file,
    sha256: identity.sha256,
    params: summary.stateDictElements,
    flops: summary.flops,
    macs: summary.macs,
    weight_elements: summary.weightElements,
    peak_activation_elements: summary.peakActivationElements,
    t_avg: timing.t_avg,
    t_std: timing.t_std,
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
