import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { resolveNetwork, type NetworkRef } from '../src/catalog/index.ts';
import type { Graph } from '../src/graph/graph.ts';
import { numel } from '../src/graph/tensor.ts';
import { parseCifarBatch, parseRawInputs } from '../src/io/datasets.ts';
import { exportOnnx } from '../src/onnx/export.ts';
import { largestFinite, parseFormat, roundToFloat } from '../src/onnx/formats.ts';
import { float16Bits } from '../src/onnx/precision.ts';
import { readOnnxModel } from '../src/onnx/read.ts';
import { buildFigures, buildReportModel } from '../src/report/report.ts';
import { NODE_ENGINE } from '../src/runtime/engine-node.js';
import { exportInPrecision } from '../src/runtime/precision.ts';
import { RandomState } from '../src/rng/random-state.ts';
import { initWeights } from '../src/weights/init.ts';
import { precisionFromOptions } from '../src/cli/precision-options.ts';
import { runCli } from './support/cli.ts';
import { golden, sharedMissing } from './support/shared.ts';
import { bindStateDict } from '../src/weights/bind.ts';
import { loadWeightsFile } from '../src/weights/load-file.ts';
import { relativeError, runOrt } from './support/ort.ts';

const e = (exponent: number, mantissa: number) => ({ exponent, mantissa });

describe('eXmY rounding', () => {
  it('rounds to nearest with ties to even, through subnormals, saturating at the largest finite value', () => {
    // e4m3: bias 7, normals 2^-6..240 (the all-ones exponent is reserved, IEEE-like), subnormal step 2^-9.
    const e4m3 = e(4, 3);
    assert.equal(largestFinite(e4m3), 240);
    const cases: [number, number][] = [
      [1.0625, 1], // 1 + 1/16 is halfway between 1 and 1.125: the even mantissa (1.000) wins
      [1.1875, 1.25], // halfway between 1.125 and 1.25: 1.010 is even
      [0.1, 0.1015625], // 0.1 / 2^-7 = 12.8 -> 13 * 2^-7
      [-3.3, -3.25],
      [239, 240],
      [250, 240], // beyond the largest finite value: saturates
      [-1e9, -240],
      [Infinity, 240],
      [2 ** -9, 2 ** -9], // smallest subnormal is kept
      [2 ** -10, 0], // half the smallest subnormal: tie to even (zero)
      [3 * 2 ** -10, 2 ** -8], // 1.5 steps: tie to even (2 steps)
      [2 ** -7 + 2 ** -10, 2 ** -7], // subnormal range: 0.1001 x 2^-6 -> 0.100
    ];
    for (const [x, expected] of cases) assert.equal(roundToFloat(x, e4m3), expected, `e4m3(${x})`);
    // e5m2: bias 15, largest 1.75 x 2^15, smallest subnormal 2^-16.
    assert.deepEqual([3.3, 1e5, 2 ** -16, 2 ** -17, 0.3].map((x) => roundToFloat(x, e(5, 2))), [3.5, 57344, 2 ** -16, 0, 0.3125]);
    // e3m4: bias 3, largest 1.9375 x 2^3, smallest subnormal 2^-6.
    assert.deepEqual([15.7, 1.03125, 1.09375, 0.01].map((x) => roundToFloat(x, e(3, 4))), [15.5, 1, 1.125, 0.015625]);
    // e6m9: bias 31; 1 + 2^-10 is a tie at 9 mantissa bits, 1 + 3 x 2^-10 rounds up to the even 1 + 2^-8.
    assert.deepEqual([1 + 2 ** -10, 1 + 3 * 2 ** -10].map((x) => roundToFloat(x, e(6, 9))), [1, 1 + 2 ** -8]);
    assert.ok(Number.isNaN(roundToFloat(NaN, e4m3)));
    assert.ok(Object.is(roundToFloat(-0, e4m3), -0));
    assert.ok(Object.is(roundToFloat(-(2 ** -12), e4m3), -0), 'a negative value that underflows keeps its sign');
  });

  it('e8m23 leaves float32 values unchanged', () => {
    const values = new Float32Array(1000);
    new RandomState(3).fillStandardNormal(values);
    for (const v of values) assert.equal(roundToFloat(v * 1e3, e(8, 23)), Math.fround(v * 1e3));
  });

  it('e5m10 and the float16 bits agree with ONNX Runtime casting float32 to float16', async () => {
    const random = new RandomState(11);
    const values = new Float32Array(4000);
    random.fillStandardNormal(values);
    // Magnitudes from deep subnormal (2^-26) to near the largest half (2^15.9), and exact ties of float16.
    values.forEach((v, i) => (values[i] = v * 2 ** ((i % 42) - 26)));
    values.set([1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -25, 3 * 2 ** -25, 65504, 65519, 2 ** -24, -0, 65520, -7e4, 1e30], 0);
    const proto = onnxProto.onnx;
    const model = proto.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'cast',
        node: [{ opType: 'Cast', input: ['x'], output: ['y'], attribute: [{ name: 'to', type: proto.AttributeProto.AttributeType.INT, i: 10 }] }],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: values.length }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 10, shape: { dim: [{ dimValue: values.length }] } } } }],
      },
    }).finish();
    const session = await ort.InferenceSession.create(model);
    const bits = (await session.run({ x: new ort.Tensor('float32', values, [values.length]) })).y!.data as Uint16Array;
    await session.release();
    // IEEE overflows to infinity from 65520 on; the export saturates at 65504 instead (stated), so those differ by design.
    const overflow = [...values.keys()].filter((i) => Math.abs(values[i]!) >= 65520);
    assert.ok(overflow.length >= 3);
    for (const i of overflow) assert.equal(bits[i]! & 0x7fff, 0x7c00);
    for (const i of overflow) assert.equal(float16Bits(values[i]!) & 0x7fff, 0x7bff);
    const inRange = [...values.keys()].filter((i) => Math.abs(values[i]!) < 65520);
    assert.deepEqual(inRange.map((i) => float16Bits(values[i]!)), inRange.map((i) => bits[i]!));
    // And the values: decode ORT's bits and compare with roundToFloat.
    const decode = (h: number) => {
      const sign = h & 0x8000 ? -1 : 1;
      const exp = (h >> 10) & 0x1f;
      const mant = h & 0x3ff;
      return sign * (exp === 0 ? mant * 2 ** -24 : (1 + mant / 1024) * 2 ** (exp - 15));
    };
    for (const i of inRange) assert.equal(roundToFloat(values[i]!, e(5, 10)), decode(bits[i]!), `value ${values[i]}`);
  });

  it('an unknown or impossible format is a one-line error naming it', () => {
    assert.throws(() => parseFormat('e0m3'), /^IotnetsError: exponent bits must be a whole number in 1\.\.15, got 0$/);
    assert.throws(() => parseFormat('e16m200'), /exponent bits must be a whole number in 1\.\.15, got 16/);
    assert.throws(() => parseFormat('int4'), /unknown number format 'int4'/);
  });
});

