import { Option, type Command } from 'commander';
import { describeLatencyStatistic, latencyStatistic } from '../../analysis/results.js';
import { formatLatency } from '../../analysis/units.js';
import { networkLabel } from '../../catalog/index.js';
import { CATALOG } from '../../catalog/catalog.js';
import { check } from '../../errors.js';
import { chooseDiverse } from '../../predict/chooser.js';
import { CALIBRATION_SETS, evaluatePredictor, type CalibrationSets } from '../../predict/evaluate.js';
import { catalogFeatures, latencyFeatures } from '../../predict/features.js';
import { latencyBreakdown, outOfRange, predictLatencyMs, type OutOfRange } from '../../predict/model.js';
import { catalogNetworksToPredict, predictedResultsDocument, predictWithInterval, withPredictions } from '../../predict/predicted-results.js';
import { catalogAccuracies } from '../../catalog/accuracy.js';
import { loadAccuracyFile } from '../../catalog/load-file.js';
import { PAPER_ACCURACY } from '../../catalog/paper.js';
import { counted } from '../../plural.js';
import { expandOnnxSources } from '../../onnx/load-file.js';
import { checkOutputFile, writeFileAtomic } from '../../io/files-node.js';
import { formatTable } from '../../report/text.js';
import { formatCsv, printJson } from '../format.js';
import { addNetworkOptions, networkFromOptions, onnxFileFromOptions, parseInteger, type NetworkOptions } from '../network-options.js';
import { evaluationTable } from '../../report/evaluation-table.js';
import { fitAndSave, loadLatencyModel, loadMeasuredDevice, noiseFloor } from '../../predict/measured-node.js';
import { fitQualityLine } from '../model-fit.js';

const intervalText = (p: { lowMs: number; highMs: number }) => `${formatLatency(p.lowMs)} .. ${formatLatency(p.highMs)}`;

const percent = (x: number | undefined, digits = 1) => (x === undefined ? '' : `${(x * 100).toFixed(digits)}%`);

function positive(text: string, option: string, min = 1): number {
  const n = parseInteger(text, option);
  check(n >= min, `${option} must be at least ${min}, got ${n}`);
  return n;
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
      checkOutputFile(o.out, 'out');
      const k = o.k === undefined ? undefined : positive(o.k, '--k');
      const fitted = await fitAndSave(o.results, o.out, (networks) => {
        if (k === undefined) return networks;
        check(k <= networks.length, `${o.results} has ${networks.length} valid measurements, fewer than --k ${k}; lower --k or measure more networks`);
        const chosen = new Set(chooseDiverse(networks.map((n) => ({ id: n.index, group: n.group, features: n.features })), k, parseInteger(o.seed, '--seed')));
        return networks.filter((n) => chosen.has(n.index));
      });
      const { model, statistic } = fitted;
      console.log(fitQualityLine(fitted));
      console.log(`latency model of ${model.device.name} fit on ${model.points} networks of ${o.results} (${describeLatencyStatistic(statistic)}); wrote ${o.out}`);
    });
}

/** What every column of the evaluation table means (predict eval --help, and the README). */
const EVAL_COLUMNS = `
Columns (held-out networks, mean over the repeats):
  Spearman, Kendall  rank correlation of predicted with measured latency (1 = same order); (min..max) over repeats
  MdAPE              median of |predicted - measured| / measured
  ±10%, ±20%         share of networks predicted within 10% / 20% of their measurement
  front recall       share of the measured latency/accuracy Pareto front that the front by predicted latency finds
  acc. loss          at 20 log-spaced latency budgets, accuracy the pick by prediction loses to the pick by
                     measurement (percentage points; budgets whose pick breaks the budget excluded)
  violations         share of those budgets whose pick by prediction is slower than the budget when measured
  overshoot          median of measured / budget - 1 over the violating picks
  misses             share of budgets where no network is predicted to fit although one does
The noise floor row scores a second measurement (or one simulated from t_std) the same way: no predictor can do better.
With --safety S the picks use the upper end of each prediction's central S interval, as select --safety does.`;

function registerEval(predict: Command): void {
  predict
    .command('eval')
    .description('calibrate on K measured networks, predict the others, and score the prediction against the measurement noise')
    .addHelpText('after', EVAL_COLUMNS)
    .requiredOption('--results <file>', 'a results file measuring many networks of one device')
    .requiredOption('--k <n>', 'calibration networks per repeat')
    .option('--repeats <n>', 'calibration sets to try', '20')
    .addOption(new Option('--sets <how>', 'how calibration sets are drawn').choices(CALIBRATION_SETS).default('diverse'))
    .option('--seed <n>', 'seed of the first calibration set', '0')
    .option('--safety <level>', 'score budget picks by the upper end of the central interval at this level, as `select --safety` picks (e.g. 0.9)')
    .option('--repeat-results <file>', 'a second measurement of the same networks (calibrate --repeat 2): the noise floor; default: simulated from t_std')
    .option('--json', 'print one JSON object')
    .action(async (o: { results: string; k: string; repeats: string; sets: CalibrationSets; seed: string; safety?: string; repeatResults?: string; json?: boolean }) => {
      const measured = await loadMeasuredDevice(o.results);
      const repeats = positive(o.repeats, '--repeats');
      const safety = o.safety === undefined ? undefined : Number(o.safety);
      check(safety === undefined || (safety > 0 && safety < 1), `--safety '${o.safety}' must be a level between 0 and 1, e.g. 0.9`);
      const evaluation = evaluatePredictor(
        measured.networks,
        { k: parseInteger(o.k, '--k'), repeats, sets: o.sets, seed: parseInteger(o.seed, '--seed'), device: measured.device, probes: measured.probes, ...(safety !== undefined ? { safety } : {}) },
        o.results,
      );
      const floor = await noiseFloor(measured, o.repeatResults, repeats);
      if (o.json) return printJson({ device: measured.name, ...evaluation, noiseFloor: { source: floor.source, ...floor.metrics } });
      console.log(
        `${measured.name}: latency predicted from ${evaluation.k} ${evaluation.sets} calibration networks, scored on the other ${evaluation.heldOut}, mean of ${evaluation.repeats} repeats (${describeLatencyStatistic(latencyStatistic(measured.measurements))})`,
      );
      console.log(evaluationTable([{ label: `K=${evaluation.k}`, metrics: evaluation, spearmanRange: evaluation.spearmanRange }, floor]));
    });
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
  accuracy: string;
  out?: string;
  json?: boolean;
  csv?: boolean;
}

