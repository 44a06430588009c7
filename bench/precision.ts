// Reduced precision on this machine: per search space, the median int8/fp32 and fp16/fp32 latency ratios and file-size
// ratios of a catalog sample (each network's three forms open at once and run in turn, one inference each per round,
// 1 thread, so all three see the same machine load: the ratios hold even when the machine is busy); the median int8 speedup over the sample's networks above 50 MMACs (target >= 1.5x) and the share
// where int8 is slower; and the logits deviation per format on the golden checkpoints of ../shared/golden.
// IOTNETS_BENCH_PER_SPACE=n networks per space (default 5, spread over the space's MACs); IOTNETS_BENCH_RUNS=n timed
// rounds (default 40, after 5 warm-up rounds).
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CATALOG, catalogGraph } from '../src/catalog/catalog.js';
import { resolveNetwork, type NetworkRef } from '../src/catalog/index.js';
import { summarize } from '../src/graph/summary.js';
import { parseFormat, parseFormats } from '../src/onnx/formats.js';
import { deviceLabel } from '../src/runtime/device.js';
import { currentDevice } from '../src/runtime/device-node.js';
import { NODE_ENGINE } from '../src/runtime/engine-node.js';
import { WEIGHT_SEED } from '../src/runtime/measure.js';
import { openSession } from '../src/runtime/session.js';
import { RandomState } from '../src/rng/random-state.js';
import { checkPrecisions } from '../src/runtime/precision-check-node.js';
import { exportInPrecision, randomCalibrationInputs } from '../src/runtime/precision.js';
import { makeProtocol } from '../src/runtime/protocols.js';
import { sortedMedian } from '../src/runtime/stats.js';
import { bindStateDict } from '../src/weights/bind.js';
import { initWeights } from '../src/weights/init.js';
import { loadWeightsFile } from '../src/weights/load-file.js';

const perSpace = Number(process.env.IOTNETS_BENCH_PER_SPACE ?? 5);
const runs = Number(process.env.IOTNETS_BENCH_RUNS ?? 40);
const WARMUP = 5;
const settings = { threads: 1, optimization: 'all' } as const;
const protocol = makeProtocol('fixed', { warmup: WARMUP, runs });
const median = (xs: readonly number[]) => sortedMedian([...xs].sort((a, b) => a - b));
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const PRECISIONS = ['fp32', 'fp16', 'int8'].map((p) => parseFormat(p));
const BIG_MACS = 50e6;

console.log(`device: ${deviceLabel(currentDevice(NODE_ENGINE, settings, protocol))}; 1 thread, the three forms in turn for ${runs} timed rounds after ${WARMUP} warm-up`);
console.log(`load average (1, 5, 15 min) at start: ${load()}`);

