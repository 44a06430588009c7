import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './support/cli.js';

test('info --json describes a catalog network with the fields the issue names', () => {
  const { status, stdout } = runCli(['info', '--index', '687', '--json', '--no-layers']);
  assert.equal(status, 0);
  const info = JSON.parse(stdout);
  assert.deepEqual(
    { index: info.index, space: info.space, law: info.law, id: info.id, params: info.stateDictElements, flops: info.flops },
    { index: 687, space: 'random_net_mobilenetv2', law: 's6', id: 10, params: 1515, flops: 306386 },
  );
  for (const key of ['args', 'macs', 'weightBytes', 'inputShape']) assert.ok(key in info, key);
  assert.deepEqual(info.inputShape, [1, 3, 32, 32]);
});

test('info by space/law/id names the same network as its catalog index, and takes model arguments', () => {
  const bySpace = JSON.parse(runCli(['info', '--space', 'random_net_mobilenetv2', '--law', 's6', '--id', '10', '--json']).stdout);
  assert.equal(bySpace.index, 687);
  assert.ok(Array.isArray(bySpace.layers) && bySpace.layers.length > 10);
  const synth = JSON.parse(runCli(['info', 'SynthWideAndLong', '--args', '{"f":1,"l":2}', '--json', '--no-layers']).stdout);
  assert.deepEqual(synth.args, { f: 1, l: 2 });
  assert.deepEqual(synth.inputShape, [1, 3, 64, 64]);
});

test('catalog --json lists all 1617 networks in the paper order', () => {
  const entries = JSON.parse(runCli(['catalog', '--json']).stdout);
  assert.equal(entries.length, 1617);
  assert.deepEqual(
    entries.map((e: { index: number }) => e.index),
    Array.from({ length: 1617 }, (_, i) => i),
  );
  assert.equal(entries[1552].space, 'random_net_resnext');
});

test('bad input gets one line naming the problem and a non-zero exit', () => {
  const cases: [string[], RegExp][] = [
    [['info', 'ResNet19'], /unknown model 'ResNet19'; valid models: .*ResNet18/],
    [['info', '--space', 'random_net_resnet', '--law', 's9', '--id', '0'], /unknown law 's9' for random_net_resnet; valid laws: s1, s2, s3, s4, s5/],
    [['info', '--space', 'random_net_resnet', '--law', 's1', '--id', '4294967296'], /outside 0\.\.4294967295/],
    [['info', '--index', '1617'], /catalog index 1617 is outside 0\.\.1616/],
    [['info', '--space', 'random_net_probenet_s', '--ranges', '{"fs":[8,4],"kops":[3]}', '--id', '0'], /fs needs low < high/],
    [['info', '--space', 'random_net_probenet_s', '--ranges', '{"fs":[2,8]}', '--id', '0'], /miss kops/],
    [['info', 'SynthWide', '--args', '{"g":2}'], /does not take g/],
  ];
  for (const [args, message] of cases) {
    const { status, stderr } = runCli(args);
    assert.equal(status, 1, args.join(' '));
    assert.match(stderr, message);
    assert.equal(stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${stderr}`);
  }
});
