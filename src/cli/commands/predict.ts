import { Option, type Command } from 'commander';
import { failOnProblems } from '../../problems.js';
import type { DeviceInfo, Measurement } from '../../analysis/results.js';
import { formatLatency } from '../../analysis/units.js';
import { journalPathFor, readJournal } from '../../calibrate/journal.js';
import { networkLabel } from '../../catalog/index.js';
import { CATALOG } from '../../catalog/catalog.js';
import { check } from '../../errors.js';
import { chooseDiverse } from '../../predict/chooser.js';
import {
  CALIBRATION_SETS,
  evaluatePredictor,
  measuredNetworks,
  repeatAgreement,
  simulatedNoiseFloor,
  averageMetrics,
  type AveragedMetrics,
  type CalibrationSets,
  type MeasuredNetwork,
} from '../../predict/evaluate.js';
import { catalogFeatures, latencyFeatures } from '../../predict/features.js';
import { fitLatencyModel, latencyBreakdown, modelToJson, outOfRange, parseLatencyModel, predictLatencyMs, type LatencyModel, type OutOfRange } from '../../predict/model.js';
import { expandOnnxSources } from '../../onnx/load-file.js';
import { readJsonFile, writeFileAtomic } from '../../io/files-node.js';
import { deviceLabel } from '../../runtime/device.js';
import { loadResults } from '../../report/load-node.js';
import { formatTable, printJson } from '../format.js';
import { addNetworkOptions, networkFromOptions, onnxFileFromOptions, parseInteger, type NetworkOptions } from '../network-options.js';

/** A results file's usable measurements as networks with features, and the device it names. */
export interface MeasuredDevice {
  readonly name: string;
  readonly device: DeviceInfo;
  readonly measurements: readonly Measurement[];
  readonly networks: readonly MeasuredNetwork[];
}

/** The device record of a results file: its own, else the last one in the calibration journal beside it, else its name. */
function deviceOf(path: string, own: DeviceInfo | undefined, name: string): DeviceInfo {
  if (own) return own;
  const record = readJournal(journalPathFor(path)).devices.at(-1);
  if (record) {
    const { type: _type, ...details } = record;
    return { name: deviceLabel(record), details };
  }
  return { name, details: {} };
}

/** Reads a results file for prediction; any unusable entry (NaN, negative or missing t_avg, ...) is an error naming it. */
export async function loadMeasuredDevice(path: string): Promise<MeasuredDevice> {
  const results = await loadResults(path);
  failOnProblems(results.problems, path, 'fix or remove those entries: every t_avg must be a positive number of milliseconds');
  return {
    name: results.deviceName,
    device: deviceOf(path, results.device, results.deviceName),
    measurements: results.measurements,
    networks: measuredNetworks(results.measurements),
  };
}

const percent = (x: number | undefined, digits = 1) => (x === undefined ? '' : `${(x * 100).toFixed(digits)}%`);

/** One row of the evaluation table: a label and the metrics (prediction or noise floor). */
export interface EvaluationRow {
  readonly label: string;
  readonly metrics: AveragedMetrics;
  readonly spearmanRange?: readonly [number, number];
}

/** The evaluation table: rank agreement, relative error, front recall and the cost of picking under budgets. */
export function evaluationTable(rows: readonly EvaluationRow[]): string {
  return formatTable(
    ['', 'Spearman', '(min..max)', 'Kendall', 'MdAPE', '±10%', '±20%', 'front recall', 'acc. loss', 'violations', 'overshoot', 'misses'],
    rows.map(({ label, metrics: m, spearmanRange }) => [
      label,
      m.spearman.toFixed(4),
      spearmanRange ? `${spearmanRange[0].toFixed(3)}..${spearmanRange[1].toFixed(3)}` : '',
      m.kendall.toFixed(4),
      percent(m.medianApe),
      percent(m.within10, 0),
      percent(m.within20, 0),
      percent(m.frontRecall, 0),
      m.accuracyLoss === undefined ? '' : `${(m.accuracyLoss * 100).toFixed(2)} pp`,
      percent(m.violations, 0),
      percent(m.overshoot),
      percent(m.misses, 0),
    ]),
  );
}

/** The noise floor of a device: agreement with a repeat measurement when one is given, else simulated from t_std. */
export async function noiseFloor(device: MeasuredDevice, repeatPath: string | undefined, repeats: number): Promise<EvaluationRow & { source: string }> {
  if (repeatPath === undefined) {
    return { label: 'noise floor (simulated from t_std)', source: 'simulated', metrics: simulatedNoiseFloor(device.networks, repeats) };
  }
  const repeat = await loadMeasuredDevice(repeatPath);
  const second = new Map(repeat.measurements.map((m) => [m.index, m.latencyMs]));
  return { label: 'noise floor (repeat measurement)', source: 'repeat', metrics: averageMetrics([repeatAgreement(device.networks, second)]) };
}

function positive(text: string, option: string, min = 1): number {
  const n = parseInteger(text, option);
  check(n >= min, `${option} must be at least ${min}, got ${n}`);
  return n;
}