/** `iotnets predict`: predicted latency of networks on a device from its saved latency model; `fit` and `eval` subcommands. */
export function register(program: Command): void {
  const predict = program
    .command('predict')
    .description('predict latency on a device from a few measured networks: fit a device model, score it, and predict any network');
  addNetworkOptions(predict.command('network', { isDefault: true }))
    .description('(default) predicted latency of a network, or of the whole catalog, from a device latency model, with a 90% interval')
    .option('--device <file>', 'the device latency model written by `iotnets predict fit` or `calibrate --calibration-set`')
    .option('--all', 'every catalog network')
    .option('--onnx <files...>', 'your own ONNX models (files, directories of them, or list files): one prediction each')
    .option('--out <file>', "write the predictions of catalog networks as results (the paper's format, marked predicted, with intervals) that select, pareto and report read")
    .option('--accuracy <file>', "accuracies the written results carry: 'paper' (built-in NetConfigs.json) or a file", PAPER_ACCURACY)
    .option('--results <file>', 'with --out: instead, annotate this measured results file with predicted latency (t_pred) for `iotnets report`')
    .option('--json', 'print JSON')
    .option('--csv', 'with --all: print CSV')
    .action(async (model: string | undefined, o: PredictOptions) => {
      check(o.device !== undefined, 'pass --device FILE: a latency model written by `iotnets predict fit`');
      const latencyModel = loadLatencyModel(o.device);
      if (o.results !== undefined) {
        check(o.out !== undefined, '--results needs --out FILE for the annotated copy');
        checkOutputFile(o.out, 'out');
        const measured = await loadMeasuredDevice(o.results);
        writeFileAtomic(o.out, `${JSON.stringify(withPredictions(measured.measurements, latencyModel), null, 4)}\n`, 'out');
        console.log(`${measured.measurements.length} entries of ${o.results} with t_pred on ${latencyModel.device.name}; wrote ${o.out}`);
        return;
      }
      if (o.out !== undefined) {
        const network = o.all ? undefined : networkFromOptions(model, o).network;
        check(o.all || network?.index !== undefined, '--out writes results of catalog networks: pass --all, --index N or a catalog --space/--law/--id');
        const indices = o.all ? CATALOG.map((e) => e.index) : [network!.index!];
        const networks = catalogNetworksToPredict(indices, catalogAccuracies(loadAccuracyFile(o.accuracy)));
        const document = predictedResultsDocument(latencyModel, o.device, networks);
        writeFileAtomic(o.out, `${JSON.stringify(document, null, 1)}\n`, 'out');
        const outside = document.results.filter((r) => r.out_of_range).length;
        console.log(
          `${counted(networks.length, 'network')} predicted on ${latencyModel.device.name} by ${o.device} (90% intervals; ` +
            `${outside} outside the calibration range); wrote ${o.out}: pass it as --results to select, pareto or report`,
        );
        return;
      }
      if (o.all) {
        const features = catalogFeatures();
        const rows = CATALOG.map((e) => ({ ...e, ...predictWithInterval(latencyModel, features[e.index]!) }));
        if (o.json) return printJson({ device: latencyModel.device.name, interval: 0.9, networks: rows.map(({ excess: _excess, ...r }) => r) });
        if (o.csv) {
          return console.log(
            formatCsv(
              ['index', 'space', 'law', 'id', 'predicted_ms', 'low_ms', 'high_ms', 'out_of_range'],
              rows.map((r) => [r.index, r.space, r.law, r.id, r.predictedMs, r.lowMs, r.highMs, r.outOfRange]),
            ),
          );
        }
        console.log(
          formatTable(
            ['index', 'space', 'law', 'id', 'predicted', '90% interval', ''],
            rows.map((r) => [String(r.index), r.space, r.law, String(r.id), formatLatency(r.predictedMs), intervalText(r), r.outOfRange ? 'out of range' : '']),
          ),
        );
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
      const prediction = predictWithInterval(latencyModel, features);
      const predictedMs = prediction.predictedMs;
      const terms = latencyBreakdown(latencyModel, features);
      const outside = outOfRange(latencyModel, features);
      if (o.json) {
        return printJson({ network: networkLabel(network), device: latencyModel.device.name, predictedMs, lowMs: prediction.lowMs, highMs: prediction.highMs, outOfRange: outside, terms });
      }
      console.log(`${networkLabel(network)} on ${latencyModel.device.name}: ${formatLatency(predictedMs)} predicted, 90% interval ${intervalText(prediction)}`);
      if (outside.length > 0) console.log(`  warning: ${rangeWarning(outside)}; the model extrapolates, measure it to be sure`);
      console.log(formatTable(['feature', 'value', 'ms per unit', 'ms', 'share'], terms.map((t) => [t.feature, t.value, t.msPerUnit.toExponential(3), t.ms.toFixed(3), percent(t.ms / predictedMs)])));
    });
  registerFit(predict);
  registerEval(predict);
}
