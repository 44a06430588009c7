import type { Command } from 'commander';
import { comparePairs, catalogDevice } from '../../analysis/crossdevice.js';
import { paperResultsReference } from '../../catalog/paper.js';
import { loadDevice } from '../../analysis/results-node.js';
import { formatTable } from '../../report/text.js';
import { formatCsv, printJson } from '../format.js';

interface CompareOptions {
  results: string[];
  accuracy?: string;
  skipInvalid?: boolean;
  json?: boolean;
  csv?: boolean;
}

const points = (x: number) => `${(x * 100).toFixed(2)} pp`;

/** `iotnets compare`: every pair of devices: latency rank correlation and the accuracy lost by choosing on the wrong one. */
export function register(program: Command): void {
  program
    .command('compare')
    .description(
      "every pair of devices: Spearman rank correlation of their latencies over the networks both measured, and the accuracy lost by choosing from one device's Pareto front for the other",
    )
    .option(
      '--results <file>',
      "a device's results (repeat for each device): files from `iotnets calibrate`/`serve`/`predict`, or paper:raspi, paper:macbook (default: the two paper devices)",
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--accuracy <file>', "accuracies: 'paper' or a file (default: acc in each results file, else 'paper')")
    .option('--skip-invalid', 'analyse the usable entries and warn about the rest instead of failing')
    .option('--json', 'print the pairs as JSON (losses as fractions)')
    .option('--csv', 'print the pairs as CSV (losses as fractions)')
    .action(async (o: CompareOptions) => {
      const files = o.results.length > 0 ? o.results : [paperResultsReference('raspi'), paperResultsReference('macbook')];
      const devices = [];
      for (const results of files) {
        devices.push(
          await loadDevice({
            results,
            ...(o.accuracy !== undefined ? { accuracy: o.accuracy } : {}),
            skipInvalid: o.skipInvalid === true,
            warn: (line) => process.stderr.write(`${line}\n`),
          }),
        );
      }
      const pairs = comparePairs(devices.map(catalogDevice));
      if (o.json) return printJson({ devices: devices.map((d) => d.name), pairs });
      if (o.csv) {
        return console.log(
          formatCsv(
            ['a', 'b', 'networks', 'spearman', 'a_front_on_b_mean_loss', 'a_front_on_b_max_loss', 'b_front_on_a_mean_loss', 'b_front_on_a_max_loss'],
            pairs.map((p) => [p.a, p.b, p.common, p.latencyRho, p.aFrontOnB.meanAccuracyLoss, p.aFrontOnB.maxAccuracyLoss, p.bFrontOnA.meanAccuracyLoss, p.bFrontOnA.maxAccuracyLoss]),
          ),
        );
      }
      console.log(`${devices.length} devices, every pair over the networks both measured:`);
      console.log(
        formatTable(
          ['A', 'B', 'networks', 'Spearman rho', "A's front on B: mean loss", 'max loss', "B's front on A: mean loss", 'max loss'],
          pairs.map((p) => [
            p.a,
            p.b,
            p.common,
            p.latencyRho.toFixed(3),
            points(p.aFrontOnB.meanAccuracyLoss),
            points(p.aFrontOnB.maxAccuracyLoss),
            points(p.bFrontOnA.meanAccuracyLoss),
            points(p.bFrontOnA.maxAccuracyLoss),
          ]),
        ),
      );
      console.log(
        "loss: at each budget set by a member of the target device's own front, the accuracy it gives up by taking the best network of the other device's front that fits (percentage points)",
      );
    });
}
