import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { onnx } from 'onnx-proto';
import { resolveNetwork, type NetworkRef } from '../src/catalog/index.ts';
import { IotnetsError } from '../src/errors.ts';
import { evaluate } from '../src/graph/reference-evaluator.ts';
import type { Graph } from '../src/graph/graph.ts';
import type { OpKind } from '../src/graph/ops.ts';
import { stateDictEntries } from '../src/graph/summary.ts';
import { numel, type StateDict } from '../src/graph/tensor.ts';
import { exportOnnx } from '../src/onnx/export.ts';
import { readOnnxModel } from '../src/onnx/read.ts';
import { RandomState } from '../src/rng/random-state.ts';
import { bindStateDict } from '../src/weights/bind.ts';
import { initWeights } from '../src/weights/init.ts';
import { build, listModels, listSpaces, sample } from '../src/zoo/index.ts';
import { runCli } from './support/cli.ts';
import { relativeError, runOrt } from './support/ort.ts';

/** A reproducible standard-normal input batch for `graph`. */
function randomInput(graph: Graph, batch: number, seed = 7): Float32Array {
  const input = new Float32Array(batch * numel(graph.inputShape));
  new RandomState(seed).fillStandardNormal(input);
  return input;
}

/** Exports `ref` with random weights and checks ONNX Runtime against the reference evaluator; returns the op kinds covered. */
async function checkAgainstEvaluator(ref: NetworkRef, batch: number): Promise<Set<OpKind>> {
  const { graph } = resolveNetwork(ref);
  const weights = initWeights(graph, 1);
  const input = randomInput(graph, batch);
  const expected = evaluate(graph, weights, input, batch);
  const actual = await runOrt(exportOnnx(graph, weights), graph, input, batch);
  const error = relativeError(actual, expected);
  assert.ok(error <= 1e-4, `${graph.name} ${JSON.stringify(ref)}: ONNX Runtime differs from the evaluator by ${error.toExponential(2)} relative`);
  return new Set(graph.nodes.map((n) => n.op.kind));
}

const covered = new Set<OpKind>();

describe('ONNX Runtime reproduces the reference evaluator', () => {
  // The smallest member of each space among the first ids of its laws.
  const spaces: NetworkRef[] = [
    { space: 'random_net_densenet', law: 's3', id: 21 },
    { space: 'random_net_googlenet', law: 's6', id: 14 },
    { space: 'random_net_mobilenetv2', law: 's6', id: 28 },
    { space: 'random_net_pnasnet', law: 's3', id: 13 },
    { space: 'random_net_probenet_s', law: 's2', id: 21 },
    { space: 'random_net_resnet', law: 's5', id: 4 },
    { space: 'random_net_resnext', law: 's3', id: 10 },
  ];
  for (const ref of spaces) {
    it(`${'space' in ref ? ref.space : ''} (batch 2)`, async () => {
      for (const kind of await checkAgainstEvaluator(ref, 2)) covered.add(kind);
    });
  }

  // The smallest model of each CIFAR family, every ProbeNet, and the synthetic nets at their own input sizes.
  const models: NetworkRef[] = [
    ...['DPN26', 'densenet_cifar', 'PNASNetA', 'PreActResNet18', 'ResNeXt29_32x4d', 'ResNet18', 'SENet18', 'VGG11'].map((model) => ({ model })),
    ...['ProbeNet_d_feature', 'ProbeNet_d_length', 'ProbeNet_d_mlp', 'ProbeNet_s', 'ProbeNet_s_deep', 'ProbeNet_s_fat']
      .concat(['ProbeNet_s_nr_deep', 'ProbeNet_s_nr_shallow', 'ProbeNet_s_shallow', 'ProbeNet_s_slim'])
      .map((model) => ({ model })),
    { model: 'SynthWide', args: { f: 1 } },
    { model: 'SynthWideAndLong', args: { f: 1, l: 1 } },
  ];
  for (const ref of models) {
    it(`${'model' in ref ? ref.model : ''} (batch 1)`, async () => {
      for (const kind of await checkAgainstEvaluator(ref, 1)) covered.add(kind);
    });
  }

  // 6.4 GMACs at 512x512 is too slow for the evaluator; its layers are SynthWide's, so ONNX Runtime alone checks it runs.
  it('SynthWide256 runs at 512x512', async () => {
    const { graph } = resolveNetwork({ model: 'SynthWide256', args: { f: 1 } });
    assert.deepEqual(graph.inputShape, [3, 512, 512]);
    const logits = await runOrt(exportOnnx(graph, initWeights(graph, 1)), graph, randomInput(graph, 1), 1);
    assert.ok(logits.every(Number.isFinite) && logits.some((v) => v !== 0));
  });

  it('the networks above use every op kind the zoo builds (test/onnx-import.test.ts covers those only imports make)', () => {
    const zoo = new Set([...listModels().map((m) => build(m.name)), ...listSpaces().map((s) => build(s.name, { args: sample(s.name, 's1', 0) }))].flatMap((g) => g.nodes.map((n) => n.op.kind)));
    assert.deepEqual([...covered].sort(), [...zoo].sort());
  });
});

