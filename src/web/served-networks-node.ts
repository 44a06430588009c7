// The networks a calibration page is served to measure, and the server's checks of what the page posts back about them.
import type { FileMeasurement, JournalMeasurement } from '../calibrate/journal.js';
import { check, escapeForMessage } from '../errors.js';
import type { Shape } from '../graph/ops.js';
import { summarize, type GraphSummary } from '../graph/summary.js';
import { readFileBytes } from '../io/files-node.js';
import { loadOnnxFile, sha256Hex } from '../onnx/load-file.js';
import type { Protocol } from '../runtime/protocols.js';
import { fileMeasurementFromBody, measurementFile, measurementFromBody, measurementIndex, type ServedFile, type WebPlan } from './messages.js';

/** The networks a served page measures, catalog networks or ONNX files, and how the server checks a measurement of one. */
export interface ServedNetworks {
  /** Catalog indices or file hashes, in measuring order. */
  readonly keys: readonly (number | string)[];
  /** The plan's part naming the networks of `keys` given. */
  plan(keys: readonly (number | string)[]): Pick<WebPlan, 'indices' | 'files' | 'inputShape'>;
  /** The key and name of the network a POST /measurement body names, refused unless the plan has it. */
  named(body: unknown): { readonly key: number | string; readonly name: string };
  /** The journal record of a body naming network `key`, refused unless complete and consistent. */
  record(body: unknown, key: number | string, protocol: Protocol): JournalMeasurement | FileMeasurement;
  /** The bytes of a served file by its hash. */
  file?(sha256: string): Uint8Array | undefined;
}

/** Catalog networks `indices`, which the page builds itself. */
export function catalogNetworks(indices: readonly number[]): ServedNetworks {
  const planned = new Set(indices);
  return {
    keys: indices,
    plan: (keys) => ({ indices: keys as number[] }),
    named(body) {
      const index = measurementIndex(body);
      check(typeof index === 'number' && planned.has(index), () => `network #${escapeForMessage(String(index))} is not in this server's plan`);
      return { key: index, name: `network #${index}` };
    },
    record: (body, key, protocol) => measurementFromBody(body, key as number, protocol),
  };
}

/**
 * ONNX files, each imported here once up front (so an unsupported one stops serve before the page opens), then
 * fetched, imported and timed by the page and recorded with this import's counts. A renamed copy is served once.
 */
export function fileNetworks(files: readonly string[], inputShape?: Shape): ServedNetworks {
  const options = inputShape ? { inputShape } : {};
  const byHash = new Map<string, { readonly path: string; readonly served: ServedFile; readonly summary: GraphSummary }>();
  for (const path of files) {
    const { file, sha256, graph } = loadOnnxFile(path, options);
    if (!byHash.has(sha256)) byHash.set(sha256, { path, served: { file, sha256 }, summary: summarize(graph) });
  }
  const served = (key: number | string) => byHash.get(key as string)!;
  return {
    keys: [...byHash.keys()],
    plan: (keys) => ({ indices: [], files: keys.map((k) => served(k).served), ...(inputShape ? { inputShape } : {}) }),
    named(body) {
      const { file, sha256 } = measurementFile(body);
      const known = typeof sha256 === 'string' ? byHash.get(sha256) : undefined;
      check(known !== undefined && known.served.file === file, () => `file ${escapeForMessage(String(file))} with SHA-256 ${escapeForMessage(String(sha256), 70)} is not in this server's plan`);
      return { key: known.served.sha256, name: known.served.file };
    },
    record: (body, key, protocol) => fileMeasurementFromBody(body, served(key).served, served(key).summary, protocol),
    file(sha256) {
      const known = byHash.get(sha256);
      if (known === undefined) return undefined;
      const bytes = readFileBytes(known.path);
      check(sha256Hex(bytes) === sha256, `${known.path} changed since serve started; restart iotnets serve to measure its new content`);
      return bytes;
    },
  };
}

