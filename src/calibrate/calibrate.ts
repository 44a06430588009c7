import { basename } from 'node:path';
import { catalogEntry } from '../catalog/catalog.js';
import { check, field } from '../errors.js';
import type { AccuracyEntry } from '../catalog/accuracy.js';
import type { GraphSummary } from '../graph/summary.js';
import type { DeviceRecord } from '../runtime/device.js';
import { currentDevice } from '../runtime/device-node.js';
import type { Engine } from '../runtime/engine.js';
import type { Protocol } from '../runtime/protocols.js';
import type { SessionSettings } from '../runtime/session.js';
import { MeasurementAborted, type Timing } from '../runtime/timing.js';
import { fileMeasurementRecord, measurementRecord, prepareAndMeasure, prepareCatalogNetwork } from './measure-catalog.js';
import { FP32, type NumberFormat } from '../onnx/formats.js';
import type { Graph } from '../graph/graph.js';
import type { StateDict } from '../graph/tensor.js';
import { loadOnnxFile, sha256Hex } from '../onnx/load-file.js';
import { exportOnnx } from '../onnx/export.js';
import { latencyProbe } from '../zoo/models/latency-probes.js';
import { initWeights } from '../weights/init.js';
import { WEIGHT_SEED } from '../runtime/measure.js';
import { journalPathFor, type FileMeasurement, type JournalMeasurement } from './journal.js';
import { precisionResultsPath } from './results-file.js';
import { checkOutputFile } from '../io/files-node.js';
import { ResultsWriter } from './results-writer.js';

/** What to calibrate: catalog indices or ONNX files in measuring order, where to write, and how to measure. */
export interface CalibrationPlan {
  readonly indices: readonly number[];
  /** ONNX files to measure instead of catalog networks (their re-export, which gives the same logits), keyed by content hash. */
  readonly files?: readonly string[];
  /** Latency probes to measure instead (names from zoo/models/latency-probes.ts), recorded like ONNX files of their export. */
  readonly probes?: readonly string[];
  /** Input size of ONNX files whose input is symbolic. */
  readonly inputShape?: readonly number[];
  /** The paper-format results file; the journal goes beside it. */
  readonly out: string;
  /** The ONNX Runtime to measure on (onnxruntime-node: runtime/engine-node.ts). */
  readonly engine: Engine;
  readonly settings: SessionSettings;
  readonly protocol: Protocol;
  /** Accuracy and run ids (an imported NetConfigs.json) to carry into the results. */
  readonly accuracy?: ReadonlyMap<number, AccuracyEntry>;
  /** Accept a journal measured on a different device or setup. */
  readonly force?: boolean;
  /** Deployed forms to time every network in (default fp32 alone), each into its own results file (precisionResultsPath). */
  readonly precisions?: readonly NumberFormat[];
  /** What titles call this device (stored in the journal's device record). */
  readonly deviceName?: string;
}

/** Progress reports of a calibration. */
export interface CalibrationEvents {
  warn(message: string): void;
  /** Before the first measurement: how many of the plan's networks the journal already has. */
  start(info: { readonly journal: string; readonly device: DeviceRecord; readonly planned: number; readonly alreadyMeasured: number }): void;
  /** After each network is durably in the journal; `done` counts this run's measurements. */
  measured(m: JournalMeasurement | FileMeasurement, done: number, toMeasure: number): void;
}

/** Seconds spent per activity over a calibration run. */
export interface CalibrationSeconds {
  readonly wall: number;
  /** Sum of the timed inference calls alone. */
  readonly inferenceCalls: number;
  /** Graph building, summary and weight initialisation. */
  readonly build: number;
  readonly export: number;
  readonly session: number;
  readonly release: number;
  /** All timing loops (inference calls plus input generation and loop overhead). */
  readonly timingLoops: number;
  /** Journal appends and results-file writes. */
  readonly io: number;
}

/** One precision's results file and journal after a calibration run. */
export interface PrecisionFiles {
  readonly precision: string;
  readonly out: string;
  readonly journal: string;
  /** Measurements in that results file. */
  readonly total: number;
}

/** How a calibration run ended. */
export interface CalibrationOutcome {
  readonly out: string;
  readonly journal: string;
  /** Every precision's files, in the plan's order (the first is `out` and `journal`). */
  readonly files: readonly PrecisionFiles[];
  readonly measured: number;
  readonly alreadyMeasured: number;
  /** Measurements in the results file (this run's and earlier ones). */
  readonly total: number;
  readonly interrupted: boolean;
  readonly seconds: CalibrationSeconds;
}

/** The results file is rewritten at most this often during a run (the journal is the durable record meanwhile). */
const RESULTS_WRITE_INTERVAL_SECONDS = 5;

const elapsed = (from: number) => (performance.now() - from) / 1000;

/** One network of a plan: what identifies it in the journal, how to build it, and its journal record once timed. */
interface PlannedNetwork {
  readonly key: number | string;
  prepare(): { readonly graph: Graph; readonly weights: StateDict };
  record(summary: GraphSummary, timing: Timing, seconds: JournalMeasurement['seconds']): JournalMeasurement | FileMeasurement;
}

/**
 * The plan's networks: catalog networks with seeded random weights, or ONNX files with their own weights. Every file
 * is imported once up front, so an unsupported one stops the run before anything is measured.
 */
