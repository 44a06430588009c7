import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { IotnetsError } from '../src/errors.js';
import { GraphBuilder } from '../src/graph/graph.js';
import { stateDictEntries, summarize } from '../src/graph/summary.js';
import { build, getModel, listModels } from '../src/zoo/index.js';
import { viewFlat } from '../src/zoo/models/define.js';
import { classDependentSizes, roundHalfEven } from '../src/zoo/models/probenets.js';
import { REPO_ROOT } from './support/shared.js';

/** Written by scripts/gen-zoo-golden.py from the original PyTorch models. */
interface GoldenModel {
  name: string;
  numClasses: number;
  args: Record<string, number>;
  inputSize: number;
  stateDictElements: number;
  outputShape: number[];
  flops: number;
  keyDigest: string;
  keys?: [string, number[]][];
}
interface ZooGolden {
  models: GoldenModel[];
  classDependentSizes: { fromClasses: number; rows: number[][] };
}

const golden = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/zoo-golden.json'), 'utf8')) as ZooGolden;

const describe = (m: GoldenModel) => `${m.name} (${m.numClasses} classes${Object.keys(m.args).length ? `, ${JSON.stringify(m.args)}` : ''})`;

const isIotnetsError = (pattern: RegExp) => (e: unknown) => e instanceof IotnetsError && pattern.test(e.message);

test('every named model matches the original PyTorch network: state_dict, FLOPs, input and output shapes', () => {
  assert.equal(golden.models.length, 50);
  for (const m of golden.models) {
    const graph = build(m.name, { numClasses: m.numClasses, args: m.args });
    const summary = summarize(graph);
    const keys = stateDictEntries(graph).map((e): [string, number[]] => [e.key, [...e.shape]]);
    const digest = createHash('sha256')
      .update(keys.map(([k, s]) => `${k} ${s.join(',')}\n`).join(''))
      .digest('hex');
    assert.equal(summary.stateDictElements, m.stateDictElements, `${describe(m)} state_dict elements`);
    assert.equal(summary.flops, m.flops, `${describe(m)} paper FLOPs`);
    if (m.keys) assert.deepEqual(keys, m.keys, `${describe(m)} state_dict keys`);
    assert.equal(digest, m.keyDigest, `${describe(m)} state_dict keys and shapes`);
    assert.deepEqual(graph.nodes[graph.output]!.shape, m.outputShape, `${describe(m)} output`);
    assert.deepEqual(graph.inputShape, [3, m.inputSize, m.inputSize], `${describe(m)} input`);
    assert.equal(getModel(m.name).inputSize, m.inputSize);
  }
});

test('the zoo holds the 41 named models of the original, in its order, and each builds', () => {
  const names = [...new Set(golden.models.map((m) => m.name))];
  assert.equal(names.length, 41);
  assert.deepEqual(
    listModels().map((m) => m.name),
    names,
  );
  for (const model of listModels()) {
    const graph = build(model.name, { numClasses: 7 });
    assert.deepEqual(graph.nodes[graph.output]!.shape, [7], model.name);
  }
});

test('ProbeNet_d_* size their layers from the class count exactly as Python does, for 1..1000 classes', () => {
  const { fromClasses, rows } = golden.classDependentSizes;
  rows.forEach((row, i) => {
    const s = classDependentSizes(fromClasses + i);
    assert.deepEqual([...s.feature, s.length.rep, s.length.numMiddle, ...s.mlp], row, `${fromClasses + i} classes`);
  });
});

test('Python rounding sends ties to the even neighbour', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 263.5, 770.5, 770.6, 2.4999999999999996].map(roundHalfEven), [0, 2, 2, 0, -2, 264, 770, 771, 2]);
});

test('ProbeNet_d_length keeps the never-called conv_rep in its state_dict when a chain has one convolution', () => {
  const keys = (numClasses: number) => stateDictEntries(build('ProbeNet_d_length', { numClasses })).map((e) => e.key);
  assert.deepEqual(keys(10).slice(0, 7), [
    'chain1.conv_in.weight',
    'chain1.bn.weight',
    'chain1.bn.bias',
    'chain1.bn.running_mean',
    'chain1.bn.running_var',
    'chain1.bn.num_batches_tracked',
    'chain1.conv_rep.weight',
  ]);
  const calls = (numClasses: number) => build('ProbeNet_d_length', { numClasses }).nodes.filter((n) => n.module === 'chain1.conv_rep').length;
  assert.deepEqual([calls(10), calls(100), calls(1000)], [0, 1, 2]);
});

test('synthetic nets take their width and length arguments', () => {
  const convWidths = (args: Record<string, number>) =>
    build('SynthWideAndLong', { args })
      .modules.filter((m) => m.op.kind === 'conv2d')
      .map((m) => `${m.name}:${m.params[0]!.shape[0]}`);
  assert.deepEqual(convWidths({}), ['conv1:32', 'block1.0:32', 'conv2:64', 'block2.0:64', 'conv3:128', 'block3.0:128', 'conv4:256']);
  assert.deepEqual(convWidths({ f: 2, l: 2 }).slice(0, 4), ['conv1:64', 'block1.0:64', 'block1.1:64', 'conv2:128']);
  assert.equal(getModel('SynthWide256').inputSize, 512);
  assert.deepEqual(getModel('SynthWideAndLong').defaultArgs, { f: 1, l: 1 });
});

test('wrong arguments and unknown names are refused in one line that names the fix', () => {
  assert.throws(() => build('SynthWide', { args: { l: 2 } }), isIotnetsError(/^SynthWide does not take l; its arguments: f$/));
  assert.throws(() => build('SynthWideAndLong', { args: { f: 0 } }), isIotnetsError(/argument f must be a positive integer, got 0/));
  assert.throws(() => build('SynthWide256', { args: { f: 1.5 } }), isIotnetsError(/argument f must be a positive integer, got 1.5/));
  assert.throws(() => build('VGG11', { args: { f: 2 } }), isIotnetsError(/^VGG11 takes no arguments, got f$/));
  assert.throws(() => build('ResNet19'), isIotnetsError(/unknown network 'ResNet19'; valid models: DPN26, DPN92, .*ProbeNet_s_slim, SynthWide, SynthWide256, SynthWideAndLong;/));
  assert.throws(() => getModel('vgg11'), isIotnetsError(/unknown model 'vgg11'; valid models: .*VGG11, VGG13/));
  for (const error of [() => build('SynthWide', { args: { l: 2 } }), () => build('ResNet19')]) {
    assert.throws(error, (e: Error) => !e.message.includes('\n'));
  }
});

test("view(-1, k) refuses a map that does not hold exactly k elements per sample", () => {
  const b = new GraphBuilder('SynthWide', [3, 32, 32], 10);
  const map = b.maxPool(b.conv('conv1', b.input, 256, 3, { padding: 1 }), 16);
  assert.throws(() => viewFlat(b, map, 256 * 4 * 4), isIotnetsError(/SynthWide: view\(-1, 4096\) of a \[256,2,2\] map would merge or split samples/));
  assert.deepEqual(viewFlat(b, map, 256 * 2 * 2).shape, [1024]);
});