/** A reproducible standard-normal input batch for `graph`. */
function randomInput(graph: Graph, batch: number, seed = 5): Float32Array {
  const input = new Float32Array(batch * numel(graph.inputShape));
  new RandomState(seed).fillStandardNormal(input);
  return input;
}

function top1(logits: Float32Array, classes: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < logits.length / classes; s++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[s * classes + c]! > logits[s * classes + best]!) best = c;
    out.push(best);
  }
  return out;
}

/** Bytes of the float initializers (float32 or float16) of a model. */
const weightBytes = (bytes: Uint8Array) =>
  (readOnnxModel(bytes, 'model').graph!.initializer ?? []).filter((t) => t.dataType === 1 || t.dataType === 10).reduce((n, t) => n + t.rawData!.length, 0);

const metadata = (bytes: Uint8Array) => Object.fromEntries((readOnnxModel(bytes, 'model').metadataProps ?? []).map((m) => [m.key, m.value]));

/** One network of every search space and model family. */
const NETWORKS: NetworkRef[] = [
  { index: 272 }, // random_net_densenet
  { index: 705 }, // random_net_mobilenetv2
  { index: 927 }, // random_net_googlenet
  { index: 1230 }, // random_net_pnasnet
  { index: 1527 }, // random_net_resnext
  { space: 'random_net_resnet', law: 's5', id: 0 },
  { space: 'random_net_probenet_s', law: 's2', id: 0 },
  { model: 'ProbeNet_s' },
  { model: 'SynthWide', args: { f: 1 } },
  { model: 'densenet_cifar' },
];

