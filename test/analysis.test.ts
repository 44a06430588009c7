import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  analyseFront,
  applyConstraints,
  averageRanks,
  bestUnder,
  checkAgainstGraphs,
  compareDevices,
  catalogDevice,
  type CatalogPoint,
  joinAccuracy,
  memoryBytes,
  networkFacts,
  paretoFront,
  paretoFront2,
  parseFormat,
  parseLatencyMs,
  parseMemoryBytes,
  parseResults,
  spanSelection,
  spearman,
  storageBytes,
  withMemory,
  type NetworkPoint,
  type Objective,
} from '../src/analysis/index.js';
import { describeLatencyStatistic, latencyStatistic } from '../src/analysis/results.js';
import { parseAccuracyCsv, parseAccuracyJson } from '../src/catalog/accuracy.js';
import { catalogEntry, catalogGraph } from '../src/catalog/catalog.js';
import { IotnetsError } from '../src/errors.js';
import { failOnProblems } from '../src/problems.js';
import { paperData, readSharedJson, sharedMissing } from './support/shared.js';

type Raw = Record<string, unknown>;

/** Paper results as points with the accuracy the file carries. */
function paperPoints(file: string): NetworkPoint[] {
  const results = parseResults(readSharedJson(paperData(file)), file);
  assert.deepEqual(results.problems, []);
  const joined = joinAccuracy(results.measurements);
  assert.deepEqual(joined.problems, []);
  return [...joined.points];
}

/** Non-dominated items by pairwise comparison, O(n^2): the reference the sweeps are checked against. */
function bruteForceFront<T>(items: readonly T[], objectives: readonly Objective<T>[]): Set<T> {
  const costs = items.map((it) => objectives.map((o) => (o.sense === 'min' ? o.value(it) : -o.value(it))));
  const dominates = (a: number[], b: number[]) => a.every((v, i) => v <= b[i]!) && a.some((v, i) => v < b[i]!);
  return new Set(items.filter((_, i) => !costs.some((c) => dominates(c, costs[i]!))));
}

