import type { Command } from 'commander';
import { parseIndexList, selectIndices } from '../calibrate/subsets.js';
import { check } from '../errors.js';
import { chooseCalibrationSet } from '../predict/chooser.js';
import { MIN_CALIBRATION_POINTS } from '../predict/model.js';
import { expandOnnxSources } from '../onnx/load-file.js';
import { parseInputSize, parseInteger } from './network-options.js';

/** CLI strings of the options that pick which catalog networks a calibration measures. */
export interface CatalogSelectionOptions {
  quick?: boolean;
  space?: string;
  law?: string;
  indices?: string;
  calibrationSet?: string;
}

/** The catalog networks to measure, and the calibration-set size when a latency model is to be fit on them. */
export interface CatalogSelection {
  readonly indices: readonly number[];
  readonly calibrationSet?: number;
}

/** Adds --quick, --space, --law, --indices and --calibration-set (filters that intersect), shared by `calibrate` and `serve`. */
export function addCatalogSelectionOptions(command: Command): Command {
  return command
    .option('--quick', 'only the built-in subset of 36 networks: the smallest and largest of each (space, law) group')
    .option('--space <name>', 'only this search space, e.g. random_net_mobilenetv2')
    .option('--law <law>', 'only this sampling law, e.g. s6')
    .option('--indices <list>', 'only these catalog indices, e.g. 0-99,687 (the filters intersect: --indices 0-99 --law s6 keeps the s6 networks among 0-99)')
    .option(
      '--calibration-set <k>',
      'only K diverse networks (spread over spaces, laws and work), then fit a latency model on them to <out>.model.json (see `iotnets predict`); calibrate also measures its latency probes into <out>.probes.json and fits on both',
    );
}

/** Resolves the selection options to catalog indices in measuring order, refusing contradictory ones in one line. */
export function catalogSelection(o: CatalogSelectionOptions): CatalogSelection {
  check(o.calibrationSet === undefined || o.indices === undefined, 'give --calibration-set or --indices, not both');
  const calibrationSet = o.calibrationSet === undefined ? undefined : parseInteger(o.calibrationSet, '--calibration-set');
  check(
    calibrationSet === undefined || calibrationSet >= MIN_CALIBRATION_POINTS,
    `--calibration-set must be at least ${MIN_CALIBRATION_POINTS}, got ${calibrationSet}`,
  );
  const listed = o.indices !== undefined ? parseIndexList(o.indices) : calibrationSet !== undefined ? chooseCalibrationSet(calibrationSet) : undefined;
  const indices = selectIndices({
    ...(o.space !== undefined ? { space: o.space } : {}),
    ...(o.law !== undefined ? { law: o.law } : {}),
    ...(listed !== undefined ? { indices: listed } : {}),
    quick: o.quick === true,
  });
  return { indices, ...(calibrationSet !== undefined ? { calibrationSet } : {}) };
}

/** CLI strings of the options that name ONNX files to measure instead of catalog networks. */
export interface OnnxSelectionOptions {
  onnx?: string[];
  inputSize?: string;
}

/** The ONNX files to measure and the input size of those whose input is symbolic. */
export interface OnnxSelection {
  readonly files: readonly string[];
  readonly inputShape?: readonly number[];
}

/** Adds --onnx and --input-size, the alternative to the catalog selection, shared by `calibrate` and `serve`. */
export function addOnnxSelectionOptions(command: Command): Command {
  return command
    .option('--onnx <sources...>', 'your own ONNX models instead of catalog networks: files, directories of them, or list files (one path per line); results carry file name and SHA-256')
    .option('--input-size <CxHxW>', 'with --onnx: input size of models whose input is symbolic, e.g. 3x224x224');
}

/** The ONNX files the options name, or undefined when they select catalog networks; refuses a mix of both in one line. */
export function onnxSelection(o: CatalogSelectionOptions & OnnxSelectionOptions): OnnxSelection | undefined {
  const catalogOptions = (['quick', 'space', 'law', 'indices', 'calibrationSet'] as const).filter((k) => o[k] !== undefined);
  check(o.onnx === undefined || catalogOptions.length === 0, '--onnx measures your files: drop --quick, --space, --law, --indices and --calibration-set');
  check(o.onnx !== undefined || o.inputSize === undefined, '--input-size applies to --onnx files only');
  if (o.onnx === undefined) return undefined;
  return { files: expandOnnxSources(o.onnx), ...(o.inputSize !== undefined ? { inputShape: parseInputSize(o.inputSize) } : {}) };
}
