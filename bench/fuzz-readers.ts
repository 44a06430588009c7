// The readers iotnets applies to files a user (or an attacker) hands it, their real seed inputs, and a seeded mutator:
// shared by `npm run fuzz` (bench/fuzz.ts) and the smoke test (test/fuzz-smoke.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResults } from '../src/analysis/results.js';
import { measurementRecord } from '../src/calibrate/measure-catalog.js';
import { parseJournal } from '../src/calibrate/journal.js';
import { resultsDocument } from '../src/calibrate/results-file.js';
import { catalogAccuracies, parseAccuracyCsv, parseAccuracyJson } from '../src/catalog/accuracy.js';
import { catalogEntry, catalogGraph } from '../src/catalog/catalog.js';
import { paperNetConfigs, paperResults } from '../src/catalog/paper.js';
import { paperData } from '../src/catalog/paper-node.js';
import { IotnetsError } from '../src/errors.js';
import { summarize } from '../src/graph/summary.js';
import { parsePythonJson } from '../src/io/files-node.js';
import { exportOnnx } from '../src/onnx/export.js';
import { readOnnxModel } from '../src/onnx/read.js';
import { Sfc32 } from '../src/rng/sfc32.js';
import { currentDevice } from '../src/runtime/device-node.js';
import { NODE_ENGINE } from '../src/runtime/engine-node.js';
import { makeProtocol } from '../src/runtime/protocols.js';
import { numpyMean, numpyStd, summarizeTimes } from '../src/runtime/stats.js';
import { initWeights } from '../src/weights/init.js';
import { encodeSafetensors } from '../src/weights/safetensors.js';
import { parseWeights } from '../src/weights/torch-checkpoint.js';

const FIXTURES = join(fileURLToPath(new URL('..', import.meta.url)), 'test', 'fixtures', 'checkpoints');
const text = new TextDecoder();

/** One reader under test: real files it reads, and the call the CLI makes on a file's bytes. */
export interface FuzzReader {
  readonly name: string;
  seeds(): Uint8Array[];
  /** Reads `bytes`; returns how many bytes the decoded result holds (for the memory bound), or throws. */
  read(bytes: Uint8Array): number;
}

/** Bytes of decoded tensors, for the checkpoint readers' bound. */
function tensorBytes(stateDict: ReadonlyMap<string, { data: { byteLength: number } }>): number {
  let n = 0;
  for (const t of stateDict.values()) n += t.data.byteLength;
  return n;
}

const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
const utf8 = (s: string) => new TextEncoder().encode(s);

