import type { Command } from 'commander';
import { networkLabel } from '../../catalog/index.js';
import { check } from '../../errors.js';
import { loadDataset } from '../../io/datasets.js';
import { parseFormats } from '../../onnx/formats.js';
import type { EvaluationInputs } from '../../runtime/precision-check-node.js';
import { CALIBRATION_SEED, randomCalibrationInputs } from '../../runtime/precision.js';
import { formatTable } from '../../report/text.js';
import { printJson } from '../format.js';
import { addNetworkOptions, addWeightsOptions, networkFromOptions, parseInteger, weightsFromOptions, type NetworkOptions, type WeightsOptions } from '../network-options.js';

interface PrecisionOptions extends NetworkOptions, WeightsOptions {
  formats: string;
  dataset?: string;
  labels?: string;
  samples: string;
  limit?: string;
  maxDrop: string;
  calibrationData?: string;
  json?: boolean;
}

/** The first `count` samples of `inputs` (all when it holds fewer), labelled as such. */
function firstSamples(inputs: EvaluationInputs, count: number): EvaluationInputs {
  check(count >= 1, `--limit and --samples must be at least 1, got ${count}`);
  if (count >= inputs.count) return inputs;
  const sampleSize = inputs.data.length / inputs.count;
  return {
    data: inputs.data.subarray(0, count * sampleSize),
    count,
    ...(inputs.labels ? { labels: inputs.labels.subarray(0, count) } : {}),
    label: `the first ${count} samples of ${inputs.label}`,
  };
}

/** Samples int8 takes its activation ranges from when the dataset provides them. */
const CALIBRATION_SAMPLES = 64;

const percent = (v: number) => `${(100 * v).toFixed(2)}%`;

/** `iotnets precision`: how far each number format moves a network's logits and accuracy from fp32. */
export function register(program: Command): void {
  addWeightsOptions(addNetworkOptions(program.command('precision')))
    .description(
      "logits of a network in each number format against fp32 (max relative error, top-1 agreement); with a labelled dataset, top-1 accuracy per format and the model-optimized float: the fewest bits within --max-drop points (the paper's per-model IEEE 754 reduced type)",
    )
    .option('--formats <list>', 'formats to check: fp16, bf16, int8 and any eXmY', 'fp16,bf16,int8,e5m2,e4m3,e3m4')
    .option('--dataset <file>', 'a CIFAR-10 binary batch (test_batch.bin; normalised with the CIFAR mean/std) or raw float32 inputs of the network\'s shape (pair with --labels)')
    .option('--labels <file>', 'one label byte per input of a raw --dataset')
    .option('--samples <n>', 'seeded random normal inputs when no --dataset is given', '64')
    .option('--limit <n>', 'use only the first n samples of --dataset')
    .option('--max-drop <points>', 'accuracy the model-optimized format may lose, in percentage points', '1')
    .option('--calibration-data <file>', 'int8 activation ranges from these inputs (default: the first 64 dataset samples, or seeded random inputs)')
    .option('--json', 'print the report as JSON')
    .action(async (model: string | undefined, o: PrecisionOptions, command: Command) => {
      const formats = parseFormats(o.formats);
      const maxDrop = Number(o.maxDrop);
      check(Number.isFinite(maxDrop) && maxDrop >= 0 && maxDrop <= 100, `--max-drop must be a number of percentage points in 0..100, got '${o.maxDrop}'`);
      check(o.labels === undefined || o.dataset !== undefined, '--labels needs --dataset (the inputs the labels belong to)');
      const { network, weights: own } = networkFromOptions(model, o);
      const { graph } = network;
      const sampleSize = graph.inputShape.reduce((a, b) => a * b, 1);
      const inputs: EvaluationInputs =
        o.dataset !== undefined
          ? firstSamples(loadDataset(o.dataset, graph.inputShape, graph.numClasses, o.labels), o.limit === undefined ? Infinity : parseInteger(o.limit, '--limit'))
          : randomCalibrationInputs(sampleSize, parseInteger(o.samples, '--samples'), CALIBRATION_SEED + 1);
      const calibration =
        o.calibrationData !== undefined
          ? loadDataset(o.calibrationData, graph.inputShape, graph.numClasses)
          : o.dataset !== undefined
            ? firstSamples(inputs, Math.min(CALIBRATION_SAMPLES, inputs.count))
            : undefined;
      const { weights, source } = await weightsFromOptions(network, own, o, command);
      // ONNX Runtime loads only when this command runs, so other commands start fast.
      const { checkPrecisions } = await import('../../runtime/precision-check-node.js');
      const report = await checkPrecisions(graph, weights, formats, inputs, {
        ...(inputs.labels ? { maxDrop } : {}),
        ...(calibration ? { calibration } : {}),
        ...(process.stderr.isTTY ? { onFormat: (name: string) => process.stderr.write(`\r\x1b[Kchecking ${name}`) } : {}),
      });
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      if (o.json) return printJson({ network: networkLabel(network), weights: source, ...report });
      console.log(`${networkLabel(network)} (${source}) on ${report.inputs}:`);
      const labelled = report.fp32Accuracy !== undefined;
      const header = ['format', 'bits', 'max rel. error', 'top-1 agreement', ...(labelled ? ['accuracy', 'drop (points)'] : [])];
      const rows = report.formats.map((f) => [
        f.format,
        f.bits,
        f.maxRelativeError.toExponential(2),
        percent(f.top1Agreement),
        ...(labelled ? [percent(f.accuracy!), (100 * (report.fp32Accuracy! - f.accuracy!)).toFixed(2)] : []),
      ]);
      console.log(formatTable(header, [['fp32', 32, '0', '100.00%', ...(labelled ? [percent(report.fp32Accuracy!), '0.00'] : [])], ...rows]));
      if (!labelled) {
        console.log('no labels: pass --dataset test_batch.bin (or inputs.f32 with --labels) for accuracy and the model-optimized format');
        return;
      }
      const best = report.optimized;
      console.log(
        best
          ? `model-optimized format: ${best.format} (${best.bits} bits), accuracy ${percent(best.accuracy)}, within ${maxDrop} points of fp32 (${best.tried} float layouts tried)`
          : `no float of at most 16 bits stays within ${maxDrop} points of fp32: deploy in fp16 or fp32`,
      );
    });
}
