// Latency prediction: held-out accuracy of device models calibrated on K networks, next to the measurement noise floor,
// on both paper devices and this machine, which feature family the models chose, the speed of one prediction, and how
// often a budget pick by `select --safety` breaks its budget (target: at most 1 - safety) and what accuracy that costs.
// Usage: npm run bench:predict [-- <this machine's results file> [its repeat measurement]]
// Without a repeat argument, every <results>.repeat<r>.json that `calibrate --repeat` wrote is a noise floor row.
// Third-party row: a model fit on this machine's K=50 catalog calibration set (out/calibration/k50.json) and the latency
// probes `calibrate --calibration-set` measured beside it (k50.probes.json) predicts
// torchvision classifiers it never saw (out/third-party/*.onnx, measured twice into out/calibration/third-party.json
// and its .repeat2.json, the noise floor); the bench prints how to make those files when they are missing. A second
// row fits and compares on every network's fastest run, which runs slowed by other processes do not move.
import { existsSync } from 'node:fs';
import type { FeatureFamily } from '../src/predict/features.js';
import { resolve } from 'node:path';
import { loadMeasuredDevice, noiseFloor, probePoints, repeatResultsPath } from '../src/predict/measured-node.js';
import { evaluationTable, type EvaluationRow } from '../src/report/evaluation-table.js';
import { CATALOG, catalogGraph } from '../src/catalog/catalog.js';
import { evaluatePredictor, medianSpread, type CalibrationSets } from '../src/predict/evaluate.js';
import { BUDGETS } from '../src/predict/metrics.js';
import { formatTable } from '../src/report/text.js';
import { catalogFeatures, FEATURE_NAMES, latencyFeatures } from '../src/predict/features.js';
import { fitLatencyModel, outOfRange, predictLatencyMs, type CalibrationPoint } from '../src/predict/model.js';
import { journalPathFor, readJournal } from '../src/calibrate/journal.js';
import { loadOnnxFile } from '../src/onnx/load-file.js';
import { join } from 'node:path';

const KS = [10, 20, 50, 100];
const WEIGHTS_PER_MAC = FEATURE_NAMES.indexOf('weights.bytesPerMac');
const REPEATS = 20;
const SETS: readonly CalibrationSets[] = ['diverse', 'random'];
const SAFETY_KS = [20, 50];
const SAFETY_LEVELS = [undefined, 0.8, 0.9, 0.95];
const repoRoot = resolve(import.meta.dirname, '..');
const thisMachine = process.argv[2] ?? resolve(repoRoot, 'out/calibration/this-machine.json');
/** The repeat measurements of this machine: the one named on the command line, else every pass `--repeat` wrote. */
function thisMachineRepeats(): string[] {
  if (process.argv[3] !== undefined) return [process.argv[3]];
  const paths: string[] = [];
  for (let pass = 2; existsSync(repeatResultsPath(thisMachine, pass)); pass++) paths.push(repeatResultsPath(thisMachine, pass));
  return paths;
}

const familyCounts = (families: Readonly<Record<FeatureFamily, number>>) =>
  Object.entries(families)
    .filter(([, n]) => n > 0)
    .map(([family, n]) => `${family} ${n}`)
    .join(', ');

async function benchDevice(title: string, path: string, repeatPaths: readonly string[] = []): Promise<void> {
  const device = await loadMeasuredDevice(path);
  const rows: EvaluationRow[] = [];
  const chosen: string[] = [];
  for (const sets of SETS) {
    for (const k of KS.filter((k) => k + 2 <= device.networks.length)) {
      const e = evaluatePredictor(device.networks, { k, repeats: REPEATS, sets, device: device.device, probes: device.probes }, path);
      rows.push({ label: `K=${k} ${sets}`, metrics: e, spearmanRange: e.spearmanRange });
      chosen.push(`K=${k} ${sets}: ${familyCounts(e.families)}`);
    }
  }
  if (repeatPaths.length === 0) rows.push(await noiseFloor(device, undefined, REPEATS));
  for (const repeatPath of repeatPaths) {
    const pass = /repeat(\d+)\.json$/.exec(repeatPath)?.[1];
    rows.push({ ...(await noiseFloor(device, repeatPath, REPEATS)), label: `noise floor (${pass ? `pass ${pass}` : repeatPath} vs pass 1)` });
  }
  console.log(`\n${title}: ${device.networks.length} networks (${path}); held-out metrics, mean of ${REPEATS} calibration sets each`);
  console.log(evaluationTable(rows));
  console.log(`feature family the models chose (of ${REPEATS}): ${chosen.join('; ')}`);
}

