import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { IotnetsError } from '../src/errors.js';
import { stateDictEntries, summarize } from '../src/graph/summary.js';
import { build, getSpace, lawConfig, listSpaces, sample, type Args, type Ranges } from '../src/zoo/index.js';

interface Golden {
  ids: number[];
  samples: Record<string, Record<string, Record<string, Args>>>;
  stateDicts: { space: string; law: string; id: number; stateDictElements: number }[];
  keyChecks: { space: string; args: Args; stateDict: [string, number[]][] }[];
}

/** Made by scripts/gen-sampler-golden.py from the original samplers and PyTorch models. */
const golden = JSON.parse(readFileSync(new URL('./fixtures/sampler-golden.json', import.meta.url), 'utf8')) as Golden;

/** Asserts `fn` throws a one-line IotnetsError matching `pattern`. */
function throwsOneLine(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof IotnetsError, `expected an IotnetsError, got ${String(e)}`);
    assert.match(e.message, pattern);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
}

describe('search space samplers', () => {
  it('registers the seven original spaces with their laws', () => {
    assert.deepEqual(
      listSpaces().map((s) => s.name).sort(),
      Object.keys(golden.samples).sort(),
    );
    for (const [space, laws] of Object.entries(golden.samples)) assert.deepEqual(Object.keys(getSpace(space).laws).sort(), Object.keys(laws).sort(), space);
  });

  it('reads resnet block_ops and probenet_s kops as choices and every other key as a [low, high) range', () => {
    const choices = listSpaces().flatMap((s) => Object.entries(s.rangeKinds).filter(([, k]) => k === 'choice').map(([key]) => `${s.name}.${key}`));
    assert.deepEqual(choices.sort(), ['random_net_probenet_s.kops', 'random_net_resnet.block_ops']);
  });

  for (const [space, laws] of Object.entries(golden.samples)) {
    it(`${space}: every law draws the original's args for ids ${golden.ids[0]}..${golden.ids.at(-1)}`, () => {
      for (const [law, byId] of Object.entries(laws)) {
        for (const [id, expected] of Object.entries(byId)) assert.deepEqual(sample(space, law, Number(id)), expected, `${space} ${law} id ${id}`);
      }
    });
  }

  it('custom ranges sample like a law: a one-element choice and width-one ranges fix the network', () => {
    const args = sample('random_net_resnet', { block_ops: [1], fs: [16, 17], num_blocks: [2, 3] }, 7);
    assert.deepEqual(args, { blocks: [1, 1, 1, 1], fs: [16, 16, 16, 16, 16], num_blocks: [2, 2, 2, 2] });
    assert.deepEqual(sample('random_net_densenet', lawConfig('random_net_densenet', 's2') as Ranges, 5), sample('random_net_densenet', 's2', 5));
  });
});

describe('search space networks', () => {
  it('state_dict element counts of resnet, probenet_s and googlenet s4-s6 members equal the original PyTorch models', () => {
    const wrong = golden.stateDicts.flatMap(({ space, law, id, stateDictElements }) => {
      const actual = summarize(build(space, { args: sample(space, law, id) })).stateDictElements;
      return actual === stateDictElements ? [] : [`${space}/${law}/${id}: expected ${stateDictElements}, got ${actual}`];
    });
    assert.ok(golden.stateDicts.length > 300);
    assert.deepEqual(wrong, []);
  });

  for (const { space, args, stateDict } of golden.keyChecks) {
    it(`${space} ${JSON.stringify(args).slice(0, 60)}: state_dict keys, order and shapes equal the original`, () => {
      const ours = stateDictEntries(build(space, { args })).map((e) => [e.key, [...e.shape]]);
      assert.deepEqual(ours, stateDict);
    });
  }

  it('numClasses sets the classifier width', () => {
    const graph = build('random_net_pnasnet', { numClasses: 100, args: sample('random_net_pnasnet', 's3', 0) });
    assert.deepEqual(graph.nodes[graph.output]!.shape, [100]);
  });
});

