import type { Command } from 'commander';
import { check } from '../errors.js';
import type { Graph } from '../graph/graph.js';
import type { StateDict } from '../graph/tensor.js';
import { loadDataset } from '../io/datasets.js';
import { readOnnxModel } from '../onnx/read.js';
import { parseFormat, type NumberFormat } from '../onnx/formats.js';
import { exportInPrecision, type CalibrationInputs } from '../runtime/precision.js';
import { nodeEngine } from './measurement-options.js';

/** CLI strings of the options that choose the precision a network is exported in. */
export interface PrecisionCliOptions {
  precision?: string;
  calibrationData?: string;
}

/** Adds --precision and --calibration-data (int8's activation ranges). */
export function addPrecisionOptions(command: Command): Command {
  return command
    .option('--precision <format>', 'deploy in fp32, fp16 (float16 weights, half the file), int8 (QDQ) or a custom float eXmY (weights rounded, e.g. e4m3)', 'fp32')
    .option(
      '--calibration-data <file>',
      "int8: inputs whose activation ranges set the scales: a CIFAR-10 batch (.bin) or raw float32 inputs of the network's shape (default: 32 seeded random normal inputs)",
    );
}

/** The precision and calibration inputs the options ask for, checked against `graph` before any work. */
export function precisionFromOptions(o: PrecisionCliOptions, graph: Graph): { precision: NumberFormat; calibration?: CalibrationInputs } {
  const precision = parseFormat(o.precision ?? 'fp32');
  if (o.calibrationData === undefined) return { precision };
  check(precision.name === 'int8', `--calibration-data only applies to --precision int8, not ${precision.name}; drop it`);
  return { precision, calibration: loadDataset(o.calibrationData, graph.inputShape, graph.numClasses) };
}

/** The ONNX bytes of `graph` in the precision the options ask for, and what the model's metadata says about it. */
export async function exportWithOptions(o: PrecisionCliOptions, graph: Graph, weights: StateDict, file: string): Promise<{ bytes: Uint8Array; notes: string[] }> {
  const { precision, calibration } = precisionFromOptions(o, graph);
  const bytes = await exportInPrecision(await nodeEngine(), graph, weights, precision, calibration);
  const notes = (readOnnxModel(bytes, file).metadataProps ?? [])
    .filter((m) => m.key !== 'iotnets.precision')
    .map((m) => `${m.key!.replace(/^iotnets\./, '')}: ${m.value}`);
  return { bytes, notes };
}
