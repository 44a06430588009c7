import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { catalogOnly, parseResults } from '../src/analysis/results.js';
import { CATALOG } from '../src/catalog/catalog.js';
import { IotnetsError } from '../src/errors.js';
import { catalogGraph } from '../src/catalog/catalog.js';
import { GraphBuilder, type Graph, type Value } from '../src/graph/graph.js';
import type { Op } from '../src/graph/ops.js';
import { exportOnnx } from '../src/onnx/export.js';
import { RandomState } from '../src/rng/random-state.js';
import { chooseCalibrationSet, chooseDiverse } from '../src/predict/chooser.js';
import { evaluatePredictor, measuredNetworks, simulatedNoiseFloor } from '../src/predict/evaluate.js';
import { catalogFeatures, FEATURE_FAMILIES, FEATURE_NAMES, latencyFeatures, namedFeatures, RANGE_ONLY_FEATURES } from '../src/predict/features.js';
import { budgetRegret, frontRecall, kendallTauB, predictionMetrics, type ScoredNetwork } from '../src/predict/metrics.js';
import { fitLatencyModel, modelToJson, outOfRange, parseLatencyModel, predictLatencyMs, preferredFamily } from '../src/predict/model.js';
import { nnls } from '../src/predict/nnls.js';
import { onnxRuntimePlan, type OrtKernel } from '../src/predict/onnxruntime-plan.js';
import { initWeights } from '../src/weights/init.js';
import { LATENCY_PROBES, latencyProbe } from '../src/zoo/models/latency-probes.js';
import { runCli } from './support/cli.js';
import { paperData, readSharedJson, sharedMissing } from './support/shared.js';