function benchSpeed(): void {
  const start = performance.now();
  const features = catalogFeatures();
  const featureMs = performance.now() - start;
  const model = fitLatencyModel(
    features.slice(0, 50).map((f, i) => ({ features: f, latencyMs: 1 + i })),
    { name: 'speed test', details: {} },
  );
  const rounds = 200;
  let checksum = 0;
  const predictStart = performance.now();
  for (let r = 0; r < rounds; r++) for (const f of features) checksum += predictLatencyMs(model, f);
  const predictSeconds = (performance.now() - predictStart) / 1000;
  const sample = CATALOG.slice(0, 200);
  const graphStart = performance.now();
  for (const e of sample) checksum += predictLatencyMs(model, latencyFeatures(catalogGraph(e)));
  const graphSeconds = (performance.now() - graphStart) / 1000;
  const fitMs = [20, 100].map((k) => {
    const fitStart = performance.now();
    fitLatencyModel(
      features.slice(0, k).map((f, i) => ({ features: f, latencyMs: 1 + (i % 50) })),
      { name: 'speed test', details: {} },
    );
    return `${k} networks ${(performance.now() - fitStart).toFixed(0)} ms`;
  });
  console.log('\nspeed');
  console.log(`  features of all ${features.length} catalog networks (sample, build graph, features): ${featureMs.toFixed(0)} ms`);
  console.log(`  fit with the choice of feature family by leave-one-out: ${fitMs.join(', ')}`);
  console.log(`  prediction from features (dot product): ${((rounds * features.length) / predictSeconds).toExponential(2)} predictions/s`);
  console.log(`  prediction of a new network (sample, build graph, features, dot product): ${(sample.length / graphSeconds).toFixed(0)} networks/s`);
  console.log(`  (checksum ${checksum.toExponential(3)})`);
}

/** Budget picks by `select --safety`: how often the pick breaks its budget when measured, and the accuracy that costs. */
async function benchSafety(title: string, path: string): Promise<void> {
  const device = await loadMeasuredDevice(path);
  const rows: string[][] = [];
  for (const k of SAFETY_KS) {
    let unsafeLoss = 0;
    for (const safety of SAFETY_LEVELS) {
      const e = evaluatePredictor(device.networks, { k, repeats: REPEATS, sets: 'diverse', device: device.device, probes: device.probes, ...(safety !== undefined ? { safety } : {}) }, path);
      if (safety === undefined) unsafeLoss = e.accuracyLoss!;
      rows.push([
        `K=${k}`,
        safety === undefined ? 'none (prediction)' : String(safety),
        `${(e.violations! * 100).toFixed(1)}%`,
        `${(e.accuracyLoss! * 100).toFixed(2)} pp`,
        safety === undefined ? '' : `+${((e.accuracyLoss! - unsafeLoss) * 100).toFixed(2)} pp`,
        `${(e.misses! * 100).toFixed(1)}%`,
      ]);
    }
  }
  console.log(`\n${title}: select --safety, ${BUDGETS} log-spaced latency budgets x ${REPEATS} diverse calibration sets, held-out networks`);
  console.log(formatTable(['K', 'safety', 'violations', 'accuracy loss', 'cost of safety', 'no pick'], rows));
}

/** The median latency of every file a calibration journal measured, by file name. */
function fileMedians(results: string): Map<string, number> {
  return new Map(readJournal(journalPathFor(results)).files.map((m) => [m.file, m.median]));
}

/**
 * The K=50 catalog networks and the probes beside them as calibration points on each network's fastest timed run,
 * weighted by the spread of its runs as a median is: on a shared machine the runs another process slowed shift a median
 * (small-kernel networks differently from large ones), while the fastest run is what the device does undisturbed.
 */
function fastestRunPoints(calibration: string): CalibrationPoint[] {
  const features = catalogFeatures();
  const catalog = readJournal(journalPathFor(calibration)).measurements.map((m) => ({ index: m.index, features: features[m.index]!, latencyMs: m.min, latencyStdMs: medianSpread(m.median, m.p90) }));
  return [...catalog, ...probePoints(calibration, 'min')];
}

/**
 * Fit on the K=50 catalog calibration set, predict the third-party networks, compare with their measured median (what
 * the model is fit on) and mean; a repeat measurement of the same files is the noise floor.
 */
