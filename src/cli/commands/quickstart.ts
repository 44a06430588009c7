import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadDevice } from '../../analysis/results-node.js';
import { DEFAULT_SELECTION_SIZE } from '../../analysis/select.js';
import { journalPathFor } from '../../calibrate/journal.js';
import { selectIndices } from '../../calibrate/subsets.js';
import { catalogAccuracies } from '../../catalog/accuracy.js';
import { loadAccuracyFile } from '../../catalog/load-file.js';
import { PAPER_ACCURACY, paperResultsReference } from '../../catalog/paper.js';
import { checkOutputDirectory } from '../../io/files-node.js';
import { parseFormats } from '../../onnx/formats.js';
import { DEFAULT_MEMORY_FORMATS } from '../../report/report.js';
import { DEFAULT_PROTOCOL } from '../../runtime/protocols.js';
import { calibrateWithProgress } from '../calibration-run.js';
import { nodeEngine, parseMeasurementOptions } from '../measurement-options.js';

interface QuickstartOptions {
  out: string;
  fresh?: boolean;
}

/** `iotnets quickstart`: the main job on its built-in default: calibrate this machine quickly, then report. */
export function register(program: Command): void {
  program
    .command('quickstart')
    .description(
      'the main job on a built-in default: time the quick subset (36 networks over all spaces and laws) on this machine, ' +
        "then write the report of this machine against the paper's Raspberry Pi, and the paper's two devices against each other " +
        '(the paper data is built in)',
    )
    .option('--out <dir>', 'where results and reports go', 'out/quickstart')
    .option('--fresh', 'discard the measurements of an earlier quickstart in --out and measure again')
    .action(async (o: QuickstartOptions) => {
      checkOutputDirectory(o.out, 'out');
      const results = join(o.out, 'this-machine.json');
      const journal = journalPathFor(results);
      if (o.fresh) {
        rmSync(results, { force: true });
        rmSync(journal, { force: true });
      } else if (existsSync(journal)) {
        console.log(`reusing the measurements of an earlier quickstart in ${journal} (pass --fresh to measure again)`);
      }
      mkdirSync(o.out, { recursive: true });
      // What `calibrate --quick` does with its defaults: the adaptive protocol, all cores, fp32, the paper's accuracies.
      const { settings, protocol } = parseMeasurementOptions({ protocol: DEFAULT_PROTOCOL });
      const plan = { indices: selectIndices({ quick: true }), out: results, engine: await nodeEngine(), settings, protocol, accuracy: catalogAccuracies(loadAccuracyFile(PAPER_ACCURACY)) };
      if (!(await calibrateWithProgress(plan))) return;
      const { describeReport, writeReport } = await import('../../report/write-node.js');
      const [raspi, macbook] = [paperResultsReference('raspi'), paperResultsReference('macbook')];
      const reports: [string, string, string][] = [
        [join(o.out, 'report.html'), results, raspi],
        [join(o.out, 'raspi', 'report.html'), raspi, macbook],
        [join(o.out, 'macbook', 'report.html'), macbook, raspi],
      ];
      const warn = (line: string) => process.stderr.write(`${line}\n`);
      for (const [output, device, other] of reports) {
        const [mine, theirs] = [await loadDevice({ results: device, memory: true, warn }), await loadDevice({ results: other, warn })];
        const input = { device: mine, compare: theirs, formats: parseFormats(DEFAULT_MEMORY_FORMATS), memoryPart: 'total', k: DEFAULT_SELECTION_SIZE, sources: [...new Set([...mine.sources, ...theirs.sources])] } as const;
        const { model, written } = await writeReport(input, output, { figures: true });
        console.log(describeReport(model));
        for (const file of written) console.log(`wrote ${file}`);
      }
      console.log(`\nOpen the report of this machine in a browser: file://${resolve(reports[0]![0])}`);
      console.log(`The paper's devices: ${reports.slice(1).map(([f]) => f).join(' and ')}`);
    });
}