/** A small journal as `iotnets calibrate` writes it: a device line and a few measurements of real catalog networks. */
function journalSeed(): Uint8Array {
  const protocol = makeProtocol('fixed', { warmup: 1, runs: 4 });
  const device = { type: 'device', ...currentDevice(NODE_ENGINE, { threads: 1, optimization: 'all' }, protocol) };
  const lines = [device, ...[677, 678, 1217].map((index, k) => {
    const timesMs = [3 + k, 1 + k, 1.5 + k, 1.25 + k, 2 + k];
    const kept = timesMs.slice(1);
    const entry = catalogEntry(index);
    const timing = { protocol, timesMs, discarded: 1, stop: 'runs' as const, t_avg: numpyMean(kept), t_std: numpyStd(kept), summary: summarizeTimes(kept), medianCi: 0.1, wallSeconds: 0.01 };
    return measurementRecord(entry, summarize(catalogGraph(entry)), timing, { build: 0.1, export: 0.1, session: 0.1, inference: 0.1, release: 0 });
  })];
  return utf8(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

/** The readers: every format iotnets parses from a user's file. */
export const FUZZ_READERS: readonly FuzzReader[] = [
  {
    name: 'torch legacy checkpoint',
    seeds: () => ['tiny.legacy.t7', 'views.legacy.t7', 'tiny-f64.legacy.t7'].map(fixture),
    read: (bytes) => tensorBytes(parseWeights(bytes, 'fuzz.t7').stateDict),
  },
  {
    name: 'torch zip checkpoint',
    seeds: () => ['tiny.zip.pt', 'views.zip.pt', 'dtypes.zip.pt'].map(fixture),
    read: (bytes) => tensorBytes(parseWeights(bytes, 'fuzz.pt').stateDict),
  },
  {
    name: 'safetensors',
    seeds: () => [fixture('tiny.safetensors'), encodeSafetensors(initWeights(catalogGraph(catalogEntry(677)), 0))],
    read: (bytes) => tensorBytes(parseWeights(bytes, 'fuzz.safetensors').stateDict),
  },
  {
    name: 'ONNX model',
    seeds: () => {
      const graph = catalogGraph(catalogEntry(677));
      return [exportOnnx(graph, initWeights(graph, 0))];
    },
    read: (bytes) => {
      readOnnxModel(bytes, 'fuzz.onnx');
      return 0;
    },
  },
  {
    name: 'results JSON',
    seeds: () => [
      utf8(JSON.stringify(paperResults(paperData(), 'raspi').results.slice(0, 30), null, 4)),
      utf8(resultsDocument(parseJournal(text.decode(journalSeed()), 'seed').measurements)),
    ],
    read: (bytes) => parseResults(parsePythonJson(text.decode(bytes), 'fuzz.json', 'a results file'), 'fuzz.json').measurements.length,
  },
  {
    name: 'accuracy table',
    seeds: () => {
      const rows = paperNetConfigs(paperData()).slice(0, 30);
      return [utf8(JSON.stringify(rows)), utf8(['index,acc', ...rows.map((r, i) => `${i},${String(r['acc'])}`)].join('\n'))];
    },
    read: (bytes) => {
      const source = text.decode(bytes);
      const table = source.trimStart().startsWith('index') ? parseAccuracyCsv(source, 'fuzz.csv') : parseAccuracyJson(parsePythonJson(source, 'fuzz.json', 'accuracies'), 'fuzz.json');
      return catalogAccuracies(table).size;
    },
  },
  {
    name: 'calibration journal',
    seeds: () => [journalSeed()],
    read: (bytes) => parseJournal(text.decode(bytes), 'fuzz.journal.jsonl').measurements.length,
  },
];

/** Values that break parsers: boundaries of every integer width, JSON's hostile numbers, structure characters. */
const INTERESTING_INTS = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];
const INTERESTING_TEXT = ['-5', '0', '1e308', '-1e400', 'NaN', 'Infinity', '"x"', 'null', '[]', '{}', '\u001b[31m', '\n', '"', '{', '[', ',', '99999999999999999999'];

/** One seeded mutation of `input`: bit flips, interesting values, splices, truncation, duplication or deletion. */
function mutateOnce(rng: Sfc32, input: Uint8Array): Uint8Array {
  const pick = (n: number) => rng.nextUint32() % Math.max(1, n);
  const at = pick(input.length);
  const bytes = new Uint8Array(input);
  switch (pick(9)) {
    case 0: bytes[at] ^= 1 << pick(8); return bytes;
    case 1: bytes[at] = INTERESTING_INTS[pick(INTERESTING_INTS.length)]! & 0xff; return bytes;
    case 2: { // a 1, 2, 4 or 8-byte little-endian interesting value: lengths, counts, offsets
      const width = [1, 2, 4, 8][pick(4)]!;
      let v = BigInt(INTERESTING_INTS[pick(INTERESTING_INTS.length)]!) + BigInt(pick(3)) - 1n;
      for (let i = 0; i < width && at + i < bytes.length; i++, v >>= 8n) bytes[at + i] = Number(v & 0xffn);
      return bytes;
    }
    case 3: return bytes.subarray(0, pick(bytes.length)); // truncation
    case 4: { // duplicate a chunk in place (repeated records, repeated opcodes)
      const length = 1 + pick(Math.min(256, bytes.length - at));
      return concat(bytes.subarray(0, at + length), bytes.subarray(at, at + length), bytes.subarray(at + length));
    }
    case 5: { // delete a chunk
      const length = 1 + pick(Math.min(64, bytes.length - at));
      return concat(bytes.subarray(0, at), bytes.subarray(at + length));
    }
    case 6: { // copy a chunk from elsewhere over this place
      const from = pick(bytes.length), length = 1 + pick(32);
      bytes.set(input.subarray(from, from + length).subarray(0, bytes.length - at), at);
      return bytes;
    }
    case 7: return concat(bytes.subarray(0, at), utf8(INTERESTING_TEXT[pick(INTERESTING_TEXT.length)]!), bytes.subarray(at));
    default: { // replace a number in text with a hostile one
      const s = text.decode(bytes);
      const numbers = [...s.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/g)];
      if (numbers.length === 0) return bytes;
      const m = numbers[pick(numbers.length)]!;
      return utf8(s.slice(0, m.index) + INTERESTING_TEXT[pick(6)]! + s.slice(m.index! + m[0].length));
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Case `i` of a reader's fuzz run: 1 to 4 stacked mutations of one of its seeds, determined by (seed, i) alone. */
export function mutation(seeds: readonly Uint8Array[], seed: number, i: number): Uint8Array {
  const rng = new Sfc32((seed * 1_000_003 + i) >>> 0);
  let bytes = seeds[rng.nextUint32() % seeds.length]!;
  for (let k = 1 + (rng.nextUint32() % 4); k > 0; k--) bytes = mutateOnce(rng, bytes);
  return bytes;
}

/** How one mutated input fared. */
export type Outcome = 'accepted' | 'clean error' | 'other exception' | 'hang' | 'over memory';

/** Decoded output may be at most this many times the input (the readers' stated bound is 32x), plus a constant. */
export const OUTPUT_BOUND = { factor: 32, slackBytes: 1 << 20 } as const;

/** Slower than this for one input is a hang. */
export const HANG_MS = 5_000;

/** Runs `reader` on `bytes` and classifies the outcome (a hang is judged after the fact here; bench/fuzz.ts also watches). */
export function classify(reader: FuzzReader, bytes: Uint8Array): { outcome: Outcome; detail?: string } {
  const started = performance.now();
  let outcome: Outcome;
  let detail: string | undefined;
  try {
    const decoded = reader.read(bytes);
    outcome = decoded > OUTPUT_BOUND.factor * bytes.length + OUTPUT_BOUND.slackBytes ? 'over memory' : 'accepted';
    if (outcome === 'over memory') detail = `${decoded} bytes decoded from ${bytes.length}`;
  } catch (e) {
    const oneLine = e instanceof IotnetsError && !e.message.includes('\n');
    outcome = oneLine ? 'clean error' : 'other exception';
    if (!oneLine) detail = (e as Error).stack ?? String(e);
  }
  if (performance.now() - started > HANG_MS) return { outcome: 'hang', detail: `${Math.round(performance.now() - started)} ms` };
  return { outcome, ...(detail !== undefined ? { detail } : {}) };
}