// 1. Latency and file size per precision on a spread of each space.
const spaces = [...new Set(CATALOG.map((e) => e.space))];
const rows: { space: string; index: number; macs: number; ms: Record<string, number>; bytes: Record<string, number> }[] = [];
for (const space of spaces) {
  const members = CATALOG.filter((e) => e.space === space)
    .map((entry) => ({ entry, macs: summarize(catalogGraph(entry)).macs }))
    .sort((a, b) => a.macs - b.macs);
  const picks = Array.from({ length: perSpace }, (_, i) => members[Math.round(((i + 0.5) / perSpace) * (members.length - 1))]!);
  for (const { entry, macs } of picks) {
    const graph = catalogGraph(entry);
    const weights = initWeights(graph, WEIGHT_SEED);
    const row = { space, index: entry.index, macs, ms: {} as Record<string, number>, bytes: {} as Record<string, number> };
    const sessions = [];
    for (const precision of PRECISIONS) {
      const model = await exportInPrecision(NODE_ENGINE, graph, weights, precision);
      row.bytes[precision.name] = model.length;
      const session = await openSession(NODE_ENGINE, model, graph.inputShape, settings);
      new RandomState(1).fillStandardNormal(session.input);
      sessions.push({ precision, session, times: [] as number[] });
    }
    for (let round = 0; round < WARMUP + runs; round++) {
      for (const s of sessions) {
        const t = performance.now();
        await s.session.run();
        if (round >= WARMUP) s.times.push(performance.now() - t);
      }
    }
    for (const s of sessions) {
      row.ms[s.precision.name] = median(s.times);
      await s.session.dispose();
    }
    rows.push(row);
    process.stderr.write(`#${entry.index} ${space} ${(macs / 1e6).toFixed(1)} MMACs: fp32 ${row.ms.fp32!.toFixed(3)} ms, fp16 ${row.ms.fp16!.toFixed(3)} ms, int8 ${row.ms.int8!.toFixed(3)} ms\n`);
  }
}
const speedup = (r: (typeof rows)[number], p: string) => r.ms.fp32! / r.ms[p]!;
const size = (r: (typeof rows)[number], p: string) => r.bytes[p]! / r.bytes.fp32!;
console.log('\n| space | networks | MMACs (median) | int8 speedup | fp16 speedup | int8 file / fp32 | fp16 file / fp32 |');
console.log('|---|---|---|---|---|---|---|');
for (const space of [...spaces, 'all']) {
  const of = rows.filter((r) => space === 'all' || r.space === space);
  const cell = (f: (r: (typeof rows)[number]) => number, digits = 2) => median(of.map(f)).toFixed(digits);
  console.log(
    `| ${space.replace(/^random_net_/, '')} | ${of.length} | ${cell((r) => r.macs / 1e6, 1)} | ${cell((r) => speedup(r, 'int8'))}x | ` +
      `${cell((r) => speedup(r, 'fp16'))}x | ${cell((r) => size(r, 'int8'))} | ${cell((r) => size(r, 'fp16'))} |`,
  );
}
const big = rows.filter((r) => r.macs > BIG_MACS);
const slower = rows.filter((r) => speedup(r, 'int8') < 1);
console.log(
  `\nint8 speedup over fp32, median over the ${big.length} networks above 50 MMACs: ${median(big.map((r) => speedup(r, 'int8'))).toFixed(2)}x (target >= 1.5x)`,
);
console.log(
  `int8 slower than fp32 on ${slower.length} of ${rows.length} networks (${((100 * slower.length) / rows.length).toFixed(0)}%): ` +
    slower.map((r) => `#${r.index} ${r.space.replace(/^random_net_/, '')} ${(r.macs / 1e6).toFixed(1)} MMACs ${speedup(r, 'int8').toFixed(2)}x`).join(', '),
);

// 2. Logits deviation per format on the golden checkpoints (real PyTorch weights), on 64 seeded random inputs.
const golden = join(process.env.IOTNETS_SHARED ?? join(import.meta.dirname, '../../shared'), 'golden');
if (!existsSync(join(golden, 'golden.json'))) {
  console.log(`\n${golden} is missing: no golden checkpoint deviations`);
} else {
  const formats = parseFormats('fp16,bf16,int8,e5m2,e4m3,e3m4');
  const fixtures = JSON.parse(readFileSync(join(golden, 'golden.json'), 'utf8')) as ({ name: string; catalogIndex?: number; model?: string; space?: string; law?: string; id?: number })[];
  console.log('\nMax relative logit error vs fp32 (top-1 agreement) on 64 seeded random inputs, golden checkpoints:');
  console.log(`| checkpoint | ${formats.map((f) => f.name).join(' | ')} |`);
  console.log(`|---|${formats.map(() => '---').join('|')}|`);
  for (const f of fixtures) {
    const ref: NetworkRef = f.catalogIndex !== undefined ? { index: f.catalogIndex } : f.model !== undefined ? { model: f.model } : { space: f.space!, law: f.law!, id: f.id! };
    const { graph } = resolveNetwork(ref);
    const file = join(golden, `${f.name}.zip.pt`);
    const weights = bindStateDict(graph, (await loadWeightsFile(file)).stateDict, file);
    const inputs = randomCalibrationInputs(graph.inputShape.reduce((a, b) => a * b, 1), 64, 8);
    const report = await checkPrecisions(graph, weights, formats, inputs);
    console.log(`| ${f.name} | ${report.formats.map((d) => `${d.maxRelativeError.toExponential(1)} (${(100 * d.top1Agreement).toFixed(0)}%)`).join(' | ')} |`);
  }
}
console.log(`\nload average at end: ${load()}`);
