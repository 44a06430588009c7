import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import onnxProto, { type onnx } from 'onnx-proto';
import { catalogGraph, catalogEntry } from '../src/catalog/catalog.ts';
import { IotnetsError } from '../src/errors.ts';
import { evaluate } from '../src/graph/reference-evaluator.ts';
import type { Graph } from '../src/graph/graph.ts';
import { OPS, type OpOf } from '../src/graph/ops.ts';
import { stateDictEntries, summarize } from '../src/graph/summary.ts';
import { numel, type StateDict } from '../src/graph/tensor.ts';
import { exportOnnx } from '../src/onnx/export.ts';
import { importOnnx } from '../src/onnx/import.ts';
import { toNumber } from '../src/onnx/read.ts';
import { RandomState } from '../src/rng/random-state.ts';
import { build, listModels, listSpaces, sample } from '../src/zoo/index.ts';
import { PAPER_ONNX, thirdPartyOnnx, torchMissing, type OnnxFixtureSet } from './support/onnx-fixtures.ts';
import { relativeError, runOrt } from './support/ort.ts';

const proto = onnxProto.onnx;

/**
 * Elements of the float initializers the weight inputs of Conv, ConvTranspose, Gemm, MatMul and BatchNormalization
 * nodes read, and the per-channel (not scalar) constants of Add/Sub/Mul/Div, per use.
 */
