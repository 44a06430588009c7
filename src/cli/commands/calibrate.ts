import type { Command } from 'commander';
import { calibrate, DEFAULT_CALIBRATION_PROTOCOL } from '../../calibrate/calibrate.js';
import { parseIndexList, selectIndices } from '../../calibrate/subsets.js';
import { catalogAccuracies } from '../../catalog/accuracy.js';
import { loadAccuracyFile } from '../../catalog/load-file.js';
import { deviceLabel } from '../../runtime/device.js';
import { PROTOCOL_DEFAULTS } from '../../runtime/protocols.js';
import { addMeasurementOptions, parseMeasurementOptions, type MeasurementOptions } from '../measurement-options.js';
import { formatDuration, createProgress } from '../progress.js';
import { runInterruptibly } from '../interrupt.js';
import { check } from '../../errors.js';
import { chooseCalibrationSet } from '../../predict/chooser.js';
import { MIN_CALIBRATION_POINTS } from '../../predict/model.js';
import { parseInteger } from '../network-options.js';
import { fitAndSave, modelPathFor, repeatResultsPath } from './predict.js';

interface CalibrateOptions extends MeasurementOptions {
  out: string;
  quick?: boolean;
  space?: string;
  law?: string;
  indices?: string;
  accuracy?: string;
  force?: boolean;
  calibrationSet?: string;
  repeat: string;
}

/** `iotnets calibrate`: times catalog networks on this machine and writes a paper-format results file. */
export function register(program: Command): void {
  addMeasurementOptions(
    program
      .command('calibrate')
      .description(
        "time the paper's catalog networks on this machine (all 1617 unless filtered) and write the paper's results " +
          'format (t_avg/t_std in ms) to --out, with a journal of full timing records beside it; resumable: re-run ' +
          `the same command to continue after an interruption. Each network is timed with the ${DEFAULT_CALIBRATION_PROTOCOL} protocol by ` +
          `default (${PROTOCOL_DEFAULTS.warmup} warm-up runs, then runs until the median's 95% CI is within ` +
          `±${100 * PROTOCOL_DEFAULTS.targetRelativeCi}% or ${PROTOCOL_DEFAULTS.budgetSeconds} s per network are spent); ` +
          "--protocol paper reproduces the paper's 10 runs exactly",
      )
      .option('--out <file>', 'results file (JSON array); the journal is <file without .json>.journal.jsonl', 'results.json')
      .option('--quick', 'only the built-in subset of 36 networks: the smallest and largest of each (space, law) group')
      .option('--space <name>', 'only this search space, e.g. random_net_mobilenetv2')
      .option('--law <law>', 'only this sampling law, e.g. s6')
      .option('--indices <list>', 'only these catalog indices, e.g. 0-99,687')
      .option('--accuracy <file>', "the paper's NetConfigs.json (or a CSV/JSON mapping of catalog index to accuracy): adds acc and runid to every result")
      .option('--force', 'add to a results file measured on a different device or setup')
      .option('--calibration-set <k>', 'only K diverse networks (spread over spaces, laws and work), then fit a latency model on them to <out>.model.json (see `iotnets predict`)')
      .option('--repeat <n>', 'measure the same networks n times, pass r >= 2 into <out>.repeat<r>.json: the noise floor for `iotnets predict eval --repeat-results`', '1'),
    DEFAULT_CALIBRATION_PROTOCOL,
  ).action(async (o: CalibrateOptions) => {
    const { settings, protocol } = parseMeasurementOptions(o);
    check(o.calibrationSet === undefined || o.indices === undefined, 'give --calibration-set or --indices, not both');
    const calibrationSet = o.calibrationSet === undefined ? undefined : parseInteger(o.calibrationSet, '--calibration-set');
    check(calibrationSet === undefined || calibrationSet >= MIN_CALIBRATION_POINTS, `--calibration-set must be at least ${MIN_CALIBRATION_POINTS}, got ${calibrationSet}`);
    const passes = parseInteger(o.repeat, '--repeat');
    check(passes >= 1, `--repeat must be at least 1, got ${passes}`);
    const listed = o.indices !== undefined ? parseIndexList(o.indices) : calibrationSet !== undefined ? chooseCalibrationSet(calibrationSet) : undefined;
    const indices = selectIndices({
      ...(o.space !== undefined ? { space: o.space } : {}),
      ...(o.law !== undefined ? { law: o.law } : {}),
      ...(listed !== undefined ? { indices: listed } : {}),
      quick: o.quick === true,
    });
    const accuracy = o.accuracy === undefined ? undefined : catalogAccuracies(loadAccuracyFile(o.accuracy));
    for (let pass = 1; pass <= passes; pass++) {
      const out = pass === 1 ? o.out : repeatResultsPath(o.out, pass);
      const progress = createProgress();
      const outcome = await runInterruptibly((signal) =>
        calibrate(
          { indices, out, settings, protocol, ...(accuracy ? { accuracy } : {}), force: o.force === true },
          {
            warn: (message) => process.stderr.write(`warning: ${message}\n`),
            start({ journal, device, planned, alreadyMeasured }) {
              process.stderr.write(`device: ${deviceLabel(device)}\n`);
              if (alreadyMeasured > 0) {
                process.stderr.write(`resuming: ${alreadyMeasured} of ${planned} networks are already in ${journal}; skipping them\n`);
              }
              progress.start(planned - alreadyMeasured);
            },
            measured: (m) =>
              progress.tick(`#${m.index} ${m.spacename}/${m.law}/${m.id}  t_avg ${m.t_avg.toFixed(3)} ms  median ${m.median.toFixed(3)} ms`),
          },
          signal,
        ).finally(() => progress.stop()),
      );
      const { result, signal } = outcome;
      const summary = `${result.measured} networks measured in ${formatDuration(result.seconds.wall)}; ${result.total} in ${result.out} (journal ${result.journal})`;
      if (signal) process.exitCode = outcome.exitCode;
      if (result.interrupted) {
        process.stderr.write(`interrupted by ${signal}: ${summary}; re-run the same command to continue\n`);
        return;
      }
      console.log(summary);
    }
    if (calibrationSet !== undefined) {
      const model = await fitAndSave(o.out, modelPathFor(o.out));
      console.log(`latency model of ${model.device.name} fit on ${model.points} networks: ${modelPathFor(o.out)} (use it with \`iotnets predict --device\`)`);
    }
  });
}
