import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CATALOG, catalogGraph } from '../src/catalog/catalog.js';
import { catalogAccuracies } from '../src/catalog/accuracy.js';
import { loadAccuracyFile } from '../src/catalog/load-file.js';
import { FP32 } from '../src/onnx/formats.js';
import { latencyFeatures } from '../src/predict/features.js';
import { fitLatencyModel, modelToJson } from '../src/predict/model.js';
import { lawCandidate, lawCandidates } from '../src/search/candidates.js';
import { constraintExcess, weightMemoryBytes } from '../src/search/constraints.js';
import { deriveConstrainedLaw, deriveLaw } from '../src/search/derive.js';
import { sizeCandidate } from '../src/search/sized.js';
import { evaluateCandidate, Study } from '../src/search/study.js';
import { AccuracySurrogate } from '../src/search/surrogate.js';
import { runCli } from './support/cli.js';
import { REPO_ROOT } from './support/shared.js';

const paper = catalogAccuracies(loadAccuracyFile('paper'));

test('search --table: with 32 KiB of weights the best catalog network has 74.88% in fp32 and 82.40% in fp16', () => {
  const { status, stdout, stderr } = runCli(['search', '--table', '--json']);
  assert.equal(status, 0, stderr);
  const rows = JSON.parse(stdout) as { budgetBytes: number; cells: { format: string; best?: { index: number; accuracy: number; weightBytes: number } }[] }[];
  const row = rows.find((r) => r.budgetBytes === 32 * 1024)!;
  const percent = (format: string) => (row.cells.find((c) => c.format === format)!.best!.accuracy * 100).toFixed(2);
  assert.deepEqual(row.cells.map((c) => c.format), ['fp32', 'fp16', 'bf16', 'int8', 'e4m3']);
  assert.equal(percent('fp32'), '74.88');
  assert.equal(percent('fp16'), '82.40');
  // densenet s3/36 has 7654 state_dict elements: 30616 B in fp32; mobilenetv2 s4/39 has 16234: 32468 B in fp16.
  assert.deepEqual(row.cells.slice(0, 2).map((c) => [c.best!.index, c.best!.weightBytes]), [[233, 30616], [636, 32468]]);
});

test("a derived law's samples meet the constraints at the reported yield", () => {
  const constraints = { format: FP32, maxWeightBytes: 16 * 1024 };
  const excess = (c: ReturnType<typeof lawCandidate>) => constraintExcess(sizeCandidate(c).sized.size, undefined, constraints);
  const law = deriveLaw('random_net_resnet', excess, { samples: 100 });
  const meeting = lawCandidates('random_net_resnet', law.ranges, 100).filter((c) => weightMemoryBytes(sizeCandidate(c).sized.size, FP32) <= 16 * 1024);
  assert.equal(law.samples, 100);
  assert.equal(law.yield, meeting.length / 100);
  assert.ok(law.yield >= 0.8, `yield ${law.yield}`);
  // The widest law of the space meets them far less often: the narrowing did the work.
  const wide = lawCandidates('random_net_resnet', 's1', 100).filter((c) => excess(c) === 0).length / 100;
  assert.ok(wide < 0.5, `s1 yield ${wide}`);
  // A space whose smallest network is over the budget says so, with that network's size.
  assert.throws(
    () => deriveConstrainedLaw('random_net_pnasnet', { format: FP32, maxWeightBytes: 4096 }, undefined, { maxSteps: 1 }),
    new RegExp(
      String.raw`^IotnetsError: no narrowing of random_net_pnasnet's laws reaches a yield of 80%: its smallest networks \(every range at its low end, \{"num_cells":\[1,2\],"num_planes0":\[8,9\],"num_planes1":\[1,2\],"num_planes2":\[1,2\]\}\) miss the constraints, the closest with 2658 params, 10632 B of fp32 weights \(limit 4096 B of fp32 weights\); relax the constraints or lower ` + '`deriveYield`$',
    ),
  );
});