describe('exported model', () => {
  const { graph } = resolveNetwork({ index: 705 });
  const weights = initWeights(graph, 3);
  const bytes = exportOnnx(graph, weights);

  it('is opset 17, IR 8, with input [N,3,32,32] `input`, output [N,10] `logits` and state_dict initializer names', () => {
    const model = readOnnxModel(bytes, 'net.onnx');
    assert.equal(Number(model.irVersion), 8);
    assert.deepEqual(model.opsetImport.map((o) => [o.domain, Number(o.version)]), [['', 17]]);
    assert.equal(model.producerName, 'iotnets');
    const dims = (v: onnx.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    assert.deepEqual(model.graph!.input!.map((v) => [v.name, dims(v)]), [['input', ['N', 3, 32, 32]]]);
    assert.deepEqual(model.graph!.output!.map((v) => [v.name, dims(v)]), [['logits', ['N', 10]]]);
    const floatKeys = stateDictEntries(graph).filter((e) => e.dtype === 'float32').map((e) => e.key);
    assert.deepEqual(model.graph!.initializer!.map((t) => t.name), floatKeys);
    assert.equal(model.graph!.node![0]!.name, 'conv1');
    assert.equal(model.graph!.node![0]!.opType, 'Conv');
  });

  it('carries no weights of modules forward() never calls (ONNX Runtime would warn about them on every load)', () => {
    const probe = resolveNetwork({ model: 'ProbeNet_d_length' }).graph;
    const names = readOnnxModel(exportOnnx(probe, initWeights(probe, 0)), 'probe.onnx').graph!.initializer!.map((t) => t.name);
    assert.ok(stateDictEntries(probe).some((e) => e.key === 'chain1.conv_rep.weight'));
    assert.ok(!names.includes('chain1.conv_rep.weight'));
    assert.ok(names.includes('chain1.conv_in.weight'));
  });

  it('takes any batch size: batch 3 matches the evaluator and its first sample matches batch 1', async () => {
    const three = randomInput(graph, 3);
    const batched = await runOrt(bytes, graph, three, 3);
    assert.ok(relativeError(batched, evaluate(graph, weights, three, 3)) <= 1e-4);
    const single = await runOrt(bytes, graph, three.subarray(0, numel(graph.inputShape)), 1);
    assert.ok(relativeError(single, batched.subarray(0, graph.numClasses)) <= 1e-6);
  });

  it('is deterministic in the seed', () => {
    assert.deepEqual(exportOnnx(graph, initWeights(graph, 3)), bytes);
    assert.notDeepEqual(exportOnnx(graph, initWeights(graph, 4)), bytes);
  });

  it('refuses a truncated or corrupt file with one line naming it', () => {
    for (const cut of [0, 1, 100, bytes.length >> 1, bytes.length - 1]) {
      assert.throws(
        () => readOnnxModel(bytes.subarray(0, cut), 'cut.onnx'),
        (e: unknown) => e instanceof IotnetsError && /^cut\.onnx is not a valid ONNX model \(truncated or corrupt: /.test(e.message) && !e.message.includes('\n'),
        `cut at ${cut}`,
      );
    }
    const garbage = bytes.slice();
    garbage.fill(0xff, 10, 40);
    assert.throws(() => readOnnxModel(garbage, 'bad.onnx'), /bad\.onnx is not a valid ONNX model/);
  });
});

const SMALLEST_NORMAL_FLOAT32 = 2 ** -126;

describe('random weights', () => {
  it('are realistic: finite, no denormals, positive running_var, logits of moderate size even in a 152-layer net', async () => {
    for (const model of ['ResNet152', 'ProbeNet_s']) {
      const { graph } = resolveNetwork({ model });
      const weights = initWeights(graph, 0);
      assert.deepEqual([...weights.keys()], stateDictEntries(graph).map((e) => e.key));
      for (const [key, t] of weights) {
        if (!(t.data instanceof Float32Array)) continue;
        const bad = t.data.find((v) => !Number.isFinite(v) || (v !== 0 && Math.abs(v) < SMALLEST_NORMAL_FLOAT32));
        assert.equal(bad, undefined, key);
        if (key.endsWith('running_var')) assert.ok(t.data.every((v) => v > 0), key);
      }
      const logits = await runOrt(exportOnnx(graph, weights), graph, randomInput(graph, 2), 2);
      const largest = Math.max(...logits.map(Math.abs));
      assert.ok(largest > 0.1 && largest < 100, `${model} logits peak at ${largest}`);
    }
  });
});

describe('bindStateDict', () => {
  const { graph } = resolveNetwork({ model: 'ProbeNet_s_slim' });
  const weights = initWeights(graph, 0);

  it('returns the weights in graph order and fills a missing num_batches_tracked with 0 as PyTorch does', () => {
    const shuffled: StateDict = new Map([...weights].reverse().filter(([k]) => !k.endsWith('num_batches_tracked')));
    const bound = bindStateDict(graph, shuffled, 'w.pt');
    assert.deepEqual([...bound.keys()], [...weights.keys()]);
    const counter = [...bound].find(([k]) => k.endsWith('num_batches_tracked'))![1];
    assert.deepEqual(counter, { dtype: 'int64', shape: [], data: new BigInt64Array(1) });
  });

  it('lists missing, unexpected and misshapen keys in one line, truncating long lists with a count', () => {
    const broken: StateDict = new Map(weights);
    const keys = [...weights.keys()].filter((k) => k.endsWith('.weight'));
    for (const k of keys.slice(0, 5)) broken.delete(k);
    broken.set('extra.weight', weights.get(keys[5]!)!);
    broken.set(keys[5]!, { dtype: 'float32', shape: [1, 2], data: new Float32Array(2) });
    assert.throws(
      () => bindStateDict(graph, broken, 'ckpt.t7', 'ProbeNet_s_slim'),
      (e: unknown) =>
        e instanceof IotnetsError &&
        !e.message.includes('\n') &&
        e.message.startsWith(`ckpt.t7 does not fit ProbeNet_s_slim: missing ${keys.slice(0, 3).join(', ')} and 2 more; unexpected extra.weight; `) &&
        e.message.includes(`shape of ${keys[5]} is [1,2], expected [`),
    );
  });
});

describe('iotnets export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotnets-export-'));
  const leftovers = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

  it('writes a loadable model for a network named by index, by space/law/id or by model name', async () => {
    const out = join(dir, 'net.onnx');
    const { status, stdout, stderr } = runCli(['export', '--space', 'random_net_mobilenetv2', '--law', 's6', '--id', '28', '--seed', '3', '-o', out, '--verify']);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /wrote .*net\.onnx .*#705 random_net_mobilenetv2\/s6\/28, random weights, seed 3/);
    assert.match(stdout, /\nverified: ONNX Runtime's logits on 4 random inputs are within \d\.\d\de-\d+ \(relative\) of the reference evaluator's\n$/);
    const { graph } = resolveNetwork({ index: 705 });
    assert.deepEqual(new Uint8Array(readFileSync(out)), exportOnnx(graph, initWeights(graph, 3)));
    assert.equal(runCli(['export', 'ProbeNet_s', '-o', join(dir, 'probe.onnx')]).status, 0);
    readOnnxModel(new Uint8Array(readFileSync(join(dir, 'probe.onnx'))), 'probe.onnx');
    assert.deepEqual(leftovers(), []);
  });

  it('fails with one line and leaves the previous file untouched and no temporary file', () => {
    const out = join(dir, 'kept.onnx');
    writeFileSync(out, 'previous');
    const probe = join(dir, 'probe-weights.safetensors');
    const cases: [string[], RegExp][] = [
      [['export', '--index', '705', '--weights', join(dir, 'missing.pt'), '-o', out], /missing\.pt: no such file/],
      [['export', '--index', '705', '--seed', '1', '--weights', probe, '-o', out], /either --weights FILE or --seed N/],
      [['export', '--index', '705', '-o', join(out, 'x.onnx')], /cannot write .*x\.onnx: .*kept\.onnx is a file, not a directory; choose another -o/],
      [['export', '--index', '705', '-o', dir], /cannot write .*: it is a directory/],
    ];
    for (const [args, message] of cases) {
      const { status, stderr } = runCli(args);
      assert.equal(status, 1, args.join(' '));
      assert.match(stderr, message);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
    }
    assert.equal(readFileSync(out, 'utf8'), 'previous');
    assert.deepEqual(leftovers(), []);
  });

  it('creates the missing folders of -o', () => {
    const out = join(dir, 'new', 'folder', 'x.onnx');
    const { status, stderr } = runCli(['export', '--index', '705', '-o', out]);
    assert.equal(status, 0, stderr);
    assert.ok(existsSync(out));
  });
});
