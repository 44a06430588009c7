// Calibration cost on this machine: exporting the whole catalog, the catalog's per-network latency, and how much of
// a calibration's wall time goes to anything but inference (graph building, weight init, export, sessions, I/O).
// IOTNETS_BENCH_STRIDE=1 times the full catalog; the default times every 8th network, a spread over all groups.
// IOTNETS_BENCH_PROTOCOL=adaptive|fixed times with another protocol than the paper's (default settings).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calibrate, type CalibrationSeconds } from '../src/calibrate/calibrate.js';
import { readJournal } from '../src/calibrate/journal.js';
import { CATALOG, catalogGraph } from '../src/catalog/catalog.js';
import { exportOnnx } from '../src/onnx/export.js';
import { currentDevice, deviceLabel } from '../src/runtime/device.js';
import { WEIGHT_SEED } from '../src/runtime/measure.js';
import { makeProtocol, protocolLabel } from '../src/runtime/protocols.js';
import { defaultSessionSettings } from '../src/runtime/session.js';
import { sortedMedian } from '../src/runtime/stats.js';
import { initWeights } from '../src/weights/init.js';

const stride = Number(process.env.IOTNETS_BENCH_STRIDE ?? 8);
const settings = defaultSessionSettings();
const protocol = makeProtocol(process.env.IOTNETS_BENCH_PROTOCOL ?? 'paper');
const median = (xs: readonly number[]) => sortedMedian([...xs].sort((a, b) => a - b));
const ms = (from: number) => performance.now() - from;

console.log(`device: ${deviceLabel(currentDevice(settings, protocol))}`);

// 1. Export of the whole catalog, as calibrate prepares each network.
const phases = { build: 0, init: 0, export: 0 };
let modelBytes = 0;
const exportStart = performance.now();
for (const entry of CATALOG) {
  let t = performance.now();
  const graph = catalogGraph(entry);
  phases.build += ms(t);
  t = performance.now();
  const weights = initWeights(graph, WEIGHT_SEED);
  phases.init += ms(t);
  t = performance.now();
  modelBytes += exportOnnx(graph, weights).length;
  phases.export += ms(t);
}
const exportSeconds = ms(exportStart) / 1000;
console.log(
  `export: ${CATALOG.length} networks built, initialised and exported to ONNX in ${exportSeconds.toFixed(1)} s (target < 60 s): ` +
    `build ${(phases.build / 1000).toFixed(1)} s, weight init ${(phases.init / 1000).toFixed(1)} s, exportOnnx ${(phases.export / 1000).toFixed(1)} s; ` +
    `${(modelBytes / 2 ** 30).toFixed(2)} GiB of ONNX`,
);

// 2. A calibration through the real pipeline (journal, results file and all).
const indices = CATALOG.filter((e) => e.index % stride === 0).map((e) => e.index);
const what = stride === 1 ? 'the full catalog' : `every ${stride}th catalog network (${indices.length} of ${CATALOG.length}, all 18 groups)`;
const dir = mkdtempSync(join(tmpdir(), 'iotnets-bench-'));
const out = join(dir, 'results.json');
const outcome = await calibrate(
  { indices, out, settings, protocol },
  { warn: (m) => console.warn(m), start: () => {}, measured: () => {} },
);
const measurements = readJournal(outcome.journal).measurements;
rmSync(dir, { recursive: true, force: true });

const s: CalibrationSeconds = outcome.seconds;
const outside = s.wall - s.inferenceCalls;
const share = (x: number) => `${((100 * x) / s.wall).toFixed(1)}%`;
console.log(`calibration (${what}, protocol ${protocolLabel(protocol)}, ${settings.threads} threads): ${s.wall.toFixed(1)} s wall`);
console.log(
  `  per-network latency: median t_avg ${median(measurements.map((m) => m.t_avg)).toFixed(3)} ms, ` +
    `median of medians ${median(measurements.map((m) => m.median)).toFixed(3)} ms`,
);
console.log(
  `  outside inference: ${share(outside)} of wall time (target < 20%): build+init ${share(s.build)}, export ${share(s.export)}, ` +
    `sessions ${share(s.session)} + release ${share(s.release)}, journal/results I/O ${share(s.io)}, input generation and loop ${share(s.timingLoops - s.inferenceCalls)}, ` +
    `other ${share(s.wall - s.build - s.export - s.session - s.release - s.io - s.timingLoops)}`,
);
