// Constrained search on the paper's catalog: half of it (seeded, several splits) is the prior with accuracy, the other
// half the pool, whose accuracy only a lookup trainer reveals. For a grid of constraints (both paper devices, latency
// 1-100 ms, fp32/fp16/int8 weights 16 KiB-1 MiB) the search spends T trainings; it is compared with random feasible
// networks, largest-parameters-first and a non-adaptive boosted-trees model on (log params, log FLOPs, space).
// Also: candidates evaluated per second, and the yield of derived laws for 32 KiB fp32 weights under 10 ms on the Pi.
// Usage: npm run bench:search [-- --splits 5] [-- --throughput-only]
import { parseFormat } from '../src/onnx/formats.js';
import { CATALOG, catalogGraph } from '../src/catalog/catalog.js';
import { catalogAccuracies } from '../src/catalog/accuracy.js';
import { loadAccuracyFile } from '../src/catalog/load-file.js';
import { loadResults } from '../src/analysis/results-node.js';
import { catalogOnly } from '../src/analysis/results.js';
import { chooseCalibrationSet } from '../src/predict/chooser.js';
import { latencyFeatures } from '../src/predict/features.js';
import { fitLatencyModel } from '../src/predict/model.js';
import { RandomState } from '../src/rng/random-state.js';
import { fitBoosted, predictBoosted } from '../src/search/boosting.js';
import { lawCandidate, lawCandidates } from '../src/search/candidates.js';
import type { SearchConstraints } from '../src/search/constraints.js';
import { deriveConstrainedLaw } from '../src/search/derive.js';
import { modelLatency, resultsLatency } from '../src/search/latency.js';
import { EMPTY_SEARCH_JOURNAL } from '../src/search/journal.js';
import { runSearchLoop, type Trainer } from '../src/search/loop.js';
import { sizeCandidate } from '../src/search/sized.js';
import { evaluateCandidate, Study, type EvaluatedCandidate } from '../src/search/study.js';
import { AccuracySurrogate } from '../src/search/surrogate.js';
import { listSpaces } from '../src/zoo/index.js';
import { formatTable } from '../src/report/text.js';
import { IotnetsError } from '../src/errors.js';

const splitsArg = process.argv.indexOf('--splits');
const SPLITS = splitsArg > 0 ? Number(process.argv[splitsArg + 1]) : 5;
const BUDGETS = [1, 3, 5, 10];
const MAX_T = Math.max(...BUDGETS);
const LATENCIES_MS = [1, 2, 5, 10, 20, 50, 100];
const WEIGHTS_KIB = [16, 32, 64, 128, 256, 512, 1024];
const FORMATS = ['fp32', 'fp16', 'int8'].map((f) => parseFormat(f));
const DEVICES = ['raspi', 'macbook'] as const;

const started = performance.now();
const accuracy = catalogAccuracies(loadAccuracyFile('paper'));
const latency = Object.fromEntries(await Promise.all(DEVICES.map(async (d) => [d, resultsLatency(catalogOnly((await loadResults(`paper:${d}`)).measurements, `paper:${d}`, 'bench:search'), `paper:${d}`)] as const)));
// Throughput first, in a small heap (later the whole catalog's graphs are held, and every collection scans them):
// sample, build, memory and predicted latency of new networks (ids 100-199 of every law).
const piModel = fitLatencyModel(
  chooseCalibrationSet(50).map((i) => ({ features: latencyFeatures(catalogGraph(CATALOG[i]!)), latencyMs: latency.raspi.latencyMs(lawCandidate(CATALOG[i]!.space, CATALOG[i]!.law, CATALOG[i]!.id), catalogGraph(CATALOG[i]!))!, index: i })),
  { name: 'Raspberry Pi 3B+ (paper)', details: {} },
);
const piPredicted = modelLatency(piModel, 'paper:raspi, 50 diverse networks');
const throughputConstraints: SearchConstraints = { format: FORMATS[0]!, maxWeightBytes: 1024 * 1024, maxLatencyMs: 100 };
const sampleNewNetworks = () => listSpaces().flatMap((space) => Object.keys(space.laws).flatMap((law) => lawCandidates(space.name, law, 100, 100)));
// Passes 1-3 are the figure: what a search over a few thousand candidates gets from a fresh process, JIT warm-up
// included; passes 4-6 are printed beside it, what a longer search gets once the JIT has compiled the hot code.
const rates: number[] = [];
const cpuRates: number[] = [];
let newNetworks = 0;
for (let pass = 0; pass < 6; pass++) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const sampled = sampleNewNetworks();
  newNetworks = sampled.length;
  for (const c of sampled) {
    try {
      evaluateCandidate(sizeCandidate(c), throughputConstraints, piPredicted);
    } catch (e) {
      if (!(e instanceof IotnetsError)) throw e;
    }
  }
  rates.push(newNetworks / ((performance.now() - t0) / 1000));
  const cpu = process.cpuUsage(cpu0);
  cpuRates.push(newNetworks / ((cpu.user + cpu.system) / 1e6));
}
const medianOf3 = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[1]!).toLocaleString('en-US');
const throughputLine =
  `\ncandidates evaluated per second (sample, build, memory, predicted Pi latency; ${newNetworks} new networks of every law, median of 3): ${medianOf3(rates.slice(0, 3))} ` +
  `(per second of this process's CPU time, all its threads: ${medianOf3(cpuRates.slice(0, 3))}; wall time also counts other work sharing the machine; ` +
  `3 passes more, JIT warm: ${medianOf3(rates.slice(3))}, per CPU second ${medianOf3(cpuRates.slice(3))})`;
