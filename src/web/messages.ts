import type { FileMeasurement, JournalMeasurement } from '../calibrate/journal.js';
import { fileMeasurementRecord, measurementRecord } from '../calibrate/measure-catalog.js';
import { deviceRecordProblem, measurementProblem } from '../calibrate/records.js';
import { catalogEntry, catalogGraph } from '../catalog/catalog.js';
import { check } from '../errors.js';
import { summarize, type GraphSummary } from '../graph/summary.js';
import type { DeviceRecord } from '../runtime/device.js';
import { discardedRuns, protocolLabel, type Protocol } from '../runtime/protocols.js';
import type { OptimizationLevel } from '../runtime/session.js';
import type { Timing } from '../runtime/timing.js';

/** GET /plan: what the calibration page measures and how, as `iotnets serve` was told. */
export interface WebPlan {
  /** Catalog indices not measured yet, in measuring order. */
  readonly indices: readonly number[];
  /** ONNX files not measured yet (`serve --onnx`), in measuring order; the page fetches each from /onnx/<sha256>. */
  readonly files?: readonly ServedFile[];
  /** Input size of the files whose input is symbolic (`--input-size`), as the server imported them. */
  readonly inputShape?: readonly number[];
  /** Networks in the whole plan, those already measured included. */
  readonly planned: number;
  readonly protocol: Protocol;
  readonly optimization: OptimizationLevel;
  /** ONNX Runtime threads; absent = every core the browser reports (1 without cross-origin isolation). */
  readonly threads?: number;
}

/** An ONNX file the server hands out: its base name and the SHA-256 of its bytes, which results key it by. */
export interface ServedFile {
  readonly file: string;
  readonly sha256: string;
}

/** Where the page fetches the bytes of a served file. */
export const servedFilePath = (sha256: string) => `/onnx/${sha256}`;

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

/** A POST /measurement body's timing of one network, catalog or file. */
export interface WebTiming {
  readonly timing: Timing;
  /** Seconds per step, as the Node journal records them. */
  readonly seconds: JournalMeasurement['seconds'];
}

/** POST /device and POST /measurement bodies; /device carries only `device`, to be refused before any work. */
export type WebMeasurement = { readonly device: BrowserDevice } & WebTiming & ({ readonly index: number } | ServedFile);

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

/** The file name and hash a POST /measurement body names (unchecked: they come from the page). */
export function measurementFile(body: unknown): { readonly file: unknown; readonly sha256: unknown } {
  return isObject(body) ? { file: body['file'], sha256: body['sha256'] } : { file: undefined, sha256: undefined };
}

/** The timing and seconds of a POST /measurement body for `network` (e.g. `network #5`), refused unless complete and taken with `protocol`. */
function timingFromBody(m: unknown, network: string, protocol: Protocol): WebTiming {
  const incomplete = `the measurement of ${network} is incomplete; reload the calibration page`;
  check(isObject(m), incomplete);
  const t = m['timing'] as Partial<Timing> | undefined;
  check(isObject(t) && isObject(t.summary) && isObject(t.protocol) && isObject(m['seconds']), incomplete);
  check(protocolLabel(t.protocol) === protocolLabel(protocol) && t.discarded === discardedRuns(protocol), `the measurement of ${network} was not taken with protocol ${protocolLabel(protocol)}; reload the calibration page`);
  return { timing: t as Timing, seconds: m['seconds'] as JournalMeasurement['seconds'] };
}

/** `record`, refused unless it is a valid measurement record of `network`. */
function checkedRecord<T extends JournalMeasurement | FileMeasurement>(record: T, network: string): T {
  const problem = measurementProblem(record);
  check(problem === undefined, () => `the measurement of ${network} is refused (${problem}); reload the calibration page`);
  return record;
}

/** The journal record of a POST /measurement body for network `index`, refused unless it is complete and consistent. */
export function measurementFromBody(m: unknown, index: number, protocol: Protocol): JournalMeasurement {
  const network = `network #${index}`;
  const { timing, seconds } = timingFromBody(m, network, protocol);
  const entry = catalogEntry(index);
  return checkedRecord(measurementRecord(entry, summarize(catalogGraph(entry)), timing, seconds), network);
}

/**
 * The journal record of a POST /measurement body for a served file, with the counts of the server's own import
 * (`summary`) and the page's timing; refused unless complete and consistent.
 */
export function fileMeasurementFromBody(m: unknown, served: ServedFile, summary: GraphSummary, protocol: Protocol): FileMeasurement {
  const network = served.file;
  const { timing, seconds } = timingFromBody(m, network, protocol);
  return checkedRecord(fileMeasurementRecord(served, summary, timing, seconds), network);
}