describe('fp16 and int8 exports run in ONNX Runtime close to fp32', () => {
  const BATCH = 16;
  for (const ref of NETWORKS) {
    it(`${JSON.stringify(ref)}: fp16 within 1e-2 relative, int8 top-1 mostly agrees`, async () => {
      const { graph } = resolveNetwork(ref);
      const weights = initWeights(graph, 2);
      const input = randomInput(graph, BATCH);
      const fp32Bytes = exportOnnx(graph, weights);
      const fp32 = await runOrt(fp32Bytes, graph, input, BATCH);
      const fp16Bytes = await exportInPrecision(NODE_ENGINE, graph, weights, parseFormat('fp16'));
      const fp16 = await runOrt(fp16Bytes, graph, input, BATCH);
      assert.ok(relativeError(fp16, fp32) <= 1e-2, `fp16 off by ${relativeError(fp16, fp32)}`);
      assert.equal(weightBytes(fp16Bytes), weightBytes(fp32Bytes) / 2, 'fp16 halves the stored weights');
      const int8Bytes = await exportInPrecision(NODE_ENGINE, graph, weights, parseFormat('int8'));
      const int8 = await runOrt(int8Bytes, graph, input, BATCH);
      const agree = top1(int8, graph.numClasses).filter((c, i) => c === top1(fp32, graph.numClasses)[i]).length;
      assert.ok(agree >= 0.75 * BATCH, `int8 top-1 agrees on ${agree} of ${BATCH}`);
      assert.ok(relativeError(int8, fp32) <= 0.15, `int8 off by ${relativeError(int8, fp32)}`);
      assert.equal(metadata(int8Bytes)['iotnets.precision'], 'int8');
    });
  }

  it('int8 fuses into integer kernels: no float Conv or Gemm is left once ONNX Runtime has optimised the model', async () => {
    const { graph } = resolveNetwork({ space: 'random_net_resnet', law: 's5', id: 0 });
    const bytes = await exportInPrecision(NODE_ENGINE, graph, initWeights(graph, 2), parseFormat('int8'));
    const optimized = join(mkdtempSync(join(tmpdir(), 'iotnets-int8-')), 'optimized.onnx');
    const session = await ort.InferenceSession.create(bytes, { optimizedModelFilePath: optimized });
    await session.release();
    const ops = readOnnxModel(new Uint8Array(readFileSync(optimized)), optimized).graph!.node!.map((n) => n.opType ?? '');
    assert.ok(ops.includes('QLinearConv') && ops.includes('QGemm') && ops.includes('QLinearAdd'), ops.join(' '));
    assert.deepEqual(ops.filter((op) => ['Conv', 'FusedConv', 'Gemm', 'BatchNormalization', 'Relu', 'DequantizeLinear'].includes(op)), []);
    const meta = metadata(bytes);
    assert.equal(meta['iotnets.float_ops'], 'none');
    assert.match(meta['iotnets.activations']!, /^uint8, per tensor, min\/max over 32 seeded random normal inputs \(seed 7\), not real data$/);
  });

  it('int8 leaves a BatchNorm with no Conv before it in float and names it', async () => {
    const { graph } = resolveNetwork({ index: 272 });
    const meta = metadata(await exportInPrecision(NODE_ENGINE, graph, initWeights(graph, 2), parseFormat('int8')));
    assert.match(meta['iotnets.float_ops']!, /^BatchNormalization [\w.]+bn1(, BatchNormalization [\w.]+)*$/);
  });

  it('eXmY rounds the weights and keeps them float32: e5m10 computes exactly what fp16 computes', async () => {
    const { graph } = resolveNetwork({ index: 1230 });
    const weights = initWeights(graph, 2);
    const input = randomInput(graph, 4);
    const fp32Bytes = exportOnnx(graph, weights);
    const emulated = exportOnnx(graph, weights, { precision: parseFormat('e5m10') });
    assert.equal(metadata(emulated)['iotnets.precision'], 'fp16', 'e5m10 is fp16');
    const e6m9 = exportOnnx(graph, weights, { precision: parseFormat('e6m9') });
    assert.ok(Math.abs(e6m9.length - fp32Bytes.length) < 512, `stored as float32: ${e6m9.length} vs ${fp32Bytes.length} bytes`);
    const fp16 = await runOrt(await exportInPrecision(NODE_ENGINE, graph, weights, parseFormat('fp16')), graph, input, 4);
    assert.deepEqual(await runOrt(emulated, graph, input, 4), fp16);
    const meta = metadata(e6m9);
    assert.match(meta['iotnets.weights']!, /rounded to e6m9 \(1 sign, 6 exponent, 9 mantissa bits; ties to even, subnormals, saturating at ±4290772992\), stored as float32/);
    const e4m3 = await runOrt(exportOnnx(graph, weights, { precision: parseFormat('e4m3') }), graph, input, 4);
    const fp32 = await runOrt(fp32Bytes, graph, input, 4);
    const error = relativeError(e4m3, fp32);
    assert.ok(error > 1e-4 && error < 0.5, `e4m3 weights change the logits by ${error}`);
  });
});

