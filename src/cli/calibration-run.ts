import { calibrate, type CalibrationPlan } from '../calibrate/calibrate.js';
import { precisionSpeedups } from '../calibrate/precision-speedup.js';
import { FP32 } from '../onnx/formats.js';
import { counted } from '../plural.js';
import { deviceLabel } from '../runtime/device.js';
import { runInterruptibly } from './interrupt.js';
import { createProgress, formatDuration, measurementLine } from './progress.js';

/**
 * One calibration as the CLI runs it (calibrate and quickstart): device and resume lines, a progress bar, the
 * summary and each precision's speed-up over fp32; Ctrl-C stops it cleanly. False when it was interrupted (the exit
 * code is set then).
 */
export async function calibrateWithProgress(plan: CalibrationPlan): Promise<boolean> {
  const precisions = plan.precisions?.length ?? 1;
  const progress = createProgress();
  const outcome = await runInterruptibly((signal) =>
    calibrate(
      plan,
      {
        warn: (message) => process.stderr.write(`warning: ${message}\n`),
        start({ journal, device, planned, alreadyMeasured }) {
          process.stderr.write(`device: ${deviceLabel(device)}\n`);
          if (alreadyMeasured > 0) {
            const where = precisions === 1 ? `${counted(planned, 'network')} are already in ${journal}` : `${planned} measurements (networks x precisions) are already in the journals`;
            process.stderr.write(`resuming: ${alreadyMeasured} of ${where}; skipping them\n`);
          }
          progress.start(planned - alreadyMeasured);
        },
        measured: (m) => progress.tick(measurementLine(m)),
      },
      signal,
    ).finally(() => progress.stop()),
  );
  const { result, signal } = outcome;
  const written =
    result.files.length === 1
      ? `${result.total} in ${result.out} (journal ${result.journal})`
      : `${result.files.map((f) => `${f.precision}: ${f.total} in ${f.out}`).join(', ')} (journals beside them)`;
  const summary = `${counted(result.measured, precisions === 1 ? 'network' : 'measurement')} measured in ${formatDuration(result.seconds.wall)}; ${written}`;
  if (signal) process.exitCode = outcome.exitCode;
  if (result.interrupted) {
    process.stderr.write(`interrupted by ${signal}: ${summary}; re-run the same command to continue\n`);
    return false;
  }
  console.log(summary);
  const fp32 = result.files.find((f) => f.precision === FP32.name);
  if (fp32 !== undefined) {
    for (const s of precisionSpeedups(fp32.out, result.files.filter((f) => f !== fp32))) {
      const slower = s.slower.map((n) => `${n.network} ${n.speedup.toFixed(2)}x`).join(', ');
      console.log(
        `${s.precision}: median ${s.medianSpeedup.toFixed(2)}x the speed of fp32 over ${s.networks} networks; ` +
          (s.slower.length === 0 ? 'faster on every one' : `slower on ${s.slower.length}: ${slower}`),
      );
    }
  }
  return true;
}