test('a pool network that is also in the prior is reported as known, with its prior accuracy, and never proposed', () => {
  const prior = CATALOG.filter((e) => e.space === 'random_net_mobilenetv2' && e.law === 's6').map((e) => ({ e, sized: sizeCandidate(lawCandidate(e.space, e.law, e.id)).sized }));
  const surrogate = AccuracySurrogate.fit(prior.map((p) => ({ features: p.sized.features, accuracy: paper.get(p.e.index)!.accuracy })), { members: 2, boosting: { trees: 30 } });
  const known = new Map(prior.map((p) => [p.sized.key, paper.get(p.e.index)!.accuracy]));
  const constraints = { format: FP32, maxWeightBytes: 64 * 1024 };
  const pool = [...lawCandidates('random_net_mobilenetv2', 's6', 3, 0), ...lawCandidates('random_net_mobilenetv2', 's6', 5, 100)];
  const study = new Study(pool.map((c) => evaluateCandidate(sizeCandidate(c), constraints)), constraints, surrogate, (c) => known.get(c.key));
  const proposed = study.ask(8).map((p) => p.candidate.id);
  assert.deepEqual([...proposed].sort((a, b) => a! - b!), [100, 101, 102, 103, 104]);
  const rows = study.ranking(10).filter((r) => r.standing === 'known');
  assert.deepEqual(rows.map((r) => [r.candidate.id, r.accuracy]).sort(), [0, 1, 2].map((id) => [id, paper.get(CATALOG.findIndex((e) => e.law === 's6' && e.space === 'random_net_mobilenetv2' && e.id === id))!.accuracy]).sort());
});

/** A small prior (MobileNetV2 s5/s6 and DenseNet s3 of the catalog) keeps each CLI search quick. */
function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'iotnets-search-'));
  const prior = Object.fromEntries(CATALOG.filter((e) => ['s5', 's6'].includes(e.law) || (e.space === 'random_net_densenet' && e.law === 's3' && e.id < 40)).map((e) => [e.index, paper.get(e.index)!.accuracy]));
  writeFileSync(join(dir, 'prior.json'), JSON.stringify(prior));
  const pool = [
    ...[0, 1].map((id) => ({ spacename: 'random_net_mobilenetv2', law: 's6', id })),
    ...[140, 141, 142, 143, 144, 145].map((id) => ({ spacename: 'random_net_mobilenetv2', law: 's6', id })),
    ...[150, 151, 152].map((id) => ({ spacename: 'random_net_densenet', law: 's3', id })),
  ];
  writeFileSync(join(dir, 'pool.json'), JSON.stringify(pool));
  // The trainer's accuracy is a function of the network's arguments, so a replay can tell the same value.
  writeFileSync(
    join(dir, 'trainer.mjs'),
    [
      "import { appendFileSync, readFileSync } from 'node:fs';",
      'const args = readFileSync(process.env.IOTNETS_ARGS_FILE, "utf8");',
      `appendFileSync(${JSON.stringify(join(dir, 'calls.log'))}, process.env.IOTNETS_TRIAL + ' ' + process.env.IOTNETS_SPACE + ' ' + process.env.IOTNETS_LAW + ' ' + process.env.IOTNETS_ID + '\\n');`,
      'if (process.env.SLOW_TRIAL === process.env.IOTNETS_TRIAL) {',
      `  appendFileSync(${JSON.stringify(join(dir, 'slow.pid'))}, String(process.pid));`,
      '  await new Promise((r) => setTimeout(r, 60000));',
      '}',
      'const digits = [...args].filter((c) => c >= "0" && c <= "9").reduce((s, c) => s + Number(c), 0);',
      'console.log("training log line");',
      'console.log((60 + (digits % 30) + 0.25).toFixed(2) + "%");',
    ].join('\n'),
  );
  const accuracyOf = (argsFile: string) => {
    const digits = [...readFileSync(argsFile, 'utf8')].filter((c) => c >= '0' && c <= '9').reduce((s, c) => s + Number(c), 0);
    return (60 + (digits % 30) + 0.25) / 100;
  };
  const definition = ['--pool', join(dir, 'pool.json'), '--prior', join(dir, 'prior.json'), '--max-weights', '64KiB', '--format', 'fp16'];
  return { dir, definition, trainer: `node ${join(dir, 'trainer.mjs')}`, accuracyOf };
}

interface Line {
  type: string;
  trial?: number;
  key?: string;
  accuracy?: number;
  error?: string;
}