function plannedNetworks(plan: CalibrationPlan): PlannedNetwork[] {
  const files = plan.files ?? [];
  const probes = plan.probes ?? [];
  check([files, probes, plan.indices].filter((list) => list.length > 0).length === 1, 'a calibration measures either catalog networks, ONNX files or latency probes');
  const options = plan.inputShape ? { inputShape: plan.inputShape } : {};
  const fromFiles = files.map((path): PlannedNetwork => {
    const sha256 = loadOnnxFile(path, options).sha256;
    return {
      key: sha256,
      prepare: () => loadOnnxFile(path, options),
      record: (summary, timing, seconds) => fileMeasurementRecord({ file: basename(path), sha256 }, summary, timing, seconds),
    };
  });
  const fromProbes = probes.map((name): PlannedNetwork => {
    const graph = latencyProbe(name);
    const weights = initWeights(graph, WEIGHT_SEED);
    const sha256 = sha256Hex(exportOnnx(graph, weights));
    return {
      key: sha256,
      prepare: () => ({ graph, weights }),
      record: (summary, timing, seconds) => fileMeasurementRecord({ file: name, sha256 }, summary, timing, seconds),
    };
  });
  const fromCatalog = plan.indices.map((index): PlannedNetwork => {
    const entry = catalogEntry(index);
    return {
      key: index,
      prepare: () => prepareCatalogNetwork(entry),
      record: (summary, timing, seconds) => measurementRecord(entry, summary, timing, seconds, plan.accuracy?.get(index)),
    };
  });
  return [...fromFiles, ...fromProbes, ...fromCatalog];
}

/**
 * Measures the plan's networks that the journal beside `out` does not have yet, appending each one durably to the
 * journal before the next starts and rewriting `out` atomically from the journal as it goes and at the end.
 * An abort (Ctrl-C) stops between two inference runs; the unfinished network is not recorded.
 */
export async function calibrate(plan: CalibrationPlan, events: CalibrationEvents, signal?: AbortSignal): Promise<CalibrationOutcome> {
  const started = performance.now();
  const precisions = plan.precisions ?? [FP32];
  check(precisions.length > 0, `no precision to calibrate: pass e.g. ${field('precisions')} fp32,int8`);
  const writers = precisions.map((precision) => {
    const out = precisionResultsPath(plan.out, precision);
    checkOutputFile(out, 'out');
    checkOutputFile(journalPathFor(out), 'out');
    return { precision, out };
  });
  const networks = plannedNetworks(plan);
  const opened = writers.map(({ precision, out }) => ({
    precision,
    results: new ResultsWriter(out, {
      warn: events.warn,
      ...(plan.force ? { force: true } : {}),
      ...(plan.accuracy ? { accuracy: plan.accuracy } : {}),
    }),
  }));
  const device = { ...(plan.deviceName ? { name: plan.deviceName } : {}), ...currentDevice(plan.engine, plan.settings, plan.protocol) };
  for (const { results } of opened) {
    results.useDevice(device);
    results.checkKind(plan.indices.length === 0);
  }
  // Network by network, every precision in turn: the forms of one network are timed under the same machine load.
  const toMeasure = networks.flatMap((network) => opened.filter(({ results }) => !results.has(network.key)).map((w) => ({ network, ...w })));
  const planned = networks.length * opened.length;
  events.start({ journal: opened[0]!.results.journalPath, device, planned, alreadyMeasured: planned - toMeasure.length });

  const totals = { inferenceCalls: 0, build: 0, export: 0, session: 0, release: 0, timingLoops: 0, io: 0 };
  let lastWrite = -Infinity;
  const timedIo = (write: () => void) => {
    const t = performance.now();
    write();
    lastWrite = performance.now();
    totals.io += (lastWrite - t) / 1000;
  };
  let measured = 0;
  let interrupted = false;
  try {
    for (const { network, precision, results } of toMeasure) {
      if (signal?.aborted) {
        interrupted = true;
        break;
      }
      let result;
      try {
        result = await prepareAndMeasure(network.prepare, { engine: plan.engine, settings: plan.settings, protocol: plan.protocol, precision, ...(signal ? { signal } : {}) });
      } catch (e) {
        if (!(e instanceof MeasurementAborted)) throw e;
        interrupted = true;
        break;
      }
      const { summary, timing, seconds } = result;
      const record = { ...network.record(summary, timing, seconds), ...(precision.name !== FP32.name ? { precision: precision.name } : {}) };
      const t1 = performance.now();
      results.add(record);
      totals.io += elapsed(t1);
      measured += 1;
      totals.build += seconds.build;
      totals.export += seconds.export;
      totals.session += seconds.session;
      totals.release += seconds.release;
      totals.timingLoops += seconds.inference;
      totals.inferenceCalls += timing.timesMs.reduce((a, b) => a + b, 0) / 1000;
      events.measured(record, measured, toMeasure.length);
      if (elapsed(lastWrite) >= RESULTS_WRITE_INTERVAL_SECONDS) timedIo(() => opened.forEach(({ results: r }) => r.writeResults()));
    }
  } catch (e) {
    for (const { results } of opened) {
      try {
        results.close();
      } catch {
        // The first error is the one to report; the journal holds every finished measurement either way.
      }
    }
    throw e;
  }
  timedIo(() => opened.forEach(({ results }) => results.close()));
  const files = opened.map(({ precision, results }) => ({ precision: precision.name, out: results.out, journal: results.journalPath, total: results.count }));
  return {
    out: files[0]!.out,
    journal: files[0]!.journal,
    files,
    measured,
    alreadyMeasured: planned - toMeasure.length,
    total: files.reduce((n, f) => n + f.total, 0),
    interrupted,
    seconds: { wall: elapsed(started), ...totals },
  };
}
