import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { residualQuantile } from '../src/analysis/interval.ts';
import { parseResults } from '../src/analysis/results.ts';
import { paperResults } from '../src/catalog/paper.ts';
import { paperData } from '../src/catalog/paper-node.ts';
import { catalogAccuracies } from '../src/catalog/accuracy.ts';
import { loadAccuracyFile } from '../src/catalog/load-file.ts';
import { chooseCalibrationSet } from '../src/predict/chooser.ts';
import { catalogFeatures } from '../src/predict/features.ts';
import { fitLatencyModel, modelToJson, outOfRange } from '../src/predict/model.ts';
import { catalogNetworksToPredict, predictedResultsDocument } from '../src/predict/predicted-results.ts';
import { runCli } from './support/cli.js';

const raspi = parseResults(paperResults(paperData(), 'raspi'), 'paper:raspi');
const features = catalogFeatures();
const calibration = chooseCalibrationSet(20);
const model = fitLatencyModel(
  calibration.map((i) => ({ index: i, features: features[i]!, latencyMs: raspi.measurements[i]!.latencyMs, latencyStdMs: raspi.measurements[i]!.latencyStdMs })),
  { name: 'Raspberry Pi 3B+ (paper)', details: {} },
);
const all = raspi.measurements.map((m) => m.index!);
const document = predictedResultsDocument(model, 'k20.model.json', catalogNetworksToPredict(all, catalogAccuracies(loadAccuracyFile('paper'))));
const dir = mkdtempSync(join(tmpdir(), 'iotnets-predicted-'));
const file = join(dir, 'predicted.json');
writeFileSync(file, JSON.stringify(document));

test('predicted results parse as results: marked predicted, with the model, the residuals and an interval around every prediction', () => {
  const parsed = parseResults(JSON.parse(readFileSync(file, 'utf8')), file);
  assert.equal(parsed.problems.length, 0);
  assert.equal(parsed.measurements.length, 1617);
  assert.equal(parsed.device?.name, 'Raspberry Pi 3B+ (paper) (predicted)');
  assert.equal(parsed.prediction?.model, 'k20.model.json');
  assert.equal(parsed.prediction?.level, 0.9);
  assert.equal(parsed.prediction?.residuals.length, 20);
  const m687 = parsed.measurements[687]!;
  assert.equal(m687.params, 1515);
  assert.equal(m687.accuracy, 0.5154999923706055);
  for (const m of parsed.measurements) assert.ok(m.interval!.lowMs <= m.latencyMs && m.latencyMs <= m.interval!.highMs, `#${m.index}`);
  // Inside the calibration range the interval is exactly the prediction scaled by the residual quantiles.
  const inside = parsed.measurements.find((m) => !m.outOfRange)!;
  const residuals = parsed.prediction!.residuals;
  assert.equal(inside.interval!.highMs, inside.latencyMs * Math.exp(residualQuantile(residuals, 0.95)));
  assert.equal(inside.interval!.lowMs, inside.latencyMs * Math.exp(residualQuantile(residuals, 0.05)));
});

test('a network beyond the calibration range is flagged out of range and its interval widened; the others are not flagged', () => {
  const flagged = document.results.filter((r) => r.out_of_range);
  assert.ok(flagged.length > 0 && flagged.length < 1617);
  for (const r of document.results) assert.equal(r.out_of_range === true, outOfRange(model, features[r.index]!).length > 0, `#${r.index}`);
  const inRangeFactor = Math.exp(residualQuantile(model.residuals!, 0.95));
  // Flagged by weights per MAC alone (a range-only feature), an interval keeps the in-range width, to rounding.
  for (const r of flagged) assert.ok(r.t_high / r.t_avg >= inRangeFactor * (1 - 1e-12), `#${r.index}`);
  const widened = document.results.filter((r) => r.range_excess !== undefined);
  assert.ok(widened.length > 0);
  for (const r of widened) assert.ok(r.t_high / r.t_avg > inRangeFactor * 1.0000001, `#${r.index}`);
  const json = modelToJson(model);
  assert.deepEqual(json.calibration.residuals, model.residuals);
});

test('select, pareto and report read predicted results and say so; select --safety picks under the upper bound, and refuses measured results', () => {
  const plain = JSON.parse(runCli(['select', '--results', file, '--max-latency', '20ms', '--json']).stdout) as { best: { latencyMs: number } };
  const safe = runCli(['select', '--results', file, '--max-latency', '20ms', '--safety', '0.9', '--top', '2']);
  assert.equal(safe.status, 0, safe.stderr);
  assert.match(safe.stdout, /^The 2 best networks on Raspberry Pi 3B\+ \(paper\) \(predicted\) by accuracy \(latency <= 20\.0 ms\):\nlatencies predicted by k20\.model\.json, interval 90%; the budget is checked against the 90% upper bound \(safe bound\)/);
  assert.match(safe.stdout, /safe bound/);
  const pick = document.results.find((r) => r.index === Number(/\n-[- ]+\n(\d+) /.exec(safe.stdout)![1]))!;
  assert.ok(pick.t_high <= 20 && pick.t_avg < plain.best.latencyMs, 'the safe pick is under the budget by its upper bound, the plain pick is not');

  const csv = runCli(['pareto', '--results', file, '--csv']);
  assert.equal(csv.status, 0, csv.stderr);
  const header = csv.stdout.split('\n')[0];
  assert.equal(header, 'index,space,law,id,latency_ms,latency_low_ms,latency_high_ms,out_of_range,accuracy,params,flops');

  const html = join(dir, 'report.html');
  const report = runCli(['report', '--results', file, '-o', html, '--no-static']);
  assert.equal(report.status, 0, report.stderr);
  assert.match(readFileSync(html, 'utf8'), /Raspberry Pi 3B\+ \(paper\) \(predicted\)/);

  const tight = runCli(['select', '--results', file, '--max-latency', '1ms', '--safety', '0.9']);
  assert.match(tight.stderr, /^iotnets: no network meets latency <= 1\.00 ms \(the fastest one's safe bound is [\d.]+ ms\); relax a constraint\n$/);

  const measured = runCli(['select', '--results', 'paper:raspi', '--max-latency', '20ms', '--safety', '0.9']);
  assert.equal(measured.status, 1);
  assert.match(measured.stderr, /^iotnets: --safety needs predicted results \(written by `iotnets predict --out`\); paper:raspi holds measurements/);
});