const journalLines = (out: string): Line[] => readFileSync(join(out, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);

/** The journal without times and durations, which differ between any two runs. */
const comparable = (out: string) =>
  journalLines(out).map((r) => JSON.stringify(r, (k, v) => (['startedAt', 'proposedAt', 'finishedAt', 'seconds', 'definition'].includes(k) ? undefined : v)));

test('search --trainer and search ask/tell give the same journal; a known pool network is never trained', () => {
  const f = fixture();
  const a = join(f.dir, 'a');
  const run = runCli(['search', ...f.definition, '--out', a, '--trainer', f.trainer, '--train-budget', '3', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as { feasible: number; trained: { spacename: string; id: number; accuracy: number }[]; ranking: { id: number; standing: string }[]; best: { accuracy: number } };
  assert.equal(summary.trained.length, 3);
  assert.equal(summary.feasible, 10);
  assert.deepEqual(summary.ranking.filter((r) => r.standing === 'known').map((r) => r.id).sort(), [0, 1]);
  assert.ok(summary.trained.every((t) => t.id >= 140));
  assert.ok(existsSync(join(a, 'winners', '1', 'model.onnx')) && existsSync(join(a, 'winners', '1', 'args.json')));
  const b = join(f.dir, 'b');
  for (let trial = 1; trial <= 3; trial++) {
    const ask = runCli(['search', 'ask', '--out', b, ...(trial === 1 ? f.definition : []), '--json']);
    assert.equal(ask.status, 0, ask.stderr);
    const [handed] = JSON.parse(ask.stdout) as { trial: number; argsFile: string; onnx: string }[];
    assert.equal(handed!.trial, trial);
    assert.ok(existsSync(handed!.onnx));
    const tell = runCli(['search', 'tell', '--out', b, '--trial', String(trial), '--accuracy', String(f.accuracyOf(handed!.argsFile))]);
    assert.equal(tell.status, 0, tell.stderr);
  }
  assert.deepEqual(comparable(b), comparable(a));
  const again = runCli(['search', 'tell', '--out', b, '--trial', '2', '--accuracy', '0.5']);
  assert.match(again.stderr, /^iotnets: trial 2 already has a result; nothing is recorded twice\n$/);
});

/** Whether process `pid` runs (a zombie, dead but not yet reaped, does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

test('a search killed with SIGKILL mid-training resumes without repeating or losing a training, and stops the orphaned trainer', async () => {
  const f = fixture();
  const out = join(f.dir, 'out');
  const args = ['search', ...f.definition, '--out', out, '--trainer', f.trainer, '--train-budget', '3'];
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/iotnets.js'), ...args], { cwd: REPO_ROOT, env: { ...process.env, SLOW_TRIAL: '2' }, stdio: 'ignore', detached: true });
  const calls = join(f.dir, 'calls.log');
  for (let waited = 0; !(existsSync(calls) && readFileSync(calls, 'utf8').includes('2 ')); waited += 200) {
    assert.ok(waited < 120_000, 'trial 2 never started');
    await new Promise((r) => setTimeout(r, 200));
  }
  process.kill(-child.pid!, 'SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const before = journalLines(out);
  assert.deepEqual(before.filter((r) => r.type === 'result').map((r) => r.trial), [1]);
  // The killed search's trainer of trial 2 runs on in its own process group: the resumed search stops it first.
  const orphan = Number(readFileSync(join(f.dir, 'slow.pid'), 'utf8'));
  assert.ok(running(orphan));
  const resumed = runCli(args);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /note: trial 2's trainer was still running from a search that was killed; stopped it, and trial 2 trains again\n/);
  assert.ok(!running(orphan));
  const after = journalLines(out);
  assert.deepEqual(after.filter((r) => r.type === 'proposal').map((r) => r.trial), [1, 2, 3]);
  assert.deepEqual(after.filter((r) => r.type === 'result').map((r) => r.trial), [1, 2, 3]);
  // Trial 1 ran once; trial 2, cut short by the kill, ran again; trial 3 once.
  assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[0])), [1, 2, 2, 3]);
});

test('a trainer that crashes, prints garbage or hangs gives failed trials with the reason, not retried', () => {
  const f = fixture();
  const out = join(f.dir, 'out');
  const trainer = `if [ "$IOTNETS_TRIAL" = 1 ]; then echo boom >&2; exit 3; elif [ "$IOTNETS_TRIAL" = 2 ]; then echo loss=0.3; else sleep 30; fi`;
  const run = runCli(['search', ...f.definition, '--out', out, '--trainer', trainer, '--train-budget', '3', '--trainer-timeout', '1s']);
  assert.equal(run.status, 0, run.stderr);
  const results = journalLines(out).filter((r) => r.type === 'result') as (Line & { stderrTail?: string })[];
  assert.deepEqual(results.map((r) => [r.trial, r.accuracy]), [[1, undefined], [2, undefined], [3, undefined]]);
  assert.equal(results[0]!.error, 'the trainer exited with 3');
  assert.equal(results[0]!.stderrTail, 'boom\n');
  assert.match(results[1]!.error!, /last stdout line "loss=0.3" is not an accuracy/);
  assert.match(results[2]!.error!, /timed out after 1 s \(`timeoutMs`\)/);
  const keys = journalLines(out).filter((r) => r.type === 'proposal').map((r) => r.key);
  assert.equal(new Set(keys).size, 3);
});

test('bad input is one line naming the problem and the fix', () => {
  const f = fixture();
  const cases: [string[], RegExp][] = [
    [['search', '--space', 'random_net_nope'], /^iotnets: unknown search space 'random_net_nope'; valid spaces: .*\n$/],
    [['search', '--pool', join(f.dir, 'empty.json')], /^iotnets: .*empty\.json: the pool is empty; list at least one network\n$/],
    [['search', '--pool', join(f.dir, 'pool.json'), '--prior', 'none', '--max-weights', '1KiB'], /^iotnets: none of the 11 candidates meets fp32 weights <= 1024 B \(the smallest weights: 4556 B of fp32 weights\); relax a constraint or add candidates\n$/],
    [['search', '--pool', join(f.dir, 'pool.json'), '--max-latency', '5ms'], /^iotnets: --max-latency needs a latency source: --latency-results FILE \(or paper:raspi\) or --latency-model FILE\n$/],
  ];
  writeFileSync(join(f.dir, 'empty.json'), '[]');
  for (const [args, message] of cases) {
    const r = runCli(args);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(`${r.stderr.trimEnd().split('\n').at(-1)}\n`, message);
  }
  const out = join(f.dir, 'out');
  assert.equal(runCli(['search', ...f.definition, '--out', out]).status, 0);
  const other = runCli(['search', ...f.definition.slice(0, -4), '--max-weights', '32KiB', '--out', out]);
  assert.equal(other.status, 1);
  assert.match(other.stderr, /journal\.jsonl belongs to another search \(constraints: fp16 weights <= 65536 B vs fp32 weights <= 32768 B\); use another --out, or --force to set it aside and start over\n$/);
});

test('--measure: the latency model prefilters, a measurement on this machine confirms each network before it is proposed, journaled', () => {
  const f = fixture();
  // A model that promises every network runs in a microsecond: only the measurements can tell the slow one.
  const optimist = fitLatencyModel([0, 1, 2, 3, 4].map((i) => ({ features: latencyFeatures(catalogGraph(CATALOG[i]!)), latencyMs: 0.001 })), { name: 'optimist', details: {} });
  writeFileSync(join(f.dir, 'optimist.model.json'), JSON.stringify(modelToJson(optimist)));
  writeFileSync(join(f.dir, 'two.json'), JSON.stringify([{ spacename: 'random_net_probenet_s', law: 's1', id: 0 }, { spacename: 'random_net_densenet', law: 's1', id: 100 }]));
  const out = join(f.dir, 'out');
  const definition = ['--pool', join(f.dir, 'two.json'), '--prior', join(f.dir, 'prior.json'), '--latency-model', join(f.dir, 'optimist.model.json'), '--max-latency', '5ms', '--measure'];
  const run = runCli(['search', ...definition, '--protocol', 'fixed', '--warmup', '1', '--runs', '3', '--out', out, '--trainer', f.trainer, '--train-budget', '2']);
  assert.equal(run.status, 0, run.stderr);
  const lines = journalLines(out) as (Line & { latencyMs?: number; predictedMs?: number; runs?: number; spacename?: string })[];
  const measured = new Map(lines.filter((r) => r.type === 'latency').map((r) => [r.key!.split(':')[0], r]));
  assert.deepEqual([...measured.keys()].sort(), ['random_net_densenet', 'random_net_probenet_s']);
  assert.ok(measured.get('random_net_densenet')!.latencyMs! > 5 && measured.get('random_net_probenet_s')!.latencyMs! <= 5, JSON.stringify([...measured.values()]));
  assert.ok([...measured.values()].every((r) => r.runs === 3 && r.predictedMs! < 0.01));
  // Only the network that measured under the bound was trained; the other left the candidates.
  assert.deepEqual(lines.filter((r) => r.type === 'proposal').map((r) => r.spacename), ['random_net_probenet_s']);
  assert.match(run.stderr, /measured random_net_densenet\/s1\/100: .* over the latency bound, dropped\n/);
  assert.equal(readFileSync(join(f.dir, 'calls.log'), 'utf8').trim().split('\n').length, 1);
  // Run again: the journal's measurements stand, nothing is measured or trained twice.
  const again = runCli(['search', ...definition, '--protocol', 'fixed', '--warmup', '1', '--runs', '3', '--out', out, '--trainer', f.trainer, '--train-budget', '2']);
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /measured/);
  assert.equal(journalLines(out).length, lines.length);
});