describe('datasets', () => {
  it('a CIFAR-10 batch is labels and normalised pixels; a malformed one is refused in one line', () => {
    const record = new Uint8Array(3073);
    record[0] = 7;
    record.fill(255, 1, 1025); // red 255, green and blue 0
    const batch = new Uint8Array([...record, ...record]);
    const data = parseCifarBatch(batch, 'b.bin', 10);
    assert.equal(data.count, 2);
    assert.deepEqual([...data.labels!], [7, 7]);
    assert.equal(data.data[0], Math.fround((1 - 0.4914) / 0.2023));
    assert.equal(data.data[1024], Math.fround(-0.4822 / 0.1994));
    assert.throws(() => parseCifarBatch(batch.subarray(1), 'b.bin', 10), /^IotnetsError: b\.bin: 6145 bytes is not a whole number of CIFAR-10 records/);
    assert.throws(() => parseCifarBatch(batch, 'b.bin', 5), /^IotnetsError: b\.bin: sample 0 has label 7, outside 0\.\.4/);
  });

  it('raw float32 inputs need a whole number of samples and one label byte each', () => {
    const inputs = new Uint8Array(new Float32Array(2 * 12).buffer);
    const ok = parseRawInputs(inputs, 'in.f32', [3, 2, 2], { bytes: Uint8Array.of(1, 2), file: 'l.u8', numClasses: 3 });
    assert.equal(ok.count, 2);
    assert.throws(() => parseRawInputs(inputs.subarray(4), 'in.f32', [3, 2, 2]), /^IotnetsError: in\.f32: 92 bytes is not a whole number of float32 inputs of shape \[3,2,2\]/);
    assert.throws(() => parseRawInputs(inputs, 'in.f32', [3, 2, 2], { bytes: Uint8Array.of(1), file: 'l.u8', numClasses: 3 }), /l\.u8: 1 labels for the 2 inputs/);
    assert.throws(() => parseRawInputs(inputs, 'in.f32', [3, 2, 2], { bytes: Uint8Array.of(1, 3), file: 'l.u8', numClasses: 3 }), /l\.u8: sample 1 has label 3, outside 0\.\.2/);
  });
});

describe('iotnets export --precision', () => {
  it('writes an int8 model from calibration data and says what it did; refuses bad formats and data before writing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotnets-precision-'));
    const calibration = join(dir, 'calib.f32');
    const input = new Float32Array(4 * 3072);
    new RandomState(1).fillStandardNormal(input);
    writeFileSync(calibration, input);
    const out = join(dir, 'm.onnx');
    const ok = runCli(['export', '--index', '1230', '--precision', 'int8', '--calibration-data', calibration, '-o', out]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /, int8\n/);
    assert.match(ok.stdout, new RegExp(`activations: uint8, per tensor, min/max over ${calibration.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(4 inputs\\)`));
    const refused = runCli(['export', '--index', '1230', '--precision', 'e0m3', '-o', join(dir, 'never.onnx')]);
    assert.deepEqual([refused.status, refused.stderr], [1, 'iotnets: exponent bits must be a whole number in 1..15, got 0\n']);
    assert.equal(existsSync(join(dir, 'never.onnx')), false, 'nothing written');
    const { graph } = resolveNetwork({ index: 1230 });
    assert.throws(() => precisionFromOptions({ precision: 'int8', calibrationData: out }, graph), /m\.onnx: \d+ bytes is not a whole number of float32 inputs of shape \[3,32,32\]/);
    assert.throws(
      () => precisionFromOptions({ precision: 'fp16', calibrationData: calibration }, graph),
      /^IotnetsError: --calibration-data only applies to --precision int8, not fp16; drop it$/,
    );
  });
});

