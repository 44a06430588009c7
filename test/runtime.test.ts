import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { catalogEntry, catalogGraph } from '../src/catalog/catalog.js';
import { IotnetsError } from '../src/errors.js';
import { RandomState } from '../src/rng/random-state.js';
import * as ortWeb from 'onnxruntime-web';
import { measureCatalogNetwork, measurementRecord } from '../src/calibrate/measure-catalog.js';
import { deviceDifferences } from '../src/runtime/device.js';
import { currentDevice } from '../src/runtime/device-node.js';
import { NODE_ENGINE } from '../src/runtime/engine-node.js';
import { webEngine } from '../src/runtime/engine-web.js';
import { withFlags } from '../src/cli/flags.js';
import { parseSessionSettings } from '../src/cli/measurement-options.js';
import { CACHED_INPUTS, InputSequence, sharedInputSequence } from '../src/runtime/inputs.js';
import { measureNetwork, WEIGHT_SEED } from '../src/runtime/measure.js';
import { discardedRuns, makeProtocol, protocolLabel, stopReason } from '../src/runtime/protocols.js';
import {
  medianConfidenceInterval,
  numpyMean,
  numpyStd,
  numpySum,
  keptStatistics,
  summarizeTimes,
} from '../src/runtime/stats.js';
import { MeasurementAborted, timeInference, type Inference } from '../src/runtime/timing.js';
import { initWeights } from '../src/weights/init.js';
import { runCli } from './support/cli.js';
import { golden, paperData, readSharedJson, sharedMissing } from './support/shared.js';

// Ten time.time() differences in seconds as the original latency_run returned them.
const PAPER_TS = [
  0.021436929702758789, 0.0058789253234863281, 0.0051538944244384766, 0.0049870014190673828, 0.0050411224365234375,
  0.0049569606781005859, 0.0051260948181152344, 0.0049729347229003906, 0.0050699710845947266, 0.0049469470977783203,
];

test('paper protocol: t_avg/t_std are numpy mean/std of 1000*ts[5:], bit for bit', () => {
  // numpy 2.4: np.mean(1000*ts[5:]), np.std(1000*ts[5:])
  const { t_avg, t_std } = keptStatistics(PAPER_TS.map((t) => 1000 * t), discardedRuns(makeProtocol('paper')));
  assert.equal(t_avg, 5.014581680297852);
  assert.equal(t_std, 0.07089746359569683);
});

test('sum, mean, std, median and p90 follow numpy (pairwise summation, population std, linear percentile)', () => {
  // x_i as computed by the same float64 expression in numpy; its naive left-to-right sum differs from np.sum.
  const x = Array.from({ length: 300 }, (_, i) => (i % 9 === 0 ? 1e8 : 0.1) + ((i * 7919) % 1000) / 997);
  const naive = x.reduce((a, b) => a + b, 0);
  assert.equal(naive, 3400000177.201804);
  assert.equal(numpySum(x), 3400000177.201805);
  assert.equal(numpyMean(x), 11333333.924006017);
  assert.equal(numpyStd(x), 31699982.443030987);
  const s = summarizeTimes(x);
  assert.equal(s.median, 0.6682046138415245);
  assert.equal(s.p90, 100000000.0888666);
  assert.equal(s.count, 300);
  assert.equal(s.min, Math.min(...x));
  assert.throws(() => keptStatistics([1, 2, 3, 4, 5], 5), RangeError);
});

test("median confidence interval: order statistics around the middle, inside the sample's range", () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  // n=100: ranks floor(50 - 9.8) = 40 and ceil(51 + 9.8) = 61.
  assert.deepEqual(medianConfidenceInterval(sorted), { low: 40, high: 61 });
  assert.deepEqual(medianConfidenceInterval([5, 6, 7]), { low: 5, high: 7 });
});

/** An inference that takes no time, records every input it saw, and can abort its caller after some runs. */
function fakeInference(abortAfter?: { runs: number; controller: AbortController }): Inference & { seen: Float32Array[] } {
  const input = new Float32Array(6);
  const seen: Float32Array[] = [];
  return {
    input,
    seen,
    async run() {
      seen.push(input.slice());
      if (abortAfter && seen.length === abortAfter.runs) abortAfter.controller.abort();
    },
  };
}

test('timing: paper = 10 runs with the first 5 discarded; every run gets a fresh input from the seeded generator', async () => {
  const inference = fakeInference();
  const timing = await timeInference(inference, makeProtocol('paper'), { random: new InputSequence(6, 7) });
  assert.equal(timing.timesMs.length, 10);
  assert.equal(timing.discarded, 5);
  assert.equal(timing.stop, 'runs');
  assert.equal(timing.t_avg, numpyMean(timing.timesMs.slice(5)));
  assert.equal(timing.t_std, numpyStd(timing.timesMs.slice(5)));
  assert.ok(timing.timesMs.every((t) => t >= 0));
  const expected = new RandomState(7);
  for (const seen of inference.seen) {
    const fresh = new Float32Array(6);
    expected.fillStandardNormal(fresh);
    assert.deepEqual(seen, fresh);
  }
  assert.notDeepEqual(inference.seen[0], inference.seen[1]);
});

