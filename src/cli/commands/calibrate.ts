import type { Command } from 'commander';
import { DEFAULT_PROTOCOL } from '../../runtime/protocols.js';
import { parseFormats } from '../../onnx/formats.js';
import { calibrateWithProgress } from '../calibration-run.js';
import { catalogAccuracies } from '../../catalog/accuracy.js';
import { loadAccuracyFile } from '../../catalog/load-file.js';
import { PAPER_ACCURACY } from '../../catalog/paper.js';
import { PROTOCOL_DEFAULTS } from '../../runtime/protocols.js';
import { addMeasurementOptions, nodeEngine, parseMeasurementOptions, type MeasurementOptions } from '../measurement-options.js';
import { addCatalogSelectionOptions, addOnnxSelectionOptions, catalogSelection, onnxSelection, type CatalogSelectionOptions, type OnnxSelectionOptions } from '../catalog-selection.js';
import { check } from '../../errors.js';
import { parseInteger } from '../network-options.js';
import { probesResultsPath, repeatResultsPath } from '../../predict/measured-node.js';
import { LATENCY_PROBES } from '../../zoo/models/latency-probes.js';
import { fitCalibrationSetModel } from '../model-fit.js';

interface CalibrateOptions extends MeasurementOptions, CatalogSelectionOptions, OnnxSelectionOptions {
  out: string;
  accuracy: string;
  force?: boolean;
  deviceName?: string;
  repeat: string;
  precision: string;
}

/** `iotnets calibrate`: times catalog networks on this machine and writes a paper-format results file. */
export function register(program: Command): void {
  addMeasurementOptions(
    addOnnxSelectionOptions(addCatalogSelectionOptions(program.command('calibrate')))
      .addHelpText(
        'after',
        [
          '',
          'Examples:',
          '  full calibration of a device (all 1617 networks, a few minutes on a laptop-class CPU):',
          '    iotnets calibrate --out results/my-device.json',
          '  quick calibration (36 networks over all spaces and laws), as `npm start` runs it:',
          '    iotnets calibrate --quick --out results/quick.json',
          '  20 diverse networks and a latency model for all the others:',
          '    iotnets calibrate --calibration-set 20 --out results/k20.json',
        ].join('\n'),
      )
      .description(
        "time the paper's catalog networks on this machine (all 1617 unless filtered) and write the paper's results " +
          'format (t_avg/t_std in ms) to --out, with a journal of full timing records beside it; resumable: re-run ' +
          `the same command to continue after an interruption. Each network is timed with the ${DEFAULT_PROTOCOL} protocol by ` +
          `default (${PROTOCOL_DEFAULTS.warmup} warm-up runs, then runs for at least ${PROTOCOL_DEFAULTS.minSeconds} s until the ` +
          `median's 95% CI is within ±${100 * PROTOCOL_DEFAULTS.targetRelativeCi}% or ${PROTOCOL_DEFAULTS.budgetSeconds} s per network are spent); ` +
          "--protocol paper reproduces the paper's 10 runs exactly",
      )
      .option('--out <file>', 'results file (JSON array); the journal is <file without .json>.journal.jsonl', 'results.json')
      .option('--accuracy <file>', "accuracies to add (acc and runid) to every result: 'paper' (the built-in NetConfigs.json), a NetConfigs.json-format file or a CSV/JSON mapping of catalog index to accuracy", PAPER_ACCURACY)
      .option('--force', 'add to a results file measured on a different device or setup')
      .option(
        '--precision <list>',
        'deployed forms to time every network in, e.g. fp32,fp16,int8: one results file each (<out>.int8.json beside <out>; fp32 is <out>), same protocol, journal and resume',
        'fp32',
      )
      .option('--device-name <name>', "what reports and titles call this device, e.g. 'lab Raspberry Pi 4' (default: its CPU model)")
      .option('--repeat <n>', 'measure the same networks n times, pass r >= 2 into <out>.repeat<r>.json: the noise floor for `iotnets predict eval --repeat-results`', '1')
  ).action(async (o: CalibrateOptions) => {
    const { settings, protocol } = parseMeasurementOptions(o);
    const passes = parseInteger(o.repeat, '--repeat');
    check(passes >= 1, `--repeat must be at least 1, got ${passes}`);
    const onnx = onnxSelection(o);
    const { indices, calibrationSet } = onnx ? { indices: [], calibrationSet: undefined } : catalogSelection(o);
    const precisions = parseFormats(o.precision);
    check(new Set(precisions.map((p) => p.name)).size === precisions.length, `--precision lists a format twice: ${o.precision}`);
    const accuracy = catalogAccuracies(loadAccuracyFile(o.accuracy));
    const engine = await nodeEngine();
    for (let pass = 1; pass <= passes; pass++) {
      const out = pass === 1 ? o.out : repeatResultsPath(o.out, pass);
      const completed = await calibrateWithProgress({
        indices,
        ...onnx,
        out,
        engine,
        settings,
        protocol,
        accuracy,
        force: o.force === true,
        precisions,
        ...(o.deviceName !== undefined ? { deviceName: o.deviceName } : {}),
      });
      if (!completed) return;
      // The probes price what the catalog's networks never show (kernel calls, weight traffic): measured right after
      // the calibration set, in the same window and with the same settings, and fit with it.
      if (calibrationSet !== undefined) {
        const probed = await calibrateWithProgress({ indices: [], probes: LATENCY_PROBES, out: probesResultsPath(out), engine, settings, protocol, force: o.force === true });
        if (!probed) return;
      }
    }
    if (calibrationSet !== undefined) {
      await fitCalibrationSetModel(o.out);
    }
  });
}