if (process.argv.includes('--throughput-only')) {
  console.log(throughputLine.trim());
  process.exit(0);
}

const sized = CATALOG.map((e) => sizeCandidate(lawCandidate(e.space, e.law, e.id)));
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
// The paper trained some architectures more than once (its repeat trainings): each architecture is one network, split
// into the prior or the pool as a whole, its accuracy the mean of its trainings (so a pool network is never its own
// twin in the prior, and a training shows the accuracy the pool is scored on).
const trainings = new Map<string, number[]>();
sized.forEach((s, i) => trainings.set(s.sized.key, [...(trainings.get(s.sized.key) ?? []), accuracy.get(i)!.accuracy]));
const keyIndex = new Map<string, number>();
sized.forEach((s, i) => keyIndex.set(s.sized.key, keyIndex.get(s.sized.key) ?? i));
const architectures = [...keyIndex.values()];
const accuracyOf = (i: number) => mean(trainings.get(sized[i]!.sized.key)!);

/** Sequences of pool networks each method trains for one setting, best first. */
type Method = 'search' | 'random feasible' | 'largest params first' | 'non-adaptive trees';
const METHODS: readonly Method[] = ['search', 'random feasible', 'largest params first', 'non-adaptive trees'];
const regret: Record<string, number[]> = {};
const found: Record<string, number[]> = {};
const record = (method: Method, t: number, r: number, f: number) => {
  (regret[`${method} ${t}`] ??= []).push(r);
  (found[`${method} ${t}`] ??= []).push(f);
};

/** Expected regret and chance of finding the best when T of the feasible networks are drawn at random (exact). */
function randomExpectation(accuracies: number[], t: number): { regret: number; found: number } {
  const a = [...accuracies].sort((x, y) => y - x);
  const n = a.length;
  if (t >= n) return { regret: 0, found: 1 };
  // P(the best of the draw is a_k) = C(n-k-1, t-1) / C(n, t), k counted from 0.
  let p = t / n;
  let expectedBest = 0;
  for (let k = 0; k <= n - t; k++) {
    expectedBest += p * a[k]!;
    p *= (n - k - t) / (n - k - 1);
  }
  return { regret: (a[0]! - expectedBest) * 100, found: t / n };
}

function scoreSequence(method: Method, sequence: readonly number[], best: number): void {
  for (const t of BUDGETS) {
    const got = Math.max(...sequence.slice(0, t).map(accuracyOf));
    record(method, t, (best - got) * 100, got === best ? 1 : 0);
  }
}