test('input sequence: generated once per seed and size, the same for every network, cycling after the cache', () => {
  const inputs = new InputSequence(4, 3);
  const random = new RandomState(3);
  const first = new Float32Array(4);
  const second = new Float32Array(4);
  random.fillStandardNormal(first);
  random.fillStandardNormal(second);
  assert.deepEqual(inputs.get(0), first);
  assert.deepEqual(inputs.get(1), second);
  assert.equal(inputs.get(1), inputs.get(1));
  assert.equal(inputs.get(CACHED_INPUTS + 1), inputs.get(1));
  assert.equal(sharedInputSequence(4, 3), sharedInputSequence(4, 3));
  assert.notEqual(sharedInputSequence(4, 3), sharedInputSequence(4, 4));
});

test('timing: fixed and adaptive protocols stop where they say, and an abort stops between runs', async () => {
  const fixed = await timeInference(fakeInference(), makeProtocol('fixed', { warmup: 2, runs: 7 }), { random: new RandomState(0) });
  assert.deepEqual([fixed.timesMs.length, fixed.discarded, fixed.summary.count], [9, 2, 7]);

  const adaptive = makeProtocol('adaptive', { warmup: 1, minRuns: 10, maxRuns: 50 });
  assert.equal(stopReason(adaptive, { keptMs: Array(9).fill(1), elapsedSeconds: 1 }), undefined);
  // Stable runs count only once the minimum time (0.25 s by default) is spent.
  assert.equal(stopReason(adaptive, { keptMs: Array(10).fill(1), elapsedSeconds: 0.2 }), undefined);
  assert.equal(stopReason(adaptive, { keptMs: Array(10).fill(1), elapsedSeconds: 0.25 }), 'stable');
  const noisy = Array.from({ length: 10 }, (_, i) => 1 + i);
  assert.equal(stopReason(adaptive, { keptMs: noisy, elapsedSeconds: 1 }), undefined);
  assert.equal(stopReason(adaptive, { keptMs: noisy, elapsedSeconds: 10 }), 'budget');
  assert.equal(stopReason(adaptive, { keptMs: Array.from({ length: 50 }, (_, i) => 1 + i), elapsedSeconds: 0 }), 'max-runs');
  assert.equal(discardedRuns(adaptive), 1);

  const controller = new AbortController();
  await assert.rejects(
    timeInference(fakeInference({ runs: 3, controller }), makeProtocol('fixed', { warmup: 0, runs: 100 }), {
      random: new InputSequence(6, 0),
      signal: controller.signal,
    }),
    MeasurementAborted,
  );
});

test('protocol settings are validated and recorded', () => {
  assert.equal(protocolLabel(makeProtocol('paper')), 'paper');
  assert.equal(protocolLabel(makeProtocol('fixed', { runs: 3 })), 'fixed(warmup=5,runs=3)');
  assert.throws(() => makeProtocol('paper', { runs: 3 }), /^IotnetsError: the paper protocol does not take `runs`$/);
  assert.throws(() => makeProtocol('fixed', { runs: 0 }), /`runs` must be a whole number >= 1/);
  assert.throws(() => makeProtocol('adaptive', { targetRelativeCi: 2 }), /`targetRelativeCi` must be a fraction in \(0, 1\), got 2/);
  assert.throws(() => makeProtocol('adaptive', { minRuns: 20, maxRuns: 10 }), /`maxRuns` must be a whole number >= `minRuns` \(20\), got 10/);
  // The CLI names the flag that sets each field.
  assert.equal(withFlags('the paper protocol does not take `runs`, `targetRelativeCi` or `skipInvalid`; `iotnets x`'), 'the paper protocol does not take --runs, --target-ci or --skip-invalid; `iotnets x`');
  assert.throws(() => makeProtocol('best'), IotnetsError);
  for (const threads of ['0', '1e9', '2.5', '100000']) {
    assert.throws(() => parseSessionSettings(threads, undefined), new RegExp(`--threads must be a whole number in 1\\.\\.\\d+ \\(4 per logical core of this machine\\), got '${threads}'`));
  }
  assert.throws(() => makeProtocol('fixed', { warmup: 1, runs: 1_000_000 }), /`warmup` plus `runs` must be at most 1000000, got 1000001/);
});

test('device record: machine, software and setup; differences only in stable fields count', () => {
  const settings = { threads: 2, optimization: 'all' } as const;
  const device = currentDevice(NODE_ENGINE, settings, makeProtocol('paper'));
  for (const key of ['cpuModel', 'cores', 'memoryBytes', 'os', 'arch', 'node', 'onnxruntime', 'threads', 'protocol', 'graphOptimization']) {
    assert.ok(key in device, key);
  }
  assert.equal(device.onnxruntime, '1.30.0');
  assert.deepEqual(deviceDifferences(device, { ...device, hostname: 'other', cpuMHz: 1, recordedAt: 'later' }), []);
  assert.deepEqual(deviceDifferences(device, currentDevice(NODE_ENGINE, { ...settings, threads: 1 }, makeProtocol('paper'))), ['threads: 2 vs 1']);
  assert.deepEqual(deviceDifferences(device, currentDevice(NODE_ENGINE, settings, makeProtocol('fixed', { runs: 3 }))), [
    'protocol: paper vs fixed(warmup=5,runs=3)',
  ]);
});