function readModel(path: string): LatencyModel {
  return parseLatencyModel(readJsonFile(path, 'a latency model written by `iotnets predict fit`'), path);
}

/** Where pass `pass` (2, 3, ...) of `calibrate --repeat` writes: `x.json` -> `x.repeat2.json`. */
export function repeatResultsPath(out: string, pass: number): string {
  return `${out.replace(/\.json$/i, '')}.repeat${pass}.json`;
}

/** Where `calibrate --calibration-set` saves the latency model fit on its results: `x.json` -> `x.model.json`. */
export function modelPathFor(out: string): string {
  return `${out.replace(/\.json$/i, '')}.model.json`;
}

/** After a calibration set is measured: fits its latency model beside the results file and says where it went. */
export async function fitCalibrationSetModel(results: string): Promise<void> {
  const path = modelPathFor(results);
  const model = await fitAndSave(results, path);
  console.log(`latency model of ${model.device.name} fit on ${model.points} networks: ${path} (use it with \`iotnets predict --device\`)`);
}

/** Fits a latency model on every valid measurement of a results file and writes it; returns the model. */
export async function fitAndSave(results: string, out: string, networks?: (n: readonly MeasuredNetwork[]) => readonly MeasuredNetwork[]): Promise<LatencyModel> {
  const measured = await loadMeasuredDevice(results);
  const model = fitLatencyModel(networks ? networks(measured.networks) : measured.networks, measured.device);
  writeFileAtomic(out, `${JSON.stringify(modelToJson(model), null, 2)}\n`, '--out');
  return model;
}

function registerFit(predict: Command): void {
  predict
    .command('fit')
    .description('fit a device latency model to measured networks and save it as JSON')
    .requiredOption('--results <file>', "measured latencies: a file written by `iotnets calibrate` or the paper's results_*.json")
    .option('--k <n>', 'use only K diverse networks of the file (default: every measured network)')
    .option('--seed <n>', 'seed of the diverse choice with --k', '0')
    .option('--out <file>', 'model file to write', 'latency-model.json')
    .action(async (o: { results: string; k?: string; seed: string; out: string }) => {
      const k = o.k === undefined ? undefined : positive(o.k, '--k');
      const model = await fitAndSave(o.results, o.out, (networks) => {
        if (k === undefined) return networks;
        check(k <= networks.length, `${o.results} has ${networks.length} valid measurements, fewer than --k ${k}; lower --k or measure more networks`);
        const chosen = new Set(chooseDiverse(networks.map((n) => ({ id: n.index, group: n.group, features: n.features })), k, parseInteger(o.seed, '--seed')));
        return networks.filter((n) => chosen.has(n.index));
      });
      console.log(`latency model of ${model.device.name} fit on ${model.points} networks of ${o.results}; wrote ${o.out}`);
    });
}

function registerEval(predict: Command): void {
  predict
    .command('eval')
    .description('calibrate on K measured networks, predict the others, and score the prediction against the measurement noise')
    .requiredOption('--results <file>', 'a results file measuring many networks of one device')
    .requiredOption('--k <n>', 'calibration networks per repeat')
    .option('--repeats <n>', 'calibration sets to try', '20')
    .addOption(new Option('--sets <how>', 'how calibration sets are drawn').choices(CALIBRATION_SETS).default('diverse'))
    .option('--seed <n>', 'seed of the first calibration set', '0')
    .option('--repeat-results <file>', 'a second measurement of the same networks (calibrate --repeat 2): the noise floor; default: simulated from t_std')
    .option('--json', 'print one JSON object')
    .action(async (o: { results: string; k: string; repeats: string; sets: CalibrationSets; seed: string; repeatResults?: string; json?: boolean }) => {
      const measured = await loadMeasuredDevice(o.results);
      const repeats = positive(o.repeats, '--repeats');
      const evaluation = evaluatePredictor(
        measured.networks,
        { k: parseInteger(o.k, '--k'), repeats, sets: o.sets, seed: parseInteger(o.seed, '--seed') },
        o.results,
      );
      const floor = await noiseFloor(measured, o.repeatResults, repeats);
      if (o.json) return printJson({ device: measured.name, ...evaluation, noiseFloor: { source: floor.source, ...floor.metrics } });
      console.log(
        `${measured.name}: latency predicted from ${evaluation.k} ${evaluation.sets} calibration networks, scored on the other ${evaluation.heldOut}, mean of ${evaluation.repeats} repeats`,
      );
      console.log(evaluationTable([{ label: `K=${evaluation.k}`, metrics: evaluation, spearmanRange: evaluation.spearmanRange }, floor]));
    });
}