const lookupTrainer: Trainer = { train: async (p) => ({ accuracy: accuracyOf(keyIndex.get(p.key)!) }) };
const sink = { append: () => {} };
let settings = 0;
let searchSeconds = 0;
const spaceNames = listSpaces().map((s) => s.name);
for (let split = 0; split < SPLITS; split++) {
  const order = [...architectures];
  new RandomState(split).shuffle(order);
  const prior = order.slice(0, Math.floor(order.length / 2));
  const pool = order.slice(prior.length);
  const surrogate = AccuracySurrogate.fit(prior.map((i) => ({ features: sized[i]!.sized.features, accuracy: accuracyOf(i) })), { seed: split });
  surrogate.prepare(pool.map((i) => sized[i]!.sized.features));
  const baselineFeatures = (i: number) => Float64Array.from([Math.log(sized[i]!.sized.size.stateDictElements), Math.log(sized[i]!.sized.size.flops), spaceNames.indexOf(CATALOG[i]!.space)]);
  const baseline = fitBoosted(prior.map(baselineFeatures), prior.map(accuracyOf), { seed: split });
  const baselineScore = new Map(pool.map((i) => [i, predictBoosted(baseline, baselineFeatures(i))]));
  for (const device of DEVICES) {
    for (const ms of LATENCIES_MS) {
      for (const kib of WEIGHTS_KIB) {
        for (const format of FORMATS) {
          const constraints: SearchConstraints = { format, maxWeightBytes: kib * 1024, maxLatencyMs: ms };
          const evaluated: EvaluatedCandidate[] = pool.map((i) => evaluateCandidate(sized[i]!, constraints, latency[device]));
          const feasible = pool.filter((_, j) => evaluated[j]!.feasible);
          if (feasible.length === 0) continue;
          settings += 1;
          const best = Math.max(...feasible.map(accuracyOf));
          const t0 = performance.now();
          const study = new Study(evaluated, constraints, surrogate, () => undefined);
          const trained: number[] = [];
          await runSearchLoop(study, EMPTY_SEARCH_JOURNAL, sink, lookupTrainer, {
            budget: MAX_T,
            parallel: 1,
            events: { proposed: (p) => trained.push(keyIndex.get(p.key)!) },
          });
          searchSeconds += (performance.now() - t0) / 1000;
          scoreSequence('search', trained, best);
          for (const t of BUDGETS) {
            const r = randomExpectation(feasible.map(accuracyOf), t);
            record('random feasible', t, r.regret, r.found);
          }
          scoreSequence('largest params first', [...feasible].sort((a, b) => sized[b]!.sized.size.stateDictElements - sized[a]!.sized.size.stateDictElements), best);
          scoreSequence('non-adaptive trees', [...feasible].sort((a, b) => baselineScore.get(b)! - baselineScore.get(a)!), best);
        }
      }
    }
  }
  process.stderr.write(`split ${split + 1}/${SPLITS} done (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}

console.log(`\nConstrained search on the paper's catalog: ${SPLITS} splits of its ${architectures.length} architectures (prior half / pool half), ${settings} settings with a feasible pool network`);
console.log('(2 paper devices x latency 1-100 ms x weights 16 KiB-1 MiB in fp32/fp16/int8); regret = best feasible pool accuracy - best trained, in points.');
console.log('T=1,3,5 are the first trainings of the T=10 run: with one training at a time the search proposes the same sequence for any budget.\n');
console.log(
  formatTable(
    ['method', ...BUDGETS.flatMap((t) => [`T=${t} regret`, `T=${t} found`])],
    METHODS.map((m) => [m, ...BUDGETS.flatMap((t) => [mean(regret[`${m} ${t}`]!).toFixed(3), `${(mean(found[`${m} ${t}`]!) * 100).toFixed(1)}%`])]),
  ),
);
const s = (t: number) => ({ regret: mean(regret[`search ${t}`]!), found: mean(found[`search ${t}`]!) });
console.log(`\ntargets: T=3 regret ${s(3).regret.toFixed(3)} <= 0.10 and found ${(s(3).found * 100).toFixed(1)}% >= 80%; T=5 ${(s(5).found * 100).toFixed(1)}% >= 90%; T=10 ${(s(10).found * 100).toFixed(1)}% >= 97%`);
console.log(`search time: ${((searchSeconds / settings) * 1000).toFixed(0)} ms per setting (10 proposals, refits included)`);

console.log(throughputLine);

// Derived laws: 32 KiB of fp32 weights, under 10 ms on the Pi (latency predicted by a model of 50 diverse networks).
const deriveConstraints: SearchConstraints = { format: FORMATS[0]!, maxWeightBytes: 32 * 1024, maxLatencyMs: 10 };
const rows = listSpaces().map((space) => {
  const t0 = performance.now();
  try {
    const law = deriveConstrainedLaw(space.name, deriveConstraints, piPredicted);
    return [space.name, `${(law.yield * 100).toFixed(1)}%`, JSON.stringify(law.ranges), `${((performance.now() - t0) / 1000).toFixed(1)} s`];
  } catch (e) {
    return [space.name, 'none', (e as Error).message.replace(/;.*$/, ''), `${((performance.now() - t0) / 1000).toFixed(1)} s`];
  }
});
console.log('\nderived laws for fp32 weights <= 32 KiB and latency <= 10 ms on the Pi (yield on ids 0-199; target >= 80%):');
console.log(formatTable(['space', 'yield', 'ranges', 'time'], rows));
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