async function benchThirdParty(): Promise<void> {
  const calibration = resolve(repoRoot, 'out/calibration/k50.json');
  const measured = resolve(repoRoot, 'out/calibration/third-party.json');
  const dir = resolve(repoRoot, 'out/third-party');
  if (!existsSync(calibration) || !existsSync(measured)) {
    console.log('\nthird-party networks: missing measurements; make them with');
    console.log(`  iotnets calibrate --calibration-set 50 --out ${calibration}`);
    console.log(`  /usr/bin/python3 scripts/gen-onnx-fixtures.py ${dir} --set bench && iotnets calibrate --onnx ${dir} --repeat 2 --out ${measured}`);
    return;
  }
  const device = await loadMeasuredDevice(calibration);
  const probes = device.probes;
  const model = fitLatencyModel([...device.networks, ...probes], device.device);
  const journal = readJournal(journalPathFor(measured));
  // A model fit on 1-thread timings predicts 1-thread timings: both sets must be measured the same way.
  const settings = (d: { readonly threads?: unknown; readonly graphOptimization?: unknown } | undefined) => JSON.stringify([d?.threads, d?.graphOptimization]);
  if (settings(journal.devices[0]) !== settings(device.device.details)) {
    console.log(`\nwarning: ${measured} was measured with threads/optimization ${settings(journal.devices[0])}, ${calibration} with ${settings(device.device.details)}; measure both the same way`);
  }
  const rows = journal.files.map((m) => {
    const features = latencyFeatures(loadOnnxFile(join(dir, m.file)).graph);
    const predictedMs = predictLatencyMs(model, features);
    const flagged = outOfRange(model, features).map((o) => o.feature);
    return { file: m.file, meanMs: m.t_avg, medianMs: m.median, fastestMs: m.min, features, predictedMs, ape: Math.abs(predictedMs - m.median) / m.median, flagged, weightsPerMac: features[WEIGHTS_PER_MAC]! };
  });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const within20 = (apes: number[]) => pct(apes.filter((e) => e <= 0.2).length / apes.length);
  const meanApes = rows.map((r) => Math.abs(r.predictedMs - r.meanMs) / r.meanMs);
  const table: string[][] = [
    ['K=50 catalog -> third-party', pct(median(rows.map((r) => r.ape))), within20(rows.map((r) => r.ape)), pct(median(meanApes)), `${rows.filter((r) => r.flagged.length > 0).length} of ${rows.length}`],
  ];
  const repeat = repeatResultsPath(measured, 2);
  if (existsSync(repeat)) {
    const second = fileMedians(repeat);
    const apes = rows.flatMap((r) => (second.has(r.file) ? [Math.abs(second.get(r.file)! - r.medianMs) / r.medianMs] : []));
    table.push([`noise floor (repeat, ${apes.length} files)`, pct(median(apes)), within20(apes), '', '']);
  }
  const fastest = fitLatencyModel(fastestRunPoints(calibration), device.device);
  const fastestApes = rows.map((r) => Math.abs(predictLatencyMs(fastest, r.features) - r.fastestMs) / r.fastestMs);
  table.push(['same, fastest run of every network', pct(median(fastestApes)), within20(fastestApes), '', '']);
  console.log(
    `\nthird-party networks: ${model.family} model fit on ${device.networks.length} catalog networks of ${calibration} and ${probes.length} latency probes beside it, predicting ${rows.length} torchvision classifiers`,
  );
  console.log(formatTable(['', 'MdAPE vs median', '±20%', 'MdAPE vs t_avg', 'flagged out of range'], table));
  console.log(formatTable(['file', 'median', 'measured t_avg', 'predicted', 'APE', 'beyond the calibration set'], rows.map((r) => [r.file, r.medianMs.toFixed(3), r.meanMs.toFixed(3), r.predictedMs.toFixed(3), pct(r.ape), r.flagged.join(', ')])));
  const perMac = rows.map((r) => r.weightsPerMac);
  const calibratedMax = model.ranges!.max[WEIGHTS_PER_MAC]!;
  console.log(
    `weight bytes per MAC: the calibration set's at most ${calibratedMax.toFixed(3)}, the files' ${Math.min(...perMac).toFixed(3)}..${Math.max(...perMac).toFixed(3)} (median ${median(perMac).toFixed(3)})${calibratedMax < Math.max(...perMac) ? ': weight traffic no calibration network priced' : ''}`,
  );
}

benchSpeed();
await benchThirdParty();
await benchSafety('Raspberry Pi 3B+ (paper)', 'paper:raspi');
await benchSafety('MacBook Pro (paper)', 'paper:macbook');
await benchDevice('Raspberry Pi 3B+ (paper)', 'paper:raspi');
await benchDevice('MacBook Pro (paper)', 'paper:macbook');
if (existsSync(thisMachine)) {
  await benchDevice('this machine', thisMachine, thisMachineRepeats());
} else {
  console.log(`\nthis machine: no results at ${thisMachine}; run \`iotnets calibrate --out ${thisMachine} --repeat 2\` first (the repeat is its noise floor)`);
}
