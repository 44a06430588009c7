// Calibration cost on this machine: exporting the whole catalog, the catalog's per-network latency, and how much of
// a calibration's wall time goes to anything but inference (graph building, weight init, export, sessions, I/O), for
// calibrate's default protocol and the paper's.
// IOTNETS_BENCH_STRIDE=1 times the full catalog; the default times every 8th network, a spread over all groups.
// IOTNETS_BENCH_PROTOCOLS=adaptive,paper,fixed chooses the protocols (default settings); IOTNETS_BENCH_REPEATS=n
// repeats the export pass and each calibration n times (default 3) and reports medians.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { calibrate, type CalibrationSeconds } from '../src/calibrate/calibrate.js';
import { readJournal } from '../src/calibrate/journal.js';
import { CATALOG, catalogGraph } from '../src/catalog/catalog.js';
import { exportOnnx } from '../src/onnx/export.js';
import { deviceLabel } from '../src/runtime/device.js';
import { currentDevice, defaultSessionSettings } from '../src/runtime/device-node.js';
import { NODE_ENGINE } from '../src/runtime/engine-node.js';
import { WEIGHT_SEED } from '../src/runtime/measure.js';
import { DEFAULT_PROTOCOL, makeProtocol, protocolLabel } from '../src/runtime/protocols.js';
import { sortedMedian } from '../src/runtime/stats.js';
import { initWeights } from '../src/weights/init.js';

const stride = Number(process.env.IOTNETS_BENCH_STRIDE ?? 8);
const repeats = Number(process.env.IOTNETS_BENCH_REPEATS ?? 3);
const protocols = (process.env.IOTNETS_BENCH_PROTOCOLS ?? `${DEFAULT_PROTOCOL},paper`).split(',').map((name) => makeProtocol(name));
const settings = defaultSessionSettings();
const median = (xs: readonly number[]) => sortedMedian([...xs].sort((a, b) => a - b));
const ms = (from: number) => performance.now() - from;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const times = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);

console.log(`device: ${deviceLabel(currentDevice(NODE_ENGINE, settings, protocols[0]!))}`);
console.log(`load average (1, 5, 15 min) at start: ${load()}`);

// 1. Export of the whole catalog, as calibrate prepares each network.
function exportCatalog() {
  const phases = { build: 0, init: 0, export: 0, total: 0, bytes: 0 };
  const start = performance.now();
  for (const entry of CATALOG) {
    let t = performance.now();
    const graph = catalogGraph(entry);
    phases.build += ms(t);
    t = performance.now();
    const weights = initWeights(graph, WEIGHT_SEED);
    phases.init += ms(t);
    t = performance.now();
    phases.bytes += exportOnnx(graph, weights).length;
    phases.export += ms(t);
  }
  phases.total = ms(start);
  return phases;
}
const passes = times(repeats, exportCatalog);
const exportSeconds = (key: 'build' | 'init' | 'export' | 'total') => `${(median(passes.map((p) => p[key])) / 1000).toFixed(1)} s`;
console.log(
  `export: ${CATALOG.length} networks built, initialised and exported to ONNX in ${exportSeconds('total')} (target < 60 s): ` +
    `build ${exportSeconds('build')}, weight init ${exportSeconds('init')}, exportOnnx ${exportSeconds('export')}; ` +
    `${(passes[0]!.bytes / 2 ** 30).toFixed(2)} GiB of ONNX; median of ${repeats} passes`,
);

// 2. Calibrations through the real pipeline (journal, results file and all), the protocols taking turns.
const indices = CATALOG.filter((e) => e.index % stride === 0).map((e) => e.index);
const what = stride === 1 ? 'the full catalog' : `every ${stride}th catalog network (${indices.length} of ${CATALOG.length}, all 18 groups)`;

interface Run {
  readonly seconds: CalibrationSeconds;
  readonly outsideShare: number;
  readonly medianTAvg: number;
  readonly medianOfMedians: number;
}

async function calibrationRun(protocol: (typeof protocols)[number]): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'iotnets-bench-'));
  try {
    const outcome = await calibrate(
      { indices, out: join(dir, 'results.json'), engine: NODE_ENGINE, settings, protocol },
      { warn: (m) => console.warn(m), start: () => {}, measured: () => {} },
    );
    const measurements = readJournal(outcome.journal).measurements;
    const s = outcome.seconds;
    return {
      seconds: s,
      outsideShare: (s.wall - s.inferenceCalls) / s.wall,
      medianTAvg: median(measurements.map((m) => m.t_avg)),
      medianOfMedians: median(measurements.map((m) => m.median)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs = protocols.map((): Run[] => []);
for (let r = 0; r < repeats; r++) {
  for (const [i, protocol] of protocols.entries()) runs[i]!.push(await calibrationRun(protocol));
}

console.log(`calibration of ${what}, ${settings.threads} threads, ${repeats} calibrations per protocol (medians; breakdown of the median one):`);
const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
for (const [i, protocol] of protocols.entries()) {
  const byShare = [...runs[i]!].sort((a, b) => a.outsideShare - b.outsideShare);
  const typical = byShare[(byShare.length - 1) >> 1]!;
  const s = typical.seconds;
  const share = (x: number) => percent(x / s.wall);
  const isDefault = protocol.name === DEFAULT_PROTOCOL ? ", calibrate's default" : '';
  console.log(`  ${protocolLabel(protocol)}${isDefault}: ${(median(runs[i]!.map((run) => run.seconds.wall))).toFixed(1)} s wall`);
  console.log(
    `    per-network latency: median t_avg ${median(runs[i]!.map((run) => run.medianTAvg)).toFixed(3)} ms, ` +
      `median of medians ${median(runs[i]!.map((run) => run.medianOfMedians)).toFixed(3)} ms`,
  );
  console.log(
    `    outside inference: ${percent(typical.outsideShare)} of wall time (range ${percent(byShare[0]!.outsideShare)}-${percent(byShare.at(-1)!.outsideShare)}; target < 20%): ` +
      `build+init ${share(s.build)}, export ${share(s.export)}, sessions ${share(s.session)} + release ${share(s.release)}, ` +
      `journal/results I/O ${share(s.io)}, input generation and loop ${share(s.timingLoops - s.inferenceCalls)}, ` +
      `other ${share(s.wall - s.build - s.export - s.session - s.release - s.io - s.timingLoops)}`,
  );
}
console.log(`load average (1, 5, 15 min) at end: ${load()}`);
