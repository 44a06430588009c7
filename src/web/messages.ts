import type { JournalMeasurement } from '../calibrate/journal.js';
import type { DeviceRecord } from '../runtime/device.js';
import type { Protocol } from '../runtime/protocols.js';
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
  /** The seeds the Node calibration uses, so a browser times the same weights on the same inputs. */
  readonly weightSeed: number;
  readonly inputSeed: number;
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