function usedInitializerElements(model: onnx.ModelProto): number {
  const graph = model.graph!;
  const elements = new Map(graph.initializer!.filter((t) => t.dataType === proto.TensorProto.DataType.FLOAT).map((t) => [t.name!, numel(t.dims!.map(toNumber))]));
  const alias = new Map(graph.node!.filter((n) => n.opType === 'Identity').map((n) => [n.output![0]!, n.input![0]!]));
  let total = 0;
  const size = (name: string) => elements.get(alias.get(name) ?? name) ?? 0;
  for (const node of graph.node!) {
    if (['Add', 'Sub', 'Mul', 'Div'].includes(node.opType!)) for (const name of node.input!) total += size(name) > 1 ? size(name) : 0;
    if (['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'BatchNormalization'].includes(node.opType!)) for (const name of node.input!.slice(1)) total += size(name);
  }
  return total;
}

function randomInput(graph: Graph, batch: number): Float32Array {
  const input = new Float32Array(batch * numel(graph.inputShape));
  new RandomState(3).fillStandardNormal(input);
  return input;
}

/** An [N,C,H,W] batch rearranged as [N,H,W,C]. */
function channelsLast(input: Float32Array, [c, h, w]: readonly number[], batch: number): Float32Array {
  const out = new Float32Array(input.length);
  for (let n = 0; n < batch; n++) for (let k = 0; k < c!; k++) for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) {
    out[((n * h! + y) * w! + x) * c! + k] = input[((n * c! + k) * h! + y) * w! + x]!;
  }
  return out;
}

/** Logits of the original file under ONNX Runtime (its own input and output names), fed the NCHW `input` in the file's layout. */
async function originalLogits(bytes: Uint8Array, graph: Graph, input: Float32Array, batch: number, layout: 'NCHW' | 'NHWC'): Promise<Float32Array> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes);
  const [c, h, w] = graph.inputShape;
  const fed = layout === 'NHWC' ? new ort.Tensor('float32', channelsLast(input, graph.inputShape, batch), [batch, h!, w!, c!]) : new ort.Tensor('float32', input, [batch, ...graph.inputShape]);
  try {
    const result = await session.run({ [session.inputNames[0]!]: fed });
    return result[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Imports every model of a fixture set: counts against PyTorch's, re-export and evaluator against the original file. */
function checkFixtureSet(set: () => OnnxFixtureSet, evaluatorUpTo: number): void {
  it('imports every model with PyTorch\'s MACs, parameters and state_dict size, and the used initializer elements', () => {
    for (const m of set().models) {
      const bytes = readFileSync(join(set().dir, m.file));
      const { graph, inputLayout } = importOnnx(bytes, m.file);
      assert.equal(inputLayout, m.inputLayout ?? 'NCHW', `${m.file} input layout`);
      const s = summarize(graph);
      assert.equal(s.macs, m.macs, `${m.file} MACs`);
      assert.equal(s.weightElements, usedInitializerElements(proto.ModelProto.decode(bytes)), `${m.file} weight elements`);
      if (!m.batchNormFolded) {
        assert.equal(s.trainableParameters, m.parameters, `${m.file} parameters`);
        assert.equal(s.stateDictElements, m.stateDictElements, `${m.file} state_dict elements`);
      }
      assert.deepEqual(graph.inputShape, m.inputShape);
    }
  });
  it('re-exports every model to the same logits under ONNX Runtime, and the evaluator agrees on the small ones', async () => {
    for (const m of set().models) {
      const bytes = readFileSync(join(set().dir, m.file));
      const { graph, weights, inputLayout } = importOnnx(bytes, m.file);
      const batch = m.dynamicBatch ? 2 : 1;
      const input = randomInput(graph, batch);
      const expected = await originalLogits(bytes, graph, input, batch, inputLayout);
      const error = relativeError(await runOrt(exportOnnx(graph, weights), graph, input, batch), expected);
      assert.ok(error <= 1e-4, `${m.file}: re-export differs by ${error.toExponential(2)} relative`);
      if (m.macs <= evaluatorUpTo) {
        const evaluated = relativeError(evaluate(graph, weights, input, batch), expected);
        assert.ok(evaluated <= 1e-4, `${m.file}: evaluator differs by ${evaluated.toExponential(2)} relative`);
      }
    }
  });
}

describe('importing the paper\'s networks exported by PyTorch from the original code', () => {
  checkFixtureSet(() => PAPER_ONNX, Infinity);

  it('gives the parameters, MACs and memory of the same network built by the zoo', () => {
    for (const m of PAPER_ONNX.models) {
      const index = /^catalog_(\d+)/.exec(m.file)?.[1];
      const zoo = index !== undefined ? catalogGraph(catalogEntry(Number(index))) : build(m.file.replace('.onnx', ''));
      const [a, b] = [summarize(importOnnx(readFileSync(join(PAPER_ONNX.dir, m.file)), m.file).graph), summarize(zoo)];
      assert.deepEqual(
        [a.stateDictElements, a.trainableParameters, a.macs, a.weightBytes],
        [b.stateDictElements, b.trainableParameters, b.macs, b.weightBytes],
        m.file,
      );
    }
  });
});

describe('importing torchvision classifiers exported by PyTorch', { skip: torchMissing }, () => {
  checkFixtureSet(() => thirdPartyOnnx('test'), 10_000_000);

  it('uses every op kind the graph has, with the zoo networks', () => {
    const kinds = new Set<string>();
    const set = thirdPartyOnnx('test');
    for (const m of set.models) for (const n of importOnnx(readFileSync(join(set.dir, m.file)), m.file).graph.nodes) kinds.add(n.op.kind);
    for (const model of listModels()) for (const n of build(model.name).nodes) kinds.add(n.op.kind);
    assert.deepEqual([...kinds].sort(), Object.keys(OPS).sort());
  });

  it('imports ConvTranspose pads from auto_pad SAME_UPPER/SAME_LOWER and output_shape as ONNX Runtime computes them', async () => {
    const set = thirdPartyOnnx('test');
    const original = readFileSync(join(set.dir, 'upsampler.onnx'));
    const attribute = proto.AttributeProto.AttributeType;
    const variants: [string, onnx.IAttributeProto[], readonly number[]][] = [
      ['SAME_UPPER', [{ name: 'auto_pad', type: attribute.STRING, s: new TextEncoder().encode('SAME_UPPER') }], [0, 0, 1, 1]],
      ['SAME_LOWER', [{ name: 'auto_pad', type: attribute.STRING, s: new TextEncoder().encode('SAME_LOWER') }], [1, 1, 0, 0]],
      ['output_shape', [{ name: 'output_shape', type: attribute.INTS, ints: [15, 15] }, { name: 'output_padding', type: attribute.INTS, ints: [1, 1] }], [2, 2, 1, 1]],
    ];
    for (const [name, attributes, pads] of variants) {
      const model = proto.ModelProto.decode(original);
      model.graph!.valueInfo = [];
      const up1 = model.graph!.node!.find((n) => n.opType === 'ConvTranspose')!;
      up1.attribute = [...up1.attribute!.filter((a) => a.name !== 'pads' && a.name !== 'output_padding'), ...attributes];
      const bytes = proto.ModelProto.encode(model).finish();
      const { graph, weights } = importOnnx(bytes, `${name}.onnx`);
      const op = graph.nodes.find((n) => n.op.kind === 'convtranspose2d')!.op as OpOf<'convtranspose2d'>;
      assert.deepEqual([...op.padding, ...(op.padEnd ?? op.padding)], pads, name);
      const input = randomInput(graph, 2);
      const error = relativeError(await runOrt(exportOnnx(graph, weights), graph, input, 2), await originalLogits(bytes, graph, input, 2, 'NCHW'));
      assert.ok(error <= 1e-4, `${name}: re-export differs by ${error.toExponential(2)} relative`);
    }
  });
});

/** Zero weights of the right shapes: the round trip is about structure, and zeros cost nothing to make. */
function zeroWeights(graph: Graph): StateDict {
  const weights: StateDict = new Map();
  for (const e of stateDictEntries(graph)) {
    if (e.dtype === 'float32') weights.set(e.key, { dtype: 'float32', shape: e.shape, data: new Float32Array(numel(e.shape)) });
  }
  return weights;
}

describe('a zoo network exported by iotnets and imported back', () => {
  const graphs: Graph[] = [
    ...listSpaces().map((s) => build(s.name, { args: sample(s.name, 's1', 0) })),
    ...listModels().map((m) => build(m.name)),
  ];
  it(`has the identical summary (parameters, MACs, FLOPs, memory, per-layer table) for all ${graphs.length} spaces and models`, () => {
    for (const graph of graphs) {
      const imported = importOnnx(exportOnnx(graph, zeroWeights(graph)), graph.name).graph;
      // ONNX holds the modules forward() calls: ProbeNet_d_length's unused conv_rep cannot come back.
      const called = new Set(graph.nodes.map((n) => n.module));
      assert.deepEqual(summarize(imported), summarize({ ...graph, modules: graph.modules.filter((m) => called.has(m.name)) }), graph.name);
    }
  });
});

describe('bad ONNX input', () => {
  const graph = build('ProbeNet_s');
  const model = () => proto.ModelProto.decode(exportOnnx(graph, zeroWeights(graph)));
  const bytesOf = (m: onnx.ModelProto) => proto.ModelProto.encode(m).finish();
  const refuses = (bytes: Uint8Array, pattern: RegExp, options = {}) =>
    assert.throws(
      () => importOnnx(bytes, 'my.onnx', options),
      (e: Error) => e instanceof IotnetsError && pattern.test(e.message) && !e.message.includes('\n'),
    );

  it('names the node, the op and the file of an unsupported op', () => {
    const m = model();
    const node = m.graph!.node!.find((n) => n.opType === 'Relu')!;
    node.opType = 'Tanh';
    refuses(bytesOf(m), new RegExp(`^my\\.onnx: node ${node.name} \\(Tanh\\) is an op iotnets cannot import`));
    const conv = model();
    const transposed = conv.graph!.node!.find((n) => n.opType === 'Conv')!;
    transposed.opType = 'ConvTranspose';
    transposed.attribute!.push({ name: 'output_shape', type: proto.AttributeProto.AttributeType.INTS, ints: [640, 640] });
    refuses(bytesOf(conv), new RegExp(`^my\\.onnx: node ${transposed.name} \\(ConvTranspose\\) output size 640 is larger than an input of 32 gives; set output_padding instead$`));
    const spatial = model();
    const scaled = spatial.graph!.node!.find((n) => n.opType === 'Relu')!;
    scaled.opType = 'Mul';
    scaled.input!.push('rows');
    spatial.graph!.initializer!.push({ name: 'rows', dims: [1, 1, 1, 7], dataType: proto.TensorProto.DataType.FLOAT, floatData: [1, 2, 3, 4, 5, 6, 7] });
    refuses(bytesOf(spatial), new RegExp(`^my\\.onnx: node ${scaled.name} \\(Mul\\) the constant has shape \\[1,1,1,7\\] on an \\[N,\\d+,\\d+,\\d+\\] activation; only scalars and per-channel constants \\(\\[\\d+,1,1\\]\\) are supported$`));
  });
  it('refuses a truncated file, several inputs, a non-image input, and a symbolic size without --input-size', () => {
    const bytes = exportOnnx(graph, zeroWeights(graph));
    refuses(bytes.subarray(0, bytes.length - 100), /^my\.onnx is not a valid ONNX model/);
    const two = model();
    two.graph!.input!.push({ ...two.graph!.input![0]!, name: 'second' });
    refuses(bytesOf(two), /has 2 inputs \(input, second\)/);
    const flat = model();
    flat.graph!.input![0]!.type!.tensorType!.shape!.dim = [{ dimParam: 'N' }, { dimValue: 3072 }];
    refuses(bytesOf(flat), /is not a float \[N,C,H,W\] image/);
    const symbolic = model();
    symbolic.graph!.input![0]!.type!.tensorType!.shape!.dim![2] = { dimParam: 'H' };
    refuses(bytesOf(symbolic), /symbolic size .*`inputShape` CxHxW/);
    assert.deepEqual(importOnnx(bytesOf(symbolic), 'my.onnx', { inputShape: [3, 32, 32] }).graph.inputShape, [3, 32, 32]);
    refuses(bytesOf(model()), /`inputShape` 3x64x64 contradicts the model's fixed input \[3x32x32\]/, { inputShape: [3, 64, 64] });
  });
});