const scratch = mkdtempSync(join(tmpdir(), 'iotnets-predict-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A small graph with one layer of every class, sizes chosen so each feature can be counted by hand. */
function everyLayerClass() {
  const b = new GraphBuilder('every-class', [3, 8, 8], 10);
  const c1 = b.conv('c1', b.input, 4, 1, { bias: false });
  const r = b.relu(b.bn('b1', c1));
  const dw = b.conv('c2', r, 4, 3, { padding: 1, groups: 4, bias: false });
  const grouped = b.conv('c3', dw, 8, 3, { padding: 1, groups: 2 });
  const dense = b.conv('c4', r, 8, 3, { padding: 1 });
  const merged = b.concat([b.add(grouped, dense), r]);
  return b.build(b.linear('fc', b.flatten(b.maxPool(merged, 2)), 10));
}

/**
 * Imported networks' patterns around convolutions: every activation ONNX Runtime fuses (after BatchNorm, on a plain
 * and a blocked layout), SiLU, squeeze-excitation gates broadcast and at 1x1, HardSwish and Sigmoid on a blocked Add,
 * scalars after a convolution (a Mul folds, a Sub stays), a Split of two channel halves and a lone Slice.
 */
function importedOpPatterns() {
  const b = new GraphBuilder('imported-ops', [16, 8, 8], 10);
  const act = (x: Value, op: Op) => b.call(op, [x]);
  const conv = (name: string, x: Value, channels: number, kernel = 1, groups = 1) => b.conv(name, x, channels, kernel, { padding: (kernel - 1) / 2, groups });
  const clip = act(b.bn('b1', conv('c1', b.input, 32, 3)), { kind: 'clip', min: 0, max: 6 });
  const swish = act(b.bn('b2', conv('c2', clip, 32, 3, 32)), { kind: 'hardswish' });
  // 18 input channels keep c4 in the plain layout (FusedConv).
  const plain = act(conv('c4', conv('c3', swish, 18), 32), { kind: 'leakyrelu', alpha: 0.1 });
  const sig = b.sigmoid(conv('c10', plain, 32));
  const bn = b.bn('b5', conv('c5', sig, 32));
  const silu = b.mul(bn, b.sigmoid(bn));
  const gate = act(conv('se2', b.relu(conv('se1', b.avgPool(silu, 8), 8)), 32), { kind: 'hardsigmoid', alpha: 1 / 6, beta: 0.5 });
  const excited = b.mul(silu, gate);
  const sum = b.add(excited, conv('c6', excited, 32));
  const pooled = b.avgPool(b.add(act(sum, { kind: 'hardswish' }), b.sigmoid(sum)), 8);
  const se = b.mul(pooled, act(conv('g1', pooled, 32), { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 }));
  const scaled = act(conv('c7', se, 32), { kind: 'scalar', operation: 'mul', value: 2 });
  const shifted = act(conv('c8', scaled, 32), { kind: 'scalar', operation: 'sub', value: 1 });
  const split = b.concat([b.slice(shifted, 0, 16), conv('c9', b.slice(shifted, 16, 32), 16), b.slice(scaled, 0, 8)]);
  return b.build(b.linear('fc', b.flatten(split), 10));
}

describe('latency features', () => {
  it('count work, traffic, groups and layers per layer class, and per ONNX Runtime kernel class, from the graph', () => {
    const f = namedFeatures(latencyFeatures(everyLayerClass()));
    assert.deepEqual(
      Object.fromEntries(Object.entries(f).filter(([, v]) => v !== 0)),
      {
        network: 1,
        'conv1x1.macs': 64 * 4 * 3,
        'convkxk.macs': 64 * 8 * 4 * 9,
        'depthwise.macs': 64 * 4 * 9,
        'grouped.macs': 64 * 8 * 2 * 9,
        'linear.macs': 192 * 10,
        'depthwise.groups': 4,
        'grouped.groups': 2,
        'conv1x1.layers': 1,
        'convkxk.layers': 1,
        'depthwise.layers': 1,
        'grouped.layers': 1,
        'linear.layers': 1,
        'batchnorm.layers': 1,
        'activation.layers': 1,
        'pool.layers': 1,
        'elementwise.layers': 1,
        'copy.layers': 1,
        // float32 bytes of every input plus the output
        'conv1x1.bytes': 4 * (192 + 256),
        'convkxk.bytes': 4 * (256 + 512),
        'depthwise.bytes': 4 * (256 + 256),
        'grouped.bytes': 4 * (256 + 512),
        'linear.bytes': 4 * (192 + 10),
        'batchnorm.bytes': 4 * (256 + 256),
        'activation.bytes': 4 * (256 + 256),
        'pool.bytes': 4 * (768 + 192),
        'elementwise.bytes': 4 * 512 * 3,
        'copy.bytes': 4 * (512 + 256 + 768),
        // c1 12, bn 4 x 4 floats, c2 36, c3 144 + 8, c4 288 + 8, fc 1920 + 10
        'weights.bytes': 4 * 2442,
        // ONNX Runtime (NCHWc block 16): c1 with b1 and the ReLU folded in, c2 (depthwise) and c4 (3 < 16 and 4 < 16
        // input channels, read unblocked) run blocked with 16 output channels; c3 (2 channels per group) stays NCHW and
        // takes the Add; r, c2 and c4 are reordered back for their NCHW readers; concat, pool, flatten and fc remain.
        // c2, the depthwise one, is a call class of its own.
        'ort.conv.calls': 1,
        'ort.nchwcConv.calls': 2,
        'ort.nchwcDepthwise.calls': 1,
        'ort.reorder.calls': 3,
        'ort.other.calls': 4,
        // c1 192 + 1024, c2 1024 + 1024, c3 256 + 512, c4 256 + 1024, fc 192 + 10
        'ort.compute.bytes': 4 * 5514,
        // r 1024 -> 256, c2 1024 -> 256, c4 1024 -> 512
        'ort.reorder.bytes': 4 * 4096,
        // concat 512 + 256 + 768, flatten 192 + 192
        'ort.copy.bytes': 4 * 1920,
        // the 2x2 max-pool: 192 outputs, each reading its 4 inputs
        'ort.pool.bytes': 4 * 192 * (4 + 1),
        // the Add fused into c3 reads c4's 512
        'ort.sum.bytes': 4 * 512,
        'ort.nchwcConv.macs': 64 * 16 * 3 + 64 * 16 * 4 * 9,
        'ort.nchwcDepthwise.macs': 64 * 16 * 9,
        'ort.grouped.macs': 64 * 8 * 2 * 9,
        'ort.linear.macs': 192 * 10,
        'ort.conv.groups': 2,
        'ort.im2col.bytes': 4 * 64 * 4 * 9,
        // every tap overlaps the 8x8 maps; blocked output channels padded: c1 16 x 3, c2 16 x 9, c3 8 x 2 x 9, c4 16 x 4 x 9, fc 192 x 10
        'ort.weights.bytes': 4 * (16 * 3 + 16 * 9 + 8 * 2 * 9 + 16 * 4 * 9 + 192 * 10),
        // weight bytes over the MACs of conv1x1, convkxk, depthwise, grouped and linear
        'weights.bytesPerMac': (4 * 2442) / (768 + 18432 + 2304 + 9216 + 1920),
      },
    );
  });

  it("of one family are that family's columns of all the features, and 0 elsewhere", () => {
    const all = latencyFeatures(everyLayerClass());
    for (const family of ['layers', 'onnxruntime'] as const) {
      const columns = new Set(FEATURE_FAMILIES[family].columns);
      assert.deepEqual(Array.from(latencyFeatures(everyLayerClass(), family)), Array.from(all, (v, j) => (columns.has(j) ? v : 0)));
    }
  });

  it('a convolution reads only the weights of the taps that overlap its input (a 3x3 on a 1x1 map: its centre)', () => {
    const b = new GraphBuilder('centre', [3, 1, 1], 10);
    const graph = b.build(b.linear('fc', b.flatten(b.conv('c', b.conv('s', b.input, 16, 1), 32, 3, { padding: 1 })), 10));
    assert.equal(namedFeatures(latencyFeatures(graph))['ort.weights.bytes'], 4 * (16 * 3 + 32 * 16 + 32 * 10));
  });

  it('the latency probes span the kernel calls and the weight traffic per MAC that no catalog network shows', () => {
    const weights = namedFeatures(latencyFeatures(latencyProbe('probe_weights_s')));
    // 4x4 input to 1x1 by a 4x4 stride-4 stem, three 1x1 layers, the classifier: every weight read once.
    assert.equal(weights['ort.weights.bytes'], 4 * (128 * 3 * 16 + 256 * 128 + 256 * 256 + 128 * 256 + 128 * 10));
    assert.equal(weights['ort.nchwcConv.macs']! + weights['ort.linear.macs']!, 128 * 3 * 16 + 256 * 128 + 256 * 256 + 128 * 256 + 128 * 10);
    assert.equal(weights['ort.nchwcConv.calls'], 4);
    assert.deepEqual(['probe_calls16', 'probe_calls64'].map((p) => namedFeatures(latencyFeatures(latencyProbe(p)))['ort.nchwcConv.calls']), [17, 65]);
    const W = FEATURE_NAMES.indexOf('ort.weights.bytes');
    const macs = ['nchwcConv', 'nchwcDepthwise', 'conv', 'depthwise', 'grouped', 'linear'].map((c) => FEATURE_NAMES.indexOf(`ort.${c}.macs`));
    const perMac = (f: Float64Array) => f[W]! / macs.reduce((sum, j) => sum + f[j]!, 0);
    const catalogMax = Math.max(...catalogFeatures().map(perMac));
    const beyond = LATENCY_PROBES.filter((p) => perMac(latencyFeatures(latencyProbe(p))) > 2 * catalogMax);
    assert.deepEqual(beyond, ['probe_weights_s', 'probe_weights_m', 'probe_weights_l', 'probe_map2_m', 'probe_map2_l', 'probe_dw2', 'probe_dw1', 'probe_stem32', 'probe_stem64', 'probe_pointwise2']);
    // The small-kernel probes: 32 max-pools; 16 x (one Split, a Concat, a channel shuffle); 16 x (pool, Mul and the
    // two reorders around the Mul, which broadcasts in NCHW); each plus a stem, a pool, flatten and the classifier.
    const calls = (p: string) => ['other', 'nchwcConv', 'reorder'].map((c) => namedFeatures(latencyFeatures(latencyProbe(p)))[`ort.${c}.calls`]);
    assert.deepEqual(['probe_pool', 'probe_shuffle', 'probe_gate'].map(calls), [[32 + 3, 1, 1], [16 * 3 + 3, 1, 3], [16 * 2 + 3, 1, 16 * 2 + 2]]);
  });

  it("the paired probes' ONNX Runtime features differ from their ReLU reference's only in what they price: a ReLU6 pass, a fused Add, a SiLU kernel", () => {
    const features = (p: string) => namedFeatures(latencyFeatures(latencyProbe(p), 'onnxruntime'));
    const reference = features('probe_pointwise16');
    const differences = (p: string) => Object.fromEntries(Object.entries(features(p)).filter(([name, v]) => v !== reference[name]).map(([name, v]) => [name, v - reference[name]!]));
    // 16 layers of 32 channels at 16x16: 8192 elements each, 4 bytes per element.
    const map = 4 * 32 * 16 * 16;
    assert.deepEqual(differences('probe_clip'), { 'ort.activation.bytes': 16 * map });
    assert.deepEqual(differences('probe_residual'), { 'ort.sum.bytes': 16 * map });
    assert.deepEqual(differences('probe_silu'), { 'ort.other.calls': 16, 'ort.elementwise.bytes': 16 * 2 * map });
  });

  it('the families and the range-only features cover every feature, the families sharing only the fixed cost per inference', () => {
    const { layers, onnxruntime } = FEATURE_FAMILIES;
    const rangeOnly = RANGE_ONLY_FEATURES.map((name) => FEATURE_NAMES.indexOf(name));
    assert.deepEqual([...new Set([...layers.columns, ...onnxruntime.columns, ...rangeOnly])].sort((a, b) => a - b), [...FEATURE_NAMES.keys()]);
    assert.deepEqual(layers.columns.filter((j) => onnxruntime.columns.includes(j)).map((j) => FEATURE_NAMES[j]), ['network']);
  });
});

/**
 * Kernel calls ONNX Runtime's CPU provider runs for `graph` at optimisation level all, by OrtKernel, and the gcd of
 * the output channels of its blocked convolutions (which it pads to whole NCHWc blocks; 1 when there are none).
 */
async function ortKernelCounts(graph: Graph): Promise<{ counts: Map<OrtKernel, number>; paddedChannels: number }> {
  const path = join(scratch, `${graph.name}.optimized.onnx`);
  const session = await ort.InferenceSession.create(exportOnnx(graph, initWeights(graph, 0)), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    optimizedModelFilePath: path,
    logSeverityLevel: 3,
  });
  await session.release();
  const model = onnxProto.onnx.ModelProto.decode(readFileSync(path));
  const dims = new Map(model.graph!.initializer!.map((t) => [t.name!, (t.dims ?? []).map(Number)]));
  const kernelOf: Record<string, OrtKernel> = {
    Conv: 'conv',
    'com.microsoft:FusedConv': 'conv',
    'com.microsoft.nchwc:Conv': 'nchwcConv',
    'com.microsoft.nchwc:ReorderInput': 'reorderInput',
    'com.microsoft.nchwc:ReorderOutput': 'reorderOutput',
    'com.microsoft.nchwc:MaxPool': 'nchwcPool',
    'com.microsoft.nchwc:AveragePool': 'nchwcPool',
    MaxPool: 'pool',
    AveragePool: 'pool',
    BatchNormalization: 'batchnorm',
    Relu: 'relu',
    Add: 'add',
    Concat: 'concat',
    Gemm: 'linear',
    Flatten: 'flatten',
  };
  const counts = new Map<OrtKernel, number>();
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let paddedChannels = 0;
  for (const node of model.graph!.node!) {
    const op = node.domain ? `${node.domain}:${node.opType}` : node.opType!;
    const kernel = kernelOf[op] ?? 'other';
    counts.set(kernel, (counts.get(kernel) ?? 0) + 1);
    if (kernel === 'nchwcConv') paddedChannels = gcd(paddedChannels, dims.get(node.input![1]!)![0]!);
  }
  return { counts, paddedChannels: paddedChannels || 1 };
}

describe('ONNX Runtime plan', () => {
  it('runs the kernels ONNX Runtime runs after optimising, on hand-made graphs (imported networks\' ops too), the latency probes and two networks of every space', async () => {
    const spaces = [...new Set(CATALOG.map((e) => e.space))];
    const graphs = [
      everyLayerClass(),
      importedOpPatterns(),
      ...LATENCY_PROBES.map(latencyProbe),
      ...spaces.flatMap((space) => CATALOG.filter((e) => e.space === space).slice(0, 2).map((e) => catalogGraph(e))),
    ];
    // The hand-made graph's blocked convolutions have 4 and 8 output channels, padded to one block: its size here.
    const block = (await ortKernelCounts(graphs[0]!)).paddedChannels;
    for (const graph of graphs) {
      const { counts } = await ortKernelCounts(graph);
      const planned = new Map<OrtKernel, number>();
      for (const call of onnxRuntimePlan(graph, block)) planned.set(call.kernel, (planned.get(call.kernel) ?? 0) + 1);
      assert.deepEqual(Object.fromEntries([...planned].sort()), Object.fromEntries([...counts].sort()), `${graph.name}, NCHWc block ${block}`);
    }
  });
});

describe('nnls', () => {
  it('clamps a coefficient that least squares would make negative', () => {
    const x = nnls({ rows: 3, cols: 2, data: Float64Array.from([1, 0, 0, 1, 1, 1]) }, Float64Array.from([2, -1, 1]));
    assert.ok(Math.abs(x[0]! - 1.5) < 1e-12 && x[1] === 0, `got ${x}`);
  });

  it('reaches the best objective of any non-negative active set on random problems', () => {
    const rng = new RandomState(7);
    const objective = (a: number[][], b: number[], x: ArrayLike<number>) =>
      a.reduce((s, row, i) => s + (row.reduce((t, v, j) => t + v * x[j]!, 0) - b[i]!) ** 2, 0);
    for (let trial = 0; trial < 50; trial++) {
      const [m, n] = [4 + (trial % 5), 1 + (trial % 4)];
      const a = Array.from({ length: m }, () => Array.from({ length: n }, () => rng.randomSample() * 2 - 1));
      const b = Array.from({ length: m }, () => rng.randomSample() * 2 - 1);
      const x = nnls({ rows: m, cols: n, data: Float64Array.from(a.flat()) }, Float64Array.from(b));
      assert.ok([...x].every((v) => v >= 0));
      // Any non-negative point, and in particular a coordinate step from x, is no better.
      for (let j = 0; j < n; j++) {
        for (const step of [1e-3, -1e-3]) {
          const y = Float64Array.from(x);
          y[j] = Math.max(0, y[j]! + step);
          assert.ok(objective(a, b, y) >= objective(a, b, x) - 1e-12, `trial ${trial}: a step improves the solution`);
        }
      }
    }
  });
});

describe('metrics', () => {
  it('Kendall tau-b counts concordance and corrects for ties', () => {
    assert.equal(kendallTauB([1, 2, 3, 4], [1, 3, 2, 4]), 4 / 6);
    assert.equal(kendallTauB([1, 2, 2, 3], [1, 2, 3, 3]), 0.8);
  });

  it('median absolute percentage error and shares within ±10% / ±20%', () => {
    const networks: ScoredNetwork[] = [11, 9, 10, 13].map((p, index) => ({ index, measuredMs: 10, predictedMs: p }));
    const m = predictionMetrics(networks);
    assert.equal(m.medianApe, 0.1);
    assert.equal(m.within10, 0.75);
    assert.equal(m.within20, 0.75);
    assert.equal(m.frontRecall, undefined);
  });

  // A is fastest, B the best within 2 ms, C slower and worse than B but predicted faster, D the most accurate.
  const front: ScoredNetwork[] = [
    { index: 0, measuredMs: 1, predictedMs: 1, accuracy: 0.5 },
    { index: 1, measuredMs: 2, predictedMs: 5, accuracy: 0.7 },
    { index: 2, measuredMs: 3, predictedMs: 2, accuracy: 0.6 },
    { index: 3, measuredMs: 4, predictedMs: 4, accuracy: 0.9 },
  ];

  it('front recall: share of the measured front that the predicted front keeps', () => {
    assert.equal(frontRecall(front), 2 / 3);
  });

  it('budget regret: accuracy lost, violations and their overshoot when picking by predicted latency', () => {
    assert.deepEqual(budgetRegret(front, [1.5, 2.5, 3.5]), { accuracyLoss: (0 + 0.7 - 0.6) / 2, violations: 1 / 3, overshoot: 3 / 2.5 - 1, misses: 0 });
  });
});

describe('calibration set chooser', () => {
  // Two of the ONNX Runtime features the chooser spreads over vary; the rest are 0.
  const [first, second] = FEATURE_FAMILIES.onnxruntime.columns.slice(1);
  const candidates = Array.from({ length: 40 }, (_, i) => {
    const features = new Float64Array(FEATURE_NAMES.length);
    [features[0], features[first!], features[second!]] = [1, i * i, 40 - i];
    return { id: 100 + i, group: i < 30 ? 'big' : 'small', features };
  });

  it('gives each group picks in proportion to its size, distinct and in ascending order', () => {
    const chosen = chooseDiverse(candidates, 8, 3);
    assert.equal(new Set(chosen).size, 8);
    assert.deepEqual(chosen, [...chosen].sort((a, b) => a - b));
    assert.equal(chosen.filter((id) => id < 130).length, 6);
    assert.deepEqual(chooseDiverse(candidates, 8, 3), chosen, 'deterministic for a seed');
  });

  it('refuses more picks than candidates', () => {
    assert.throws(() => chooseDiverse(candidates, 41), /cannot choose 41 networks from 40/);
  });

  it('spreads a catalog calibration set over every search space', () => {
    const chosen = chooseCalibrationSet(20);
    assert.equal(new Set(chosen).size, 20);
    assert.deepEqual(new Set(chosen.map((i) => CATALOG[i]!.space)), new Set(CATALOG.map((e) => e.space)));
  });
});

describe('latency model', () => {
  const features = catalogFeatures();
  const costs = (perUnit: Record<string, number>) => Float64Array.from(FEATURE_NAMES, (name) => perUnit[name] ?? 0);
  const layerCosts = costs({ network: 2, 'conv1x1.macs': 1e-7, 'depthwise.macs': 2e-6, 'batchnorm.layers': 0.05, 'copy.bytes': 1e-6 });
  const kernelCosts = costs({ network: 1, 'ort.nchwcConv.macs': 5e-8, 'ort.conv.macs': 2e-7, 'ort.reorder.calls': 0.02, 'ort.other.bytes': 5e-7 });
  const exact = (truth: Float64Array, i: number) => features[i]!.reduce((s, v, j) => s + v * truth[j]!, 0);
  const device = { name: 'synthetic', details: { cores: 4 } };

  for (const [family, truth] of [
    ['layers', layerCosts],
    ['onnxruntime', kernelCosts],
  ] as const) {
    it(`recovers an additive cost per ${family} feature from 50 diverse networks within a few percent on the whole catalog`, () => {
      const model = fitLatencyModel(
        chooseCalibrationSet(50).map((index) => ({ index, features: features[index]!, latencyMs: exact(truth, index) })),
        device,
      );
      assert.equal(model.family, family);
      const errors = CATALOG.map((e) => Math.abs(predictLatencyMs(model, features[e.index]!) / exact(truth, e.index) - 1)).sort((a, b) => a - b);
      assert.ok(errors[Math.floor(errors.length / 2)]! < 0.02, `median error ${errors[Math.floor(errors.length / 2)]}`);
      assert.ok([...model.coefficients].every((c) => c >= 0));
      assert.ok(FEATURE_NAMES.every((_, j) => model.coefficients[j] === 0 || FEATURE_FAMILIES[family].columns.includes(j)), 'only its family costs');
      assert.equal(model.calibration.length, 50);
    });
  }

  it("starts from the family of the device's runtime: ONNX Runtime's kernels when the device record names it, else per-layer", () => {
    assert.equal(preferredFamily({ name: 'this machine', details: { onnxruntime: '1.30.0' } }), 'onnxruntime');
    assert.equal(preferredFamily(device), 'layers');
    assert.equal(preferredFamily({ name: 'RaspPi', details: { name: 'Raspberry Pi 3B+', source: 'IBM/iotnets results_RaspPi.json' } }), 'layers');
    // The per-layer family still wins from the other start where it alone explains the latencies.
    const layerTimed = chooseCalibrationSet(50).map((index) => ({ index, features: features[index]!, latencyMs: exact(layerCosts, index) }));
    assert.equal(fitLatencyModel(layerTimed, { name: 'this machine', details: { onnxruntime: '1.30.0' } }).family, 'layers');
  });

  it('flags weight bytes and weights per MAC beyond the calibration set whatever the family, as the features of its own family', () => {
    const model = fitLatencyModel(
      chooseCalibrationSet(20).map((index) => ({ index, features: features[index]!, latencyMs: exact(kernelCosts, index) })),
      { name: 'this machine', details: { onnxruntime: '1.30.0' } },
    );
    assert.equal(model.family, 'onnxruntime');
    const big = Float64Array.from(features[model.calibration[0]!]!, (v, j) => (['weights.bytes', 'ort.conv.macs', 'weights.bytesPerMac'].includes(FEATURE_NAMES[j]!) ? 10 * model.ranges!.max[j]! + 1 : v));
    assert.deepEqual(outOfRange(model, big).map((o) => o.feature).sort(), ['ort.conv.macs', 'weights.bytes', 'weights.bytesPerMac']);
    assert.equal(predictLatencyMs(model, big) - predictLatencyMs(model, Float64Array.from(big, (v, j) => (FEATURE_NAMES[j] === 'weights.bytesPerMac' ? 0 : v))), 0, 'a range-only feature costs nothing');
    assert.deepEqual(outOfRange(model, features[model.calibration[0]!]!), []);
  });

  it('prices no range-only feature, even when the measured times grow with it', () => {
    const truth = costs({ network: 1, 'ort.nchwcConv.macs': 5e-8, 'ort.linear.macs': 1e-5 });
    const model = fitLatencyModel(
      chooseCalibrationSet(20).map((index) => ({ index, features: features[index]!, latencyMs: exact(truth, index) })),
      { name: 'this machine', details: { onnxruntime: '1.30.0' } },
    );
    assert.deepEqual(RANGE_ONLY_FEATURES.map((name) => model.coefficients[FEATURE_NAMES.indexOf(name)]), [0, 0]);
  });

  it('round-trips through its JSON file with the device record and feature family', () => {
    const model = fitLatencyModel(
      [0, 400, 800, 1200, 1600].map((index) => ({ index, features: features[index]!, latencyMs: exact(layerCosts, index) })),
      device,
    );
    const back = parseLatencyModel(JSON.parse(JSON.stringify(modelToJson(model))), 'model.json');
    assert.deepEqual(back, model);
  });

  it('refuses too few networks and model files of another version, feature set or family', () => {
    assert.throws(() => fitLatencyModel([{ features: features[0]!, latencyMs: 1 }], device), /at least 5 measured networks, got 1/);
    const json = modelToJson(fitLatencyModel([0, 1, 2, 3, 4].map((i) => ({ features: features[i]!, latencyMs: exact(layerCosts, i) })), device));
    const cases: [unknown, RegExp][] = [
      [{ ...json, version: 1 }, /latency model version 1, this iotnets reads version 2; refit/],
      [{ ...json, coefficients: { ...json.coefficients, 'tensorcore.macs': 1 } }, /features differ .*unknown tensorcore\.macs/],
      [{ ...json, coefficients: { ...json.coefficients, network: -1 } }, /coefficient network is -1, not a non-negative number/],
      [{ ...json, family: 'tflite' }, /feature family "tflite" is not one of layers, onnxruntime/],
      [{ format: 'other' }, /not an iotnets latency model/],
    ];
    for (const [input, message] of cases) assert.throws(() => parseLatencyModel(input, 'm.json'), (e) => e instanceof IotnetsError && message.test(e.message));
  });
});

describe('measured networks', () => {
  it('weigh a median by the spread of the runs its 90th percentile shows, a mean by t_std', () => {
    // A median of 1 ms whose runs a loaded machine stretched now and then: t_std 5 ms, yet 90% of the runs within 1.5126 ms.
    const entry = { spacename: CATALOG[7]!.space, law: CATALOG[7]!.law, id: CATALOG[7]!.id, index: 7, t_avg: 2, t_std: 5 };
    const [median, mean] = [{ ...entry, t_median: 1, t_p90: 1 + 0.4 * 1.2816 }, entry].map(
      (e) => measuredNetworks(catalogOnly(parseResults([e], 'r.json').measurements, 'r.json', 'a test'))[0]!,
    );
    assert.equal(median.latencyMs, 1);
    assert.ok(Math.abs(median.latencyStdMs! - 0.4) < 1e-12, `spread ${median.latencyStdMs}`);
    assert.deepEqual([mean.latencyMs, mean.latencyStdMs], [2, 5]);
  });
});

describe('on the paper devices', { skip: sharedMissing }, () => {
  for (const device of ['RaspPi', 'MacBookPro']) {
    it(`${device}: 20 diverse calibration networks rank the other 1597 with Spearman rho >= 0.97`, () => {
      const results = parseResults(readSharedJson(paperData(`results_${device}.json`)), device);
      const networks = measuredNetworks(catalogOnly(results.measurements, device, 'a test'));
      const e = evaluatePredictor(networks, { k: 20, repeats: 2, sets: 'diverse' }, device);
      assert.equal(e.heldOut, 1597);
      assert.ok(e.spearman >= 0.97, `rho ${e.spearman}`);
      assert.ok(e.frontRecall !== undefined && e.accuracyLoss !== undefined);
      const floor = simulatedNoiseFloor(networks, 2);
      assert.ok(floor.spearman > e.spearman, 'the repeatability of the measurement bounds the prediction');
    });
  }
});

describe('predict CLI', { skip: sharedMissing }, () => {
  const paper = readSharedJson<Record<string, unknown>[]>(paperData('results_MacBookPro.json'));
  const write = (name: string, text: string) => {
    const path = join(scratch, name);
    writeFileSync(path, text);
    return path;
  };

  it('fits, saves and predicts; eval --json carries the named metrics', () => {
    const model = join(scratch, 'mac.model.json');
    const fit = runCli(['predict', 'fit', '--results', paperData('results_MacBookPro.json'), '--k', '20', '--out', model]);
    assert.equal(fit.status, 0, fit.stderr);
    assert.equal(JSON.parse(readFileSync(model, 'utf8')).calibration.points, 20);
    const one = runCli(['predict', '--device', model, '--index', '687', '--json']);
    assert.equal(one.status, 0, one.stderr);
    assert.ok(JSON.parse(one.stdout).predictedMs > 0);
    const evaluation = runCli(['predict', 'eval', '--results', paperData('results_MacBookPro.json'), '--k', '10', '--repeats', '1', '--json']);
    assert.equal(evaluation.status, 0, evaluation.stderr);
    const json = JSON.parse(evaluation.stdout);
    for (const key of ['k', 'repeats', 'spearman', 'kendall', 'medianApe', 'within10', 'within20', 'frontRecall', 'noiseFloor']) assert.ok(key in json, key);
    assert.equal(json.k, 10);
  });

  it('calibrate --calibration-set times only the chosen networks and the latency probes, repeats them and fits a model on both that predict and eval read', () => {
    const out = join(scratch, 'this-machine.json');
    const run = runCli(['calibrate', '--calibration-set', '6', '--repeat', '2', '--protocol', 'fixed', '--warmup', '1', '--runs', '3', '--out', out, '--accuracy', paperData('NetConfigs.json')]);
    assert.equal(run.status, 0, run.stderr);
    const indices = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { index: number }[]).map((e) => e.index);
    assert.deepEqual(indices(out), chooseCalibrationSet(6));
    assert.deepEqual(indices(join(scratch, 'this-machine.repeat2.json')), chooseCalibrationSet(6));
    const probes = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { file: string }[]).map((e) => e.file).sort();
    assert.deepEqual(probes(join(scratch, 'this-machine.probes.json')), [...LATENCY_PROBES].sort());
    assert.deepEqual(probes(join(scratch, 'this-machine.repeat2.probes.json')), [...LATENCY_PROBES].sort());
    const model = JSON.parse(readFileSync(join(scratch, 'this-machine.model.json'), 'utf8'));
    assert.equal(model.calibration.points, 6 + LATENCY_PROBES.length);
    assert.deepEqual(model.calibration.indices, chooseCalibrationSet(6));
    assert.match(model.device.name, /ONNX Runtime/);
    const predicted = runCli(['predict', 'ResNet18', '--device', join(scratch, 'this-machine.model.json'), '--json']);
    assert.equal(predicted.status, 0, predicted.stderr);
    assert.ok(JSON.parse(predicted.stdout).predictedMs > 0);
  });

  it('bad input: NaN or negative latency, fewer measurements than K, a model of another version', () => {
    const nan = write('nan.json', JSON.stringify(paper.slice(0, 30)).replace(/"t_avg":[^,}]+/, '"t_avg":NaN'));
    const negative = write('negative.json', JSON.stringify(paper.slice(0, 30).map((e, i) => (i === 3 ? { ...e, t_avg: -1 } : e))));
    const few = write('few.json', JSON.stringify(paper.slice(0, 12)));
    const old = write('old.model.json', JSON.stringify({ format: 'iotnets-latency-model', version: 0 }));
    const cases: [string[], RegExp][] = [
      [['predict', 'eval', '--results', nan, '--k', '10'], /entry 0 .* t_avg null, not a positive number of ms/],
      [['predict', 'eval', '--results', negative, '--k', '10'], /entry 3 .* t_avg -1, not a positive number of ms/],
      [['predict', 'eval', '--results', few, '--k', '20'], /has 12 valid measurements; --k 20 needs at least 22/],
      [['predict', 'fit', '--results', few, '--k', '20'], /has 12 valid measurements, fewer than --k 20/],
      [['predict', '--device', old, '--index', '0'], /latency model version 0, this iotnets reads version 2/],
    ];
    for (const [args, message] of cases) {
      const { status, stderr } = runCli(args);
      assert.equal(status, 1, args.join(' '));
      assert.match(stderr, message);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
    }
  });
});