describe('fronts per precision in the report', () => {
  it('draws one latency and one memory front per precision, memory counted in that precision', () => {
    const point = (index: number, latencyMs: number, accuracy: number) => ({
      index, space: 'random_net_resnet', law: 's1', id: index, latencyMs, accuracy, weightElements: 1000 * (index + 1), peakActivationElements: 3072,
    });
    const fp32 = { name: 'box', points: [point(0, 1, 0.7), point(1, 2, 0.8), point(2, 3, 0.75)] };
    // In int8 network 2 is the fastest and most accurate of the three: the front changes.
    const int8 = { name: 'box', points: [point(0, 1.5, 0.7), point(1, 1.2, 0.8), point(2, 0.5, 0.9)] };
    const model = buildReportModel({
      device: fp32, formats: [], memoryPart: 'total', k: 3, sources: [],
      precisions: [{ format: parseFormat('fp32'), device: fp32 }, { format: parseFormat('int8'), device: int8 }],
    });
    assert.deepEqual(model.precisions.map((p) => [p.format.name, p.latency.front.map((n) => n.index)]), [['fp32', [0, 1]], ['int8', [2]]]);
    const figure = buildFigures(model, { interactive: false }).find((f) => f.name === 'precision')!;
    const rows = (figure.spec as { data: { values: { precision: string; index: number; memoryKiB: number }[] } }).data.values;
    assert.equal(rows.length, 6);
    assert.equal(rows.find((r) => r.precision === 'int8' && r.index === 0)!.memoryKiB, (1000 + 3072) / 1024);
    assert.equal(rows.find((r) => r.precision === 'fp32' && r.index === 0)!.memoryKiB, (4 * (1000 + 3072)) / 1024);
  });
});

describe('iotnets precision', { skip: sharedMissing }, () => {
  it('on a labelled CIFAR batch: accuracy per format and the model-optimized float, for a golden checkpoint; bad labels refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotnets-precision-'));
    // Of the golden checkpoints (random but realistic weights), this one tells coloured-noise images apart.
    const checkpoint = golden('space_random_net_resnet_s5_0.zip.pt');
    const { graph } = resolveNetwork({ space: 'random_net_resnet', law: 's5', id: 0 });
    const weights = bindStateDict(graph, (await loadWeightsFile(checkpoint)).stateDict, checkpoint);
    // 48 seeded images of coloured noise, labelled with the fp32 network's own predictions: fp32 scores 100%.
    const count = 48;
    const random = new RandomState(21);
    const unlabelled = new Uint8Array(count * 3073);
    for (let s = 0; s < count; s++) {
      const colour = random.randint(0, 256, 3);
      const amplitude = random.randint(0, 128, 1)[0]!;
      const noise = random.randint(-amplitude, amplitude + 1, 3072);
      for (let i = 0; i < 3072; i++) unlabelled[s * 3073 + 1 + i] = Math.max(0, Math.min(255, colour[Math.floor(i / 1024)]! + noise[i]!));
    }
    const inputs = parseCifarBatch(unlabelled, 'x.bin', 10).data;
    const labels = Uint8Array.from(top1(await runOrt(exportOnnx(graph, weights), graph, inputs, count), 10));
    assert.ok(new Set(labels).size >= 2, 'the predictions are not all one class');
    labels.forEach((l, s) => (unlabelled[s * 3073] = l));
    const batch = join(dir, 'test_batch.bin');
    writeFileSync(batch, unlabelled);

    const r = runCli(['precision', '--space', 'random_net_resnet', '--law', 's5', '--id', '0', '--weights', checkpoint, '--dataset', batch, '--formats', 'fp16,int8,e4m3', '--max-drop', '5', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      samples: number; fp32Accuracy: number; formats: { format: string; accuracy: number; top1Agreement: number; maxRelativeError: number }[];
      optimized: { format: string; bits: number; accuracy: number };
    };
    assert.equal(report.samples, count);
    assert.equal(report.fp32Accuracy, 1);
    const fp16 = report.formats.find((f) => f.format === 'fp16')!;
    assert.ok(fp16.maxRelativeError < 1e-2 && fp16.accuracy === fp16.top1Agreement && fp16.accuracy >= 0.95);
    assert.ok(report.optimized.bits <= 16 && report.optimized.accuracy >= 0.95, JSON.stringify(report.optimized));
    assert.match(report.optimized.format, /^(e\d+m\d+|fp16|bf16)$/);

    // The raw pair: the same inputs as float32, the labels one byte each; a label out of range is one line.
    const raw = join(dir, 'inputs.f32');
    writeFileSync(raw, inputs);
    const badLabels = join(dir, 'labels.u8');
    writeFileSync(badLabels, Uint8Array.from(labels, (l, i) => (i === 3 ? 10 : l)));
    const bad = runCli(['precision', '--space', 'random_net_resnet', '--law', 's5', '--id', '0', '--dataset', raw, '--labels', badLabels]);
    assert.deepEqual([bad.status, bad.stderr], [1, `iotnets: ${badLabels}: sample 3 has label 10, outside 0..9; pass a dataset of 10 classes or --classes 11\n`]);
  });
});