/** The results document with each measured entry's predicted latency added as t_pred (for `iotnets report`). */
function withPredictions(measurements: readonly Measurement[], model: LatencyModel): Record<string, unknown>[] {
  const features = catalogFeatures();
  return measurements.map((m) => ({
    ...(m.accuracy !== undefined ? { acc: m.accuracy } : {}),
    ...(m.flops !== undefined ? { flops: m.flops } : {}),
    id: m.id,
    index: m.index,
    law: m.law,
    ...(m.params !== undefined ? { params: m.params } : {}),
    ...(m.runid !== undefined ? { runid: m.runid } : {}),
    spacename: m.space,
    t_avg: m.latencyMs,
    ...(m.latencyStdMs !== undefined ? { t_std: m.latencyStdMs } : {}),
    t_pred: predictLatencyMs(model, features[m.index]!),
  }));
}

/** One line saying which features of a network lie outside the calibration set (empty when none do). */
function rangeWarning(outside: readonly OutOfRange[]): string {
  if (outside.length === 0) return '';
  const shown = outside.slice(0, 3).map((o) => `${o.feature} ${o.value.toPrecision(3)} (calibrated ${o.min.toPrecision(3)}..${o.max.toPrecision(3)})`);
  return `outside the calibration set: ${shown.join(', ')}${outside.length > 3 ? ` and ${outside.length - 3} more` : ''}`;
}

interface PredictOptions extends NetworkOptions {
  device?: string;
  onnx?: string[];
  all?: boolean;
  results?: string;
  out?: string;
  json?: boolean;
}

/** `iotnets predict`: predicted latency of networks on a device from its saved latency model; `fit` and `eval` subcommands. */
export function register(program: Command): void {
  const predict = program
    .command('predict')
    .description('predict latency on a device from a few measured networks: fit a device model, score it, and predict any network');
  addNetworkOptions(predict.command('network', { isDefault: true }))
    .description('(default) predicted latency of a network, or of the whole catalog, from a device latency model')
    .option('--device <file>', 'the device latency model written by `iotnets predict fit`')
    .option('--all', 'every catalog network')
    .option('--onnx <files...>', 'your own ONNX models (files, directories of them, or list files): one prediction each')
    .option('--results <file>', 'with --out: a results file to annotate with predicted latency (t_pred) for `iotnets report`')
    .option('--out <file>', 'where to write the annotated results')
    .option('--json', 'print JSON')
    .action(async (model: string | undefined, o: PredictOptions) => {
      check(o.device !== undefined, 'pass --device FILE: a latency model written by `iotnets predict fit`');
      const latencyModel = readModel(o.device);
      if (o.results !== undefined) {
        check(o.out !== undefined, '--results needs --out FILE for the annotated copy');
        const measured = await loadMeasuredDevice(o.results);
        writeFileAtomic(o.out, `${JSON.stringify(withPredictions(measured.measurements, latencyModel), null, 4)}\n`, '--out');
        console.log(`${measured.measurements.length} entries of ${o.results} with t_pred on ${latencyModel.device.name}; wrote ${o.out}`);
        return;
      }
      if (o.all) {
        const features = catalogFeatures();
        const rows = CATALOG.map((e) => ({ index: e.index, space: e.space, law: e.law, id: e.id, predictedMs: predictLatencyMs(latencyModel, features[e.index]!) }));
        if (o.json) return printJson({ device: latencyModel.device.name, networks: rows });
        console.log(formatTable(['index', 'space', 'law', 'id', 'predicted'], rows.map((r) => [String(r.index), r.space, r.law, String(r.id), formatLatency(r.predictedMs)])));
        return;
      }
      if (o.onnx) {
        const rows = expandOnnxSources(o.onnx).map((path) => {
          const file = onnxFileFromOptions(path, o);
          const features = latencyFeatures(file.graph);
          return { file: file.file, sha256: file.sha256, predictedMs: predictLatencyMs(latencyModel, features), outOfRange: outOfRange(latencyModel, features) };
        });
        if (o.json) return printJson({ device: latencyModel.device.name, networks: rows });
        console.log(`predicted on ${latencyModel.device.name}:`);
        console.log(formatTable(['file', 'predicted', 'trust'], rows.map((r) => [r.file, formatLatency(r.predictedMs), rangeWarning(r.outOfRange) || 'within the calibration set'])));
        return;
      }
      const { network } = networkFromOptions(model, o);
      const features = latencyFeatures(network.graph);
      const predictedMs = predictLatencyMs(latencyModel, features);
      const terms = latencyBreakdown(latencyModel, features);
      const outside = outOfRange(latencyModel, features);
      if (o.json) return printJson({ network: networkLabel(network), device: latencyModel.device.name, predictedMs, outOfRange: outside, terms });
      console.log(`${networkLabel(network)} on ${latencyModel.device.name}: ${formatLatency(predictedMs)} predicted`);
      if (outside.length > 0) console.log(`  warning: ${rangeWarning(outside)}; the model extrapolates, measure it to be sure`);
      console.log(formatTable(['feature', 'value', 'ms per unit', 'ms', 'share'], terms.map((t) => [t.feature, t.value, t.msPerUnit.toExponential(3), t.ms.toFixed(3), percent(t.ms / predictedMs)])));
    });
  registerFit(predict);
  registerEval(predict);
}
