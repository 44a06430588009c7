import type { JournalMeasurement } from '../calibrate/journal.js';
import { measurementRecord } from '../calibrate/measure-catalog.js';
import { deviceRecordProblem, measurementProblem } from '../calibrate/records.js';
import { catalogEntry, catalogGraph } from '../catalog/catalog.js';
import { check } from '../errors.js';
import { summarize } from '../graph/summary.js';
import type { DeviceRecord } from '../runtime/device.js';
import { discardedRuns, protocolLabel, type Protocol } from '../runtime/protocols.js';
import type { OptimizationLevel } from '../runtime/session.js';
import type { Timing } from '../runtime/timing.js';

/** GET /plan: what the calibration page measures and how, as `iotnets serve` was told. */
export interface WebPlan {
  /** Catalog indices not measured yet, in measuring order. */
  readonly indices: readonly number[];
  /** Networks in the whole plan, those already measured included. */
  readonly planned: number;
  readonly protocol: Protocol;
  readonly optimization: OptimizationLevel;
  /** ONNX Runtime threads; absent = every core the browser reports (1 without cross-origin isolation). */
  readonly threads?: number;
}

/**
 * A device record taken by a browser: the Node record's fields, from what a page can see. Browsers do not name the
 * CPU, so `cpuModel` holds the user agent (browser, OS and CPU family); `arch` is `wasm32`, where the code runs.
 */
export interface BrowserDevice extends DeviceRecord {
  readonly executionProvider: 'wasm';
  /** Whether the page could use threads (SharedArrayBuffer needs cross-origin isolation, i.e. https or localhost). */
  readonly crossOriginIsolated: boolean;
  /** `ort.env.versions` of onnxruntime-web. */
  readonly ortVersions: Readonly<Record<string, string | undefined>>;
}

/** POST /device and POST /measurement bodies; /device carries only `device`, to be refused before any work. */
export interface WebMeasurement {
  readonly device: BrowserDevice;
  readonly index: number;
  readonly timing: Timing;
  /** Seconds per step, as the Node journal records them. */
  readonly seconds: JournalMeasurement['seconds'];
}

/** The JSON reply to every POST: `error` is a one-line reason the server refused it. */
export interface WebReply {
  readonly ok: boolean;
  readonly error?: string;
  /** Networks of the plan still to measure after this one. */
  readonly remaining?: number;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The browser device record of a POST /device or /measurement body, refused unless it is a plausible browser record measuring the way this server was told to. */
export function browserDeviceFromBody(body: unknown, protocol: Protocol, optimization: string): BrowserDevice {
  const d = isObject(body) ? body['device'] : undefined;
  check(isObject(d) && d['executionProvider'] === 'wasm', 'the request has no browser device record; reload the calibration page');
  const problem = deviceRecordProblem(d) ??
    (typeof d['crossOriginIsolated'] !== 'boolean' ? 'crossOriginIsolated: not true or false' : undefined) ??
    (!isObject(d['ortVersions']) || !Object.values(d['ortVersions']).every((v) => v === undefined || typeof v === 'string')
      ? 'ortVersions: not a record of version texts' : undefined);
  check(problem === undefined, () => `the device record is implausible (${problem}); reload the calibration page`);
  const device = d as unknown as BrowserDevice;
  const theirs = `protocol ${protocolLabel(device.protocol)}, optimization ${device.graphOptimization}`;
  const ours = `protocol ${protocolLabel(protocol)}, optimization ${optimization}`;
  check(theirs === ours, `the page measures with ${theirs} but the server with ${ours}; reload the calibration page`);
  return device;
}

/** The catalog index a POST /measurement body names (unchecked: it comes from the page). */
export function measurementIndex(body: unknown): unknown {
  return isObject(body) ? body['index'] : undefined;
}

/** The journal record of a POST /measurement body for network `index`, refused unless it is complete and consistent. */
export function measurementFromBody(m: unknown, index: number, protocol: Protocol): JournalMeasurement {
  check(isObject(m), `the measurement of network #${index} is incomplete; reload the calibration page`);
  const t = m['timing'] as Partial<Timing> | undefined;
  check(isObject(t) && isObject(t.summary) && isObject(t.protocol) && isObject(m['seconds']), `the measurement of network #${index} is incomplete; reload the calibration page`);
  check(protocolLabel(t.protocol) === protocolLabel(protocol) && t.discarded === discardedRuns(protocol), `the measurement of network #${index} was not taken with protocol ${protocolLabel(protocol)}; reload the calibration page`);
  const entry = catalogEntry(index);
  const record = measurementRecord(entry, summarize(catalogGraph(entry)), t as Timing, m['seconds'] as JournalMeasurement['seconds']);
  const problem = measurementProblem(record);
  check(problem === undefined, () => `the measurement of network #${index} is refused (${problem}); reload the calibration page`);
  return record;
}