test('a catalog network runs in ONNX Runtime and is timed under the paper protocol', async () => {
  const graph = catalogGraph(catalogEntry(687));
  const { timing, phases } = await measureNetwork(graph, initWeights(graph, WEIGHT_SEED), {
    engine: NODE_ENGINE,
    settings: { threads: 1, optimization: 'all' },
    protocol: makeProtocol('paper'),
  });
  assert.equal(timing.timesMs.length, 10);
  assert.ok(timing.t_avg > 0 && timing.summary.min <= timing.summary.median && timing.summary.median <= timing.summary.p90);
  assert.ok(phases.export > 0 && phases.session > 0 && phases.inference > 0);
});

const fast = ['--protocol', 'fixed', '--warmup', '0', '--runs', '2', '--threads', '1'];

/** A models directory with the golden checkpoint of `goldenIndex` filed under the run id of catalog `asIndex`. */
function modelsDir(files: { goldenIndex: number; asIndex: number; corrupt?: boolean }[]): string {
  const configs = readSharedJson<{ runid: string }[]>(paperData('NetConfigs.json'));
  const dir = mkdtempSync(join(tmpdir(), 'iotnets-models-'));
  for (const f of files) {
    const target = join(dir, `${configs[f.asIndex]!.runid}_ckpt.t7`);
    copyFileSync(golden(`catalog_${f.goldenIndex}.legacy.t7`), target);
    if (f.corrupt) writeFileSync(target, readFileSync(target).subarray(0, 2000));
  }
  return dir;
}

test('run-model: loads checkpoints by run id, prints stored accuracy and latency; missing files are one line each', { skip: sharedMissing }, () => {
  const dir = modelsDir([{ goldenIndex: 1230, asIndex: 1230 }, { goldenIndex: 680, asIndex: 680 }]);
  const r = runCli(['run-model', '--models', dir, '--accuracy', paperData('NetConfigs.json'), '--indices', '1230,687,680', ...fast, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.networks.map((n: { index: number }) => n.index), [680, 1230]);
  assert.equal(out.networks[1].acc, 0.6058000183105469);
  const stored = readSharedJson<{ name: string; acc: number }[]>(golden('golden.json')).find((g) => g.name === 'catalog_1230');
  assert.equal(out.networks[1].checkpointAcc, stored!.acc);
  assert.ok(out.networks.every((n: { t_avg: number }) => n.t_avg > 0));
  assert.equal(out.device.threads, 1);
  assert.match(r.stderr, /^#687 random_net_mobilenetv2\/s6\/10: no checkpoint .*_ckpt\.t7; skipped$/m);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('run-model: a corrupt checkpoint or one of another network is one line naming the file, exit 1', { skip: sharedMissing }, () => {
  const dir = modelsDir([
    { goldenIndex: 1230, asIndex: 1230, corrupt: true },
    { goldenIndex: 280, asIndex: 680 },
  ]);
  const r = runCli(['run-model', '--models', dir, '--accuracy', paperData('NetConfigs.json'), '--indices', '1230,680', ...fast]);
  assert.equal(r.status, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0]!, /^#680 random_net_mobilenetv2\/s6\/3: .*_ckpt\.t7 does not fit this catalog network: /);
  assert.match(lines[1]!, /^#1230 random_net_pnasnet\/s3\/13: .*_ckpt\.t7: /);
  assert.match(r.stdout, /no checkpoint could be run/);
});

test('one measurement for both engines: onnxruntime-node and onnxruntime-web give records with the same fields', async () => {
  const options = { settings: { threads: 1, optimization: 'all' }, protocol: makeProtocol('fixed', { warmup: 1, runs: 3 }) } as const;
  const engines = { node: NODE_ENGINE, web: webEngine(ortWeb, { threads: 1 }) };
  const records = [];
  for (const engine of Object.values(engines)) {
    const m = await measureCatalogNetwork(705, { engine, ...options });
    records.push(measurementRecord(m.entry, m.summary, m.timing, m.seconds));
  }
  const [node, web] = records as [ReturnType<typeof measurementRecord>, ReturnType<typeof measurementRecord>];
  assert.deepEqual(Object.keys(web).sort(), Object.keys(node).sort());
  assert.deepEqual(Object.keys(web.seconds).sort(), ['build', 'export', 'inference', 'release', 'session']);
  const identity = (r: typeof node) => [r.spacename, r.law, r.id, r.index, r.params, r.flops, r.runs, r.discarded, r.stop, r.protocol, r.timesMs.length];
  assert.deepEqual(identity(web), identity(node));
  assert.deepEqual(identity(node), ['random_net_mobilenetv2', 's6', 28, 705, 1478, 218972, 3, 1, 'runs', 'fixed(warmup=1,runs=3)', 4]);
  for (const r of records) assert.ok(r.t_avg > 0 && r.median > 0 && r.seconds.session > 0, JSON.stringify(r.seconds));
});
