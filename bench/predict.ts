// Latency prediction: held-out accuracy of device models calibrated on K networks, next to the measurement noise floor,
// on both paper devices and this machine, which feature family the models chose, and the speed of one prediction.
// Usage: npm run bench:predict [-- <this machine's results file> [its repeat measurement]]
// Without a repeat argument, every <results>.repeat<r>.json that `calibrate --repeat` wrote is a noise floor row.
import { existsSync } from 'node:fs';
import type { FeatureFamily } from '../src/predict/features.js';
import { resolve } from 'node:path';
import { evaluationTable, loadMeasuredDevice, noiseFloor, repeatResultsPath, type EvaluationRow } from '../src/cli/commands/predict.js';
import { CATALOG, catalogGraph } from '../src/catalog/catalog.js';
import { evaluatePredictor, type CalibrationSets } from '../src/predict/evaluate.js';
import { catalogFeatures, latencyFeatures } from '../src/predict/features.js';
import { fitLatencyModel, predictLatencyMs } from '../src/predict/model.js';

const KS = [10, 20, 50, 100];
const REPEATS = 20;
const SETS: readonly CalibrationSets[] = ['diverse', 'random'];
const repoRoot = resolve(import.meta.dirname, '..');
const paperData = resolve(process.env.IOTNETS_SHARED ?? resolve(repoRoot, '../shared'), 'paper-data');
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
      const e = evaluatePredictor(device.networks, { k, repeats: REPEATS, sets }, path);
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

benchSpeed();
await benchDevice('Raspberry Pi 3B+ (paper)', resolve(paperData, 'results_RaspPi.json'));
await benchDevice('MacBook Pro (paper)', resolve(paperData, 'results_MacBookPro.json'));
if (existsSync(thisMachine)) {
  await benchDevice('this machine', thisMachine, thisMachineRepeats());
} else {
  console.log(`\nthis machine: no results at ${thisMachine}; run \`iotnets calibrate --out ${thisMachine} --repeat 2\` first (the repeat is its noise floor)`);
}
