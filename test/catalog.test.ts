import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATALOG, catalogGraph } from '../src/catalog/catalog.js';
import { networkTotals, nodeCosts, summarize } from '../src/graph/summary.js';
import { build, listModels, sample } from '../src/zoo/index.js';
import { paperData as builtInPaperData } from '../src/catalog/paper-node.js';
import { paperGraphFacts } from '../src/catalog/paper.js';
import { golden, paperData, readSharedJson, sharedMissing } from './support/shared.js';

interface PaperNet {
  spacename: string;
  law: string;
  id: number;
  params: number;
  flops: number;
}

test('all 1617 catalog networks have the paper\'s params (state_dict elements) and FLOPs', { skip: sharedMissing }, () => {
  const paper = readSharedJson<PaperNet[]>(paperData('NetConfigs.json'));
  assert.equal(paper.length, CATALOG.length);
  // Results files are checked against the built-in figures in place of the graphs: they must be the graphs' counts.
  const builtInFacts = paperGraphFacts(builtInPaperData());
  const mismatches = CATALOG.flatMap((entry) => {
    const expected = paper[entry.index]!;
    if (expected.spacename !== entry.space || expected.law !== entry.law || expected.id !== entry.id) {
      return [`${entry.index}: catalog ${entry.space}/${entry.law}/${entry.id}, paper ${expected.spacename}/${expected.law}/${expected.id}`];
    }
    const graph = catalogGraph(entry);
    const s = summarize(graph);
    // The search sizes networks by the builder's counts: they must be the per-layer summary's, exactly.
    const { layers: _, ...totals } = s;
    assert.deepEqual(networkTotals(graph), totals, `builder counts, #${entry.index}`);
    // Per node too: the builder's output elements and MACs are the OPS rules' on the finished graph (a copy is counted).
    assert.deepEqual(nodeCosts(graph), nodeCosts({ ...graph }), `builder node costs, #${entry.index}`);
    const builtIn = builtInFacts(entry.index);
    assert.deepEqual(builtIn, { stateDictElements: expected.params, flops: expected.flops }, `built-in paper data, #${entry.index}`);
    return s.stateDictElements === expected.params && s.flops === expected.flops
      ? []
      : [`${entry.index} ${entry.space}/${entry.law}/${entry.id}: params ${expected.params} vs ${s.stateDictElements}, flops ${expected.flops} vs ${s.flops}`];
  });
  assert.equal(mismatches.length, 0, `${mismatches.length} catalog entries differ (expected vs actual):\n${mismatches.join('\n')}`);
});

test('the builder counts every zoo model as its per-layer summary does; a graph derived by hand is summarised', () => {
  for (const model of listModels()) {
    const graph = build(model.name);
    const { layers: _, ...totals } = summarize(graph);
    assert.deepEqual(networkTotals(graph), totals, model.name);
    assert.deepEqual(nodeCosts(graph), nodeCosts({ ...graph }), model.name);
  }
  const graph = build('ResNet18');
  const derived = { ...graph, modules: graph.modules.filter((m) => !m.name.startsWith('layer4')) };
  const { layers: _, ...totals } = summarize(derived);
  assert.deepEqual(networkTotals(derived), totals);
  assert.ok(networkTotals(derived).stateDictElements < networkTotals(graph).stateDictElements);
});

test('golden checkpoints of space members have our state_dict element count', { skip: sharedMissing }, () => {
  const fixtures = readSharedJson<{ name: string; space?: string; law: string; id: number; stateDictElements: number }[]>(golden('golden.json'));
  const members = fixtures.filter((f) => f.space !== undefined);
  assert.ok(members.some((f) => f.space === 'random_net_probenet_s') && members.some((f) => f.space === 'random_net_resnet'));
  for (const f of members) {
    const actual = summarize(build(f.space!, { args: sample(f.space!, f.law, f.id) })).stateDictElements;
    assert.equal(actual, f.stateDictElements, f.name);
  }
});