describe('search space errors', () => {
  it('an unknown space or law lists the valid ones', () => {
    throwsOneLine(() => sample('random_net_vgg', 's1', 0), /unknown search space 'random_net_vgg'; valid spaces: .*random_net_densenet.*random_net_resnext/);
    throwsOneLine(() => sample('random_net_densenet', 's4', 0), /unknown law 's4' for random_net_densenet; valid laws: s1, s2, s3$/);
    throwsOneLine(() => sample('random_net_probenet_s', 's9', 0), /valid laws: s0, s1, s2, s3$/);
  });

  it('an id outside 0..2^32-1 is refused', () => {
    for (const id of [-1, 2 ** 32, 1.5]) throwsOneLine(() => sample('random_net_resnet', 's5', id), /0\.\.4294967295/);
    assert.doesNotThrow(() => sample('random_net_resnet', 's5', 2 ** 32 - 1));
  });

  it('custom ranges with low >= high, missing or unknown keys, or an empty choice are refused', () => {
    throwsOneLine(() => sample('random_net_densenet', { nblocks: [4, 4], growth_rate: [1, 8], reduction: [50, 80] }, 0), /nblocks needs low < high/);
    throwsOneLine(() => sample('random_net_densenet', { nblocks: [1, 4], growth_rate: [1, 8] }, 0), /miss reduction/);
    throwsOneLine(() => sample('random_net_pnasnet', { num_cells: [1, 3], num_planes0: [8, 16], num_planes1: [1, 2], num_planes2: [1, 2], x: [1, 2] }, 0), /unknown keys x/);
    throwsOneLine(() => sample('random_net_probenet_s', { fs: [2, 8], kops: [] }, 0), /kops must list at least one choice/);
  });

  it('a custom-range network that cannot be built gives one line from the graph, not a crash', () => {
    // Reduction 1% leaves DenseNet's first transition no channels.
    const starved = sample('random_net_densenet', { nblocks: [1, 2], growth_rate: [1, 2], reduction: [1, 2] }, 0);
    throwsOneLine(() => build('random_net_densenet', { args: starved }), /trans1\.conv .*at least one output channel/);
    // Even kernels shrink each ProbeNet stage by one pixel, so the classifier's 4x4 assumption breaks.
    const even = sample('random_net_probenet_s', { fs: [2, 8], kops: [2] }, 0);
    throwsOneLine(() => build('random_net_probenet_s', { args: even }), /3x3 map, not the 4x4 .*odd kernel/);
  });

  it('hand-written args whose channels are not divisible by groups or whose map shrinks below 1x1 are refused', () => {
    throwsOneLine(
      () => build('random_net_pnasnet', { args: { cell_types: [0], num_cells: [1, 1, 1], num_planes: [16, 24, 48] } }),
      /layer2\.sep_conv1\.conv1 \(conv2d\): channels 16 -> 24 are not divisible by groups=16/,
    );
    const cfg = Array.from({ length: 7 }, () => [1, 8, 1, 2]);
    throwsOneLine(() => build('random_net_mobilenetv2', { args: { cfg, io_planes: [8, 16] } }), /spatial size 1x1 shrinks to 0x0/);
    throwsOneLine(() => build('random_net_resnet', { args: { blocks: [0, 2, 0, 0], fs: [8, 8, 8, 8, 8], num_blocks: [1, 1, 1, 1] } }), /blocks must be a list of 4 codes, each 0 \(BasicBlock\) or 1 \(Bottleneck\)/);
    throwsOneLine(() => build('random_net_resnext', { args: { num_blocks: [1, 1], cardinalities: [1, 1, 1], bottleneck_widths: [4, 4, 4] } }), /num_blocks must be a list of 3 integers/);
    throwsOneLine(() => build('random_net_densenet', { args: { nblocks: [1, 1, 1, 1], growth_rate: 2 } }), /miss reduction/);
    throwsOneLine(() => build('random_net_densenet'), /is a search space: pass its args/);
  });
});
