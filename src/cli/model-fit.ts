import { describeLatencyStatistic } from '../analysis/results.js';
import { fitAndSave, modelPathFor, type FittedModel } from '../predict/measured-node.js';

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The line saying how well a fit predicts its own calibration networks, each left out in turn. */
export function fitQualityLine({ model, quality }: FittedModel): string {
  return (
    `fit quality, each of the ${model.points} calibration networks predicted by a fit on the others: ` +
    `median error ${percent(quality.looMdape)}, Spearman rho ${quality.looSpearman.toFixed(3)}`
  );
}

/** After a calibration set is measured (calibrate or serve): fits its latency model beside the results file and says where it went. */
export async function fitCalibrationSetModel(results: string): Promise<void> {
  const path = modelPathFor(results);
  const fitted = await fitAndSave(results, path);
  console.log(fitQualityLine(fitted));
  const { model, statistic } = fitted;
  console.log(`latency model of ${model.device.name} fit on ${model.points} networks (${describeLatencyStatistic(statistic)}): ${path} (use it with \`iotnets predict --device\`)`);
}