/** A small deterministic generator (LCG), so random cases are the same on every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const expectThrows = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof IotnetsError && message.test(e.message) && !e.message.includes('\n'));

describe('Pareto fronts on the paper data', { skip: sharedMissing }, () => {
  const LAT: Objective<NetworkPoint> = { name: 'latency', sense: 'min', value: (p) => p.latencyMs };
  const ACC: Objective<NetworkPoint> = { name: 'accuracy', sense: 'max', value: (p) => p.accuracy };

  test("the Raspberry Pi front holds every network the README highlights for it", () => {
    const points = paperPoints('results_RaspPi.json');
    const front = analyseFront(points).front.map((p) => p.index);
    for (const index of [687, 611, 450, 405, 306, 349, 64]) assert.ok(front.includes(index), `#${index} on the RaspPi front`);
    assert.equal(front.length, 44);
    assert.deepEqual(new Set(front), new Set([...bruteForceFront(points, [LAT, ACC])].map((p) => p.index)));
  });

  test('the MacBook Pro front holds every network the README highlights for it', () => {
    const points = paperPoints('results_MacBookPro.json');
    const front = analyseFront(points).front.map((p) => p.index);
    for (const index of [1552, 1420, 1449, 851, 771, 64]) assert.ok(front.includes(index), `#${index} on the MacBook front`);
    assert.equal(front.length, 55);
    assert.deepEqual(new Set(front), new Set([...bruteForceFront(points, [LAT, ACC])].map((p) => p.index)));
  });

  test('the front runs from the fastest network to the most accurate, with accuracy rising along latency', () => {
    const points = paperPoints('results_RaspPi.json');
    const front = analyseFront(points).front;
    assert.equal(front[0]!.index, 705);
    assert.equal(front.at(-1)!.index, 64);
    for (let i = 1; i < front.length; i++) {
      assert.ok(front[i]!.latencyMs > front[i - 1]!.latencyMs && front[i]!.accuracy > front[i - 1]!.accuracy);
    }
  });

  test('the memory front and the three-objective front match pairwise dominance', () => {
    const points = withMemory(paperPoints('results_RaspPi.json'));
    const fp16 = parseFormat('fp16');
    const memory = analyseFront(points, { axes: 'memory', format: fp16 });
    const memoryObjective: Objective<(typeof points)[number]> = { name: 'memory', sense: 'min', value: (p) => memoryBytes(p, fp16) };
    assert.deepEqual(new Set(memory.front), bruteForceFront(points, [memoryObjective, ACC]));
    const all = analyseFront(points, { axes: 'all', format: fp16 });
    assert.deepEqual(new Set(all.front), bruteForceFront(points, [LAT, memoryObjective, ACC]));
    // Every two-objective optimum is also optimal for three objectives, not the other way round.
    for (const p of [...analyseFront(points).front, ...memory.front]) assert.ok(all.front.includes(p));
    assert.ok(all.front.length > memory.front.length);
  });
});

describe('Pareto sweep', () => {
  type P = { a: number; b: number; c: number; tag: number };
  const A: Objective<P> = { name: 'a', sense: 'min', value: (p) => p.a };
  const B: Objective<P> = { name: 'b', sense: 'max', value: (p) => p.b };
  const C: Objective<P> = { name: 'c', sense: 'min', value: (p) => p.c };

  test('two- and three-objective fronts equal pairwise dominance on random data with ties and duplicates', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rand = lcg(seed);
      // Values on a coarse grid so that ties and exact duplicates are common.
      const items = Array.from({ length: 200 }, (_, tag) => ({ a: Math.floor(rand() * 20), b: Math.floor(rand() * 20), c: Math.floor(rand() * 5), tag }));
      items.push({ ...items[0]!, tag: 1000 }, { ...items[1]!, tag: 1001 });
      assert.deepEqual(new Set(paretoFront2(items, A, B)), bruteForceFront(items, [A, B]), `seed ${seed}, two objectives`);
      assert.deepEqual(new Set(paretoFront(items, [A, B, C])), bruteForceFront(items, [A, B, C]), `seed ${seed}, three objectives`);
    }
  });

  test('duplicates of a front point are all kept; a tie on the first objective keeps only the best second', () => {
    const items: P[] = [
      { a: 1, b: 5, c: 0, tag: 0 },
      { a: 1, b: 5, c: 0, tag: 1 },
      { a: 1, b: 4, c: 0, tag: 2 },
      { a: 2, b: 5, c: 0, tag: 3 },
      { a: 3, b: 9, c: 0, tag: 4 },
    ];
    assert.deepEqual(paretoFront2(items, A, B).map((p) => p.tag), [0, 1, 4]);
    assert.deepEqual(paretoFront2([], A, B), []);
  });
});

describe('number formats and memory', () => {
  test('named and custom formats have 1 + exponent + mantissa bits; int8 has 8', () => {
    const bits = Object.fromEntries(['fp32', 'fp16', 'bf16', 'int8', 'e4m3', 'e5m2', 'E2M1', 'half'].map((f) => [f, parseFormat(f).bits]));
    assert.deepEqual(bits, { fp32: 32, fp16: 16, bf16: 16, int8: 8, e4m3: 8, e5m2: 8, E2M1: 4, half: 16 });
    assert.equal(parseFormat('e5m10').name, 'fp16');
    assert.equal(parseFormat({ exponent: 8, mantissa: 7 }).name, 'bf16');
    assert.equal(parseFormat({ exponent: 6, mantissa: 9 }).name, 'e6m9');
  });

  test('an unknown format or an impossible layout is a one-line error', () => {
    expectThrows(() => parseFormat('fp12'), /^unknown number format 'fp12': use fp32, fp16, bf16, int8 or a custom float eXmY \(e\.g\. e5m10\)$/);
    expectThrows(() => parseFormat({ exponent: 0, mantissa: 7 }), /exponent bits must be a whole number in 1\.\.15, got 0/);
    expectThrows(() => parseFormat('e4m200'), /mantissa bits must be a whole number in 0\.\.112, got 200/);
  });

  test('memory packs elements at the format width, rounding up to whole bytes', () => {
    const net = { weightElements: 1001, peakActivationElements: 3072 };
    const total = (f: string) => memoryBytes(net, parseFormat(f));
    assert.deepEqual(
      ['fp32', 'fp16', 'int8', 'e2m1'].map(total),
      [4 * 4073, 2 * 4073, 4073, Math.ceil(1001 / 2) + 3072 / 2],
    );
    assert.equal(memoryBytes(net, parseFormat('fp16'), 'weights'), 2002);
    assert.equal(memoryBytes(net, parseFormat('fp16'), 'activations'), 6144);
    assert.equal(storageBytes(3, parseFormat('e2m1')), 2);
  });

  test("a catalog network's weights are its state_dict floats (params less one num_batches_tracked per BatchNorm)", { skip: sharedMissing }, () => {
    const facts = networkFacts(687);
    const batchNorms = catalogGraph(catalogEntry(687)).modules.filter((m) => m.op.kind === 'batchnorm').length;
    assert.equal(facts.stateDictElements, 1515);
    assert.equal(facts.weightElements, 1515 - batchNorms);
    assert.equal(memoryBytes(facts, parseFormat('fp16'), 'weights'), 2 * (1515 - batchNorms));
    // Batch 1 at 32x32: the input alone is 3x32x32 elements, so the peak is at least that.
    assert.ok(facts.peakActivationElements >= 3 * 32 * 32);
  });
});

describe('budgets', () => {
  test('latency and memory strings', () => {
    assert.deepEqual(['10ms', '0.5s', '250us', '1.5e3us', '2 ms'].map(parseLatencyMs), [10, 500, 0.25, 1.5, 2]);
    assert.deepEqual(['64KiB', '2MB', '1.5MiB', '65536', '100B', '1GiB'].map(parseMemoryBytes), [65536, 2e6, 1572864, 65536, 100, 2 ** 30]);
    expectThrows(() => parseLatencyMs('10'), /cannot read latency '10': write a number with a unit/);
    expectThrows(() => parseLatencyMs('fast'), /cannot read latency 'fast'/);
    expectThrows(() => parseMemoryBytes('64 parsecs'), /cannot read memory size '64 parsecs'/);
  });

  test('the best network under constraints on the Raspberry Pi', { skip: sharedMissing }, () => {
    const points = withMemory(paperPoints('results_RaspPi.json'));
    assert.equal(bestUnder(points, { maxLatencyMs: 10 }).index, 667);
    assert.equal(bestUnder(points, {}).index, 64);
    assert.equal(bestUnder(points, { minAccuracy: 0.9 }, 'latency').index, 450);
    const tight = { maxLatencyMs: 10, maxMemoryBytes: 64 * 1024, format: parseFormat('fp16') };
    const best = bestUnder(points, tight);
    assert.equal(best.index, 273);
    // No network meeting the budget is more accurate than the one chosen.
    for (const p of applyConstraints(points, tight)) assert.ok(p.accuracy <= best.accuracy);
    expectThrows(
      () => bestUnder(points, { maxLatencyMs: 1, minAccuracy: 0.99 }),
      /^no network meets latency <= 1\.00 ms, accuracy >= 0\.99 \(the fastest takes 5\.41 ms; the most accurate reaches 94\.60%\); relax a constraint$/,
    );
  });

  test('constraints apply before the front is computed', { skip: sharedMissing }, () => {
    const points = paperPoints('results_MacBookPro.json');
    const { candidates, front } = analyseFront(points, { constraints: { minAccuracy: 0.6, maxLatencyMs: 100 } });
    assert.ok(candidates.every((p) => p.accuracy >= 0.6 && p.latencyMs <= 100));
    assert.equal(front[0]!.index, 1592);
    assert.ok(front.every((p) => p.latencyMs <= 100));
    expectThrows(() => analyseFront(points, { constraints: { maxLatencyMs: 1 } }), /^no network meets latency <= 1\.00 ms \(the fastest takes 1\.26 ms\); relax a constraint$/);
  });

  test('the selection spans the front at evenly spaced log-latency targets', () => {
    const front = Array.from({ length: 11 }, (_, i) => ({ latency: 2 ** i }));
    const pick = (k: number) => spanSelection(front, k, (p) => p.latency).map((p) => p.latency);
    assert.deepEqual(pick(6), [1, 4, 16, 64, 256, 1024]);
    assert.deepEqual(pick(3), [1, 32, 1024]);
    assert.deepEqual(pick(20), front.map((p) => p.latency));
    // Two targets nearest the same member still select distinct members.
    const clustered = [{ latency: 1 }, { latency: 1000 }, { latency: 1001 }, { latency: 1002 }];
    assert.deepEqual(spanSelection(clustered, 3, (p) => p.latency).map((p) => p.latency), [1, 1000, 1002]);
  });

  test('the paper-data selection of 7 spans the Raspberry Pi front from its fastest to its most accurate network', { skip: sharedMissing }, () => {
    const { front, selection } = analyseFront(paperPoints('results_RaspPi.json'), { k: 7 });
    assert.equal(selection.length, 7);
    assert.ok(selection.every((p) => front.includes(p)));
    assert.deepEqual([selection[0]!.index, selection.at(-1)!.index], [705, 64]);
  });
});

describe('results files', () => {
  const entry = (over: Raw = {}): Raw => ({ spacename: 'random_net_mobilenetv2', law: 's6', id: 10, t_avg: 5.97, t_std: 0.4, acc: 0.5155, ...over });

  test('entries are matched to catalog indices by spacename/law/id; index, t_pred and a device record are read', () => {
    const results = parseResults(
      [{ device: { name: 'Pi 3B+' } }, entry({ index: 687, t_pred: 6.5 }), entry({ spacename: 'random_net_resnext', law: 's3', id: 10 })],
      'r.json',
    );
    assert.deepEqual(results.problems, []);
    assert.equal(results.device?.name, 'Pi 3B+');
    assert.deepEqual(results.measurements.map((m) => [m.index, m.predictedMs]), [[687, 6.5], [1527, undefined]]);
    const wrapped = parseResults({ device: 'MacBook', results: [entry()] }, 'r.json');
    assert.equal(wrapped.device?.name, 'MacBook');
  });

  test('the latency is the median when a file has t_median (mean 0.545 ms, median 0.317 ms: #687 of a full run), else t_avg', () => {
    const calibrated = parseResults([entry({ t_avg: 0.545, t_median: 0.317, t_p90: 0.6, runs: 40 })], 'r.json').measurements[0]!;
    assert.deepEqual(
      [calibrated.latencyMs, calibrated.latencyStatistic, calibrated.meanMs, calibrated.p90Ms, calibrated.runs],
      [0.317, 'median', 0.545, 0.6, 40],
    );
    const paper = parseResults([entry()], 'r.json').measurements;
    assert.deepEqual([paper[0]!.latencyMs, paper[0]!.latencyStatistic], [5.97, 'mean']);
    assert.equal(latencyStatistic(paper), 'mean');
    assert.equal(latencyStatistic([calibrated, ...paper]), 'mixed');
    assert.equal(describeLatencyStatistic('median'), "latency = median of each network's timed runs (t_median)");
    assert.deepEqual(parseResults([entry({ t_median: 0 })], 'r.json').problems.map((p) => p.message), [
      'entry 0 (random_net_mobilenetv2/s6/10) has t_median 0, not a positive number of ms',
    ]);
  });

  test('unusable entries are listed as problems, each naming the entry', () => {
    const results = parseResults(
      [
        entry(),
        entry({ spacename: 'random_net_foo' }),
        entry({ id: 9, law: 's1', spacename: 'random_net_densenet' }),
        entry({ index: 5 }),
        entry({ t_avg: -1 }),
        entry({ t_avg: null }),
        entry({ acc: 93.5 }),
        { spacename: 'random_net_densenet' },
        entry(),
      ],
      'r.json',
    );
    assert.equal(results.measurements.length, 1);
    assert.deepEqual(
      results.problems.map((p) => p.kind),
      ['not-in-catalog', 'not-in-catalog', 'index-mismatch', 'bad-latency', 'bad-latency', 'bad-accuracy', 'malformed', 'duplicate'],
    );
    assert.equal(results.problems[1]!.message, 'entry 2 (random_net_densenet/s1/9) is not a network the paper trained');
    expectThrows(
      () => failOnProblems(results.problems, 'r.json', 'fix the file'),
      /^r\.json: 2 entries not in the paper catalog, 1 entry with an index that disagrees .*, 1 entry duplicated; first: entry 1 \(random_net_foo\/s6\/10\) is not a network the paper trained; fix the file$/,
    );
  });

  test('an empty or non-array results document is a one-line error', () => {
    expectThrows(() => parseResults([], 'empty.json'), /^empty\.json: the results file holds no measurements/);
    expectThrows(() => parseResults({ t_avg: 1 }, 'odd.json'), /^odd\.json: expected a JSON array of \{spacename, law, id, t_avg, t_std\}/);
  });

  test("params and flops that disagree with the network graph are reported", { skip: sharedMissing }, () => {
    const results = parseResults([entry({ params: 1515, flops: 306386 }), entry({ id: 11, params: 7 })], 'r.json');
    const problems = checkAgainstGraphs(results.measurements, networkFacts);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.kind, 'params-mismatch');
    assert.match(problems[0]!.message, /^#688 \(random_net_mobilenetv2\/s6\/11\) has params 7 but its graph has \d+$/);
  });

  test('the paper results files match the catalog and their network graphs entry for entry', { skip: sharedMissing }, () => {
    for (const file of ['results_RaspPi.json', 'results_MacBookPro.json']) {
      const results = parseResults(readSharedJson(paperData(file)), file);
      assert.equal(results.measurements.length, 1617);
      assert.deepEqual(results.measurements.map((m) => m.index), Array.from({ length: 1617 }, (_, i) => i));
      assert.deepEqual(checkAgainstGraphs(results.measurements, networkFacts), []);
    }
  });
});

describe('accuracy sources', () => {
  const measured = parseResults(
    [
      { spacename: 'random_net_mobilenetv2', law: 's6', id: 10, t_avg: 6, runid: 'r687' },
      { spacename: 'random_net_resnext', law: 's3', id: 10, t_avg: 10, runid: 'r1527' },
    ],
    'r.json',
  ).measurements;

  test('CSV by index or run id and JSON mappings give the same accuracies', () => {
    const tables = [
      parseAccuracyCsv('index,accuracy\n687,0.5\n1527,0.6\n', 'a.csv'),
      parseAccuracyCsv('"runid","acc"\r\n"r687",0.5\r\n"r1527",0.6\r\n', 'b.csv'),
      parseAccuracyJson({ 687: 0.5, 1527: 0.6 }, 'c.json'),
      parseAccuracyJson({ r687: 0.5, r1527: 0.6 }, 'd.json'),
      parseAccuracyJson([{ spacename: 'random_net_mobilenetv2', law: 's6', id: 10, acc: 0.5 }, { index: 1527, accuracy: 0.6 }], 'e.json'),
    ];
    for (const table of tables) {
      assert.deepEqual(table.problems, [], table.source);
      const joined = joinAccuracy(measured, table);
      assert.deepEqual(joined.points.map((p) => [p.index, p.accuracy]), [[687, 0.5], [1527, 0.6]], table.source);
    }
  });

  test("the paper's NetConfigs.json gives every measurement its accuracy", { skip: sharedMissing }, () => {
    const table = parseAccuracyJson(readSharedJson(paperData('NetConfigs.json')), 'NetConfigs.json');
    assert.equal(table.byIndex.size, 1617);
    const results = parseResults(readSharedJson(paperData('results_RaspPi.json')), 'results_RaspPi.json');
    const joined = joinAccuracy(results.measurements, table);
    assert.equal(joined.points.length, 1617);
    assert.equal(joined.unmatchedAccuracies, 0);
    assert.equal(joined.points[687]!.accuracy, results.measurements[687]!.accuracy);
  });

  test('missing accuracies are problems, not silently dropped networks; spare entries are counted', () => {
    const joined = joinAccuracy(measured, parseAccuracyJson({ 687: 0.5, 3: 0.9 }, 'a.json'));
    assert.deepEqual(joined.points.map((p) => p.index), [687]);
    assert.deepEqual(joined.problems.map((p) => p.message), ['#1527 (random_net_resnext/s3/10, runid r1527) has no accuracy in a.json']);
    assert.equal(joined.unmatchedAccuracies, 1);
    assert.equal(joinAccuracy(measured).problems.length, 2);
  });
});

describe('cross-device comparison', () => {
  test('Spearman rho uses average ranks for ties', () => {
    assert.deepEqual(averageRanks([3, 1, 4, 1, 5, 9, 2, 6]), [4, 1.5, 5, 1.5, 6, 8, 3, 7]);
    // Reference values from NumPy's corrcoef of the same average ranks.
    assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) - 0.8207826816681234) < 1e-12);
    assert.ok(Math.abs(spearman([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]) - 0.19885368120992464) < 1e-12);
    assert.equal(spearman([1, 2, 3], [10, 100, 1000]), 1);
    assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
  });

  test('the cost of choosing by the other device front, on a hand-made pair', () => {
    const point = (index: number, latencyMs: number, accuracy: number): CatalogPoint =>
      ({ ...catalogEntry(index), latencyMs, accuracy }) as CatalogPoint;
    // On A, network 1 is fast; on B it is slow, and 2 is the fast accurate one.
    const a = { name: 'A', points: [point(0, 1, 0.5), point(1, 2, 0.8), point(2, 4, 0.9)] };
    const b = { name: 'B', points: [point(0, 1, 0.5), point(1, 8, 0.8), point(2, 3, 0.9)] };
    const c = compareDevices(a, b);
    assert.deepEqual([c.frontA, c.frontB, c.onlyOnFrontA, c.onlyOnFrontB], [[0, 1, 2], [0, 2], [1], []]);
    assert.equal(c.latencyRho, 0.5);
    // A's front still holds B's optima, so choosing by it loses no accuracy; but its member 1 is 8/3 x slower on B than 2.
    assert.equal(c.aFrontOnB.maxAccuracyLoss, 0);
    assert.equal(c.aFrontOnB.maxLatencyRatio, 8 / 3);
    // B's front lacks network 1, so at A's 2 ms budget it offers only network 0: 0.3 accuracy lost.
    assert.ok(Math.abs(c.bFrontOnA.maxAccuracyLoss - 0.3) < 1e-12);
    assert.equal(c.bFrontOnA.maxLatencyRatio, 1);
  });

  test('Raspberry Pi and MacBook Pro: correlated latencies, but different optimal networks', { skip: sharedMissing }, () => {
    const c = compareDevices(catalogDevice({ name: 'RaspPi', points: paperPoints('results_RaspPi.json') }), catalogDevice({ name: 'MacBookPro', points: paperPoints('results_MacBookPro.json') }));
    assert.equal(c.common, 1617);
    // Reference: NumPy's corrcoef of the average ranks of the two files' t_avg.
    assert.ok(Math.abs(c.latencyRho - 0.92566314635889) < 1e-12);
    assert.deepEqual([c.frontA.length, c.frontB.length, c.onlyOnFrontA.length, c.onlyOnFrontB.length], [44, 55, 42, 53]);
    assert.deepEqual(c.frontA.filter((i) => c.frontB.includes(i)).sort((x, y) => x - y), [3, 64]);
    for (const t of [c.aFrontOnB, c.bFrontOnA]) {
      assert.ok(t.maxAccuracyLoss > 0 && t.members.every((m) => m.latencyRatio >= 1));
      assert.ok(t.budgets.every((b) => b.accuracyLoss === undefined || b.accuracyLoss >= 0));
    }
  });
});
